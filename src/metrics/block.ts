// The rows x columns rule every repeat-based metric shares (deepSTRF's
// _per_stim_sp_np and _per_stim_ccmax): within one (stim, neuron) block the
// rows are the repeats with any valid bin, the columns the bins with any valid
// repeat, validity being ~isnan or the explicit mask. The sub-block is then
// taken whole: a masked-out but finite value inside it still counts, and a
// NaN inside it (repeats of unequal length, or a mask that keeps a NaN)
// makes the block's SP, NP and CCmax NaN. That is deepSTRF's behaviour,
// kept on purpose.
//
// BlockScratch holds the per-call buffers (sized once for the largest block),
// so nothing is allocated per block or per sample.

import type { BlockRef } from "./layout.js";

export class BlockScratch {
  /** Valid rows and columns of the current block, in order. */
  readonly rowIdx: Int32Array;
  readonly colIdx: Int32Array;
  readonly colFlag: Uint8Array;
  /** rv x tv: the valid sub-block, each row minus its mean over the valid columns. */
  readonly centred: Float64Array;
  /** tv column sums (the PSTH times rv, centred rows). */
  readonly colSum: Float64Array;
  /** Row sums over all bins, valid when `clean` (the block holds no NaN and no mask). */
  readonly rowSum: Float64Array;
  clean = false;
  rv = 0;
  tv = 0;

  constructor(maxRepeats: number, maxBins: number, maxCells: number) {
    this.rowIdx = new Int32Array(maxRepeats);
    this.colIdx = new Int32Array(maxBins);
    this.colFlag = new Uint8Array(maxBins);
    this.centred = new Float64Array(maxCells);
    this.colSum = new Float64Array(maxBins);
    this.rowSum = new Float64Array(maxRepeats);
  }
}

/** Sets s.rv, s.tv, s.rowIdx, s.colIdx for the block. */
export function selectRowsCols(blk: BlockRef, s: BlockScratch): void {
  const { data, offset, repeats: R, bins: T, mask, maskOffset } = blk;
  // Fast path: without a mask, a row whose plain sum is not NaN holds no NaN, and a
  // block of such rows is whole. The sums are the ones gatherCentred needs, in the
  // same order, so nothing is lost when the fast path applies.
  s.clean = false;
  if (mask === undefined && T > 0 && R > 0) {
    let clean = true;
    for (let r = 0; r < R && clean; r++) {
      const base = offset + r * T;
      let sum = 0;
      for (let t = 0; t < T; t++) sum += data[base + t]!;
      s.rowSum[r] = sum;
      clean = !Number.isNaN(sum);
    }
    if (clean) {
      for (let r = 0; r < R; r++) s.rowIdx[r] = r;
      for (let t = 0; t < T; t++) s.colIdx[t] = t;
      s.rv = R;
      s.tv = T;
      s.clean = true;
      return;
    }
  }
  const flag = s.colFlag;
  flag.fill(0, 0, T);
  let rv = 0;
  for (let r = 0; r < R; r++) {
    let any = 0;
    if (mask === undefined) {
      const base = offset + r * T;
      for (let t = 0; t < T; t++) {
        const v = data[base + t]!;
        if (!Number.isNaN(v)) {
          any = 1;
          flag[t] = 1;
        }
      }
    } else {
      const base = maskOffset + r * T;
      for (let t = 0; t < T; t++) {
        if (mask[base + t] !== 0) {
          any = 1;
          flag[t] = 1;
        }
      }
    }
    if (any) s.rowIdx[rv++] = r;
  }
  let tv = 0;
  for (let t = 0; t < T; t++) if (flag[t]) s.colIdx[tv++] = t;
  s.rv = rv;
  s.tv = tv;
}

/** Copies the first `rows` valid rows at the valid columns into s.centred, each minus its own mean. */
export function gatherCentred(blk: BlockRef, s: BlockScratch, rows: number): void {
  const { data, offset, bins: T } = blk;
  const tv = s.tv;
  const out = s.centred;
  const cols = s.colIdx;
  const contiguous = tv === T;
  if (s.clean) {
    for (let i = 0; i < rows; i++) {
      const base = offset + i * T;
      const o = i * tv;
      const mean = s.rowSum[i]! / tv;
      for (let j = 0; j < tv; j++) out[o + j] = data[base + j]! - mean;
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const base = offset + s.rowIdx[i]! * T;
    const o = i * tv;
    let sum = 0;
    if (contiguous) {
      for (let j = 0; j < tv; j++) {
        const v = data[base + j]!;
        out[o + j] = v;
        sum += v;
      }
    } else {
      for (let j = 0; j < tv; j++) {
        const v = data[base + cols[j]!]!;
        out[o + j] = v;
        sum += v;
      }
    }
    const mean = sum / tv;
    for (let j = 0; j < tv; j++) out[o + j] = out[o + j]! - mean;
  }
}
