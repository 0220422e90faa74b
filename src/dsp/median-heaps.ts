// The sliding order statistic by two indexed heaps over a ring of window
// slots: each step replaces the oldest sample in place and re-heapifies,
// O(log k) per output. It accepts any float64 input (NaN gives unspecified
// but deterministic outputs); median-filter.ts uses it for signals that the
// faster paths decline (NaN, infinities, -0).

/**
 * out[i] = element of rank `rank` (0-based) of ext[i .. i+k-1], i < nOut
 * (`out`, if given, must hold exactly nOut values; all are written).
 * Low heap: max-heap of the `rank` smallest; high heap: min-heap of the rest,
 * whose top is the answer. Heaps store values next to their ring slots;
 * where[slot] = index in the high heap (>= 0) or -(index + 1) in the low heap.
 */
export function slidingRankHeaps(
  ext: Float64Array,
  k: number,
  rank: number,
  nOut: number,
  out: Float64Array = new Float64Array(nOut),
): Float64Array {
  const nLow = rank;
  const nHigh = k - rank;
  const lowVal = new Float64Array(Math.max(nLow, 1));
  const lowSlot = new Int32Array(Math.max(nLow, 1));
  const highVal = new Float64Array(nHigh);
  const highSlot = new Int32Array(nHigh);
  const where = new Int32Array(k);

  // Initial window: sort slots by value; ascending order is a valid min-heap
  // and descending a valid max-heap.
  const init = ext.subarray(0, k);
  const idx = Array.from({ length: k }, (_, s) => s).sort((a, b) => init[a]! - init[b]! || a - b);
  for (let j = 0; j < nLow; j++) {
    const s = idx[nLow - 1 - j]!;
    lowVal[j] = init[s]!;
    lowSlot[j] = s;
    where[s] = -(j + 1);
  }
  for (let j = 0; j < nHigh; j++) {
    const s = idx[nLow + j]!;
    highVal[j] = init[s]!;
    highSlot[j] = s;
    where[s] = j;
  }
  out[0] = highVal[0]!;

  let slot = 0;
  for (let i = 1; i < nOut; i++, slot = slot === k - 1 ? 0 : slot + 1) {
    const v = ext[i + k - 1]!;
    const w = where[slot]!;
    if (w >= 0) {
      if (nLow > 0 && v < lowVal[0]!) {
        // v belongs to the low heap: the low top moves into the vacated high
        // position (it is <= every high value, so it rises to the root) and v
        // enters the low heap at its root.
        const a = lowVal[0]!;
        const as = lowSlot[0]!;
        siftUpMin(highVal, highSlot, where, w, a, as);
        siftDownMax(lowVal, lowSlot, where, nLow, v, slot);
      } else if (v < highVal[w]!) siftUpMin(highVal, highSlot, where, w, v, slot);
      else siftDownMinFrom(highVal, highSlot, where, nHigh, w, v, slot);
    } else {
      const j = -w - 1;
      if (v > highVal[0]!) {
        // v belongs to the high heap: the high top moves into the vacated low position.
        const b = highVal[0]!;
        const bs = highSlot[0]!;
        siftUpMax(lowVal, lowSlot, where, j, b, bs);
        siftDownMinFrom(highVal, highSlot, where, nHigh, 0, v, slot);
      } else if (v > lowVal[j]!) siftUpMax(lowVal, lowSlot, where, j, v, slot);
      else siftDownMaxFrom(lowVal, lowSlot, where, nLow, j, v, slot);
    }
    out[i] = highVal[0]!;
  }
  return out;
}

/** Places (v, s) at position j of a min-heap (where >= 0) and sifts it up. */
function siftUpMin(
  val: Float64Array,
  slot: Int32Array,
  where: Int32Array,
  j: number,
  v: number,
  s: number,
): void {
  while (j > 0) {
    const p = (j - 1) >> 1;
    const pv = val[p]!;
    if (pv <= v) break;
    val[j] = pv;
    const ps = slot[p]!;
    slot[j] = ps;
    where[ps] = j;
    j = p;
  }
  val[j] = v;
  slot[j] = s;
  where[s] = j;
}

/** Places (v, s) at position j of a max-heap (where = -(index + 1)) and sifts it up. */
function siftUpMax(
  val: Float64Array,
  slot: Int32Array,
  where: Int32Array,
  j: number,
  v: number,
  s: number,
): void {
  while (j > 0) {
    const p = (j - 1) >> 1;
    const pv = val[p]!;
    if (pv >= v) break;
    val[j] = pv;
    const ps = slot[p]!;
    slot[j] = ps;
    where[ps] = -(j + 1);
    j = p;
  }
  val[j] = v;
  slot[j] = s;
  where[s] = -(j + 1);
}

/** Places (v, s) at the root of a max-heap of n and sifts it down. */
function siftDownMax(
  val: Float64Array,
  slot: Int32Array,
  where: Int32Array,
  n: number,
  v: number,
  s: number,
): void {
  siftDownMaxFrom(val, slot, where, n, 0, v, s);
}

/** Places (v, s) at position j of a max-heap of n and sifts it down. */
function siftDownMaxFrom(
  val: Float64Array,
  slot: Int32Array,
  where: Int32Array,
  n: number,
  j: number,
  v: number,
  s: number,
): void {
  for (;;) {
    let c = 2 * j + 1;
    if (c >= n) break;
    let cv = val[c]!;
    const c2 = c + 1;
    if (c2 < n && val[c2]! > cv) {
      c = c2;
      cv = val[c2]!;
    }
    if (cv <= v) break;
    val[j] = cv;
    const cs = slot[c]!;
    slot[j] = cs;
    where[cs] = -(j + 1);
    j = c;
  }
  val[j] = v;
  slot[j] = s;
  where[s] = -(j + 1);
}

/** Places (v, s) at position j of a min-heap of n and sifts it down. */
function siftDownMinFrom(
  val: Float64Array,
  slot: Int32Array,
  where: Int32Array,
  n: number,
  j: number,
  v: number,
  s: number,
): void {
  for (;;) {
    let c = 2 * j + 1;
    if (c >= n) break;
    let cv = val[c]!;
    const c2 = c + 1;
    if (c2 < n && val[c2]! < cv) {
      c = c2;
      cv = val[c2]!;
    }
    if (cv >= v) break;
    val[j] = cv;
    const cs = slot[c]!;
    slot[j] = cs;
    where[cs] = j;
    j = c;
  }
  val[j] = v;
  slot[j] = s;
  where[s] = j;
}
