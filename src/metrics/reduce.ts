// deepSTRF's reduction over neurons (_masking.reduce_over_neurons) and the
// checks of the options every metric shares.

import { OptionError } from "../errors.js";
import type { Reduced, Reduction } from "./types.js";

/**
 * none: the per-neuron values; mean: NaN-aware mean (NaN when every value is
 * NaN, or there are none); sum: NaN-aware sum (0 when every value is NaN).
 */
export function reduceOverNeurons<R extends Reduction | undefined>(
  perNeuron: Float64Array,
  reduction: R,
): Reduced<R> {
  const r = reduction ?? "none";
  if (r === "none") return perNeuron as Reduced<R>;
  if (r !== "mean" && r !== "sum")
    throw new OptionError("reduction", reduction, 'one of "none", "mean", "sum"');
  let sum = 0;
  let count = 0;
  for (let i = 0; i < perNeuron.length; i++) {
    const v = perNeuron[i]!;
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return (r === "sum" ? sum : count > 0 ? sum / count : Number.NaN) as Reduced<R>;
}

/** Validates a reduction before any work is done. */
export function checkReduction(reduction: unknown): void {
  if (reduction !== undefined && reduction !== "none" && reduction !== "mean" && reduction !== "sum")
    throw new OptionError("reduction", reduction, 'one of "none", "mean", "sum"');
}

/** The half-split cap: a non-negative integer (0 means no split, so no stim contributes), default 126. */
export function checkMaxIters(maxIters: unknown): number {
  if (maxIters === undefined) return 126;
  if (typeof maxIters !== "number" || !Number.isInteger(maxIters) || maxIters < 0 || maxIters > 1_000_000)
    throw new OptionError("maxIters", maxIters, "an integer from 0 to 1000000 (default 126)");
  return maxIters;
}
