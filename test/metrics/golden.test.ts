// The metrics against golden values from the numpy restatement of deepSTRF
// (test/fixtures/metrics/deepstrf_ref.py via make_goldens.py): every metric,
// every reduction, both input forms, 1e-9 relative, NaN exactly where
// deepSTRF gives NaN.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nextCombination, splitCount } from "../../src/metrics/ccmax.js";
import {
  ccmax,
  coherence,
  corrcoef,
  fve,
  mse,
  neuronQuality,
  noisePower,
  normalizedCorrcoef,
  type PredictionBatch,
  poisson,
  type Reduction,
  type ResponseBatch,
  signalPower,
  snr,
} from "../../src/metrics/index.js";
import {
  assertValue,
  assertValues,
  batchCases,
  type CoherenceCase,
  type CoherenceRaggedCase,
  goldens,
  input,
  maskInput,
  toRagged,
} from "./golden.js";

const REDUCTIONS: Reduction[] = ["none", "mean", "sum"];

function batchOf(c: ReturnType<typeof batchCases>[number]) {
  const responses: ResponseBatch = {
    data: input(c.responses),
    stims: c.B,
    neurons: c.N,
    repeats: c.R,
    bins: c.T,
  };
  const pred: PredictionBatch = { data: input(c.pred), stims: c.B, neurons: c.N, bins: c.T };
  const respMask = c.respMask ? maskInput(c.respMask) : undefined;
  const psthMask = c.psthMask ? maskInput(c.psthMask) : undefined;
  return { responses, pred, respMask, psthMask };
}

function check(
  got: number | Float64Array,
  expected: { none: (number | null | string)[]; mean: number | null | string; sum: number | null | string },
  red: Reduction,
  what: string,
): void {
  if (red === "none") assertValues(got as Float64Array, expected.none, what);
  else assertValue(got as number, expected[red], what);
}

test("goldens cover the cases the evaluation asks for", () => {
  const names = batchCases().map((c) => c.name);
  for (const n of ["r1_only", "odd_r", "even_r", "r_gt_11", "silent", "missing_pairs", "ragged", "masks"])
    assert.ok(names.includes(n), n);
  const rs = batchCases().flatMap((c) => c.pairs.map((p) => p[2]));
  assert.ok(rs.includes(1) && rs.some((r) => r % 2 === 1 && r > 1) && rs.some((r) => r > 11));
  // Silent stims give NaN CCmax, and so do the noisy neuron without a contributing stim.
  const silent = batchCases().find((c) => c.name === "silent")!;
  assert.equal(silent.expected.ccmax!.none[0], null);
  assert.equal(silent.quality.ccmax[0], null);
});

test("signal power, noise power, SNR and CCmax, batch form (masks replacing ~isnan)", () => {
  for (const c of batchCases()) {
    const { responses, respMask } = batchOf(c);
    for (const red of REDUCTIONS) {
      const opts = { mask: respMask, reduction: red };
      check(signalPower(responses, opts), c.expected.signal_power!, red, `${c.name} signalPower ${red}`);
      check(noisePower(responses, opts), c.expected.noise_power!, red, `${c.name} noisePower ${red}`);
      check(snr(responses, opts), c.expected.snr!, red, `${c.name} snr ${red}`);
      check(ccmax(responses, opts), c.expected.ccmax!, red, `${c.name} ccmax ${red}`);
    }
  }
});

test("the same from the ragged form (blocks and mask slices)", () => {
  for (const c of batchCases()) {
    const { responses, respMask } = toRagged(c);
    for (const red of REDUCTIONS) {
      const opts = { mask: respMask, reduction: red };
      check(
        signalPower(responses, opts),
        c.expected.signal_power!,
        red,
        `${c.name} ragged signalPower ${red}`,
      );
      check(noisePower(responses, opts), c.expected.noise_power!, red, `${c.name} ragged noisePower ${red}`);
      check(snr(responses, opts), c.expected.snr!, red, `${c.name} ragged snr ${red}`);
      check(ccmax(responses, opts), c.expected.ccmax!, red, `${c.name} ragged ccmax ${red}`);
    }
  }
});

test("neuronQuality equals compute_neuron_quality on the ragged form (1.0 fallback, NaN kept)", () => {
  for (const c of batchCases()) {
    const q = neuronQuality(toRagged(c).responses);
    assertValues(q.signalPower, c.quality.signal_power, `${c.name} quality SP`);
    assertValues(q.noisePower, c.quality.noise_power, `${c.name} quality NP`);
    assertValues(q.snr, c.quality.snr, `${c.name} quality snr`);
    assertValues(q.ccmax, c.quality.ccmax, `${c.name} quality ccmax`);
  }
});

test("neuronQuality on the batch form, and on the ragged form with the same mask", () => {
  for (const c of batchCases()) {
    const { responses, respMask } = batchOf(c);
    const rg = toRagged(c);
    for (const q of [
      neuronQuality(responses, { mask: respMask }),
      neuronQuality(rg.responses, { mask: rg.respMask }),
    ]) {
      assertValues(q.signalPower, c.batchQuality.signal_power, `${c.name} batch quality SP`);
      assertValues(q.noisePower, c.batchQuality.noise_power, `${c.name} batch quality NP`);
      assertValues(q.snr, c.batchQuality.snr, `${c.name} batch quality snr`);
      assertValues(q.ccmax, c.batchQuality.ccmax, `${c.name} batch quality ccmax`);
    }
  }
});

test("corrcoef, fve, mse, poisson and the normalized correlations, batch form", () => {
  for (const c of batchCases()) {
    const { responses, pred, psthMask } = batchOf(c);
    for (const red of REDUCTIONS) {
      const opts = { mask: psthMask, reduction: red };
      const e = c.expected;
      check(corrcoef(pred, responses, opts), e.corrcoef!, red, `${c.name} corrcoef ${red}`);
      check(fve(pred, responses, opts), e.fve!, red, `${c.name} fve ${red}`);
      check(mse(pred, responses, opts), e.mse!, red, `${c.name} mse ${red}`);
      check(poisson(pred, responses, opts), e.poisson!, red, `${c.name} poisson ${red}`);
      check(
        poisson(pred, responses, { ...opts, logInput: true }),
        e.poisson_log!,
        red,
        `${c.name} poisson log ${red}`,
      );
      check(normalizedCorrcoef(pred, responses, opts), e.ccnorm_schoppe!, red, `${c.name} schoppe ${red}`);
      check(
        normalizedCorrcoef(pred, responses, { ...opts, method: "hsu" }),
        e.ccnorm_hsu!,
        red,
        `${c.name} hsu ${red}`,
      );
    }
  }
});

test("the same from the ragged form; normalized correlations per neuron as its own batch", () => {
  for (const c of batchCases()) {
    const { responses, pred, psthMask } = toRagged(c);
    for (const red of REDUCTIONS) {
      const opts = { mask: psthMask, reduction: red };
      const e = c.expected;
      check(corrcoef(pred, responses, opts), e.corrcoef!, red, `${c.name} ragged corrcoef ${red}`);
      check(fve(pred, responses, opts), e.fve!, red, `${c.name} ragged fve ${red}`);
      check(mse(pred, responses, opts), e.mse!, red, `${c.name} ragged mse ${red}`);
      check(poisson(pred, responses, opts), e.poisson!, red, `${c.name} ragged poisson ${red}`);
      check(
        poisson(pred, responses, { ...opts, logInput: true }),
        e.poisson_log!,
        red,
        `${c.name} ragged poisson log ${red}`,
      );
    }
    const opts = { mask: psthMask };
    assertValues(
      normalizedCorrcoef(pred, responses, opts),
      c.perNeuron.ccnorm_schoppe,
      `${c.name} ragged schoppe`,
    );
    assertValues(
      normalizedCorrcoef(pred, responses, { ...opts, method: "hsu" }),
      c.perNeuron.ccnorm_hsu,
      `${c.name} ragged hsu`,
    );
  }
});

test("coherence matches scipy.signal.coherence (batch and ragged forms)", () => {
  const cases = goldens().cases;
  const batch = cases.filter((c): c is CoherenceCase => c.kind === "coherence");
  assert.ok(batch.length >= 4);
  for (const c of batch) {
    const pred: PredictionBatch = { data: input(c.pred), stims: c.B, neurons: c.N, bins: c.T };
    const gt: ResponseBatch = { data: input(c.gt), stims: c.B, neurons: c.N, repeats: 1, bins: c.T };
    for (const red of REDUCTIONS)
      check(coherence(pred, gt, { dtMs: c.dtMs, reduction: red }), c.expected, red, `${c.name} ${red}`);
  }
  const ragged = cases.find((c): c is CoherenceRaggedCase => c.kind === "coherenceRagged")!;
  const preds: Float32Array[][] = Array.from({ length: ragged.N }, () => []);
  const gts: { data: Float32Array; repeats: number; bins: number }[][] = Array.from(
    { length: ragged.N },
    () => [],
  );
  for (const [n, T, p, g] of ragged.blocks) {
    preds[n]!.push(input(p));
    gts[n]!.push({ data: input(g), repeats: 1, bins: T });
  }
  assertValues(coherence(preds, gts, { dtMs: ragged.dtMs }), ragged.expected, ragged.name);
});

test("split counts and the lexicographic split order", () => {
  const { K, first8 } = goldens().splits;
  for (const [re, k] of Object.entries(K)) assert.equal(splitCount(Number(re), 126), k, `K(${re})`);
  const comb = Int32Array.from([0, 1, 2, 3]);
  const seen: number[][] = [];
  do seen.push([...comb]);
  while (seen.length < first8.length && nextCombination(comb, 4, 8));
  assert.deepEqual(seen, first8);
});
