// Laws the dsp routines must obey on arbitrary inputs (fast-check), checked
// against brute-force definitions where one is cheap.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { convolveSame } from "../../src/dsp/convolve.js";
import { correlateValid } from "../../src/dsp/fir.js";
import { gaussianFilter1d, gaussianKernel } from "../../src/dsp/gaussian.js";
import { medianFilter } from "../../src/dsp/median-filter.js";
import { slidingRankOnGrid } from "../../src/dsp/median-quantized.js";
import { reflectExtend, reflectIndex } from "../../src/dsp/reflect.js";
import { resample } from "../../src/dsp/resample.js";
import { median, selectInPlace } from "../../src/dsp/stats.js";

// -0 is mapped to 0: order statistics may return either zero, which strict equality would tell apart.
const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);
const signal = (minLength = 0, maxLength = 300) =>
  fc.array(finite, { minLength, maxLength }).map((a) => Float64Array.from(a));

function bruteMedianFilter(x: Float64Array, k: number): Float64Array {
  const h = k >> 1;
  const out = new Float64Array(x.length);
  const win = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < k; j++) win[j] = x[reflectIndex(i - h + j, x.length)]!;
    win.sort();
    out[i] = win[h]!;
  }
  return out;
}

test("median filter equals the brute-force rank-floor(k/2) definition", () => {
  fc.assert(
    fc.property(signal(1, 120), fc.integer({ min: 1, max: 90 }), (x, k) => {
      assert.deepEqual(medianFilter(x, k), bruteMedianFilter(x, k));
    }),
    { numRuns: 300 },
  );
});

test("median filter handles heavy ties exactly", () => {
  const small = fc
    .array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 200 })
    .map((a) => Float64Array.from(a));
  fc.assert(
    fc.property(small, fc.integer({ min: 1, max: 60 }), (x, k) => {
      assert.deepEqual(medianFilter(x, k), bruteMedianFilter(x, k));
    }),
    { numRuns: 200 },
  );
});

test("median filter of a monotone signal is monotone and equals it away from the edges (odd k <= length)", () => {
  // (With k > length the repeated reflection is not monotone, e.g. [a, b], k = 5 -> [b, a].)
  fc.assert(
    fc.property(signal(1, 200), fc.integer({ min: 0, max: 40 }), (raw, hh) => {
      const x = raw.slice().sort();
      const h = Math.min(hh, (x.length - 1) >> 1);
      const k = 2 * h + 1;
      const y = medianFilter(x, k);
      for (let i = 1; i < y.length; i++) assert.ok(y[i]! >= y[i - 1]!);
      for (let i = h; i < x.length - h; i++) assert.equal(y[i], x[i]);
    }),
  );
});

test("gaussian filter preserves a constant and sums its taps to one", () => {
  fc.assert(
    fc.property(
      finite,
      fc.integer({ min: 1, max: 3000 }),
      fc.double({ min: 0.001, max: 150, noNaN: true }),
      (c, n, sigma) => {
        const y = gaussianFilter1d(new Float64Array(n).fill(c), sigma);
        for (const v of y) assert.ok(Math.abs(v - c) <= 1e-12 * Math.max(1, Math.abs(c)));
        const w = gaussianKernel(sigma);
        let s = 0;
        for (const v of w) s += v;
        assert.ok(Math.abs(s - 1) < 1e-14);
      },
    ),
    { numRuns: 60 },
  );
});

test("FFT and direct FIR paths agree", () => {
  fc.assert(
    fc.property(signal(200, 3000), fc.integer({ min: 48, max: 100 }), (x, lh) => {
      const h = new Float64Array(lh);
      for (let m = 0; m < lh; m++) h[m] = Math.cos(m) / (m + 1);
      const fast = correlateValid(x, h);
      assert.equal(fast.length, x.length - lh + 1);
      let scale = 1;
      for (const v of x) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < fast.length; i++) {
        let s = 0;
        for (let m = 0; m < lh; m++) s += h[m]! * x[i + m]!;
        assert.ok(Math.abs(fast[i]! - s) <= 1e-12 * scale * lh, `${i}: ${fast[i]} vs ${s}`);
      }
    }),
    { numRuns: 25 },
  );
});

test('convolveSame(a, b, "direct") is the plain ascending sum, bit for bit, for kernels of any length', () => {
  fc.assert(
    fc.property(signal(0, 400), signal(1, 120), (a, b) => {
      const y = convolveSame(a, b, "direct");
      const off = (b.length - 1) >> 1;
      for (let i = 0; i < a.length; i++) {
        let s = 0;
        for (let j = Math.max(0, i + off - b.length + 1); j <= Math.min(a.length - 1, i + off); j++)
          s += a[j]! * b[i + off - j]!;
        assert.equal(y[i], s, `[${i}]`);
      }
    }),
    { numRuns: 60 },
  );
});

test("convolveSame keeps the length of its first argument and matches the definition", () => {
  fc.assert(
    fc.property(signal(0, 80), signal(1, 30), (a, b) => {
      const y = convolveSame(a, b);
      assert.equal(y.length, a.length);
      const off = (b.length - 1) >> 1;
      for (let i = 0; i < a.length; i++) {
        let s = 0;
        for (let m = 0; m < b.length; m++) {
          const q = i + off - m;
          if (q >= 0 && q < a.length) s += b[m]! * a[q]!;
        }
        assert.ok(Math.abs(y[i]! - s) <= 1e-9 * (1 + Math.abs(s)) * 1e3);
      }
    }),
  );
});

test("np.median semantics: middle value, or mean of the two middle values", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), (arr) => {
      const s = Float64Array.from(arr).sort();
      const n = s.length;
      const want = n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
      assert.equal(median(arr), want);
    }),
  );
  // Large inputs take the histogram path: clustered values, outliers, many ties.
  const big = fc.array(fc.oneof(finite, fc.integer({ min: -5, max: 5 }), fc.constant(1e6)), {
    minLength: 4096,
    maxLength: 12000,
  });
  fc.assert(
    fc.property(big, (arr) => {
      const s = Float64Array.from(arr).sort();
      const n = s.length;
      const want = n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
      assert.equal(median(Float64Array.from(arr)), want);
    }),
    { numRuns: 40 },
  );
  // Sorted, reversed and constant runs defeat a strided sample's bracket: the exact fallback answers.
  for (const n of [20000, 20001]) {
    const up = Float64Array.from({ length: n }, (_, i) => i);
    const want = n % 2 ? (n - 1) / 2 : (n / 2 - 1 + n / 2) / 2;
    assert.equal(median(up), want);
    assert.equal(median(up.slice().reverse()), want);
    const steps = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    assert.equal(median(steps), n % 2 ? 0 : 0.5);
    const withNaN = up.slice();
    withNaN[n - 3] = Number.NaN;
    assert.ok(Number.isNaN(median(withNaN)));
  }
  assert.equal(median([1e308, Number.POSITIVE_INFINITY, 1e308]), 1e308);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([1, Number.NaN, 2])));
});

test("selectInPlace partitions around the k-th element", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 300 }), fc.nat(), (arr, kk) => {
      const a = Float64Array.from(arr);
      const k = kk % a.length;
      const v = selectInPlace(a, k);
      assert.equal(v, Float64Array.from(arr).sort()[k]);
      for (let i = 0; i < k; i++) assert.ok(a[i]! <= v);
      for (let i = k + 1; i < a.length; i++) assert.ok(a[i]! >= v);
    }),
  );
});

test("resampling at equal rates is an identity copy", () => {
  fc.assert(
    fc.property(signal(0, 100), fc.integer({ min: 1, max: 200000 }), (x, hz) => {
      const y = resample(x, hz, hz);
      assert.deepEqual(y, x);
      assert.notEqual(y, x);
    }),
  );
});

test("resampled length is ceil(f32(n * L / o)) and a constant stays constant away from the edges", () => {
  const rates = fc.constantFrom(8000, 16000, 44100, 48000, 96000, 97656);
  fc.assert(
    fc.property(rates, rates, fc.integer({ min: 0, max: 3000 }), (orig, neu, L) => {
      const y = resample(new Float64Array(L).fill(1), orig, neu, { precision: "float64" });
      const g = gcdOf(orig, neu);
      assert.equal(y.length, orig === neu ? L : Math.ceil(Math.fround(((neu / g) * L) / (orig / g))));
      // Away from the zero-padded edges the gain is ~1 (rolloff 0.99, Hann-windowed sinc).
      const margin = Math.ceil((neu / Math.min(orig, neu)) * 40);
      for (let i = margin; i < y.length - margin; i++)
        assert.ok(Math.abs(y[i]! - 1) < 2e-3, `${orig}->${neu} [${i}] ${y[i]}`);
    }),
    { numRuns: 40 },
  );
});

function gcdOf(a: number, b: number): number {
  return b === 0 ? a : gcdOf(b, a % b);
}

// AC1 traces are int16 counts times a scale: many ties, slow drift and, in
// artifacts, sustained jumps of thousands of levels.
test("median filter on int16-count traces times a scale equals the definition", () => {
  const scales = [0.030517578125, 0.0123, 1 / 3, 2.5e-4];
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 20, maxLength: 400 }),
      fc.integer({ min: 16, max: 200 }),
      fc.constantFrom(...scales),
      fc.boolean(),
      (counts, k, scale, jumps) => {
        const x = Float64Array.from(counts, (c, i) => {
          // Slow drift plus, optionally, sustained jumps of thousands of levels.
          const level = jumps ? c >> 6 : c;
          const shift = jumps && i % 97 < 40 ? 1300 : 0;
          return Math.max(-32768, Math.min(32767, level + shift)) * scale;
        });
        assert.deepEqual(medianFilter(x, k), bruteMedianFilter(x, k));
      },
    ),
    { numRuns: 150 },
  );
});

test("median filter on a tied grid with one odd value and with NaN", () => {
  const x = Float64Array.from({ length: 500 }, (_, i) => ((i * 7919) % 301) * 0.05);
  x[123] = 3.2625; // between grid levels 65 and 66
  assert.deepEqual(medianFilter(x, 64), bruteMedianFilter(x, 64));
  x[123] = Number.NaN; // unspecified output, but no throw and the right length
  assert.equal(medianFilter(x, 64).length, 500);
});

test("the counting path is taken for int16 counts times a scale and refused for continuous or off-grid data", () => {
  const counts = Float64Array.from({ length: 3000 }, (_, i) =>
    Math.round(800 * Math.sin(i / 50) + ((i * 7919) % 41)),
  );
  const onGrid = counts.map((c) => c * 0.0123);
  const k = 101;
  const half = k >> 1;
  const ext = reflectExtend(onGrid, half, k - 1 - half);
  const fast = slidingRankOnGrid(ext, k, half, onGrid.length);
  assert.ok(fast !== null, "grid path must accept int16 counts times a scale");
  assert.deepEqual(fast, bruteMedianFilter(onGrid, k));
  const continuous = onGrid.map((v, i) => v + Math.sin(i) * 1e-3);
  assert.equal(
    slidingRankOnGrid(reflectExtend(continuous, half, k - 1 - half), k, half, onGrid.length),
    null,
  );
  const oneOff = onGrid.slice();
  oneOff[2000] = oneOff[2000]! + 0.004; // off the grid far from the start: caught by the full check
  assert.equal(slidingRankOnGrid(reflectExtend(oneOff, half, k - 1 - half), k, half, onGrid.length), null);
  assert.deepEqual(medianFilter(oneOff, k), bruteMedianFilter(oneOff, k));
});
