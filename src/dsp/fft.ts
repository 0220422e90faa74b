// In-place radix-2 complex FFT over split real/imaginary Float64Arrays, with
// per-size twiddle and bit-reversal tables computed once (twiddles from
// Math.cos/sin directly, no recurrences, so the error stays at a few ulps
// times log2 N). Used by the FFT path of the FIR filters.

interface FftPlan {
  n: number;
  bitrev: Uint32Array;
  cos: Float64Array; // cos(2 pi k / n), k < n/2
  sin: Float64Array; // sin(2 pi k / n)
}

const plans = new Map<number, FftPlan>();

function plan(n: number): FftPlan {
  let p = plans.get(n);
  if (p) return p;
  if (n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two, got ${n}`);
  const bits = Math.log2(n);
  const bitrev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    bitrev[i] = r;
  }
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  p = { n, bitrev, cos, sin };
  plans.set(n, p);
  return p;
}

/**
 * Forward DFT in place: X[k] = sum_n x[n] exp(-2 pi i k n / N), N = re.length
 * (a power of two). For the inverse, call fft(im, re) and divide by N.
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError("fft: real and imaginary parts differ in length");
  if (n <= 1) return;
  const { bitrev, cos, sin } = plan(n);
  for (let i = 0; i < n; i++) {
    const j = bitrev[i]!;
    if (j > i) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  // First two stages fused as radix-4 butterflies without multiplications.
  if (n >= 4) {
    for (let i = 0; i < n; i += 4) {
      const ar = re[i]!;
      const ai = im[i]!;
      const br = re[i + 1]!;
      const bi = im[i + 1]!;
      const cr = re[i + 2]!;
      const ci = im[i + 2]!;
      const dr = re[i + 3]!;
      const di = im[i + 3]!;
      const s0r = ar + br;
      const s0i = ai + bi;
      const d0r = ar - br;
      const d0i = ai - bi;
      const s1r = cr + dr;
      const s1i = ci + di;
      const d1r = cr - dr;
      const d1i = ci - di;
      re[i] = s0r + s1r;
      im[i] = s0i + s1i;
      re[i + 2] = s0r - s1r;
      im[i + 2] = s0i - s1i;
      // (d1) * exp(-i pi/2) = d1i - i d1r
      re[i + 1] = d0r + d1i;
      im[i + 1] = d0i - d1r;
      re[i + 3] = d0r - d1i;
      im[i + 3] = d0i + d1r;
    }
  } else {
    const ar = re[0]!;
    const ai = im[0]!;
    re[0] = ar + re[1]!;
    im[0] = ai + im[1]!;
    re[1] = ar - re[1]!;
    im[1] = ai - im[1]!;
    return;
  }
  for (let size = 8; size <= n; size <<= 1) {
    const halfSize = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0, t = 0; k < halfSize; k++, t += step) {
        const wr = cos[t]!;
        const wi = -sin[t]!;
        const a = start + k;
        const b = a + halfSize;
        const xr = re[b]!;
        const xi = im[b]!;
        const tr = xr * wr - xi * wi;
        const ti = xr * wi + xi * wr;
        const ur = re[a]!;
        const ui = im[a]!;
        re[a] = ur + tr;
        im[a] = ui + ti;
        re[b] = ur - tr;
        im[b] = ui - ti;
      }
    }
  }
}
