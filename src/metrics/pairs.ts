// The vector a prediction-vs-data metric runs on (deepSTRF's corrcoef, fve,
// mse_loss, poisson_loss, normalized_corrcoef): for one neuron, its valid
// positions, stims concatenated in order. The data are first collapsed to
// the PSTH, the NaN-aware mean over repeats (a column without any value is
// NaN); a position is valid where the PSTH is not NaN, or where the explicit
// PSTH-shaped mask says so (a mask that keeps a NaN position lets the NaN
// through: deepSTRF's loud failure, kept).

import type { PairRef, ScoringLayout } from "./layout.js";

export class PairScratch {
  /** The neuron's valid predictions and PSTH values, `count` of them. */
  readonly pred: Float64Array;
  readonly psth: Float64Array;
  count = 0;
  private readonly colSum: Float64Array;
  private readonly colCount: Int32Array;

  constructor(layout: ScoringLayout) {
    this.pred = new Float64Array(layout.maxNeuronBins);
    this.psth = new Float64Array(layout.maxNeuronBins);
    this.colSum = new Float64Array(layout.responses.maxBins);
    this.colCount = new Int32Array(layout.responses.maxBins);
  }

  /** Fills pred, psth and count from one neuron's pairs. */
  gather(pairs: readonly PairRef[]): void {
    let m = 0;
    const sum = this.colSum;
    const cnt = this.colCount;
    for (const pair of pairs) {
      const { data, offset, repeats: R, bins: T } = pair.gt;
      // Plain column sums first: without a NaN in the block they are the NaN-aware
      // sums (same additions, same order). A NaN sum sends the block to the
      // NaN-aware loop, and so does a NaN where batch padding shows first (the
      // end of the first repeat, the start of the last), to spare padded blocks
      // the second pass.
      let clean =
        R === 0 || (!Number.isNaN(data[offset + T - 1]!) && !Number.isNaN(data[offset + (R - 1) * T]!));
      sum.fill(0, 0, T);
      if (clean) {
        for (let r = 0; r < R; r++) {
          const base = offset + r * T;
          for (let t = 0; t < T; t++) sum[t] = sum[t]! + data[base + t]!;
        }
        for (let t = 0; t < T && clean; t++) clean = !Number.isNaN(sum[t]!);
      }
      if (clean) {
        cnt.fill(R, 0, T);
      } else {
        sum.fill(0, 0, T);
        cnt.fill(0, 0, T);
        for (let r = 0; r < R; r++) {
          const base = offset + r * T;
          for (let t = 0; t < T; t++) {
            const v = data[base + t]!;
            if (!Number.isNaN(v)) {
              sum[t] = sum[t]! + v;
              cnt[t] = cnt[t]! + 1;
            }
          }
        }
      }
      const { pred, predOffset, mask, maskOffset } = pair;
      for (let t = 0; t < T; t++) {
        const c = cnt[t]!;
        const g = c > 0 ? sum[t]! / c : Number.NaN;
        if (mask === undefined ? !Number.isNaN(g) : mask[maskOffset + t] !== 0) {
          this.pred[m] = pred[predOffset + t]!;
          this.psth[m] = g;
          m++;
        }
      }
    }
    this.count = m;
  }
}
