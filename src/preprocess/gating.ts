// Repeat gating (pipeline.md section 5): detrend every repeat of one stim for
// one cell, score each against the median of the others, and give each repeat
// a fate, the first failing test in the order range, step, xcorr, else kept.

import { medianFilter } from "../dsp/median-filter.js";
import { roundHalfEven } from "../dsp/round.js";
import { median, pairwiseSum } from "../dsp/stats.js";
import { medgauss } from "./medgauss.js";

/** Thresholds of the gating tests. */
export interface GatingOptions {
  /** "range": max |x| (mV) above this fails. */
  absMvMax: number;
  /** "step": deviation (mV) from the trace median counted as a step sample. */
  stepMv: number;
  /** "step": fraction of step samples above this fails. */
  maxStepFrac: number;
  /** "xcorr": correlation with the median of the other repeats below this fails; <= 0 disables. */
  minXcorr: number;
}

export const DEFAULT_GATING: Readonly<GatingOptions> = Object.freeze({
  absMvMax: 150,
  stepMv: 30,
  maxStepFrac: 0.005,
  minXcorr: 0.05,
});

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
  gating: GatingOptions;
  detrendMedMs: number;
  detrendGaussMs: number;
}

export interface GateResult {
  /** Full-length detrended repeats whose fate is "kept", in order. */
  kept: Float64Array[];
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
  const smooth = c > 1 && L >= c ? medianFilter(x, c) : x;
  const m = median(smooth);
  let count = 0;
  for (let i = 0; i < L; i++) if (Math.abs(smooth[i]! - m) > stepMv) count++;
  return count / L;
}

/**
 * r_i of every repeat against the element-wise median of the others, all
 * truncated to the shortest length L (pipeline.md section 5.2). Each column
 * is sorted once; the median without repeat i is read off the sorted column.
 */
export function crossTrialCorrelations(detrended: Float64Array[], L: number): Float64Array {
  const R = detrended.length;
  const refs = detrended.map(() => new Float64Array(L));
  const vals = new Float64Array(R);
  const owner = new Int32Array(R);
  const posOf = new Int32Array(R);
  const m = R - 1; // values in each reference median
  const half = m >> 1;
  for (let t = 0; t < L; t++) {
    // Insertion sort of column t, remembering which repeat each value came from.
    for (let i = 0; i < R; i++) {
      const v = detrended[i]![t]!;
      let j = i - 1;
      while (j >= 0 && vals[j]! > v) {
        vals[j + 1] = vals[j]!;
        owner[j + 1] = owner[j]!;
        j--;
      }
      vals[j + 1] = v;
      owner[j + 1] = i;
    }
    for (let p = 0; p < R; p++) posOf[owner[p]!] = p;
    for (let i = 0; i < R; i++) {
      const p = posOf[i]!;
      // Rank q among the others is sorted index q (q < p) or q + 1 (q >= p).
      const hiRank = half;
      const upper = vals[hiRank < p ? hiRank : hiRank + 1]!;
      let med: number;
      if (m % 2 === 1) med = upper;
      else {
        const loRank = half - 1;
        const lower = vals[loRank < p ? loRank : loRank + 1]!;
        med = (lower + upper) / 2;
      }
      refs[i]![t] = med;
    }
  }
  const r = new Float64Array(R);
  const a = new Float64Array(L);
  const b = new Float64Array(L);
  const ab = new Float64Array(L);
  for (let i = 0; i < R; i++) {
    const x = detrended[i]!;
    const ref = refs[i]!;
    const ma = pairwiseSum(x, 0, L) / L;
    const mb = pairwiseSum(ref, 0, L) / L;
    for (let t = 0; t < L; t++) {
      a[t] = x[t]! - ma;
      b[t] = ref[t]! - mb;
      ab[t] = a[t]! * b[t]!;
    }
    const sab = pairwiseSum(ab, 0, L);
    for (let t = 0; t < L; t++) {
      a[t] = a[t]! * a[t]!;
      b[t] = b[t]! * b[t]!;
    }
    const saa = pairwiseSum(a, 0, L);
    const sbb = pairwiseSum(b, 0, L);
    r[i] = sab / (Math.sqrt(saa) * Math.sqrt(sbb) + 1e-12);
  }
  return r;
}

/** Gates the raw repeats (mV) of one stim for one cell. */
export function gateRepeats(repeats: Float64Array[], sfHz: number, opts: GateRepeatsOptions): GateResult {
  const { gating, detrendMedMs, detrendGaussMs } = opts;
  const detrended = repeats.map((x) => medgauss(x, sfHz, detrendMedMs, detrendGaussMs));
  const R = detrended.length;
  let L = Number.POSITIVE_INFINITY;
  for (const x of detrended) L = Math.min(L, x.length);
  const r =
    gating.minXcorr > 0 && R >= 3 && L > 0
      ? crossTrialCorrelations(detrended, L)
      : new Float64Array(R).fill(1);
  const kept: Float64Array[] = [];
  const fates: Fate[] = [];
  const stats: GatingStats[] = [];
  for (let i = 0; i < R; i++) {
    const x = detrended[i]!;
    const maxAbsMv = maxAbsIgnoringNaN(x);
    const stepFrac = stepFraction(x, sfHz, gating.stepMv);
    const ri = r[i]!;
    let fate: Fate;
    if (x.length === 0 || maxAbsMv > gating.absMvMax) fate = "range";
    else if (stepFrac > gating.maxStepFrac) fate = "step";
    else if (ri < gating.minXcorr) fate = "xcorr";
    else fate = "kept";
    fates.push(fate);
    stats.push({ maxAbsMv, stepFrac, r: ri });
    if (fate === "kept") kept.push(x);
  }
  return { kept, fates, stats };
}
