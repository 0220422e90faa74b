// In-place complex FFTs over split real/imaginary Float64Arrays, radix-4
// (two radix-2 stages per pass over memory, 3 complex multiplications per
// 4-point butterfly) plus one radix-2 pass when log2 N is odd. Per-size
// tables are built once: contiguous per-stage twiddles w, w^2, w^3 taken from
// Math.cos/sin of the exact angle (no recurrences, so the error stays at a
// few ulps times log2 N) and, for the natural-order transform only, the
// bit-reversal permutation.
//
// Three entry points, all the forward DFT X[k] = sum_n x[n] exp(-2 pi i k n / N):
// - fft: natural order in and out;
// - fftToBitReversed: natural order in, bit-reversed order out (decimation
//   in frequency, no permutation pass);
// - fftFromBitReversed: bit-reversed order in, natural order out
//   (decimation in time, no permutation pass).
// A pointwise product between the last two needs no reordering at all, which
// is what the FFT path of the FIR filters does. For an inverse, pass the
// arrays swapped (fft(im, re)) and divide by N.

interface FftPlan {
  n: number;
  /** Bit-reversal permutation, built on first use by fft(). */
  bitrev: Uint32Array | null;
  /**
   * Twiddles of the radix-4 stage with butterfly span h (4h-point sub-DFTs),
   * indexed by log2(h): for k < h, [w^1, w^2, w^3] as (re, im) pairs, 6 per k,
   * with w = exp(-2 pi i k / (4h)). Absent for h = 1 (all ones).
   */
  twiddles: (Float64Array | undefined)[];
  /** log2(n) is odd: one radix-2 pass (span 1, no twiddles) besides the radix-4 ones. */
  oddLog: boolean;
}

const plans = new Map<number, FftPlan>();

function plan(n: number): FftPlan {
  let p = plans.get(n);
  if (p) return p;
  if (n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two, got ${n}`);
  const bits = Math.round(Math.log2(n));
  const oddLog = bits % 2 === 1;
  const twiddles: (Float64Array | undefined)[] = [];
  for (let h = oddLog ? 2 : 1, lg = oddLog ? 1 : 0; 4 * h <= n; h <<= 2, lg += 2) {
    if (h === 1) continue;
    const tw = new Float64Array(6 * h);
    const m = 4 * h;
    for (let k = 0; k < h; k++) {
      for (let j = 1; j <= 3; j++) {
        // j k < 3 m / 4, so the angle stays in [0, 3 pi / 2).
        const angle = (2 * Math.PI * j * k) / m;
        tw[6 * k + 2 * (j - 1)] = Math.cos(angle);
        tw[6 * k + 2 * (j - 1) + 1] = -Math.sin(angle);
      }
    }
    twiddles[lg] = tw;
  }
  p = { n, bitrev: null, twiddles, oddLog };
  plans.set(n, p);
  return p;
}

/**
 * The twiddles of the radix-4 passes of an n-point transform (n a power of
 * two, at least 4), in increasing span h: for k < h, [w^1, w^2, w^3] as
 * (re, im) pairs, 6 per k, w = exp(-2 pi i k / (4h)); the span-1 pass has
 * none. The same numbers the plain passes use (fft-wasm.ts lays them out for
 * its kernel).
 */
export function radix4Twiddles(n: number): { h: number; tw: Float64Array }[] {
  const p = plan(n);
  const out: { h: number; tw: Float64Array }[] = [];
  for (let h = p.oddLog ? 2 : 4, lg = p.oddLog ? 1 : 2; 4 * h <= n; h <<= 2, lg += 2)
    out.push({ h, tw: p.twiddles[lg]! });
  return out;
}

function bitReversal(p: FftPlan): Uint32Array {
  if (p.bitrev) return p.bitrev;
  const n = p.n;
  const bits = Math.round(Math.log2(n));
  const bitrev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    bitrev[i] = r;
  }
  p.bitrev = bitrev;
  return bitrev;
}

function checkLengths(re: Float64Array, im: Float64Array, who: string): number {
  const n = re.length;
  if (im.length !== n) throw new RangeError(`${who}: real and imaginary parts differ in length`);
  return n;
}

/**
 * Forward DFT in place, natural order in and out: X[k] = sum_n x[n]
 * exp(-2 pi i k n / N), N = re.length (a power of two). For the inverse,
 * call fft(im, re) and divide by N.
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = checkLengths(re, im, "fft");
  if (n <= 1) {
    if (n === 1) plan(n);
    return;
  }
  const p = plan(n);
  const bitrev = bitReversal(p);
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
  ditPasses(re, im, p);
}

/**
 * Forward DFT in place from natural order to bit-reversed order: afterwards
 * re[bitrev(k)], im[bitrev(k)] hold X[k]. N = re.length, a power of two.
 */
export function fftToBitReversed(re: Float64Array, im: Float64Array): void {
  const n = checkLengths(re, im, "fftToBitReversed");
  const p = plan(n);
  if (n <= 1) return;
  difPasses(re, im, p);
}

/**
 * Forward DFT in place from bit-reversed order to natural order: the input
 * holds x[bitrev(j)] at index j; afterwards index k holds X[k]. For the
 * inverse of fftToBitReversed, call fftFromBitReversed(im, re) and divide by N.
 */
export function fftFromBitReversed(re: Float64Array, im: Float64Array): void {
  const n = checkLengths(re, im, "fftFromBitReversed");
  const p = plan(n);
  if (n <= 1) return;
  ditPasses(re, im, p);
}

/** Decimation in time over bit-reversed input: radix-2 (if odd), then radix-4 spans 1 or 2, 8 or 4, ... */
function ditPasses(re: Float64Array, im: Float64Array, p: FftPlan): void {
  const n = p.n;
  let h: number;
  let lg: number;
  if (p.oddLog) {
    for (let i = 0; i < n; i += 2) {
      const ar = re[i]!;
      const ai = im[i]!;
      const br = re[i + 1]!;
      const bi = im[i + 1]!;
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
    h = 2;
    lg = 1;
  } else {
    // Span 1: 4-point DFTs without multiplications.
    for (let i = 0; i < n; i += 4) {
      const ar = re[i]!;
      const ai = im[i]!;
      const cr = re[i + 1]!;
      const ci = im[i + 1]!;
      const br = re[i + 2]!;
      const bi = im[i + 2]!;
      const dr = re[i + 3]!;
      const di = im[i + 3]!;
      const u0r = ar + cr;
      const u0i = ai + ci;
      const u1r = ar - cr;
      const u1i = ai - ci;
      const u2r = br + dr;
      const u2i = bi + di;
      const u3r = br - dr;
      const u3i = bi - di;
      re[i] = u0r + u2r;
      im[i] = u0i + u2i;
      re[i + 2] = u0r - u2r;
      im[i + 2] = u0i - u2i;
      // X1 = u1 - i u3, X3 = u1 + i u3
      re[i + 1] = u1r + u3i;
      im[i + 1] = u1i - u3r;
      re[i + 3] = u1r - u3i;
      im[i + 3] = u1i + u3r;
    }
    h = 4;
    lg = 2;
  }
  for (; 4 * h <= n; h <<= 2, lg += 2) {
    const tw = p.twiddles[lg]!;
    const size = 4 * h;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < h; k++) {
        const t = 6 * k;
        const w1r = tw[t]!;
        const w1i = tw[t + 1]!;
        const w2r = tw[t + 2]!;
        const w2i = tw[t + 3]!;
        const w3r = tw[t + 4]!;
        const w3i = tw[t + 5]!;
        const i0 = start + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        // Sub-DFTs of the index residues 0, 2, 1, 3 (mod 4) sit at i0, i1, i2, i3.
        const ar = re[i0]!;
        const ai = im[i0]!;
        let xr = re[i2]!;
        let xi = im[i2]!;
        const t1r = xr * w1r - xi * w1i;
        const t1i = xr * w1i + xi * w1r;
        xr = re[i1]!;
        xi = im[i1]!;
        const t2r = xr * w2r - xi * w2i;
        const t2i = xr * w2i + xi * w2r;
        xr = re[i3]!;
        xi = im[i3]!;
        const t3r = xr * w3r - xi * w3i;
        const t3i = xr * w3i + xi * w3r;
        const u0r = ar + t2r;
        const u0i = ai + t2i;
        const u1r = ar - t2r;
        const u1i = ai - t2i;
        const u2r = t1r + t3r;
        const u2i = t1i + t3i;
        const u3r = t1r - t3r;
        const u3i = t1i - t3i;
        re[i0] = u0r + u2r;
        im[i0] = u0i + u2i;
        re[i2] = u0r - u2r;
        im[i2] = u0i - u2i;
        re[i1] = u1r + u3i;
        im[i1] = u1i - u3r;
        re[i3] = u1r - u3i;
        im[i3] = u1i + u3r;
      }
    }
  }
}

/** Decimation in frequency to bit-reversed output: radix-4 spans N/4, N/16, ..., then radix-2 (if odd). */
function difPasses(re: Float64Array, im: Float64Array, p: FftPlan): void {
  const n = p.n;
  const lowest = p.oddLog ? 2 : 4; // the span-1 radix-4 pass is separate, without twiddles
  let h = n >> 2;
  let lg = Math.round(Math.log2(n)) - 2;
  for (; h >= lowest; h >>= 2, lg -= 2) {
    const tw = p.twiddles[lg]!;
    const size = 4 * h;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < h; k++) {
        const t = 6 * k;
        const i0 = start + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        const ar = re[i0]!;
        const ai = im[i0]!;
        const br = re[i1]!;
        const bi = im[i1]!;
        const cr = re[i2]!;
        const ci = im[i2]!;
        const dr = re[i3]!;
        const di = im[i3]!;
        const t0r = ar + cr;
        const t0i = ai + ci;
        const t1r = ar - cr;
        const t1i = ai - ci;
        const t2r = br + dr;
        const t2i = bi + di;
        const t3r = br - dr;
        const t3i = bi - di;
        re[i0] = t0r + t2r;
        im[i0] = t0i + t2i;
        // Frequency residues 2, 1, 3 go to i1, i2, i3, times w^2, w^1, w^3.
        let yr = t0r - t2r;
        let yi = t0i - t2i;
        let wr = tw[t + 2]!;
        let wi = tw[t + 3]!;
        re[i1] = yr * wr - yi * wi;
        im[i1] = yr * wi + yi * wr;
        yr = t1r + t3i;
        yi = t1i - t3r;
        wr = tw[t]!;
        wi = tw[t + 1]!;
        re[i2] = yr * wr - yi * wi;
        im[i2] = yr * wi + yi * wr;
        yr = t1r - t3i;
        yi = t1i + t3r;
        wr = tw[t + 4]!;
        wi = tw[t + 5]!;
        re[i3] = yr * wr - yi * wi;
        im[i3] = yr * wi + yi * wr;
      }
    }
  }
  if (p.oddLog) {
    for (let i = 0; i < n; i += 2) {
      const ar = re[i]!;
      const ai = im[i]!;
      const br = re[i + 1]!;
      const bi = im[i + 1]!;
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
  } else {
    // Span 1: 4-point DFTs without multiplications.
    for (let i = 0; i < n; i += 4) {
      const ar = re[i]!;
      const ai = im[i]!;
      const br = re[i + 1]!;
      const bi = im[i + 1]!;
      const cr = re[i + 2]!;
      const ci = im[i + 2]!;
      const dr = re[i + 3]!;
      const di = im[i + 3]!;
      const t0r = ar + cr;
      const t0i = ai + ci;
      const t1r = ar - cr;
      const t1i = ai - ci;
      const t2r = br + dr;
      const t2i = bi + di;
      const t3r = br - dr;
      const t3i = bi - di;
      re[i] = t0r + t2r;
      im[i] = t0i + t2i;
      re[i + 1] = t0r - t2r;
      im[i + 1] = t0i - t2i;
      re[i + 2] = t1r + t3i;
      im[i + 2] = t1i - t3r;
      re[i + 3] = t1r - t3i;
      im[i + 3] = t1i + t3r;
    }
  }
}
