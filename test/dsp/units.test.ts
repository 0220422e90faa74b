// Specific values and argument checks of the dsp routines (pipeline.md 0-3, 9).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bandCentersHz,
  bandCount,
  convolveSame,
  fft,
  gaussianFilter1d,
  gaussianKernel,
  hamming,
  hann,
  logSpectrogram,
  medianFilter,
  reflectExtend,
  reflectIndex,
  resample,
  resampleKernel,
  spectrogramFrames,
} from "../../src/dsp/index.js";

test("band counts of the documented settings", () => {
  assert.equal(bandCount(100, 45000, 6), 53);
  assert.equal(bandCount(100, 25600, 6), 49);
  // The reference's count formula differs here (5 bands/octave over exact octaves); ours is floor(5 * 5) + 1.
  assert.equal(bandCount(100, 3200, 5), 26);
  assert.equal(bandCentersHz(100, 25600, 6)[48], 25600);
  assert.throws(() => bandCount(0, 100, 6), RangeError);
  assert.throws(() => bandCount(200, 100, 6), RangeError);
  assert.throws(() => bandCount(100, 200, 0), RangeError);
});

test("spectrogram geometry uses round-half-even", () => {
  assert.deepEqual(spectrogramFrames(44100, 44100, 5), { hop: 220, window: 441, T: 201 });
  assert.deepEqual(spectrogramFrames(976560, 97656, 5), { hop: 488, window: 977, T: 2002 });
  assert.deepEqual(spectrogramFrames(0, 8000, 5), { hop: 40, window: 80, T: 0 });
  // Minimums: hop 1, window 4.
  assert.deepEqual(spectrogramFrames(10, 100, 1), { hop: 1, window: 4, T: 10 });
});

test("spectrogram of an empty signal has F rows and no columns; a pure tone peaks in its band", () => {
  const empty = logSpectrogram(new Float64Array(0), 8000, {
    dtMs: 5,
    fminHz: 100,
    fmaxHz: 3900,
    binsPerOctave: 6,
  });
  assert.equal(empty.T, 0);
  assert.equal(empty.F, 32);
  assert.equal(empty.data.length, 0);
  const sf = 16000;
  const y = new Float64Array(sf / 2);
  const f0 = 1000;
  for (let i = 0; i < y.length; i++) y[i] = Math.sin((2 * Math.PI * f0 * i) / sf);
  const s = logSpectrogram(y, sf, { dtMs: 10, fminHz: 125, fmaxHz: 8000, binsPerOctave: 1 });
  assert.deepEqual(Array.from(s.freqsHz), [125, 250, 500, 1000, 2000, 4000, 8000]);
  const mid = s.T >> 1;
  let best = 0;
  for (let k = 1; k < s.F; k++) if (s.data[k * s.T + mid]! > s.data[best * s.T + mid]!) best = k;
  assert.equal(s.freqsHz[best], f0);
  assert.throws(
    () => logSpectrogram(y, sf, { dtMs: 0, fminHz: 125, fmaxHz: 8000, binsPerOctave: 1 }),
    RangeError,
  );
});

test("reflect boundary, repeated when the window is longer than the signal", () => {
  const x = Float64Array.of(1, 2, 3);
  assert.deepEqual(Array.from(reflectExtend(x, 2, 2)), [2, 1, 1, 2, 3, 3, 2]);
  assert.deepEqual(Array.from(reflectExtend(x, 7, 0)), [1, 1, 2, 3, 3, 2, 1, 1, 2, 3]);
  assert.equal(reflectIndex(-1, 1), 0);
  assert.equal(reflectIndex(5, 1), 0);
  assert.throws(() => reflectExtend(new Float64Array(0), 1, 1), RangeError);
});

test("median filter: even window takes the upper middle; bad sizes are rejected", () => {
  assert.deepEqual(Array.from(medianFilter(Float64Array.of(5, 1, 4, 2, 8, 3), 4)), [5, 5, 4, 4, 4, 3]);
  assert.deepEqual(Array.from(medianFilter(Float64Array.of(7), 1000)), [7]);
  assert.equal(medianFilter(new Float64Array(0), 3).length, 0);
  assert.throws(() => medianFilter(Float64Array.of(1), 0), RangeError);
  assert.throws(() => medianFilter(Float64Array.of(1), 2.5), RangeError);
});

test("gaussian kernel radius and tiny sigma", () => {
  assert.equal(gaussianKernel(100).length, 801);
  assert.equal(gaussianKernel(0.1).length, 1);
  assert.deepEqual(gaussianFilter1d(Float64Array.of(1, 5, 2), 1e-3), Float64Array.of(1, 5, 2));
  assert.throws(() => gaussianFilter1d(Float64Array.of(1), 0), RangeError);
  assert.throws(() => gaussianFilter1d(Float64Array.of(1), Number.NaN), RangeError);
});

test("fft of an impulse and a known sequence", () => {
  const re = Float64Array.of(1, 2, 3, 4, 0, 0, 0, 0);
  const im = new Float64Array(8);
  fft(re, im);
  // DFT by definition.
  const x = [1, 2, 3, 4, 0, 0, 0, 0];
  for (let k = 0; k < 8; k++) {
    let r = 0;
    let i = 0;
    for (let n = 0; n < 8; n++) {
      r += x[n]! * Math.cos((-2 * Math.PI * k * n) / 8);
      i += x[n]! * Math.sin((-2 * Math.PI * k * n) / 8);
    }
    assert.ok(Math.abs(re[k]! - r) < 1e-12 && Math.abs(im[k]! - i) < 1e-12, `bin ${k}`);
  }
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), RangeError);
});

test("hann is the pipeline.md formula at every point; hamming is exactly symmetric", () => {
  for (let m = 2; m <= 300; m++) {
    const w = hann(m);
    for (let n = 0; n < m; n++)
      assert.equal(w[n], 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)), `${m}[${n}]`);
    const h = hamming(m);
    for (let n = 0; n < m; n++) assert.equal(h[n], h[m - 1 - n], `hamming ${m}[${n}]`);
  }
  assert.deepEqual([...hann(1)], [1]);
  assert.deepEqual([...hann(0)], []);
  assert.throws(() => hann(2.5), RangeError);
  assert.throws(() => hamming(-1), RangeError);
});

test('convolveSame "direct" keeps runs of zeros exactly zero, long kernels too', () => {
  // 200 taps over 2000 samples: "auto" takes the FFT path.
  const x = new Float64Array(2000);
  for (let i = 700; i < 760; i++) x[i] = 1 + (i % 7) / 3;
  const w = hann(201);
  const direct = convolveSame(x, w, "direct");
  for (let i = 0; i < 2000; i++) if (i < 600 || i >= 860) assert.equal(direct[i], 0, `[${i}]`);
  const auto = convolveSame(x, w);
  for (let i = 0; i < 2000; i++) assert.ok(Math.abs(auto[i]! - direct[i]!) < 1e-12, `[${i}]`);
});

test("convolveSame with the unnormalised Hann window of the PSTH", () => {
  const spikes = new Float64Array(11);
  spikes[5] = 1;
  const y = convolveSame(spikes, hann(5));
  const want = [0, 0, 0, 0, 0.5, 1, 0.5, 0, 0, 0, 0];
  for (const [i, v] of want.entries()) assert.ok(Math.abs(y[i]! - v) < 1e-15, `[${i}] ${y[i]}`);
  assert.throws(() => convolveSame(spikes, new Float64Array(0)), RangeError);
});

test("resample kernel geometry and argument checks", () => {
  const k = resampleKernel(97656, 96000);
  assert.equal(k.o, 4069);
  assert.equal(k.n, 4000);
  assert.equal(k.width, 7);
  let total = 0;
  for (let j = 0; j < k.n; j++) {
    assert.ok(k.count[j]! >= 12 && k.count[j]! <= 13);
    total += k.count[j]!;
  }
  assert.equal(k.taps.length, total);
  assert.equal(resample(new Float64Array(4069), 97656, 96000).length, 4000);
  assert.throws(() => resample(new Float64Array(4), 44100.5, 96000), RangeError);
  assert.throws(() => resample(new Float64Array(4), 44100, 0), RangeError);
});
