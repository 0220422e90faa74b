// Laws and edge cases of the AC1 preprocessing (pipeline.md sections 4-8).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SEGMENT_RAMP_MS, spliceSegments } from "../../src/ac1/asari.js";
import {
  binResponse,
  binSamples,
  DEFAULT_GATING_THRESHOLDS,
  gateRepeats,
  maxAbsIgnoringNaN,
  medgauss,
  medianWindowSamples,
  rampInPlace,
  rampSegment,
  spikePsth,
  stepFraction,
} from "../../src/preprocess/index.js";
import { mulberry32 } from "../../src/random/index.js";

const finite = fc.double({ min: -200, max: 200, noNaN: true, noDefaultInfinity: true });

test("binning a constant gives the constant; bin count is floor(L / block), or 1 for a short trace", () => {
  fc.assert(
    fc.property(
      finite,
      fc.integer({ min: 0, max: 2000 }),
      fc.constantFrom(4000, 10000, 44100),
      fc.double({ min: 0.05, max: 20, noNaN: true }),
      (c, L, sf, dt) => {
        const block = binSamples(sf, dt);
        const y = binResponse(new Float64Array(L).fill(c), sf, dt);
        const want = L === 0 ? 0 : L < block ? 1 : Math.floor(L / block);
        assert.equal(y.length, want);
        for (const v of y) assert.ok(Math.abs(v - c) <= 1e-12 * Math.max(1, Math.abs(c)));
      },
    ),
  );
  assert.equal(binSamples(44100, 5), 220); // round(220.5) = 220
  assert.equal(binSamples(1000, 2.5), 2); // round(2.5) = 2
  assert.equal(binSamples(100, 1), 1);
});

test("ramp: zero at both ends, untouched in the middle, n capped at half the length", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 0, maxLength: 300 }), (arr) => {
      const x = Float64Array.from(arr);
      const y = rampSegment(x, 10000, 5); // n = 50
      assert.equal(y.length, x.length);
      const n = Math.min(50, x.length >> 1);
      if (n > 0) {
        assert.ok(y[0] === 0 && y[x.length - 1] === 0);
      }
      for (let i = n; i < x.length - n; i++) assert.equal(y[i], x[i]);
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i]!) <= Math.abs(x[i]!));
    }),
  );
  assert.deepEqual(rampSegment(Float64Array.of(3), 10000), Float64Array.of(3));
});

test("ramp in place on a subarray equals the ramped copy and leaves the rest alone", () => {
  fc.assert(
    fc.property(
      fc.array(finite, { minLength: 0, maxLength: 400 }),
      fc.nat(50),
      fc.nat(50),
      fc.constantFrom(4000, 10000, 44100, 97656),
      (arr, before, after, sf) => {
        const x = Float64Array.from(arr);
        const host = new Float64Array(before + x.length + after).fill(7);
        host.set(x, before);
        const seg = host.subarray(before, before + x.length);
        assert.equal(rampInPlace(seg, sf, 5), seg);
        assert.deepEqual(Float64Array.from(seg), rampSegment(x, sf, 5));
        for (let i = 0; i < before; i++) assert.equal(host[i], 7);
        for (let i = before + x.length; i < host.length; i++) assert.equal(host[i], 7);
      },
    ),
  );
});

test("Asari splicing is the concatenation of the ramped segments, bit for bit", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(finite, { minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(10000, 44100, 97656, 97656.25),
      (parts, sfHz) => {
        const segments = parts.map((p) => ({ samples: Float64Array.from(p), sfHz, description: "" }));
        const want: number[] = [];
        for (const s of segments) want.push(...rampSegment(s.samples, s.sfHz, SEGMENT_RAMP_MS));
        assert.deepEqual(spliceSegments(segments), Float64Array.from(want));
      },
    ),
  );
});

test("medgauss removes a constant exactly and keeps the length", () => {
  fc.assert(
    fc.property(finite, fc.integer({ min: 1, max: 3000 }), (c, L) => {
      const y = medgauss(new Float64Array(L).fill(c), 10000);
      assert.equal(y.length, L);
      for (const v of y) assert.ok(Math.abs(v) <= 1e-12 * Math.max(1, Math.abs(c)));
    }),
    { numRuns: 40 },
  );
  assert.equal(medianWindowSamples(100, 10000), 1000);
  assert.equal(medianWindowSamples(0.25, 10000), 2); // round(2.5)
  assert.equal(medgauss(new Float64Array(0), 10000).length, 0);
});

test("medgauss into a given output equals a fresh result; the output may not be the input", () => {
  const next = mulberry32(3);
  const x = Float64Array.from(
    { length: 20000 },
    (_, i) => Math.round(Math.sin(i / 300) * 400 + next() * 50) * 0.03,
  );
  const fresh = medgauss(x, 10000);
  const out = new Float64Array(x.length).fill(Number.NaN);
  assert.equal(medgauss(x, 10000, 100, 10, out), out);
  assert.deepEqual(out, fresh);
  assert.throws(() => medgauss(x, 10000, 100, 10, x), RangeError);
  assert.throws(() => medgauss(x, 10000, 100, 10, x.subarray(0, 100)), RangeError);
});

test("a repeat flat at the rail detrends to an exactly flat trace: its cross-trial r is 0 (xcorr)", () => {
  // scipy's gaussian_filter1d sums a constant input in the same order at every
  // sample, so the reference's detrended flat trace is exactly constant, its
  // centred sums are 0 and r = 0 / (0 + 1e-12) = 0: with R >= 3 it is "xcorr".
  const rail = 32767 * 0.0125;
  for (const sf of [4000, 10000]) {
    const L = Math.round(0.4 * sf);
    const y = medgauss(new Float64Array(L).fill(rail), sf);
    assert.ok(y.every((v) => v === y[0]));
    assert.ok(Math.abs(y[0] as number) < 1e-11);
    const wave = (phase: number) =>
      Float64Array.from(
        { length: L },
        (_, i) => 5 * Math.sin((2 * Math.PI * i) / (0.05 * sf)) + phase * ((i * 7) % 3),
      );
    const g = gateRepeats([wave(0), wave(0.1), new Float64Array(L).fill(rail), wave(0.2)], sf, {
      gating: DEFAULT_GATING_THRESHOLDS,
      detrendMedMs: 100,
      detrendGaussMs: 10,
    });
    assert.deepEqual(g.fates, ["kept", "kept", "xcorr", "kept"]);
    assert.equal(g.stats[2]?.r, 0);
  }
});

test("PSTH is non-negative with one value per sample", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 0, maxLength: 800 }), (arr) => {
      const y = spikePsth(Float64Array.from(arr), 10000);
      assert.equal(y.length, arr.length);
      for (const v of y) assert.ok(v >= 0);
    }),
    { numRuns: 50 },
  );
});

test("range statistic ignores NaN; step fraction is 0 below three samples", () => {
  assert.equal(maxAbsIgnoringNaN(Float64Array.of(Number.NaN, -3, 2)), 3);
  assert.ok(Number.isNaN(maxAbsIgnoringNaN(Float64Array.of(Number.NaN))));
  assert.ok(Number.isNaN(maxAbsIgnoringNaN(new Float64Array(0))));
  assert.equal(stepFraction(Float64Array.of(0, 100), 10000, 30), 0);
  assert.equal(stepFraction(Float64Array.of(0, 100, 0), 10000, 30), 1 / 3);
});

test("gating: no repeats, all-empty repeats, and a NaN sample outside the range test", () => {
  const opts = { gating: DEFAULT_GATING_THRESHOLDS, detrendMedMs: 100, detrendGaussMs: 10 };
  assert.deepEqual(gateRepeats([], 10000, opts), { kept: [], detrended: [], fates: [], stats: [] });
  const empty = gateRepeats([new Float64Array(0), new Float64Array(0), new Float64Array(0)], 10000, opts);
  assert.deepEqual(empty.fates, ["range", "range", "range"]);
  assert.equal(empty.kept.length, 0);
  assert.deepEqual(
    empty.stats.map((s) => s.r),
    [1, 1, 1],
  );
  // Defaults from pipeline.md section 5.
  assert.deepEqual(
    { ...DEFAULT_GATING_THRESHOLDS },
    { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0.05 },
  );
  assert.ok(Object.isFrozen(DEFAULT_GATING_THRESHOLDS));
});
