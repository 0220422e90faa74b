// The dsp routines against golden vectors computed with numpy/scipy from
// pipeline.md's definitions (test/fixtures/dsp/make_goldens.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { bandCentersHz, bandCount } from "../../src/dsp/bands.js";
import { convolveSame } from "../../src/dsp/convolve.js";
import { gaussianFilter1d } from "../../src/dsp/gaussian.js";
import { medianFilter } from "../../src/dsp/median-filter.js";
import { resample } from "../../src/dsp/resample.js";
import { logSpectrogram } from "../../src/dsp/spectrogram.js";
import { mean, median, std } from "../../src/dsp/stats.js";
import { hamming, hann } from "../../src/dsp/windows.js";
import { assertClose, evalRecipe, goldenArray, goldenCases } from "./golden.js";

const REL = 1e-9;

test("mean, std and median match numpy", () => {
  for (const c of goldenCases("stats")) {
    const x = evalRecipe(c.input);
    for (const [name, fn] of [
      ["mean", mean],
      ["std", std],
      ["median", median],
    ] as const) {
      const want = c[name] as number;
      const got = fn(x);
      assert.ok(
        Math.abs(got - want) <= REL * Math.max(1, Math.abs(want)),
        `${c.name} ${name}: ${got} vs ${want}`,
      );
    }
  }
});

test("pairwise summation makes mean and std bit-identical to numpy on random data", () => {
  let identical = 0;
  const cases = goldenCases("stats");
  for (const c of cases) {
    const x = evalRecipe(c.input);
    if (mean(x) === c.mean && std(x) === c.std) identical++;
  }
  assert.equal(identical, cases.length);
});

test("hann and hamming match np.hanning / np.hamming", () => {
  for (const c of goldenCases("window")) {
    assertClose(hann(c.M as number), goldenArray(c.hann), 1e-15, `${c.name} hann`);
    assertClose(hamming(c.M as number), goldenArray(c.hamming), 1e-15, `${c.name} hamming`);
  }
});

test("band count and centre frequencies", () => {
  for (const c of goldenCases("bands")) {
    const args = [c.fminHz as number, c.fmaxHz as number, c.binsPerOctave as number] as const;
    assert.equal(bandCount(...args), c.F, c.name);
    assertClose(bandCentersHz(...args), goldenArray(c.freqsHz), 1e-14, c.name);
  }
});

test("median filter matches scipy.ndimage.median_filter (reflect, upper middle for even k)", () => {
  for (const c of goldenCases("medianFilter")) {
    const got = medianFilter(evalRecipe(c.input), c.k as number);
    // An order statistic picks an input value: exact equality.
    assert.deepEqual(Array.from(got), Array.from(goldenArray(c.expected)), c.name);
  }
});

test("gaussian filter matches scipy.ndimage.gaussian_filter1d to 1e-12", () => {
  for (const c of goldenCases("gaussian")) {
    const got = gaussianFilter1d(evalRecipe(c.input), c.sigma as number);
    assertClose(got, goldenArray(c.expected), 1e-12, c.name);
  }
});

test("convolveSame follows section 3 (np.convolve 'same' when La >= Lb)", () => {
  for (const c of goldenCases("convolveSame")) {
    const got = convolveSame(evalRecipe(c.a), evalRecipe(c.b));
    assertClose(got, goldenArray(c.expected), 1e-12, c.name);
  }
});

test("log-spectrogram within 0.01 dB of the float64 definition for bins within 80 dB of the max", () => {
  for (const c of goldenCases("spectrogram")) {
    const y = evalRecipe(c.input);
    const opts = {
      dtMs: c.dtMs as number,
      fminHz: c.fminHz as number,
      fmaxHz: c.fmaxHz as number,
      binsPerOctave: c.binsPerOctave as number,
      ...(c.windowMs === undefined ? {} : { windowMs: c.windowMs as number }),
    };
    const s = logSpectrogram(y, c.sfHz as number, opts);
    // The plain-loop engine (used where WebAssembly SIMD is missing) must agree as well.
    const js = logSpectrogram(y, c.sfHz as number, { ...opts, wasm: false });
    assert.equal(js.data.length, s.data.length);
    assert.equal(s.F, c.F, `${c.name} F`);
    assert.equal(s.T, c.T, `${c.name} T`);
    assert.equal(s.hop, c.hop, `${c.name} hop`);
    assert.equal(s.data.length, s.F * s.T);
    const want = goldenArray(c.expected);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of want) max = Math.max(max, v);
    let checked = 0;
    for (let i = 0; i < want.length; i++) {
      if (want[i]! < max - 80) continue;
      checked++;
      assert.ok(
        Math.abs(s.data[i]! - want[i]!) <= 0.01,
        `${c.name} bin ${i}: ${s.data[i]} dB vs ${want[i]} dB`,
      );
    }
    if (want.length > 0) assert.ok(checked > 0, c.name);
  }
});

test("resample matches the dense torchaudio definition", () => {
  for (const c of goldenCases("resample")) {
    const x = evalRecipe(c.input);
    const orig = c.origHz as number;
    const neu = c.newHz as number;
    // Exact (float64) kernel with live taps only vs the dense float64 kernel.
    assertClose(
      resample(x, orig, neu, { precision: "float64" }),
      goldenArray(c.expected),
      1e-9,
      `${c.name} float64`,
    );
    // Default: the reference's float32 kernel arithmetic vs torchaudio-like float32 dense numpy.
    assertClose(resample(x, orig, neu), goldenArray(c.expectedFloat32), 1e-5, `${c.name} float32`);
  }
});

test("log-spectrogram: the wasm kernel and the plain loops agree across chunks, odd F, odd W and odd T", () => {
  // 8 kHz, 1 ms hop of 8 samples: a wasm call takes 4096 frames, so 70001
  // frames span 18 calls, the last one partial; 5 bands/octave over
  // 100 Hz - 3.9 kHz gives odd F; windows of 16 and 17 samples.
  const sfHz = 8000;
  const L = 560005;
  const y = new Float64Array(L);
  for (let i = 0; i < L; i++)
    y[i] = Math.sin(i * 0.37) + 0.5 * Math.sin(i * 0.011 + 1) + ((i * 7919) % 13) / 13;
  for (const windowMs of [2, 2.125]) {
    const opts = { dtMs: 1, fminHz: 100, fmaxHz: 3900, binsPerOctave: 5, windowMs };
    const fast = logSpectrogram(y, sfHz, opts);
    const plain = logSpectrogram(y, sfHz, { ...opts, wasm: false });
    assert.equal(fast.F % 2, 1);
    assert.equal(fast.T, Math.ceil(L / 8));
    assert.equal(fast.T % 2, 1);
    let worst = 0;
    for (let i = 0; i < plain.data.length; i++)
      worst = Math.max(worst, Math.abs(fast.data[i]! - plain.data[i]!));
    assert.ok(worst < 1e-3, `windowMs ${windowMs}: max difference ${worst} dB`);
  }
});
