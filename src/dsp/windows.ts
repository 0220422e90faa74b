// Symmetric window functions (numpy's np.hanning / np.hamming): exactly
// symmetric, [1] for one point, empty for zero points.

function cosineWindow(m: number, a0: number, a1: number): Float64Array {
  if (!Number.isInteger(m) || m < 0)
    throw new RangeError(`window length must be a non-negative integer, got ${m}`);
  const w = new Float64Array(m);
  if (m === 1) {
    w[0] = 1;
    return w;
  }
  const half = (m + 1) >> 1;
  for (let n = 0; n < half; n++) {
    const v = a0 - a1 * Math.cos((2 * Math.PI * n) / (m - 1));
    w[n] = v;
    w[m - 1 - n] = v;
  }
  return w;
}

/** Symmetric Hann window of m points: 0.5 - 0.5 cos(2 pi n / (m - 1)). */
export function hann(m: number): Float64Array {
  return cosineWindow(m, 0.5, 0.5);
}

/** Symmetric Hamming window of m points: 0.54 - 0.46 cos(2 pi n / (m - 1)). */
export function hamming(m: number): Float64Array {
  return cosineWindow(m, 0.54, 0.46);
}
