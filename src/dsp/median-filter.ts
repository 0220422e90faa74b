// scipy.ndimage.median_filter(x, size=k, mode="reflect") in one dimension
// (pipeline.md section 3): out[i] is the element of rank floor(k/2) (the
// upper middle for even k) among x[i - floor(k/2) .. i + k - 1 - floor(k/2)],
// reflecting as often as needed at the edges (as scipy's N-d code path does;
// scipy 1.17's dedicated 1-d path disagrees for some windows longer than twice
// the signal, e.g. k = 12 over 5 samples; pipeline.md's definition is kept
// and make_goldens.py checks both paths agree whenever k fits twice).
// The sliding-window order statistic has three implementations, picked by
// the data; all return the very same values (an order statistic is an input
// value, and the faster paths only run where equal values have equal bits):
// - on a regular grid (int16 traces times a scale): a counting histogram
//   (median-quantized.ts), k >= 16;
// - otherwise, for finite signals without -0 and k >= 12: sorted blocks
//   (median-sorted-blocks.ts), O(1) per output after an O(1)-per-sample sort;
// - small windows and anything else (NaN, infinities, -0): two indexed heaps
//   (median-heaps.ts), O(log k) per output.

import { slidingRankHeaps } from "./median-heaps.js";
import { slidingRankOnGrid } from "./median-quantized.js";
import { slidingRankSortedBlocks } from "./median-sorted-blocks.js";
import { copyOut, outputFor } from "./output.js";
import { reflectExtendInto } from "./reflect.js";
import { scratchFloat64 } from "./scratch.js";

/** Smallest window for the sorted blocks; below it the heaps are as fast. */
export const SORTED_BLOCKS_MIN_K = 12;

/**
 * Sliding median filter, window k >= 1, "reflect" boundaries; NaN inputs give
 * unspecified outputs. The result goes to `out` when given (x.length values,
 * all written; it may be x itself), else to a new array.
 */
export function medianFilter(x: Float64Array, k: number, out?: Float64Array): Float64Array {
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`median filter size must be a positive integer, got ${k}`);
  const len = x.length;
  if (len === 0 || k === 1) return copyOut(x, out, "median filter");
  if (out !== undefined) outputFor(out, len, "median filter");
  const half = k >> 1;
  // The input is read from its extended copy only: out may be x.
  const ext = reflectExtendInto(x, half, k - 1 - half, scratchFloat64("median-ext", len + k - 1));
  const onGrid = k >= 16 ? slidingRankOnGrid(ext, k, half, len, out) : null;
  if (onGrid) return onGrid;
  return k >= SORTED_BLOCKS_MIN_K && finiteWithoutNegativeZero(x)
    ? slidingRankSortedBlocks(ext, k, half, len, out)
    : slidingRankHeaps(ext, k, half, len, out);
}

/**
 * Whether every value is finite and none is -0: then equal values have equal
 * bits and the comparison paths may return any copy of a tie.
 */
export function finiteWithoutNegativeZero(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === 0) {
      if (1 / v < 0) return false;
    } else if (v - v !== 0) return false; // NaN or an infinity
  }
  return true;
}
