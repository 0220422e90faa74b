// Summary statistics with numpy's exact semantics: np.sum's pairwise
// summation (so means and standard deviations match numpy to the last bit in
// most cases), np.mean, np.std (population) and np.median (mean of the two
// middle values for an even count, linear-time selection, NaN if any NaN).

import { firstOfPair, MAX_PAIRED_COUNT, secondOfPair } from "./count-pair.js";

const PW_BLOCK = 128;

/**
 * Sum of x[start .. start+n) in numpy's pairwise order (np.add.reduce on a
 * contiguous float64 array): blocks of up to 128 summed with 8 accumulators,
 * larger ranges split in two at a multiple of 8.
 */
export function pairwiseSum(x: Float64Array, start = 0, n = x.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += x[start + i]!;
    return res;
  }
  if (n <= PW_BLOCK) {
    let r0 = x[start]!;
    let r1 = x[start + 1]!;
    let r2 = x[start + 2]!;
    let r3 = x[start + 3]!;
    let r4 = x[start + 4]!;
    let r5 = x[start + 5]!;
    let r6 = x[start + 6]!;
    let r7 = x[start + 7]!;
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const p = start + i;
      r0 += x[p]!;
      r1 += x[p + 1]!;
      r2 += x[p + 2]!;
      r3 += x[p + 3]!;
      r4 += x[p + 4]!;
      r5 += x[p + 5]!;
      r6 += x[p + 6]!;
      r7 += x[p + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += x[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(x, start, n2) + pairwiseSum(x, start + n2, n - n2);
}

/** Pairwise sum (numpy order) of (x[i] - c)^2 over x[start .. start+n). */
function pairwiseSumSqDev(x: Float64Array, c: number, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) {
      const d = x[start + i]! - c;
      res += d * d;
    }
    return res;
  }
  if (n <= PW_BLOCK) {
    let d = x[start]! - c;
    let r0 = d * d;
    d = x[start + 1]! - c;
    let r1 = d * d;
    d = x[start + 2]! - c;
    let r2 = d * d;
    d = x[start + 3]! - c;
    let r3 = d * d;
    d = x[start + 4]! - c;
    let r4 = d * d;
    d = x[start + 5]! - c;
    let r5 = d * d;
    d = x[start + 6]! - c;
    let r6 = d * d;
    d = x[start + 7]! - c;
    let r7 = d * d;
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const p = start + i;
      d = x[p]! - c;
      r0 += d * d;
      d = x[p + 1]! - c;
      r1 += d * d;
      d = x[p + 2]! - c;
      r2 += d * d;
      d = x[p + 3]! - c;
      r3 += d * d;
      d = x[p + 4]! - c;
      r4 += d * d;
      d = x[p + 5]! - c;
      r5 += d * d;
      d = x[p + 6]! - c;
      r6 += d * d;
      d = x[p + 7]! - c;
      r7 += d * d;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) {
      d = x[start + i]! - c;
      res += d * d;
    }
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSumSqDev(x, c, start, n2) + pairwiseSumSqDev(x, c, start + n2, n - n2);
}

function asFloat64(x: ArrayLike<number>): Float64Array {
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** np.mean: NaN for an empty input. */
export function mean(x: ArrayLike<number>): number {
  const a = asFloat64(x);
  const n = a.length;
  if (n === 0) return Number.NaN;
  return pairwiseSum(a, 0, n) / n;
}

/** np.std (ddof 0, population): NaN for an empty input. */
export function std(x: ArrayLike<number>): number {
  const a = asFloat64(x);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const m = pairwiseSum(a, 0, n) / n;
  return Math.sqrt(pairwiseSumSqDev(a, m, 0, n) / n);
}

/** np.median: mean of the two middle values for an even count; NaN if empty or any value is NaN. */
export function median(x: ArrayLike<number>): number {
  const a = asFloat64(x);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const upperRank = n >> 1;
  const lowerRank = n % 2 === 1 ? upperRank : upperRank - 1;
  if (n >= SAMPLE_MIN_N && n <= MAX_PAIRED_COUNT) {
    const v = sampledRanks(a, lowerRank, upperRank);
    if (v !== undefined) return v;
  }
  const range = new Float64Array(2);
  if (!rangeInto(a, range, 0, n, 1)) return Number.NaN;
  return ranksOf(a, lowerRank, upperRank, range[0]!, range[1]!);
}

const SAMPLE_MIN_N = 16384;
const SAMPLE_SIZE = 4096;
/** Half-width, in sample ranks, of the bracket around the target (~4 standard deviations). */
const SAMPLE_MARGIN = 128;

/**
 * np.median's value from ranks r1 <= r2 (r2 - r1 in {0, 1}) in one pass:
 * a strided sample brackets the target ranks by two sample quantiles [lo, hi];
 * one pass counts the elements below lo and gathers those inside; if the
 * ranks fall among the gathered ones (almost always) they are selected there,
 * else undefined is returned and the caller uses the exact histogram method.
 * NaN anywhere gives NaN.
 */
function sampledRanks(a: Float64Array, r1: number, r2: number): number | undefined {
  const n = a.length;
  const sample = new Float64Array(SAMPLE_SIZE);
  for (let j = 0; j < SAMPLE_SIZE; j++) sample[j] = a[Math.floor((j * n) / SAMPLE_SIZE)]!;
  for (let j = 0; j < SAMPLE_SIZE; j++) if (Number.isNaN(sample[j]!)) return Number.NaN;
  const qLo = Math.max(0, Math.floor((r1 * SAMPLE_SIZE) / n) - SAMPLE_MARGIN);
  const qHi = Math.min(SAMPLE_SIZE - 1, Math.ceil((r2 * SAMPLE_SIZE) / n) + SAMPLE_MARGIN);
  const lo = selectInPlace(sample, qLo);
  const hi = selectInPlace(sample, qHi);
  // Expected members ~ n * (qHi - qLo) / SAMPLE_SIZE; allow generous slack.
  const cap = Math.min(n, Math.ceil((n * (qHi - qLo + 1)) / SAMPLE_SIZE) * 3 + 1024);
  const members = new Float64Array(cap);
  const gathered = gatherBetween(a, lo, hi, members);
  if (gathered < 0) return gathered === HAS_NAN ? Number.NaN : undefined;
  const below = firstOfPair(gathered, cap + 1);
  const m = secondOfPair(gathered, cap + 1);
  if (r1 < below || r2 >= below + m) return undefined;
  const sel = members.subarray(0, m);
  const v2 = selectInPlace(sel, r2 - below);
  if (r1 === r2) return v2;
  let v1 = sel[0]!;
  for (let i = 1; i < r2 - below; i++) if (sel[i]! > v1) v1 = sel[i]!;
  return (v1 + v2) / 2;
}

const BUCKETS = 2048;
const BUCKET_MIN_N = 4096;

/**
 * np.median's value from ranks r1 <= r2 of a (0-based, r2 - r1 in {0, 1}):
 * the element itself, or the mean of the two; no NaN, values in [lo, hi]) without copying a: a
 * histogram over [lo, hi] finds the buckets holding the ranks (the bucket
 * index is monotone in the value, so the split is exact), and only their
 * elements are gathered and selected. Small inputs, or a range too wide to
 * scale, use a copy and selection instead.
 */
function ranksOf(a: Float64Array, r1: number, r2: number, lo: number, hi: number): number {
  const n = a.length;
  if (lo === hi) return r1 === r2 ? lo : (lo + hi) / 2;
  const scale = BUCKETS / (hi - lo);
  if (n < BUCKET_MIN_N || !Number.isFinite(scale) || !Number.isFinite(hi - lo)) {
    const c = a.slice();
    const v2 = selectInPlace(c, r2);
    if (r1 === r2) return v2;
    // After selection every element left of r2 is <= a[r2]: rank r1 = r2 - 1 is their maximum.
    let v1 = c[0]!;
    for (let i = 1; i < r2; i++) if (c[i]! > v1) v1 = c[i]!;
    return (v1 + v2) / 2;
  }
  const counts = new Int32Array(BUCKETS + 1);
  countBuckets(a, lo, scale, counts);
  // Values equal to hi land in the extra last bucket; merge it.
  counts[BUCKETS - 1] = counts[BUCKETS - 1]! + counts[BUCKETS]!;
  let b1 = 0;
  let below1 = 0;
  while (below1 + counts[b1]! <= r1) below1 += counts[b1++]!;
  let b2 = b1;
  let below2 = below1;
  while (below2 + counts[b2]! <= r2) below2 += counts[b2++]!;
  // Gather the members of buckets b1 .. b2 (at most two adjacent ones).
  const members = new Float64Array(below2 + counts[b2]! - below1);
  gatherBuckets(a, lo, scale, b1, b2, members);
  const v2 = selectInPlace(members, r2 - below1);
  if (r1 === r2) return v2;
  let v1 = members[0]!;
  for (let i = 1; i < r2 - below1; i++) if (members[i]! > v1) v1 = members[i]!;
  return (v1 + v2) / 2;
}

// The passes of median, sampledRanks and ranksOf over all of `a` are
// functions of their own, one loop each (CONTRIBUTING.md, "One hot loop per
// function").

/**
 * range = [smallest, largest] of a[start], a[start + stride], ... before
 * end (start < end), stored as they change inside the loop (CONTRIBUTING.md,
 * "One hot loop per function"); false when one of them is NaN.
 */
export function rangeInto(
  a: Float64Array,
  range: Float64Array,
  start: number,
  end: number,
  stride: number,
): boolean {
  let lo = a[start]!;
  let hi = lo;
  range[0] = lo;
  range[1] = hi;
  for (let i = start; i < end; i += stride) {
    const v = a[i]!;
    if (v < lo) {
      lo = v;
      range[0] = v;
    } else if (v > hi) {
      hi = v;
      range[1] = v;
    } else if (Number.isNaN(v)) return false;
  }
  return true;
}

const HAS_NAN = -1;
const OVER_CAP = -2;

/**
 * Copies the elements of a within [lo, hi] to members, counting those below
 * lo: returns below * (members.length + 1) + copied (one plain local after
 * the loop, a pair of count-pair.ts), or HAS_NAN when a holds a NaN,
 * OVER_CAP when members fills up. Exact while a.length is at most
 * MAX_PAIRED_COUNT.
 */
function gatherBetween(a: Float64Array, lo: number, hi: number, members: Float64Array): number {
  const cap = members.length;
  const belowStep = cap + 1;
  let m = 0;
  let packed = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < lo) packed += belowStep;
    else if (v <= hi) {
      if (m === cap) return OVER_CAP;
      members[m++] = v;
      packed++;
    } else if (Number.isNaN(v)) return HAS_NAN;
  }
  return packed;
}

/** counts[floor((v - lo) * scale)] += 1 for every element v of a. */
function countBuckets(a: Float64Array, lo: number, scale: number, counts: Int32Array): void {
  for (let i = 0; i < a.length; i++) {
    const k = ((a[i]! - lo) * scale) | 0;
    counts[k] = counts[k]! + 1;
  }
}

/** Copies the elements of a in buckets b1 .. b2 (the last bucket merged into the one before) to members, in order. */
function gatherBuckets(
  a: Float64Array,
  lo: number,
  scale: number,
  b1: number,
  b2: number,
  members: Float64Array,
): void {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    let q = ((v - lo) * scale) | 0;
    if (q === BUCKETS) q = BUCKETS - 1;
    if (q >= b1 && q <= b2) members[m++] = v;
  }
}

/**
 * Rearranges a (no NaN) so that a[k] holds the element of rank k, everything
 * before it is <= a[k] and everything after is >= a[k]; returns a[k].
 * Floyd-Rivest selection: large ranges first narrow to a sample-estimated
 * window around rank k, then Hoare partitioning; expected ~1.5 n comparisons.
 */
export function selectInPlace(a: Float64Array, k: number): number {
  floydRivest(a, 0, a.length - 1, k);
  return a[k]!;
}

function floydRivest(a: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const i = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (i * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - i) * s) / n + sd));
      floydRivest(a, newLeft, newRight, k);
    }
    const t = a[k]!;
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right]! > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
