// Python's integer rounding conventions (pipeline.md section 0): round() is
// round-half-to-even, which Math.round is not (Math.round(2.5) === 3).

/** Python's round(x) for finite x: nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties up; detect an exact tie and pick the even neighbour.
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r === 0 ? 0 : r; // no -0
}

/** Python's int(x): truncation toward zero. */
export function truncToInt(x: number): number {
  return Math.trunc(x);
}
