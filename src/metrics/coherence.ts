// Coherence between prediction and data per neuron (deepSTRF's coherence):
// per (stim, neuron) the Welch magnitude-squared coherence (welch.ts, scipy's
// defaults at fs = 1000 / dtMs), then per neuron the mean over all its
// (stim, frequency) values. deepSTRF compares equal shapes, so the data must
// have one row (a PSTH, or single trials): (B, N, 1, T) in the batch form,
// 1 x T_b blocks in the ragged form. NaN anywhere in the inputs is an error
// (in the batch form that includes padding, as in deepSTRF: batch equal-length
// stims, or use the ragged form, where stims may differ in length; for equal
// lengths both give deepSTRF's mean over (B, F)).

import { Ac1Error, OptionError } from "../errors.js";
import { isBatch, scoringLayout } from "./layout.js";
import { checkReduction, reduceOverNeurons } from "./reduce.js";
import type {
  CoherenceOptions,
  FloatArray,
  Predictions,
  Reduced,
  Reduction,
  ResponseBatch,
  Responses,
} from "./types.js";
import { WelchScratch } from "./welch.js";

function hasNaN(a: FloatArray, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (Number.isNaN(a[i]!)) return true;
  return false;
}

function nanError(what: string): Ac1Error {
  return new Ac1Error("VALUE", `coherence: ${what} contains NaN (coherence needs NaN-free pairs)`);
}

/** Mean magnitude-squared coherence per neuron (deepSTRF coherence). */
export function coherence<R extends Reduction | undefined = undefined>(
  pred: Predictions,
  gt: Responses,
  options: CoherenceOptions<R>,
): Reduced<R> {
  checkReduction(options?.reduction);
  const dtMs = options?.dtMs;
  if (typeof dtMs !== "number" || !Number.isFinite(dtMs) || dtMs <= 0)
    throw new OptionError("dtMs", dtMs, "a positive number of milliseconds");
  if (isBatch(gt) && (gt as ResponseBatch).repeats !== 1)
    throw new Ac1Error(
      "SHAPE",
      `coherence: responses must have one row per pair like the prediction, (B, N, 1, T), got R = ${(gt as ResponseBatch).repeats}; pass the PSTH`,
    );
  const layout = scoringLayout(pred, gt, undefined, "coherence");
  if (layout.batch) {
    const g = gt as ResponseBatch;
    if (hasNaN(g.data, 0, g.data.length)) throw nanError("responses");
    const p = (pred as { data: FloatArray }).data;
    if (hasNaN(p, 0, p.length)) throw nanError("pred");
  }
  const s = new WelchScratch();
  const out = new Float64Array(layout.neurons);
  for (let n = 0; n < layout.neurons; n++) {
    let sum = 0;
    let count = 0;
    const pairs = layout.pairs[n]!;
    for (let k = 0; k < pairs.length; k++) {
      const { gt: blk, pred: p, predOffset } = pairs[k]!;
      const T = blk.bins;
      if (!layout.batch) {
        if (blk.repeats !== 1)
          throw new Ac1Error(
            "SHAPE",
            `coherence: responses[${n}][${k}] has ${blk.repeats} rows; coherence compares one row (a PSTH) with the prediction`,
          );
        if (hasNaN(blk.data, blk.offset, blk.offset + T)) throw nanError(`responses[${n}][${k}]`);
        if (hasNaN(p, predOffset, predOffset + T)) throw nanError(`pred[${n}][${k}]`);
      }
      sum += s.coherenceSum(p, predOffset, blk.data, blk.offset, T);
      count += s.frequencies;
    }
    out[n] = count > 0 ? sum / count : Number.NaN;
  }
  return reduceOverNeurons(out, options.reduction as R);
}
