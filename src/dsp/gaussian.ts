// scipy.ndimage.gaussian_filter1d (order 0, mode "reflect", truncate 4):
// radius int(4 sigma + 0.5), weights exp(-0.5 k^2 / sigma^2) normalised to
// sum 1, applied to the reflect-extended signal through the FIR core
// (direct for short kernels, FFT overlap-save for long ones).

import { correlateValid } from "./fir.js";
import { reflectExtend } from "./reflect.js";

/** The normalised Gaussian taps scipy uses for sigma and truncate (length 2r+1). */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0) || !Number.isFinite(sigma))
    throw new RangeError(`gaussian sigma must be a positive number, got ${sigma}`);
  const radius = Math.trunc(truncate * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  const c = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp(c * k * k);
    w[k + radius] = v;
    sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i] = w[i]! / sum;
  return w;
}

/** Gaussian smoothing with sigma in samples, scipy's defaults (reflect, truncate 4). */
export function gaussianFilter1d(x: Float64Array, sigma: number): Float64Array {
  const w = gaussianKernel(sigma);
  const radius = (w.length - 1) / 2;
  if (x.length === 0) return new Float64Array(0);
  if (radius === 0) return Float64Array.from(x);
  return correlateValid(reflectExtend(x, radius, radius), w);
}
