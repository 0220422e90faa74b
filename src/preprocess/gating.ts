// Repeat gating (pipeline.md section 5): detrend every repeat of one stim for
// one cell, score each against the median of the others, and give each repeat
// a fate, the first failing test in the order range, step, xcorr, else kept.

import { medianFilter } from "../dsp/median-filter.js";
import { medianFilterStaysNear } from "../dsp/median-filter-bounds.js";
import { roundHalfEven } from "../dsp/round.js";
import { scratchFloat64 } from "../dsp/scratch.js";
import { median, pairwiseSum } from "../dsp/stats.js";
import type { GatingThresholds } from "./gating-thresholds.js";
import { medgauss } from "./medgauss.js";
import { medianOfOthers } from "./median-of-others.js";

// The thresholds and their defaults (apart, so that checking options loads no filter).
export { DEFAULT_GATING_THRESHOLDS, type GatingThresholds } from "./gating-thresholds.js";

/** Why a repeat was rejected, or "kept". */
export type Fate = "range" | "step" | "xcorr" | "kept";

/** The statistics behind a repeat's fate. */
export interface GatingStats {
  /** max |x| of the detrended repeat, NaN ignored (NaN when empty or all NaN). */
  maxAbsMv: number;
  /** Fraction of samples of the 5 ms-median-smoothed repeat further than stepMv from its median. */
  stepFrac: number;
  /** Correlation with the median of the other repeats (1 when the test does not run). */
  r: number;
}

export interface GateRepeatsOptions {
  gating: GatingThresholds;
  detrendMedMs: number;
  detrendGaussMs: number;
}

export interface GateResult {
  /** Full-length detrended repeats whose fate is "kept", in order. */
  kept: Float64Array[];
  /** Every repeat detrended (what the tests judged), in order; kept[i] are among them. */
  detrended: Float64Array[];
  fates: Fate[];
  stats: GatingStats[];
}

/** max |x| ignoring NaN; NaN when there is no non-NaN value. */
export function maxAbsIgnoringNaN(x: Float64Array): number {
  let m = Number.NaN;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (!Number.isNaN(a) && !(a <= m)) m = a;
  }
  return m;
}

/** The "step" statistic of one detrended repeat. */
export function stepFraction(x: Float64Array, sfHz: number, stepMv: number): number {
  const L = x.length;
  if (L < 3) return 0;
  const c = Math.max(1, roundHalfEven((5 * sfHz) / 1000));
  // Most repeats: provably no sample of the smoothed repeat is that far from its median.
  if (c > 1 && L >= c && medianFilterStaysNear(x, c, stepMv)) return 0;
  const smooth = c > 1 && L >= c ? medianFilter(x, c) : x;
  const m = median(smooth);
  let count = 0;
  for (let i = 0; i < L; i++) if (Math.abs(smooth[i]! - m) > stepMv) count++;
  return count / L;
}

/**
 * r_i of every repeat against the element-wise median of the others, all
 * truncated to the shortest length L (pipeline.md section 5.2). Each column
 * is sorted once; the median without repeat i is read off the sorted column
 * (median-of-others.ts). A column holding NaN gives NaN medians, as
 * np.median does. The three sums of each r_i are accumulated in one pass, in
 * numpy's pairwise order.
 */
export function crossTrialCorrelations(detrended: Float64Array[], L: number): Float64Array {
  const R = detrended.length;
  // The references are temporaries: views of one reused buffer (src/dsp/scratch.ts).
  const all = scratchFloat64("xcorr-refs", R * L);
  const refs = medianOfOthers(
    detrended,
    L,
    detrended.map((_, i) => all.subarray(i * L, (i + 1) * L)),
  );
  const r = new Float64Array(R);
  const sums = new Float64Array(3);
  for (let i = 0; i < R; i++) {
    const x = detrended[i]!;
    const ref = refs[i]!;
    const ma = pairwiseSum(x, 0, L) / L;
    const mb = pairwiseSum(ref, 0, L) / L;
    pairwiseDeviationSums(x, ma, ref, mb, 0, L, sums);
    const sab = sums[0]!;
    const saa = sums[1]!;
    const sbb = sums[2]!;
    r[i] = sab / (Math.sqrt(saa) * Math.sqrt(sbb) + 1e-12);
  }
  return r;
}

const PW_BLOCK = 128;

/**
 * out = [sum a b, sum a^2, sum b^2] over t in [start, start + n) with
 * a = x[t] - ma and b = y[t] - mb, each sum in the exact order of numpy's
 * pairwise np.sum (as pairwiseSum: blocks of up to 128 with 8 accumulators,
 * larger ranges split at a multiple of 8), so the result is bit-identical to
 * summing the three product arrays separately, in one pass and no scratch.
 */
function pairwiseDeviationSums(
  x: Float64Array,
  ma: number,
  y: Float64Array,
  mb: number,
  start: number,
  n: number,
  out: Float64Array,
): void {
  if (n < 8) {
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < n; i++) {
      const a = x[start + i]! - ma;
      const b = y[start + i]! - mb;
      sab += a * b;
      saa += a * a;
      sbb += b * b;
    }
    out[0] = sab;
    out[1] = saa;
    out[2] = sbb;
    return;
  }
  if (n <= PW_BLOCK) {
    blockDeviationSums(x, ma, y, mb, start, n, out);
    return;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  pairwiseDeviationSums(x, ma, y, mb, start, n2, out);
  const ab = out[0]!;
  const aa = out[1]!;
  const bb = out[2]!;
  pairwiseDeviationSums(x, ma, y, mb, start + n2, n - n2, out);
  out[0] = ab + out[0]!;
  out[1] = aa + out[1]!;
  out[2] = bb + out[2]!;
}

/** One pairwise leaf block (8 <= n <= 128): 8 interleaved accumulators per sum, then the tail. */
function blockDeviationSums(
  x: Float64Array,
  ma: number,
  y: Float64Array,
  mb: number,
  start: number,
  n: number,
  out: Float64Array,
): void {
  let a0 = x[start]! - ma;
  let a1 = x[start + 1]! - ma;
  let a2 = x[start + 2]! - ma;
  let a3 = x[start + 3]! - ma;
  let a4 = x[start + 4]! - ma;
  let a5 = x[start + 5]! - ma;
  let a6 = x[start + 6]! - ma;
  let a7 = x[start + 7]! - ma;
  let b0 = y[start]! - mb;
  let b1 = y[start + 1]! - mb;
  let b2 = y[start + 2]! - mb;
  let b3 = y[start + 3]! - mb;
  let b4 = y[start + 4]! - mb;
  let b5 = y[start + 5]! - mb;
  let b6 = y[start + 6]! - mb;
  let b7 = y[start + 7]! - mb;
  let p0 = a0 * b0;
  let p1 = a1 * b1;
  let p2 = a2 * b2;
  let p3 = a3 * b3;
  let p4 = a4 * b4;
  let p5 = a5 * b5;
  let p6 = a6 * b6;
  let p7 = a7 * b7;
  let q0 = a0 * a0;
  let q1 = a1 * a1;
  let q2 = a2 * a2;
  let q3 = a3 * a3;
  let q4 = a4 * a4;
  let q5 = a5 * a5;
  let q6 = a6 * a6;
  let q7 = a7 * a7;
  let s0 = b0 * b0;
  let s1 = b1 * b1;
  let s2 = b2 * b2;
  let s3 = b3 * b3;
  let s4 = b4 * b4;
  let s5 = b5 * b5;
  let s6 = b6 * b6;
  let s7 = b7 * b7;
  const end8 = n - (n % 8);
  let i = 8;
  for (; i < end8; i += 8) {
    const k = start + i;
    a0 = x[k]! - ma;
    a1 = x[k + 1]! - ma;
    a2 = x[k + 2]! - ma;
    a3 = x[k + 3]! - ma;
    b0 = y[k]! - mb;
    b1 = y[k + 1]! - mb;
    b2 = y[k + 2]! - mb;
    b3 = y[k + 3]! - mb;
    p0 += a0 * b0;
    p1 += a1 * b1;
    p2 += a2 * b2;
    p3 += a3 * b3;
    q0 += a0 * a0;
    q1 += a1 * a1;
    q2 += a2 * a2;
    q3 += a3 * a3;
    s0 += b0 * b0;
    s1 += b1 * b1;
    s2 += b2 * b2;
    s3 += b3 * b3;
    a4 = x[k + 4]! - ma;
    a5 = x[k + 5]! - ma;
    a6 = x[k + 6]! - ma;
    a7 = x[k + 7]! - ma;
    b4 = y[k + 4]! - mb;
    b5 = y[k + 5]! - mb;
    b6 = y[k + 6]! - mb;
    b7 = y[k + 7]! - mb;
    p4 += a4 * b4;
    p5 += a5 * b5;
    p6 += a6 * b6;
    p7 += a7 * b7;
    q4 += a4 * a4;
    q5 += a5 * a5;
    q6 += a6 * a6;
    q7 += a7 * a7;
    s4 += b4 * b4;
    s5 += b5 * b5;
    s6 += b6 * b6;
    s7 += b7 * b7;
  }
  let sab = p0 + p1 + (p2 + p3) + (p4 + p5 + (p6 + p7));
  let saa = q0 + q1 + (q2 + q3) + (q4 + q5 + (q6 + q7));
  let sbb = s0 + s1 + (s2 + s3) + (s4 + s5 + (s6 + s7));
  for (; i < n; i++) {
    const a = x[start + i]! - ma;
    const b = y[start + i]! - mb;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  out[0] = sab;
  out[1] = saa;
  out[2] = sbb;
}

/**
 * The fate of one detrended repeat of `samples` samples from its statistics:
 * the first failing test in the order range, step, xcorr, else kept (the one
 * rule, used by gateRepeats and by a build that re-gates cached statistics).
 */
export function repeatFate(samples: number, stats: GatingStats, gating: GatingThresholds): Fate {
  if (samples === 0 || stats.maxAbsMv > gating.absMvMax) return "range";
  if (stats.stepFrac > gating.maxStepFrac) return "step";
  if (stats.r < gating.minXcorr) return "xcorr";
  return "kept";
}

/** Whether the xcorr test runs on R repeats cut to L samples (else every r is 1). */
export function xcorrRuns(gating: GatingThresholds, R: number, L: number): boolean {
  return gating.minXcorr > 0 && R >= 3 && L > 0;
}

/** Gates the raw repeats (mV) of one stim for one cell. */
export function gateRepeats(repeats: Float64Array[], sfHz: number, opts: GateRepeatsOptions): GateResult {
  const { gating, detrendMedMs, detrendGaussMs } = opts;
  const detrended = repeats.map((x) => medgauss(x, sfHz, detrendMedMs, detrendGaussMs));
  const R = detrended.length;
  let L = Number.POSITIVE_INFINITY;
  for (const x of detrended) L = Math.min(L, x.length);
  const r = xcorrRuns(gating, R, L) ? crossTrialCorrelations(detrended, L) : new Float64Array(R).fill(1);
  const kept: Float64Array[] = [];
  const fates: Fate[] = [];
  const stats: GatingStats[] = [];
  for (let i = 0; i < R; i++) {
    const x = detrended[i]!;
    const maxAbsMv = maxAbsIgnoringNaN(x);
    const stepFrac = stepFraction(x, sfHz, gating.stepMv);
    const ri = r[i]!;
    const fate = repeatFate(x.length, { maxAbsMv, stepFrac, r: ri }, gating);
    fates.push(fate);
    stats.push({ maxAbsMv, stepFrac, r: ri });
    if (fate === "kept") kept.push(x);
  }
  return { kept, detrended, fates, stats };
}
