// A proof, by counting alone, that no sample of a median-filtered signal lies
// further than `dist` from the filtered signal's median: the common answer of
// the step test (pipeline.md section 5: a 5 ms median, then the fraction of
// samples more than 30 mV from its median), found without filtering.
// The window's element of rank r (0-based) is <= t iff at least r + 1 of the
// window's samples are <= t, and >= t iff at least k - r are >= t. So one
// pass of sliding counts over the signal shows, for two values T1 <= T2 near
// the signal's middle and U = T1 + dist, D = T2 - dist (each moved inwards by
// a margin far above rounding), that
//   every filtered sample y_i lies in [D, U], and
//   the median m of the filtered signal lies in [T1, T2]
// (fewer than half of the y_i are below T1, at least half are <= T2);
// then y_i - m lies in [-dist, dist] in exact arithmetic, and the rounded
// difference too (rounding is monotone and dist is a float), so
// |y_i - m| > dist holds for no i. When a count fails, nothing is proved and
// the caller computes the filter.

import { firstOfPair, MAX_PAIRED_COUNT, secondOfPair } from "./count-pair.js";
import { reflectExtendInto } from "./reflect.js";
import { scratchFloat64 } from "./scratch.js";
import { rangeInto } from "./stats.js";

/** Samples of the signal read to place T1 and T2 (evenly spaced). */
const PROBE_SAMPLES = 1024;
/**
 * Quantiles of the probe giving T1 and T2: wide enough that the median of the
 * filtered signal lies between them, and that the comparisons with them go the
 * same way for most samples (predictable branches: the pass costs a few ns
 * per sample).
 */
const T1_QUANTILE = 0.05;
const T2_QUANTILE = 0.95;
/** Magnitude above which nothing is tried (the mean of two middle values must not overflow). */
const HUGE = 1e300;
/** Relative margin moving U and D inwards: far above float64 rounding (~1e-16). */
const MARGIN = 1e-9;

/**
 * True when provably no i has |medianFilter(x, k)[i] - np.median(medianFilter(x, k))| > dist
 * (float64 subtraction); false when that was not shown (not that it fails).
 * x non-empty and finite, 1 <= k.
 */
export function medianFilterStaysNear(x: Float64Array, k: number, dist: number): boolean {
  const L = x.length;
  if (L === 0 || !Number.isInteger(k) || k < 1 || !(dist >= 0) || !Number.isFinite(dist)) return false;
  if (L > MAX_PAIRED_COUNT) return false; // slideCounts' pair would not be exact
  const range = new Float64Array(2);
  if (!rangeInto(x, range, 0, L, 1)) return false;
  const min = range[0]!;
  const max = range[1]!;
  // Infinities, or values whose sum (in np.median's mean of two) could overflow.
  if (!(Math.abs(min) < HUGE && Math.abs(max) < HUGE)) return false;
  // Every y_i and m lie in [min, max].
  if (max - min <= dist * (1 - MARGIN)) return true;
  // T1 <= T2 from a strided probe of x.
  const take = Math.min(L, PROBE_SAMPLES);
  const probe = new Float64Array(take);
  for (let j = 0; j < take; j++) probe[j] = x[Math.floor((j * L) / take)]!;
  probe.sort();
  const T1 = probe[Math.floor(T1_QUANTILE * (take - 1))]!;
  const T2 = probe[Math.ceil(T2_QUANTILE * (take - 1))]!;
  const margin = MARGIN * (Math.abs(T1) + Math.abs(T2) + dist);
  const levels = new Float64Array([T1, T2, T1 + dist - margin, T2 - dist + margin]);
  if (!(levels[3]! <= levels[2]!)) return false; // D > U: T2 - T1 is nearly 2 dist, no room
  const half = k >> 1;
  const ext = reflectExtendInto(x, half, k - 1 - half, scratchFloat64("bounds-ext", L + k - 1));
  const tally = slideCounts(ext, L, k, levels);
  if (tally < 0) return false;
  const below1 = firstOfPair(tally, L + 1);
  const upTo2 = secondOfPair(tally, L + 1);
  // np.median takes ranks r1 <= r2 (equal for odd L): m >= T1 iff at most r1
  // filtered samples are < T1; m <= T2 iff at least r2 + 1 are <= T2.
  const r2 = L >> 1;
  const r1 = L % 2 === 1 ? r2 : r2 - 1;
  return below1 <= r1 && upTo2 >= r2 + 1;
}

// The slide is a function of its own (CONTRIBUTING.md, "One hot loop per
// function").

/**
 * Slides the window counts over ext (the first k - 1 samples are counted
 * only; each later one completes the window of one output): -1 as soon as
 * one filtered sample is shown above U or below D; else
 * below1 * (L + 1) + upTo2, where below1 counts the filtered samples < T1
 * and upTo2 those <= T2 (levels = [T1, T2, U, D]): the two tallies as a
 * pair of count-pair.ts, the one plain local the loop may end with.
 */
function slideCounts(ext: Float64Array, L: number, k: number, levels: Float64Array): number {
  const T1 = levels[0]!;
  const T2 = levels[1]!;
  const U = levels[2]!;
  const D = levels[3]!;
  const half = k >> 1;
  const needLow = half + 1; // y_i <= t iff at least half + 1 window samples are <= t
  const needHigh = k - half; // y_i >= t iff at least k - half are >= t
  const belowStep = L + 1; // one y_i < T1 in the packed tally
  let lt1 = 0; // window samples < T1
  let le2 = 0; // <= T2
  let leU = 0; // <= U
  let geD = 0; // >= D
  let tally = 0;
  const end = L + k - 1;
  for (let j = 0; j < end; j++) {
    const vIn = ext[j]!;
    lt1 += vIn < T1 ? 1 : 0;
    le2 += vIn <= T2 ? 1 : 0;
    leU += vIn <= U ? 1 : 0;
    geD += vIn >= D ? 1 : 0;
    if (j < k - 1) continue; // still filling the first window
    // the window of output j - k + 1 is complete
    if (leU < needLow || geD < needHigh) return -1; // y_i > U or y_i < D
    tally += (lt1 >= needLow ? belowStep : 0) + (le2 >= needLow ? 1 : 0);
    const vOut = ext[j - k + 1]!;
    lt1 -= vOut < T1 ? 1 : 0;
    le2 -= vOut <= T2 ? 1 : 0;
    leU -= vOut <= U ? 1 : 0;
    geD -= vOut >= D ? 1 : 0;
  }
  return tally;
}
