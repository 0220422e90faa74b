// Binning a response onto the dtMs grid (pipeline.md section 7): the mean of
// each whole block of round(dt*sf/1000) samples, the tail dropped; a trace
// shorter than one block gives one bin holding its mean.

import { roundHalfEven } from "../dsp/round.js";
import { pairwiseSum } from "../dsp/stats.js";

/** Samples per bin: max(1, round(dtMs * sf / 1000)). */
export function binSamples(sfHz: number, dtMs: number): number {
  return Math.max(1, roundHalfEven((dtMs * sfHz) / 1000));
}

/** Block means on the dtMs grid (numpy's pairwise summation inside each block). */
export function binResponse(x: Float64Array, sfHz: number, dtMs: number): Float64Array {
  const L = x.length;
  if (L === 0) return new Float64Array(0);
  const block = binSamples(sfHz, dtMs);
  if (L < block) return Float64Array.of(pairwiseSum(x, 0, L) / L);
  const nBins = Math.floor(L / block);
  const out = new Float64Array(nBins);
  if (block < 8 || block > 128) {
    for (let b = 0; b < nBins; b++) out[b] = pairwiseSum(x, b * block, block) / block;
    return out;
  }
  // The common case (8 <= block <= 128) inlined: numpy's eight-accumulator block sum.
  const end8 = block - (block % 8);
  for (let b = 0, p = 0; b < nBins; b++, p += block) {
    let r0 = x[p]!;
    let r1 = x[p + 1]!;
    let r2 = x[p + 2]!;
    let r3 = x[p + 3]!;
    let r4 = x[p + 4]!;
    let r5 = x[p + 5]!;
    let r6 = x[p + 6]!;
    let r7 = x[p + 7]!;
    let i = 8;
    for (; i < end8; i += 8) {
      const q = p + i;
      r0 += x[q]!;
      r1 += x[q + 1]!;
      r2 += x[q + 2]!;
      r3 += x[q + 3]!;
      r4 += x[q + 4]!;
      r5 += x[q + 5]!;
      r6 += x[q + 6]!;
      r7 += x[q + 7]!;
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < block; i++) sum += x[p + i]!;
    out[b] = sum / block;
  }
  return out;
}
