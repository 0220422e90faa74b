// Where a routine's result goes when it takes an optional `out`: into the
// caller's array, checked to hold exactly the result, or into a new one.
// One rule for every such routine (the filters, the FIR correlation), so
// their contracts and messages agree.

/** `out` when given (it must hold exactly n values), else a new array of n. */
export function outputFor(out: Float64Array | undefined, n: number, what: string): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) throw new RangeError(`${what}: output of ${out.length} values for ${n}`);
  return out;
}

/** A copy of x in `out` (checked as outputFor checks it; it may be x itself) or in a new array. */
export function copyOut(x: Float64Array, out: Float64Array | undefined, what: string): Float64Array {
  const o = outputFor(out, x.length, what);
  if (o !== x) o.set(x);
  return o;
}
