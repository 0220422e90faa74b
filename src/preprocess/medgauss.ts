// MedGauss detrend (pipeline.md section 4): subtract a baseline made by a
// median filter of medMs followed by a Gaussian of sigma gaussMs.

import { gaussianFilter1d } from "../dsp/gaussian.js";
import { medianFilter } from "../dsp/median-filter.js";
import { roundHalfEven } from "../dsp/round.js";

/** Median-filter window in samples: max(1, round(medMs * sf / 1000)). */
export function medianWindowSamples(medMs: number, sfHz: number): number {
  return Math.max(1, roundHalfEven((medMs * sfHz) / 1000));
}

/** Gaussian sigma in samples: max(1e-3, gaussMs * sf / 1000). */
export function gaussianSigmaSamples(gaussMs: number, sfHz: number): number {
  return Math.max(1e-3, (gaussMs * sfHz) / 1000);
}

/** x - gaussian(median(x, k), s); empty input gives empty output. */
export function medgauss(x: Float64Array, sfHz: number, medMs = 100, gaussMs = 10): Float64Array {
  if (x.length === 0) return new Float64Array(0);
  const k = medianWindowSamples(medMs, sfHz);
  const s = gaussianSigmaSamples(gaussMs, sfHz);
  const baseline = gaussianFilter1d(medianFilter(x, k), s);
  // The baseline (a fresh array) becomes the output.
  for (let i = 0; i < x.length; i++) baseline[i] = x[i]! - baseline[i]!;
  return baseline;
}
