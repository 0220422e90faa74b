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

/**
 * Python's float floor division a // b (CPython's float divmod): for floats
 * it is not Math.floor(a / b), because a / b rounds first; 11 // 1.1 is 9
 * (1.1 is slightly above 11/10), Math.floor(11 / 1.1) is 10. Finite a, b != 0.
 */
export function floorDiv(a: number, b: number): number {
  const mod = a % b; // C fmod: exact, sign of a
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return 0;
  let q = Math.floor(div);
  if (div - q > 0.5) q += 1;
  return q;
}
