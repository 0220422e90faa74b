// A counting (histogram) sliding order statistic for signals whose values lie
// on a regular grid, such as AC1 traces stored as int16 counts times a scale
// in mV. Each value is mapped to its grid level; the window is a histogram of
// levels with a moving pointer at the wanted rank, so a step costs O(1) plus
// the empty levels the pointer crosses (skipped 64 at a time), instead of the
// O(log k) of the two heaps. The mapping is verified to be exact and
// one-to-one (two different values never share a level, and every occurrence
// of a level holds the very same float64), so the output is bit-identical to
// the comparison-based filter; anything else (NaN, values off a grid, too
// many levels) returns null and the caller falls back to the heaps.

import { scratchInt32 } from "./scratch.js";

/** Most grid levels accepted (the histogram is an Int32Array of this many entries at most). */
const MAX_LEVELS = 1 << 20;
const BLOCK_SHIFT = 6;
const BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;

/**
 * out[i] = element of rank `rank` (0-based) of ext[i .. i+k-1], i < nOut, or
 * null when ext is not exactly on a regular grid of at most MAX_LEVELS levels
 * (`out`, if given, must hold exactly nOut values; all are written).
 */
export function slidingRankOnGrid(
  ext: Float64Array,
  k: number,
  rank: number,
  nOut: number,
  out?: Float64Array,
): Float64Array | null {
  if (!looksOnGrid(ext)) return null;
  const span = new Float64Array(3);
  if (!gridSpan(ext, span)) return null;
  const lo = span[0]!;
  const hi = span[1]!;
  const step = span[2]!;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (lo === hi) return (out ?? new Float64Array(nOut)).fill(lo);
  if (!(step > 0) || (hi - lo) / step >= MAX_LEVELS - 1) return null;
  const nLevels = Math.round((hi - lo) / step) + 1;
  const levelValue = new Float64Array(nLevels).fill(Number.NaN);
  const level = scratchInt32("grid-levels", ext.length);
  if (!levelsOf(ext, lo, 1 / step, nLevels, levelValue, level)) return null;
  const counts = new Int32Array(nLevels + 1);
  const blockCounts = new Int32Array((nLevels >>> BLOCK_SHIFT) + 2);
  countLevels(level, k, counts, blockCounts);
  return slideRank(level, levelValue, counts, blockCounts, k, rank, nOut, out ?? new Float64Array(nOut));
}

// Each pass below is a function of its own, one loop each
// (CONTRIBUTING.md, "One hot loop per function").

/**
 * span = [smallest value, largest value, smallest non-zero step between
 * neighbours] of ext (Infinity, -Infinity, Infinity to start); false if ext
 * holds a NaN. The answers are stored as they change, inside the loop: code
 * after it would lack type feedback.
 */
function gridSpan(ext: Float64Array, span: Float64Array): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  let step = Infinity;
  span[0] = lo;
  span[1] = hi;
  span[2] = step;
  let prev = ext[0]!;
  for (let i = 0; i < ext.length; i++) {
    const v = ext[i]!;
    if (Number.isNaN(v)) return false;
    if (v < lo) {
      lo = v;
      span[0] = v;
    }
    if (v > hi) {
      hi = v;
      span[1] = v;
    }
    const d = Math.abs(v - prev); // branch-free: the sign of a difference is a coin toss
    if (d > 0 && d < step) {
      step = d;
      span[2] = d;
    }
    prev = v;
  }
  return true;
}

/**
 * Maps every value to its grid level (level[i]) and records each level's
 * value (levelValue, NaN until seen); false when two different values share a
 * level or a value falls off the grid.
 */
function levelsOf(
  ext: Float64Array,
  lo: number,
  invStep: number,
  nLevels: number,
  levelValue: Float64Array,
  level: Int32Array,
): boolean {
  for (let i = 0; i < ext.length; i++) {
    const v = ext[i]!;
    // Nearest level: floor(q + 0.5), monotone in v (values on the grid sit
    // within float noise of a whole q, far from a half).
    const q = (v - lo) * invStep + 0.5;
    if (!(q >= 0 && q < nLevels)) return false;
    const l = q | 0;
    const seen = levelValue[l]!;
    if (seen !== v) {
      if (!Number.isNaN(seen)) return false; // two different values on one level: not a grid
      levelValue[l] = v; // first on this level (NaN until then)
    }
    level[i] = l;
  }
  return true;
}

/** The histogram (and its per-block totals) of the first window, level[0 .. k). */
function countLevels(level: Int32Array, k: number, counts: Int32Array, blockCounts: Int32Array): void {
  for (let i = 0; i < k; i++) {
    const l = level[i]!;
    counts[l]!++;
    blockCounts[l >>> BLOCK_SHIFT]!++;
  }
}

/** Slides the window's histogram along level, writing the value of rank `rank` of each window to result. */
function slideRank(
  level: Int32Array,
  levelValue: Float64Array,
  counts: Int32Array,
  blockCounts: Int32Array,
  k: number,
  rank: number,
  nOut: number,
  result: Float64Array,
): Float64Array {
  // m: level of the current answer; below: window elements with level < m.
  // After the fix-up loops: below <= rank < below + counts[m].
  let m = 0;
  let below = 0;
  for (let i = 0; ; i++) {
    while (below > rank) {
      m--; // down to the previous non-empty level
      while (counts[m] === 0) {
        if ((m & BLOCK_MASK) === BLOCK_MASK && blockCounts[m >>> BLOCK_SHIFT] === 0) m -= BLOCK_MASK + 1;
        else m--;
      }
      below -= counts[m]!;
    }
    while (below + counts[m]! <= rank) {
      below += counts[m]!;
      m++; // up to the next non-empty level
      while (counts[m] === 0) {
        if ((m & BLOCK_MASK) === 0 && blockCounts[m >>> BLOCK_SHIFT] === 0) m += BLOCK_MASK + 1;
        else m++;
      }
    }
    result[i] = levelValue[m]!;
    if (i + 1 >= nOut) break;
    const a = level[i]!;
    const b = level[i + k]!;
    counts[a]!--;
    blockCounts[a >>> BLOCK_SHIFT]!--;
    counts[b]!++;
    blockCounts[b >>> BLOCK_SHIFT]!++;
    // below += [b < m] - [a < m], without branches (levels are small non-negative ints)
    below += ((b - m) >>> 31) - ((a - m) >>> 31);
  }
  return result;
}

/**
 * Cheap early rejection for continuous signals: the first samples must sit on
 * the grid of their own smallest non-zero difference (within float noise).
 */
function looksOnGrid(ext: Float64Array): boolean {
  const n = Math.min(ext.length, 512);
  let step = Infinity;
  for (let i = 1; i < n; i++) {
    const d = Math.abs(ext[i]! - ext[i - 1]!);
    if (d > 0 && d < step) step = d;
  }
  if (!Number.isFinite(step)) return true; // constant so far: let the full check decide
  const base = ext[0]!;
  for (let i = 1; i < n; i++) {
    const q = (ext[i]! - base) / step;
    if (Math.abs(q - Math.round(q)) > 1e-6) return false;
  }
  return true;
}
