// Noise-corrected prediction correlation (deepSTRF's normalized_corrcoef),
// against the PSTH of the responses:
// - "schoppe": cov(p, g) / sqrt(var(p) * SP), cov over the valid positions
//   divided by max(n - 1, 1), var with ddof 1, SP the neuron's Sahani-Linden
//   signal power; NaN if SP is not finite or <= 0, or var(p) < 1e-12;
// - "hsu": corrcoef / CCmax (CCmax without the 1.0 fallback).
// If the responses' R axis has size 1, both return plain corrcoef. In the
// batch form that is the batch's R (shared by all neurons, as in deepSTRF);
// in the ragged form it is the neuron's own largest block, i.e. the neuron's
// pairs scored as the batch (B = its stims, N = 1), which is what `ac1 score`
// specifies.
// The mask (PSTH-shaped) only selects the positions of the correlation: SP
// and CCmax always come from ~isnan(responses), as in deepSTRF.

import { OptionError } from "../errors.js";
import { ccmaxPerNeuron } from "./ccmax.js";
import { scoringLayout } from "./layout.js";
import { PairScratch } from "./pairs.js";
import { checkMaxIters, checkReduction, reduceOverNeurons } from "./reduce.js";
import { signalNoisePerNeuron } from "./sahani-linden.js";
import { pearson } from "./scoring.js";
import {
  EPS,
  type NormalizedOptions,
  type Predictions,
  type Reduced,
  type Reduction,
  type Responses,
} from "./types.js";

function schoppe(p: Float64Array, g: Float64Array, m: number, sp: number): number {
  if (m < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < m; i++) {
    sx += p[i]!;
    sy += g[i]!;
  }
  const mx = sx / m;
  const my = sy / m;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < m; i++) {
    const a = p[i]! - mx;
    sxy += a * (g[i]! - my);
    sxx += a * a;
  }
  const cov = sxy / Math.max(m - 1, 1);
  const varP = sxx / (m - 1);
  if (!Number.isFinite(sp) || sp <= 0 || varP < EPS) return Number.NaN;
  return cov / Math.sqrt(varP * sp);
}

/** Normalized correlation coefficient per neuron (deepSTRF normalized_corrcoef). */
export function normalizedCorrcoef<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  responses: Responses,
  options: NormalizedOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const method = options.method ?? "schoppe";
  if (method !== "schoppe" && method !== "hsu") throw new OptionError("method", method, '"schoppe" or "hsu"');
  const maxIters = checkMaxIters(options.maxIters);
  const layout = scoringLayout(pred, responses, options.mask, "normalizedCorrcoef");
  const N = layout.neurons;
  const ceiling =
    method === "schoppe"
      ? signalNoisePerNeuron(layout.responses).sp
      : ccmaxPerNeuron(layout.responses, maxIters);
  const s = new PairScratch(layout);
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    s.gather(layout.pairs[n]!);
    if (layout.responses.repeatAxis[n] === 1) out[n] = pearson(s.pred, s.psth, s.count);
    else if (method === "schoppe") out[n] = schoppe(s.pred, s.psth, s.count, ceiling[n]!);
    else out[n] = pearson(s.pred, s.psth, s.count) / ceiling[n]!;
  }
  return reduceOverNeurons(out, options.reduction as R);
}
