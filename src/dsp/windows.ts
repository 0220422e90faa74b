// Symmetric window functions (numpy's np.hanning / np.hamming): [1] for one
// point, empty for zero points. hann evaluates the formula at every point
// (the values the PSTH and the dataset's response smoothing use); hamming
// computes the first half and mirrors it, so it is exactly symmetric (the
// values the spectrogram uses). Both agree with numpy to within an ulp; each
// keeps the exact values its callers have always had, because float32
// outputs can depend on the last bit.

/** a0 - a1 cos(2 pi n / (m - 1)) for n = 0 .. m - 1; with `mirror`, the second half copies the first. */
function cosineWindow(m: number, a0: number, a1: number, mirror: boolean): Float64Array {
  if (!Number.isInteger(m) || m < 0)
    throw new RangeError(`window length must be a non-negative integer, got ${m}`);
  const w = new Float64Array(m);
  if (m === 1) {
    w[0] = 1;
    return w;
  }
  const end = mirror ? (m + 1) >> 1 : m;
  for (let n = 0; n < end; n++) w[n] = a0 - a1 * Math.cos((2 * Math.PI * n) / (m - 1));
  if (mirror) for (let n = end; n < m; n++) w[n] = w[m - 1 - n] as number;
  return w;
}

/** Symmetric Hann window of m points: 0.5 - 0.5 cos(2 pi n / (m - 1)) at every n (pipeline.md section 3). */
export function hann(m: number): Float64Array {
  return cosineWindow(m, 0.5, 0.5, false);
}

/** Symmetric Hamming window of m points: 0.54 - 0.46 cos(2 pi n / (m - 1)), mirrored. */
export function hamming(m: number): Float64Array {
  return cosineWindow(m, 0.54, 0.46, true);
}
