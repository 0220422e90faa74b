// scipy.ndimage.gaussian_filter1d (order 0, mode "reflect", truncate 4):
// radius int(4 sigma + 0.5), weights exp(-0.5 k^2 / sigma^2) normalised to
// sum 1, applied to the reflect-extended signal through the FIR core
// (direct for short kernels, FFT overlap-save for long ones).

import { correlateValid } from "./fir.js";
import { copyOut, outputFor } from "./output.js";
import { reflectExtendInto } from "./reflect.js";
import { scratchFloat64 } from "./scratch.js";

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

/**
 * Gaussian smoothing with sigma in samples, scipy's defaults (reflect,
 * truncate 4). A constant input (a trace flat at the rail) gives a constant
 * output, summed in the order of scipy's loop for symmetric kernels
 * (c w_r, then (c + c) w_j from the outermost tap in): scipy's output is
 * then constant too, so the detrended trace is exactly flat in both and its
 * cross-trial r is 0 (pipeline.md section 5), where an FFT's rounding would
 * leave noise of 1e-13 for the correlation to read. The result goes to
 * `out` when given (x.length values, all written; it may be x), else to a new
 * array.
 */
export function gaussianFilter1d(x: Float64Array, sigma: number, out?: Float64Array): Float64Array {
  const w = gaussianKernel(sigma);
  const radius = (w.length - 1) / 2;
  if (x.length === 0 || radius === 0) return copyOut(x, out, "gaussian filter");
  if (out !== undefined) outputFor(out, x.length, "gaussian filter");
  const c = x[0] as number;
  if (isConstant(x)) {
    let acc = c * (w[radius] as number);
    for (let j = 0; j < radius; j++) acc += (c + c) * (w[j] as number);
    return outputFor(out, x.length, "gaussian filter").fill(acc);
  }
  // The input is read from its extended copy only: out may be x.
  const ext = reflectExtendInto(x, radius, radius, scratchFloat64("gauss-ext", x.length + 2 * radius));
  return correlateValid(ext, w, "auto", { out });
}

/** Whether every element equals x[0] (false for NaN); its own function (CONTRIBUTING.md, "One hot loop per function"). */
function isConstant(x: Float64Array): boolean {
  const c = x[0]!;
  if (Number.isNaN(c)) return false;
  for (let i = 1; i < x.length; i++) if (x[i] !== c) return false;
  return true;
}
