// Hand-checkable cases and the error paths of the metrics: bad shapes, mask
// lengths and options are Ac1Errors that name the argument; reductions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Ac1Error } from "../../src/errors.js";
import {
  ccmax,
  coherence,
  corrcoef,
  fve,
  mse,
  neuronQuality,
  normalizedCorrcoef,
  poisson,
  reduceOverNeurons,
  signalPower,
  snr,
} from "../../src/metrics/index.js";

const f64 = (...v: number[]) => Float64Array.from(v);

test("two repeats: SP is their covariance, CCmax the Spearman-Brown of their correlation", () => {
  const a = [1, 3, 2, 5, 4];
  const b = [2, 2, 3, 6, 3];
  const blk = { data: f64(...a, ...b), repeats: 2, bins: 5 };
  const ma = a.reduce((x, y) => x + y) / 5;
  const mb = b.reduce((x, y) => x + y) / 5;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < 5; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  const r = cov / Math.sqrt(va * vb);
  const q = neuronQuality([[blk]]);
  assert.ok(Math.abs(q.signalPower[0]! - cov / 4) < 1e-14);
  assert.ok(Math.abs(q.signalPower[0]! + q.noisePower[0]! - (va / 4 + vb / 4) / 2) < 1e-14);
  assert.ok(Math.abs(q.ccmax[0]! - Math.sqrt((2 * r) / (1 + r))) < 1e-14);
});

test("a silent stim makes CCmax NaN (deepSTRF's quirk), and the R = 1 fallback is 1.0", () => {
  const active = { data: f64(1, 3, 2, 5, 2, 2, 3, 6), repeats: 2, bins: 4 };
  const silent = { data: new Float64Array(8), repeats: 2, bins: 4 };
  const single = { data: f64(1, 2, 3, 4), repeats: 1, bins: 4 };
  const q = neuronQuality([[active, silent], [single], []]);
  assert.ok(Number.isNaN(q.ccmax[0]!));
  assert.equal(q.ccmax[1], 1);
  assert.equal(q.ccmax[2], 1);
  assert.ok(Number.isNaN(q.snr[1]!) && Number.isNaN(q.snr[2]!));
  // The silent stim still counts for SP (0) with its weight.
  const sp = signalPower([[active]])[0]!;
  assert.ok(Math.abs(q.signalPower[0]! - sp / 2) < 1e-15);
  // Without the fallback (deepSTRF's _ccmax_per_neuron) the R = 1 neuron is NaN.
  assert.ok(Number.isNaN(ccmax([[single]])[0]!));
});

test("SNR clamps NP at 1e-12; noiseless repeats give SP / 1e-12", () => {
  const blk = { data: f64(1, 2, 4, 1, 2, 4), repeats: 2, bins: 3 };
  const s = snr([[blk]])[0]!;
  const sp = signalPower([[blk]])[0]!;
  assert.ok(Math.abs(s - sp / 1e-12) <= 1e-6 * Math.abs(s));
});

test("reductions: NaN-aware mean and sum, NaN mean of nothing, 0 sum of NaNs", () => {
  assert.equal(reduceOverNeurons(f64(1, Number.NaN, 3), "mean"), 2);
  assert.equal(reduceOverNeurons(f64(1, Number.NaN, 3), "sum"), 4);
  assert.ok(Number.isNaN(reduceOverNeurons(f64(Number.NaN), "mean")));
  assert.equal(reduceOverNeurons(f64(Number.NaN), "sum"), 0);
  assert.ok(Number.isNaN(reduceOverNeurons(new Float64Array(0), "mean")));
  const v = f64(5);
  assert.equal(reduceOverNeurons(v, "none"), v);
});

test("reductions are typed: per-neuron arrays for none (the default), numbers for mean and sum", () => {
  const blk = { data: f64(1, 3, 2, 2, 2, 3), repeats: 2, bins: 3 };
  const perNeuron: Float64Array = signalPower([[blk]]);
  const alsoPerNeuron: Float64Array = ccmax([[blk]], { reduction: "none" });
  const mean: number = signalPower([[blk]], { reduction: "mean" });
  const sum: number = corrcoef([[f64(1, 2, 3)]], [[blk]], { reduction: "sum" });
  assert.ok(perNeuron instanceof Float64Array && alsoPerNeuron instanceof Float64Array);
  assert.equal(mean, perNeuron[0]);
  assert.equal(typeof sum, "number");
});

test("prediction metrics on a tiny batch: PSTH collapse, padding ignored", () => {
  // B = 1, N = 1, R = 2, T = 3 with the last bin padding.
  const responses = {
    data: f64(1, 3, Number.NaN, 3, 5, Number.NaN),
    stims: 1,
    neurons: 1,
    repeats: 2,
    bins: 3,
  };
  const pred = { data: f64(2, 5, 1e9), stims: 1, neurons: 1, bins: 3 }; // psth = [2, 4]
  assert.equal(mse(pred, responses)[0], 0.5);
  assert.equal(corrcoef(pred, responses)[0], 1);
  assert.ok(Math.abs(fve(pred, responses)[0]! - (1 - 1 / 2)) < 1e-15);
  const pl = poisson(pred, responses)[0]!;
  const want = (2 - 2 * Math.log(2 + 1e-8) + 5 - 4 * Math.log(5 + 1e-8)) / 2;
  assert.ok(Math.abs(pl - want) < 1e-14);
  const pe = poisson(pred, responses, { logInput: true })[0]!;
  assert.ok(Math.abs(pe - (Math.exp(2) - 4 + Math.exp(5) - 20) / 2) < 1e-12);
  // validateInput: a negative rate at a valid position is an error; at padding it is not looked at.
  const neg = { ...pred, data: f64(2, -5, -1) };
  assert.throws(
    () => poisson(neg, responses, { validateInput: true }),
    (e: unknown) =>
      e instanceof Ac1Error && e.code === "VALUE" && /neuron 0 has a negative rate/.test(e.message),
  );
  assert.ok(
    Number.isFinite(poisson({ ...pred, data: f64(2, 5, -1) }, responses, { validateInput: true })[0]!),
  );
  assert.ok(Number.isFinite(poisson(neg, responses, { validateInput: true, logInput: true })[0]!));
  // Fewer than 2 positions: NaN; mse still defined on one.
  const mask = Uint8Array.from([1, 0, 0]);
  assert.ok(Number.isNaN(corrcoef(pred, responses, { mask })[0]!));
  assert.equal(mse(pred, responses, { mask })[0], 0);
});

function throwsShape(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof Ac1Error && e.code === "SHAPE" && pattern.test(e.message));
}

test("bad shapes and mask lengths are SHAPE errors naming the argument", () => {
  const responses = { data: new Float64Array(12), stims: 1, neurons: 2, repeats: 2, bins: 3 };
  const pred = { data: new Float64Array(6), stims: 1, neurons: 2, bins: 3 };
  throwsShape(() => signalPower({ ...responses, bins: 4 }), /signalPower: responses\.data has 12 values/);
  throwsShape(() => signalPower({ ...responses, repeats: -1 }), /repeats must be a non-negative integer/);
  throwsShape(() => ccmax(responses, { mask: new Uint8Array(11) }), /ccmax: mask has 11 values, expected 12/);
  throwsShape(
    () => corrcoef(pred, responses, { mask: new Uint8Array(12) }),
    /mask has 12 values, expected 6 for shape \(B, N, 1, T\)/,
  );
  throwsShape(
    () => corrcoef({ ...pred, bins: 2, data: new Float64Array(4) }, responses),
    /must agree on B, N and T/,
  );
  throwsShape(() => corrcoef([[new Float64Array(3)]], responses), /both be in the batch form or both ragged/);
  const blk = { data: new Float64Array(6), repeats: 2, bins: 3 };
  throwsShape(() => neuronQuality([[{ ...blk, bins: 4 }]]), /responses\[0\]\[0\]\.data has 6 values/);
  throwsShape(() => neuronQuality([[blk]], { mask: [[new Uint8Array(5)]] }), /mask\[0\]\[0\] has 5 values/);
  throwsShape(
    () => neuronQuality([[blk]], { mask: new Uint8Array(6) }),
    /mask of ragged data must be ragged/,
  );
  throwsShape(
    () => mse([[new Float64Array(2)]], [[blk]]),
    /pred\[0\]\[0\] has 2 values, expected the block's 3/,
  );
  throwsShape(() => mse([], [[blk]]), /pred has 0 neurons, responses 1/);
  throwsShape(
    () => snr([[{ ...blk, data: [1, 2] as unknown as Float64Array }]]),
    /Float32Array or Float64Array/,
  );
});

test("coherence refuses NaN and multi-repeat data", () => {
  const gt = { data: f64(1, 2, 3, Number.NaN), stims: 1, neurons: 1, repeats: 1, bins: 4 };
  const pred = { data: f64(1, 2, 3, 4), stims: 1, neurons: 1, bins: 4 };
  assert.throws(
    () => coherence(pred, gt, { dtMs: 5 }),
    (e: unknown) => e instanceof Ac1Error && e.code === "VALUE" && /responses contains NaN/.test(e.message),
  );
  throwsShape(() => coherence(pred, { ...gt, repeats: 2, bins: 2 }, { dtMs: 5 }), /one row per pair/);
  throwsShape(
    () => coherence([[f64(1, 2)]], [[{ data: f64(1, 2, 3, 4), repeats: 2, bins: 2 }]], { dtMs: 5 }),
    /responses\[0\]\[0\] has 2 rows/,
  );
});

test("bad options are OptionErrors", () => {
  const blk = { data: new Float64Array(6), repeats: 2, bins: 3 };
  const isOption = (name: string) => (e: unknown) =>
    e instanceof Ac1Error && e.code === "OPTION" && e.message.includes(name);
  assert.throws(() => signalPower([[blk]], { reduction: "avg" as "mean" }), isOption("reduction"));
  assert.throws(() => ccmax([[blk]], { maxIters: -1 }), isOption("maxIters"));
  assert.throws(
    () => normalizedCorrcoef([[new Float64Array(3)]], [[blk]], { method: "x" as "hsu" }),
    isOption("method"),
  );
  assert.throws(() => coherence([[new Float64Array(3)]], [[blk]], { dtMs: 0 }), isOption("dtMs"));
  assert.throws(() => poisson([[new Float64Array(3)]], [[blk]], { eps: -1 }), isOption("eps"));
});
