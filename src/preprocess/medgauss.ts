// MedGauss detrend (pipeline.md section 4): subtract a baseline made by a
// median filter of medMs followed by a Gaussian of sigma gaussMs.

import { subtractFrom } from "../dsp/elementwise.js";
import { gaussianFilter1d } from "../dsp/gaussian.js";
import { medianFilter } from "../dsp/median-filter.js";
import { roundHalfEven } from "../dsp/round.js";
import { scratchFloat64 } from "../dsp/scratch.js";

/** Median-filter window in samples: max(1, round(medMs * sf / 1000)). */
export function medianWindowSamples(medMs: number, sfHz: number): number {
  return Math.max(1, roundHalfEven((medMs * sfHz) / 1000));
}

/** Gaussian sigma in samples: max(1e-3, gaussMs * sf / 1000). */
export function gaussianSigmaSamples(gaussMs: number, sfHz: number): number {
  return Math.max(1e-3, (gaussMs * sfHz) / 1000);
}

/**
 * x - gaussian(median(x, k), s); empty input gives empty output. The result
 * goes to `out` when given (x.length values, not x itself), else to a new
 * array.
 */
export function medgauss(
  x: Float64Array,
  sfHz: number,
  medMs = 100,
  gaussMs = 10,
  out?: Float64Array,
): Float64Array {
  if (out !== undefined && (out.length !== x.length || out.buffer === x.buffer))
    throw new RangeError("medgauss: the output must be x.length values apart from x");
  if (x.length === 0) return out ?? new Float64Array(0);
  const k = medianWindowSamples(medMs, sfHz);
  const s = gaussianSigmaSamples(gaussMs, sfHz);
  // The median is a temporary (reused across calls); the baseline becomes the output.
  const median = medianFilter(x, k, scratchFloat64("medgauss-median", x.length));
  const baseline = gaussianFilter1d(median, s, out);
  subtractFrom(x, baseline);
  return baseline;
}
