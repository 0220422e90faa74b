// CCmax, the Hsu / Spearman-Brown noise ceiling (deepSTRF's _per_stim_ccmax
// and _ccmax_per_neuron). Per (stim, neuron) block with R_v >= 2 and T_v >= 2
// (block.ts): an odd R_v drops its last valid repeat (R_e); the first
// K = min(C(R_e, R_e/2) / 2, maxIters) subsets of size R_e/2 of 0..R_e-1, in
// lexicographic order, are each paired with their complement (deepSTRF pairs
// half_sets[i] with half_sets[-1 - i], which is exactly the complement); rho
// is the mean over splits of Pearson(mean of half A, mean of half B), NaN when
// a split's denominator is below 1e-12. rho <= 0 drops the stim; a NaN rho
// (constant half-PSTHs, e.g. a silent stim) contributes NaN, so the neuron's
// CCmax is NaN: deepSTRF's quirk, kept. Otherwise CCmax_b = sqrt(2 rho / (1 + rho))
// with weight T_v; per neuron the weighted mean (NaN if no stim contributes).
//
// Speed: the half means are never formed. With Y the centred rows, G = Y Y^T
// (R_e x R_e, one pass over the data), and for a split (A, B) of h = R_e/2
// rows each, the Pearson of the half means is
//   sum_{A x B} G / sqrt(sum_{A x A} G * sum_{B x B} G)
// (the 1/h factors cancel; they are kept in the denominator test). So a split
// costs O(R_e^2) instead of O(R_e T), and K = 126 splits of 30 repeats x 2000
// bins cost one Gram matrix. deepSTRF also materialises all C(R_e, R_e/2)
// combinations (155 million at R = 30); only the first K are generated here.
// One exception keeps deepSTRF's NaN where a half-PSTH is constant: a split
// whose half is (nearly) constant is evaluated directly (directSplit).

import { BlockScratch, gatherCentred, selectRowsCols } from "./block.js";
import { type ResponseLayout, responseLayout } from "./layout.js";
import { checkMaxIters, checkReduction, reduceOverNeurons } from "./reduce.js";
import { type CcmaxOptions, EPS, type Reduced, type Reduction, type Responses } from "./types.js";

/** K = min(floor(C(re, re/2) / 2), maxIters) for an even re (0 below 2), without overflow. */
export function splitCount(re: number, maxIters: number): number {
  if (re < 2) return 0;
  const h = re >> 1;
  let c = 1;
  for (let i = 1; i <= h; i++) {
    c = (c * (re - h + i)) / i; // C(re - h + i, i), an exact integer at every step
    if (c > 2 * maxIters + 1) return maxIters;
  }
  return Math.min(Math.floor(c / 2), maxIters);
}

/**
 * Advances `comb` (h ascending indices into 0..n-1) to the next combination in
 * lexicographic order; false when it was the last.
 */
export function nextCombination(comb: Int32Array, h: number, n: number): boolean {
  let i = h - 1;
  while (i >= 0 && comb[i] === n - h + i) i--;
  if (i < 0) return false;
  comb[i] = comb[i]! + 1;
  for (let j = i + 1; j < h; j++) comb[j] = comb[j - 1]! + 1;
  return true;
}

/** Buffers of the split loop, sized for maxRepeats and maxBins. */
export class SplitScratch {
  readonly gram: Float64Array;
  readonly comb: Int32Array;
  readonly other: Int32Array;
  readonly inA: Uint8Array;
  /** Half sums over the bins, for the direct evaluation of a degenerate split. */
  readonly halfA: Float64Array;
  readonly halfB: Float64Array;
  /** The direct evaluation's sums, [saa, sbb, sab]. */
  readonly sums = new Float64Array(3);
  constructor(maxRepeats: number, maxBins: number) {
    this.gram = new Float64Array(maxRepeats * maxRepeats);
    this.comb = new Int32Array(maxRepeats);
    this.other = new Int32Array(maxRepeats);
    this.inA = new Uint8Array(maxRepeats);
    this.halfA = new Float64Array(maxBins);
    this.halfB = new Float64Array(maxBins);
  }
}

/**
 * The split's sums straight from the rows, as deepSTRF forms them: the two
 * half sums over the bins, each centred, then their products. Used when a
 * half is (nearly) constant over time, where the Gram sums are cancellations
 * of much larger terms and would leave a rounding residue far above the 1e-12
 * denominator test that deepSTRF's direct sums fall below.
 */
function directSplit(y: Float64Array, tv: number, h: number, sp: SplitScratch): void {
  const { halfA, halfB, comb, other } = sp;
  halfA.fill(0, 0, tv);
  halfB.fill(0, 0, tv);
  for (let i = 0; i < h; i++) {
    const oa = comb[i]! * tv;
    const ob = other[i]! * tv;
    for (let t = 0; t < tv; t++) {
      halfA[t] = halfA[t]! + y[oa + t]!;
      halfB[t] = halfB[t]! + y[ob + t]!;
    }
  }
  let ma = 0;
  let mb = 0;
  for (let t = 0; t < tv; t++) {
    ma += halfA[t]!;
    mb += halfB[t]!;
  }
  ma /= tv;
  mb /= tv;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let t = 0; t < tv; t++) {
    const a = halfA[t]! - ma;
    const b = halfB[t]! - mb;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
  }
  sp.sums[0] = saa;
  sp.sums[1] = sbb;
  sp.sums[2] = sab;
}

/** Below this fraction of its rows' own power, a half's Gram sum is recomputed directly. */
const DEGENERATE = 1e-6;

/**
 * G = Y Y^T over the first `rows` rows of y (row stride tv), full symmetric
 * rows x rows. Tiles of 2 x 4 rows share their loads (8 products per 6 loads).
 */
function gram(y: Float64Array, rows: number, tv: number, g: Float64Array): void {
  let i = 0;
  for (; i + 1 < rows; i += 2) {
    const a0 = i * tv;
    const a1 = a0 + tv;
    // The 2 x 2 diagonal tile.
    {
      let s00 = 0;
      let s01 = 0;
      let s11 = 0;
      for (let t = 0; t < tv; t++) {
        const x0 = y[a0 + t]!;
        const x1 = y[a1 + t]!;
        s00 += x0 * x0;
        s01 += x0 * x1;
        s11 += x1 * x1;
      }
      g[i * rows + i] = s00;
      g[i * rows + i + 1] = s01;
      g[(i + 1) * rows + i + 1] = s11;
    }
    let j = i + 2;
    for (; j + 3 < rows; j += 4) {
      const b0 = j * tv;
      const b1 = b0 + tv;
      const b2 = b1 + tv;
      const b3 = b2 + tv;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let t = 0; t < tv; t++) {
        const x0 = y[a0 + t]!;
        const x1 = y[a1 + t]!;
        const z0 = y[b0 + t]!;
        const z1 = y[b1 + t]!;
        const z2 = y[b2 + t]!;
        const z3 = y[b3 + t]!;
        s00 += x0 * z0;
        s01 += x0 * z1;
        s02 += x0 * z2;
        s03 += x0 * z3;
        s10 += x1 * z0;
        s11 += x1 * z1;
        s12 += x1 * z2;
        s13 += x1 * z3;
      }
      const r0 = i * rows + j;
      const r1 = r0 + rows;
      g[r0] = s00;
      g[r0 + 1] = s01;
      g[r0 + 2] = s02;
      g[r0 + 3] = s03;
      g[r1] = s10;
      g[r1 + 1] = s11;
      g[r1 + 2] = s12;
      g[r1 + 3] = s13;
    }
    for (; j < rows; j++) {
      const b0 = j * tv;
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < tv; t++) {
        const z = y[b0 + t]!;
        s0 += y[a0 + t]! * z;
        s1 += y[a1 + t]! * z;
      }
      g[i * rows + j] = s0;
      g[(i + 1) * rows + j] = s1;
    }
  }
  if (i < rows) {
    // An odd count is never passed (R_e is even), but keep the function general.
    const a0 = i * tv;
    let s = 0;
    for (let t = 0; t < tv; t++) s += y[a0 + t]! * y[a0 + t]!;
    g[i * rows + i] = s;
  }
  for (let r = 0; r < rows; r++) for (let c = r + 1; c < rows; c++) g[c * rows + r] = g[r * rows + c]!;
}

/**
 * CCmax of the block held in s (after selectRowsCols and gatherCentred of at
 * least its first R_e rows; s.rv >= 2, s.tv >= 2): the value (NaN for a NaN
 * rho), or undefined when the stim does not contribute (rho <= 0, or K = 0).
 */
export function blockCcmax(s: BlockScratch, sp: SplitScratch, maxIters: number): number | undefined {
  const re = s.rv - (s.rv & 1);
  const K = splitCount(re, maxIters);
  if (K === 0) return undefined;
  const g = sp.gram;
  gram(s.centred, re, s.tv, g);
  const h = re >> 1;
  const hh = h * h;
  const comb = sp.comb;
  const other = sp.other;
  const inA = sp.inA;
  for (let i = 0; i < h; i++) comb[i] = i;
  let sumRho = 0;
  for (let k = 0; k < K; k++) {
    inA.fill(0, 0, re);
    for (let i = 0; i < h; i++) inA[comb[i]!] = 1;
    for (let i = 0, m = 0; i < re; i++) if (!inA[i]) other[m++] = i;
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    let traceA = 0;
    let traceB = 0;
    for (let i = 0; i < h; i++) {
      const ra = comb[i]! * re;
      const rb = other[i]! * re;
      traceA += g[ra + comb[i]!]!;
      traceB += g[rb + other[i]!]!;
      for (let j = 0; j < h; j++) {
        const a = comb[j]!;
        const b = other[j]!;
        saa += g[ra + a]!;
        sab += g[ra + b]!;
        sbb += g[rb + b]!;
      }
    }
    // A half of all-constant repeats has an exactly flat half-PSTH: den = 0, NaN rho.
    if (traceA === 0 || traceB === 0) return Number.NaN;
    if (saa <= DEGENERATE * traceA || sbb <= DEGENERATE * traceB) {
      directSplit(s.centred, s.tv, h, sp);
      saa = sp.sums[0]!;
      sbb = sp.sums[1]!;
      sab = sp.sums[2]!;
    }
    const den = Math.sqrt((saa / hh) * (sbb / hh));
    // One NaN split makes rho NaN, and a NaN rho makes the stim's CCmax NaN: stop here.
    if (!(den >= EPS)) return Number.NaN;
    sumRho += sab / hh / den;
    if (k + 1 < K) nextCombination(comb, h, re);
  }
  const rho = sumRho / K;
  if (rho <= 0) return undefined; // false for NaN: a NaN rho contributes NaN
  return Math.sqrt((2 * rho) / (1 + rho));
}

/** Per-neuron CCmax over a layout (no 1.0 fallback). */
export function ccmaxPerNeuron(layout: ResponseLayout, maxIters: number): Float64Array {
  const N = layout.neurons;
  const out = new Float64Array(N);
  const s = new BlockScratch(layout.maxRepeats, layout.maxBins, layout.maxCells);
  const sp = new SplitScratch(layout.maxRepeats, layout.maxBins);
  for (let n = 0; n < N; n++) {
    let w = 0;
    let wc = 0;
    for (const blk of layout.blocks[n]!) {
      selectRowsCols(blk, s);
      if (s.rv < 2 || s.tv < 2) continue;
      gatherCentred(blk, s, s.rv - (s.rv & 1));
      const c = blockCcmax(s, sp, maxIters);
      if (c === undefined) continue;
      w += s.tv;
      wc += s.tv * c;
    }
    out[n] = w > 0 ? wc / w : Number.NaN;
  }
  return out;
}

/**
 * CCmax per neuron (deepSTRF's _ccmax_per_neuron, as normalized_corrcoef's
 * "hsu" method uses it): NaN for neurons without a contributing stim. For the
 * dataset-level ceiling with the 1.0 fallback, use neuronQuality.
 */
export function ccmax<R extends Reduction | undefined = undefined>(
  responses: Responses,
  options: CcmaxOptions<R> = {},
): Reduced<R> {
  checkReduction(options.reduction);
  const maxIters = checkMaxIters(options.maxIters);
  const layout = responseLayout(responses, options.mask, "ccmax");
  return reduceOverNeurons(ccmaxPerNeuron(layout, maxIters), options.reduction as R);
}
