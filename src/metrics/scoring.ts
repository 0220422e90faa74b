// Prediction-vs-PSTH metrics per neuron (deepSTRF's corrcoef and fve in
// performance.py, mse_loss and poisson_loss in losses.py), each over the
// neuron's valid positions with stims concatenated (pairs.ts):
// - corrcoef: Pearson r with centred sums, NaN below 2 positions or when
//   sqrt(sum xc^2 * sum yc^2) < 1e-12;
// - fve: 1 - sum (p - g)^2 / sum (g - mean g)^2, NaN below 2 positions or
//   when the denominator < 1e-12;
// - mse: mean (p - g)^2 (NaN without positions);
// - poisson: mean of p - g log(max(p, eps) + eps), or exp(p) - g p for a
//   log-rate prediction; no log(g!) term.

import { Ac1Error, OptionError } from "../errors.js";
import { scoringLayout } from "./layout.js";
import { PairScratch } from "./pairs.js";
import { checkReduction, reduceOverNeurons } from "./reduce.js";
import {
  EPS,
  type Mask,
  type PoissonOptions,
  type Predictions,
  type Reduced,
  type Reduction,
  type Responses,
  type ScoreOptions,
} from "./types.js";

/** Pearson r of the first m values of x and y (deepSTRF's _pearson_1d), NaN below 2 values. */
export function pearson(x: Float64Array, y: Float64Array, m: number): number {
  if (m < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < m; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / m;
  const my = sy / m;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < m; i++) {
    const a = x[i]! - mx;
    const b = y[i]! - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  const den = Math.sqrt(sxx * syy);
  return den < EPS ? Number.NaN : sxy / den; // a NaN den is not < EPS: NaN flows through
}

/** Runs fn on each neuron's gathered (prediction, PSTH) vector. */
export function scorePerNeuron(
  pred: Predictions,
  gt: Responses,
  mask: Mask | undefined,
  who: string,
  fn: (p: Float64Array, g: Float64Array, m: number, n: number) => number,
): Float64Array {
  const layout = scoringLayout(pred, gt, mask, who);
  const s = new PairScratch(layout);
  const out = new Float64Array(layout.neurons);
  for (let n = 0; n < layout.neurons; n++) {
    s.gather(layout.pairs[n]!);
    out[n] = fn(s.pred, s.psth, s.count, n);
  }
  return out;
}

/** Pearson correlation of prediction and PSTH per neuron (deepSTRF corrcoef). */
export function corrcoef<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  gt: Responses,
  options: ScoreOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const out = scorePerNeuron(pred, gt, options.mask, "corrcoef", pearson);
  return reduceOverNeurons(out, options.reduction as R);
}

function fveOf(p: Float64Array, g: Float64Array, m: number): number {
  if (m < 2) return Number.NaN;
  let sg = 0;
  for (let i = 0; i < m; i++) sg += g[i]!;
  const mg = sg / m;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < m; i++) {
    const e = p[i]! - g[i]!;
    const d = g[i]! - mg;
    res += e * e;
    tot += d * d;
  }
  return tot < EPS ? Number.NaN : 1 - res / tot;
}

/** Fraction of variance explained per neuron: 1 - SS_res / SS_tot (deepSTRF fve). */
export function fve<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  gt: Responses,
  options: ScoreOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const out = scorePerNeuron(pred, gt, options.mask, "fve", fveOf);
  return reduceOverNeurons(out, options.reduction as R);
}

function mseOf(p: Float64Array, g: Float64Array, m: number): number {
  if (m === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < m; i++) {
    const e = p[i]! - g[i]!;
    s += e * e;
  }
  return s / m;
}

/** Mean squared error against the PSTH per neuron (deepSTRF mse_loss). */
export function mse<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  gt: Responses,
  options: ScoreOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const out = scorePerNeuron(pred, gt, options.mask, "mse", mseOf);
  return reduceOverNeurons(out, options.reduction as R);
}

/** Poisson negative log-likelihood without log(g!) per neuron (deepSTRF poisson_loss). */
export function poisson<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  gt: Responses,
  options: PoissonOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const logInput = options.logInput ?? false;
  if (typeof logInput !== "boolean") throw new OptionError("logInput", logInput, "true or false");
  const eps = options.eps ?? 1e-8;
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
    throw new OptionError("eps", eps, "a finite number >= 0 (default 1e-8)");
  const validate = options.validateInput ?? false;
  if (typeof validate !== "boolean") throw new OptionError("validateInput", validate, "true or false");
  const out = scorePerNeuron(pred, gt, options.mask, "poisson", (p, g, m, n) => {
    if (validate && !logInput)
      for (let i = 0; i < m; i++)
        if (p[i]! < 0)
          throw new Ac1Error(
            "VALUE",
            `poisson: neuron ${n} has a negative rate prediction (${p[i]}) at a valid position; use a non-negative output, logInput, or drop validateInput to clamp`,
          );
    if (m === 0) return Number.NaN;
    let s = 0;
    if (logInput) {
      for (let i = 0; i < m; i++) s += Math.exp(p[i]!) - g[i]! * p[i]!;
    } else {
      for (let i = 0; i < m; i++) {
        const x = p[i]!;
        // Math.max keeps NaN, as torch.clamp(min=eps) does.
        s += x - g[i]! * Math.log(Math.max(x, eps) + eps);
      }
    }
    return s / m;
  });
  return reduceOverNeurons(out, options.reduction as R);
}
