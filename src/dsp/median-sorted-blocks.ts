// The sliding order statistic for continuous-valued signals and larger
// windows, after the sorted-block method of J. Suomela, "Median filtering is
// equivalent to sorting" (2014). The extended signal is cut into blocks of
// h = BLOCK_WINDOWS * k samples, each sorted once (a counting sort on a
// quantised key, then an insertion pass that orders equal keys). A window is
// a set of sorted positions of one block, or the tail of one block plus the
// head of the next; the samples present are bits over the sorted positions.
// - Inside a block, a step clears the leaving sample's bit, sets the entering
//   one's, and moves one cursor (the answer's position) by at most one set bit.
// - Across two blocks A and B, a cursor in each list marks the `rank`
//   smallest samples of the window (order: by value, A before B on ties),
//   moved by O(1) set bits per step.
// So an output costs O(1) after the sorts, against the heaps' O(log k).
// Requires finite values without -0 (equal values then have equal bits, so
// the tie order does not matter); median-filter.ts checks that first.

import { rangeInto } from "./stats.js";

/** Block length in windows: long blocks make most steps single-list steps. */
const BLOCK_WINDOWS = 8;
/** Blocks are not made longer than this (unless k itself is longer). */
const MAX_BLOCK = 1 << 15;
/** Half-width of the bucket range of the block sort, in standard deviations. */
const KEY_SPREAD_SD = 4;
/** The bucket range is placed from every MOMENT_STRIDE-th sample of a block (any range sorts correctly). */
const MOMENT_STRIDE = 4;

/** A sorted block: values by sorted position 1..m, sentinels at 0 and h + 1, presence bits. */
interface Block {
  /** val[0] = -Infinity, val[1..m] ascending, val[h + 1] = +Infinity. */
  val: Float64Array;
  /** pos[j] = sorted position (1-based) of the block's j-th sample. */
  pos: Int32Array;
  /** Bit p set = the sample at sorted position p is in the window (0 and h + 1 always set). */
  bits: Int32Array;
}

function newBlock(h: number): Block {
  const val = new Float64Array(h + 2);
  val[0] = Number.NEGATIVE_INFINITY;
  val[h + 1] = Number.POSITIVE_INFINITY;
  return { val, pos: new Int32Array(h), bits: new Int32Array(((h + 1) >> 5) + 2) };
}

/** Scratch of the block sort, shared by both blocks. */
interface SortScratch {
  nb: number;
  counts: Int32Array;
  keys: Int32Array;
  order: Int32Array;
  tmpOrder: Int32Array;
  tmpVal: Float64Array;
  /** rangeInto's answer: the block's strided [min, max]. */
  moments: Float64Array;
}

/**
 * out[i] = element of rank `rank` (0-based) of ext[i .. i+k-1], i < nOut
 * (ext.length = nOut + k - 1); ext must be finite and free of -0. `out`, if
 * given, must hold exactly nOut values; all are written.
 */
export function slidingRankSortedBlocks(
  ext: Float64Array,
  k: number,
  rank: number,
  nOut: number,
  out: Float64Array = new Float64Array(nOut),
): Float64Array {
  const h = Math.max(k, Math.min(BLOCK_WINDOWS * k, MAX_BLOCK));
  let nb = 16; // about two buckets per sample
  while (nb < 2 * h && nb < 1 << 16) nb *= 2;
  const sc: SortScratch = {
    nb,
    counts: new Int32Array(nb + 1),
    keys: new Int32Array(h),
    order: new Int32Array(h),
    tmpOrder: new Int32Array(h),
    tmpVal: new Float64Array(h),
    moments: new Float64Array(2),
  };
  const tail = h + 1;
  let blockA = newBlock(h);
  let blockB = newBlock(h);
  let mA = Math.min(h, ext.length);
  sortBlock(ext, 0, mA, blockA, sc);
  clearBits(blockA.bits, tail);
  for (let j = 0; j < k; j++) setBit(blockA.bits, blockA.pos[j]!);
  // m: the answer's sorted position (in A); the window always has `rank`
  // samples before it between steps.
  let m = 0;
  for (let r = 0; r <= rank; r++) m = nextSet(blockA.bits, m);
  out[0] = blockA.val[m]!;
  let i = 1; // next output
  for (let i0 = 0; ; i0 += h) {
    // Windows inside A: j = i - i0 while j + k <= mA.
    const jIn = Math.min(mA - k, nOut - 1 - i0);
    m = slideInside(blockA, i - i0, jIn, k, rank, out, i0, m);
    i = Math.max(i, i0 + jIn + 1);
    if (i >= nOut) break;
    // Windows across A and B (A is a full block here): j = i - i0 up to h,
    // where the window is B's first k samples.
    const mB = Math.min(h, ext.length - i0 - h);
    sortBlock(ext, i0 + h, mB, blockB, sc);
    clearBits(blockB.bits, tail);
    const jAcross = Math.min(h, nOut - 1 - i0);
    m = slideAcross(blockA, blockB, i - i0, jAcross, k, h, rank, out, i0, m);
    i = i0 + jAcross + 1;
    if (i >= nOut) break;
    // The window is B's first k samples and A is empty: B becomes A (m is in B).
    mA = mB;
    const t = blockA;
    blockA = blockB;
    blockB = t;
  }
  return out;
}

// The two slides are functions of their own (CONTRIBUTING.md, "One hot loop
// per function"); each returns its one result, the answer's position, as a
// plain local: a store after the loop would lack type feedback too. Each
// step ends with exactly `rank` window samples before the answer, so that
// count need not be returned.

/** Windows j = jFrom..jTo inside block A (out[i0 + j]), from the answer at m; returns the last answer's position. */
function slideInside(
  a: Block,
  jFrom: number,
  jTo: number,
  k: number,
  rank: number,
  out: Float64Array,
  i0: number,
  mIn: number,
): number {
  const aVal = a.val;
  const aPos = a.pos;
  const aBits = a.bits;
  let m = mIn;
  let s = rank;
  for (let j = jFrom; j <= jTo; j++) {
    const x = aPos[j - 1]!;
    const y = aPos[j + k - 1]!;
    aBits[x >> 5]! &= ~(1 << (x & 31));
    aBits[y >> 5]! |= 1 << (y & 31);
    s += ((y - m) >>> 31) - ((x - m) >>> 31); // + [y before m] - [x before m]
    if (x === m) m = nextSet(aBits, m);
    if (s !== rank) {
      if (s > rank) {
        m = prevSet(aBits, m);
        s--;
      } else {
        m = nextSet(aBits, m);
        s++;
      }
    }
    out[i0 + j] = aVal[m]!;
  }
  return m;
}

/**
 * Windows j = jFrom..jTo across blocks A and B (out[i0 + j]), B's bits
 * cleared on entry, from the answer at position m of A; returns the first B
 * sample past the `rank` smallest (the answer's position once A is empty).
 */
function slideAcross(
  a: Block,
  b: Block,
  jFrom: number,
  jTo: number,
  k: number,
  h: number,
  rank: number,
  out: Float64Array,
  i0: number,
  m: number,
): number {
  const aVal = a.val;
  const aPos = a.pos;
  const aBits = a.bits;
  const bVal = b.val;
  const bPos = b.pos;
  const bBits = b.bits;
  let s = rank;
  let pa = m; // first A sample not among the `s` smallest
  let pb = h + 1; // first B sample not among them (the tail)
  for (let j = jFrom; j <= jTo; j++) {
    const x = aPos[j - 1]!;
    s -= (x - pa) >>> 31; // x was among the smallest
    aBits[x >> 5]! &= ~(1 << (x & 31));
    if (x === pa) pa = nextSet(aBits, x);
    const y = bPos[j + k - 1 - h]!;
    bBits[y >> 5]! |= 1 << (y & 31);
    if (y < pb) {
      // y joins the smallest unless it sorts after pa; then it is the first
      // B sample past them (every B sample before pb sorts before pa).
      if (bVal[y]! >= aVal[pa]!) pb = y;
      else s++;
    }
    if (s < rank) {
      if (aVal[pa]! <= bVal[pb]!) pa = nextSet(aBits, pa);
      else pb = nextSet(bBits, pb);
      s++;
    } else if (s > rank) {
      const ap = prevSet(aBits, pa);
      const bp = prevSet(bBits, pb);
      if (bVal[bp]! >= aVal[ap]!) pb = bp;
      else pa = ap;
      s--;
    }
    out[i0 + j] = Math.min(aVal[pa]!, bVal[pb]!);
  }
  return pb;
}

function clearBits(bits: Int32Array, tail: number): void {
  bits.fill(0);
  bits[0] = 1;
  setBit(bits, tail);
}

function setBit(bits: Int32Array, p: number): void {
  bits[p >> 5]! |= 1 << (p & 31);
}

/** Smallest set position > p (the tail bit is always set). */
function nextSet(bits: Int32Array, p: number): number {
  const q = p + 1;
  let w = q >> 5;
  let word = bits[w]! & (-1 << (q & 31));
  while (word === 0) word = bits[++w]!;
  return (w << 5) + 31 - Math.clz32(word & -word);
}

/** Largest set position < p (the head bit 0 is always set). */
function prevSet(bits: Int32Array, p: number): number {
  const q = p - 1;
  let w = q >> 5;
  let word = bits[w]! & (-1 >>> (31 - (q & 31)));
  while (word === 0) word = bits[--w]!;
  return (w << 5) + 31 - Math.clz32(word);
}

// The block sort's passes are functions of their own, one loop each
// (CONTRIBUTING.md, "One hot loop per function").

/**
 * Sorts ext[start .. start+m) into b.val[1..m] and b.pos. A counting sort on
 * key = floor((v - min) * scale), monotone in v, orders all but equal keys;
 * an insertion pass orders those, with a budget after which a merge sort
 * takes over (values too unevenly spread for the buckets).
 */
function sortBlock(ext: Float64Array, start: number, m: number, b: Block, sc: SortScratch): void {
  const mo = sc.moments;
  const end = start + m;
  const v0 = ext[start]!;
  rangeInto(ext, mo, start, end, MOMENT_STRIDE);
  const min = mo[0]!;
  const max = mo[1]!;
  const seen = Math.ceil(m / MOMENT_STRIDE);
  // Buckets span mean +- KEY_SPREAD_SD standard deviations (within min..max),
  // all estimated from every MOMENT_STRIDE-th sample: outliers such as spikes
  // share the end buckets instead of squeezing the bulk into a few. Any lo,
  // scale gives keys monotone in v (values outside [lo, hi] go to the end
  // buckets); a poor choice (or NaN/Infinity from extreme values) only costs
  // insertion work.
  const mean = stridedSum(ext, start, end, v0) / seen;
  const sd = Math.sqrt(Math.max(0, stridedSumSq(ext, start, end, v0) / seen - mean * mean));
  const lo = Math.max(min, v0 + mean - KEY_SPREAD_SD * sd);
  const hi = Math.min(max, v0 + mean + KEY_SPREAD_SD * sd);
  // hi - lo may overflow to Infinity (scale 0: one bucket) or be 0 or tiny
  // (scale Infinity: 0 * Infinity = NaN lands in bucket 0, the rest on top).
  const scale = (sc.nb - 1) / (hi - lo);
  sc.counts.fill(0, 0, sc.nb + 1);
  bucketKeys(ext, start, m, lo, scale, sc.nb, sc.keys, sc.counts);
  prefixSums(sc.counts, sc.nb);
  scatterByKey(sc.keys, sc.counts, m, sc.order);
  const { val, pos } = b;
  const order = sc.order;
  if (insertionPass(ext, start, m, val, pos, order)) return;
  mergeSortByValue(val, order, m, sc);
  for (let r = 0; r < m; r++) pos[order[r]!] = r + 1;
}

/** Sum of v - v0 over every MOMENT_STRIDE-th value v of ext[start .. end). */
function stridedSum(ext: Float64Array, start: number, end: number, v0: number): number {
  let s1 = 0;
  for (let i = start; i < end; i += MOMENT_STRIDE) s1 += ext[i]! - v0;
  return s1;
}

/** Sum of (v - v0)^2 over every MOMENT_STRIDE-th value v of ext[start .. end). */
function stridedSumSq(ext: Float64Array, start: number, end: number, v0: number): number {
  let s2 = 0;
  for (let i = start; i < end; i += MOMENT_STRIDE) {
    const d = ext[i]! - v0;
    s2 += d * d;
  }
  return s2;
}

/** keys[j] = bucket of ext[start + j]; counts[key + 1] counts them. */
function bucketKeys(
  ext: Float64Array,
  start: number,
  m: number,
  lo: number,
  scale: number,
  nb: number,
  keys: Int32Array,
  counts: Int32Array,
): void {
  for (let j = 0; j < m; j++) {
    const q = (ext[start + j]! - lo) * scale;
    const key = q >= nb ? nb - 1 : q > 0 ? q | 0 : 0;
    keys[j] = key;
    counts[key + 1]!++;
  }
}

/** counts[c] becomes the number of samples in buckets before c. */
function prefixSums(counts: Int32Array, nb: number): void {
  for (let c = 1; c <= nb; c++) counts[c]! += counts[c - 1]!;
}

/** order = sample indices by bucket (stable); advances counts. */
function scatterByKey(keys: Int32Array, counts: Int32Array, m: number, order: Int32Array): void {
  for (let j = 0; j < m; j++) order[counts[keys[j]!]!++] = j;
}

/**
 * Orders the bucket-sorted samples by value into val[1..m] (pos alongside),
 * moving each back past larger ones; false, with val[1..m] and order filled
 * in bucket order past the point reached, when the work exceeded its budget.
 */
function insertionPass(
  ext: Float64Array,
  start: number,
  m: number,
  val: Float64Array,
  pos: Int32Array,
  order: Int32Array,
): boolean {
  let budget = 8 * m + 64;
  let last = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < m; p++) {
    const o = order[p]!;
    const v = ext[start + o]!;
    if (v >= last) {
      val[p + 1] = v;
      pos[o] = p + 1;
      last = v;
      continue;
    }
    let q = p;
    do {
      val[q + 1] = val[q]!;
      const moved = order[q - 1]!;
      order[q] = moved;
      pos[moved] = q + 1;
      q--;
    } while (q > 0 && val[q]! > v);
    val[q + 1] = v;
    order[q] = o;
    pos[o] = q + 1;
    budget -= p - q;
    if (budget < 0) {
      for (let r = p + 1; r < m; r++) val[r + 1] = ext[start + order[r]!]!;
      return false;
    }
  }
  return true;
}

/** Bottom-up merge sort of val[1..m], order alongside. */
function mergeSortByValue(val: Float64Array, order: Int32Array, m: number, sc: SortScratch): void {
  let srcV = val.subarray(1, m + 1);
  let srcO = order.subarray(0, m);
  let dstV = sc.tmpVal.subarray(0, m);
  let dstO = sc.tmpOrder.subarray(0, m);
  for (let w = 1; w < m; w *= 2) {
    for (let lo = 0; lo < m; lo += 2 * w) {
      const mid = Math.min(m, lo + w);
      const hi = Math.min(m, lo + 2 * w);
      let a = lo;
      let c = mid;
      let o = lo;
      while (a < mid && c < hi) {
        if (srcV[c]! < srcV[a]!) {
          dstV[o] = srcV[c]!;
          dstO[o++] = srcO[c++]!;
        } else {
          dstV[o] = srcV[a]!;
          dstO[o++] = srcO[a++]!;
        }
      }
      while (a < mid) {
        dstV[o] = srcV[a]!;
        dstO[o++] = srcO[a++]!;
      }
      while (c < hi) {
        dstV[o] = srcV[c]!;
        dstO[o++] = srcO[c++]!;
      }
    }
    const tv = srcV;
    srcV = dstV;
    dstV = tv;
    const to = srcO;
    srcO = dstO;
    dstO = to;
  }
  if (srcO.buffer !== order.buffer) {
    val.set(srcV, 1);
    order.set(srcO);
  }
}
