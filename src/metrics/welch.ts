// Welch magnitude-squared coherence of two equal-length real signals with
// scipy.signal.coherence's defaults: periodic Hann window of
// nperseg = min(256, T) points, noverlap = nperseg // 2, segments starting at
// multiples of nperseg - noverlap (floor((T - noverlap) / hop) of them, a
// shorter tail ignored), constant detrend per segment, nfft = nperseg,
// one-sided spectrum with nperseg // 2 + 1 frequencies, mean over segments.
// The density scaling, the one-sided doubling and fs cancel in
// |Pxy|^2 / (Pxx Pyy), so the value is |sum X* Y|^2 / (sum |X|^2 sum |Y|^2)
// over segments, per frequency. A frequency where either power is 0 (a
// constant signal) gives NaN, as scipy does.
//
// nperseg is 256 (a power of two: src/dsp/fft.ts) unless T < 256; then there
// is one segment of T points, transformed by a direct DFT over an exact
// cos/sin table (written here because dsp/fft.ts only does powers of two, and
// one short DFT per pair needs no Bluestein machinery).

import { fft } from "../dsp/fft.js";
import type { FloatArray } from "./types.js";

const MAX_SEGMENT = 256;

export class WelchScratch {
  private windowLength = -1;
  private readonly window = new Float64Array(MAX_SEGMENT);
  private tableLength = -1;
  private readonly cosTable = new Float64Array(MAX_SEGMENT);
  private readonly sinTable = new Float64Array(MAX_SEGMENT);
  private readonly source = new Float64Array(MAX_SEGMENT);
  /** xRe, xIm, yRe, yIm, or views of their first n values for a shorter power-of-two segment. */
  private views: Float64Array[] = [];
  private viewsLength = -1;
  private readonly xRe = new Float64Array(MAX_SEGMENT);
  private readonly xIm = new Float64Array(MAX_SEGMENT);
  private readonly yRe = new Float64Array(MAX_SEGMENT);
  private readonly yIm = new Float64Array(MAX_SEGMENT);
  private readonly sxx = new Float64Array(MAX_SEGMENT / 2 + 1);
  private readonly syy = new Float64Array(MAX_SEGMENT / 2 + 1);
  private readonly sxyRe = new Float64Array(MAX_SEGMENT / 2 + 1);
  private readonly sxyIm = new Float64Array(MAX_SEGMENT / 2 + 1);
  /** Frequencies of the last coherenceSum. */
  frequencies = 0;

  private fftViews(n: number): Float64Array[] {
    if (this.viewsLength !== n) {
      this.views = [this.xRe, this.xIm, this.yRe, this.yIm].map((a) =>
        n === a.length ? a : a.subarray(0, n),
      );
      this.viewsLength = n;
    }
    return this.views;
  }

  /** scipy.signal.get_window("hann", n): 0.5 - 0.5 cos(2 pi i / n), [1] for n = 1. */
  private hann(n: number): Float64Array {
    if (this.windowLength !== n) {
      for (let i = 0; i < n; i++) this.window[i] = n === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      this.windowLength = n;
    }
    return this.window;
  }

  private table(n: number): void {
    if (this.tableLength === n) return;
    for (let m = 0; m < n; m++) {
      this.cosTable[m] = Math.cos((2 * Math.PI * m) / n);
      this.sinTable[m] = Math.sin((2 * Math.PI * m) / n);
    }
    this.tableLength = n;
  }

  /** One-sided DFT of re[0..n) (imaginary part zero) into re, im [0..nf), for n not a power of two. */
  private directDft(re: Float64Array, im: Float64Array, n: number, nf: number): void {
    this.table(n);
    const c = this.cosTable;
    const s = this.sinTable;
    const src = this.source;
    for (let j = 0; j < n; j++) src[j] = re[j]!;
    for (let k = 0; k < nf; k++) {
      let ar = 0;
      let ai = 0;
      let idx = 0;
      for (let j = 0; j < n; j++) {
        const v = src[j]!;
        ar += v * c[idx]!;
        ai -= v * s[idx]!;
        idx += k;
        if (idx >= n) idx -= n;
      }
      re[k] = ar;
      im[k] = ai;
    }
  }

  /**
   * Sum over the one-sided frequencies of the coherence of x[xo..xo+T) and
   * y[yo..yo+T); `frequencies` is set to their count. NaN for T = 0.
   */
  coherenceSum(x: FloatArray, xo: number, y: FloatArray, yo: number, T: number): number {
    if (T === 0) {
      this.frequencies = 0;
      return Number.NaN;
    }
    const nps = Math.min(MAX_SEGMENT, T);
    const nov = nps >> 1;
    const hop = nps - nov;
    const nseg = Math.floor((T - nov) / hop);
    const nf = (nps >> 1) + 1;
    const pow2 = (nps & (nps - 1)) === 0;
    const w = this.hann(nps);
    const { xRe, xIm, yRe, yIm, sxx, syy, sxyRe, sxyIm } = this;
    sxx.fill(0, 0, nf);
    syy.fill(0, 0, nf);
    sxyRe.fill(0, 0, nf);
    sxyIm.fill(0, 0, nf);
    for (let p = 0; p < nseg; p++) {
      const a = p * hop;
      let mx = 0;
      let my = 0;
      for (let i = 0; i < nps; i++) {
        mx += x[xo + a + i]!;
        my += y[yo + a + i]!;
      }
      mx /= nps;
      my /= nps;
      for (let i = 0; i < nps; i++) {
        xRe[i] = w[i]! * (x[xo + a + i]! - mx);
        yRe[i] = w[i]! * (y[yo + a + i]! - my);
      }
      if (pow2) {
        xIm.fill(0, 0, nps);
        yIm.fill(0, 0, nps);
        const v = this.fftViews(nps);
        fft(v[0]!, v[1]!);
        fft(v[2]!, v[3]!);
      } else {
        this.directDft(xRe, xIm, nps, nf);
        this.directDft(yRe, yIm, nps, nf);
      }
      for (let k = 0; k < nf; k++) {
        const ar = xRe[k]!;
        const ai = xIm[k]!;
        const br = yRe[k]!;
        const bi = yIm[k]!;
        sxx[k] = sxx[k]! + ar * ar + ai * ai;
        syy[k] = syy[k]! + br * br + bi * bi;
        // conj(X) Y, as scipy's csd
        sxyRe[k] = sxyRe[k]! + ar * br + ai * bi;
        sxyIm[k] = sxyIm[k]! + ar * bi - ai * br;
      }
    }
    let sum = 0;
    for (let k = 0; k < nf; k++) {
      const re = sxyRe[k]!;
      const im = sxyIm[k]!;
      sum += (re * re + im * im) / sxx[k]! / syy[k]!;
    }
    this.frequencies = nf;
    return sum;
  }
}
