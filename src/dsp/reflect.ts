// scipy.ndimage's "reflect" boundary (half-sample symmetric: x[-1] = x[0],
// x[L] = x[L-1]), repeated as often as needed when a window is longer than
// the signal: the extension is periodic with period 2L.

/** Index into 0..len-1 that position i (any integer) reads under "reflect". */
export function reflectIndex(i: number, len: number): number {
  const period = 2 * len;
  let m = i % period;
  if (m < 0) m += period;
  return m < len ? m : period - 1 - m;
}

/**
 * x extended by `before` samples on the left and `after` on the right with
 * the "reflect" rule; x must be non-empty.
 */
export function reflectExtend(x: Float64Array, before: number, after: number): Float64Array {
  return reflectExtendInto(x, before, after, new Float64Array(before + x.length + after));
}

/** reflectExtend written into `out` (length before + x.length + after, every element set); returns out. */
export function reflectExtendInto(
  x: Float64Array,
  before: number,
  after: number,
  out: Float64Array,
): Float64Array {
  const len = x.length;
  if (len === 0) throw new RangeError("cannot reflect-extend an empty signal");
  if (out.length !== before + len + after)
    throw new RangeError("reflectExtendInto: output of the wrong length");
  out.set(x, before);
  if (before <= len && after <= len) {
    for (let i = 0; i < before; i++) out[before - 1 - i] = x[i]!;
    for (let i = 0; i < after; i++) out[before + len + i] = x[len - 1 - i]!;
    return out;
  }
  for (let i = 0; i < before; i++) out[i] = x[reflectIndex(i - before, len)]!;
  for (let i = 0; i < after; i++) out[before + len + i] = x[reflectIndex(len + i, len)]!;
  return out;
}
