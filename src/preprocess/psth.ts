// Spike-rate PSTH for cell-attached recordings (pipeline.md section 6):
// detrend again (as the reference does), subtract a 10 ms running median,
// threshold at 2.5 standard deviations, and smooth the 0/1 spike train with
// an unnormalised 21 ms Hann window ("same" convolution).

import { medianFilter } from "../dsp/median-filter.js";
import { roundHalfEven } from "../dsp/round.js";
import { std } from "../dsp/stats.js";
import { hann } from "../dsp/windows.js";
import { medgauss } from "./medgauss.js";

/** PSTH of one kept, already detrended repeat; one non-negative value per sample. */
export function spikePsth(detrended: Float64Array, sfHz: number, medMs = 100, gaussMs = 10): Float64Array {
  const L = detrended.length;
  if (L === 0) return new Float64Array(0);
  const y = medgauss(detrended, sfHz, medMs, gaussMs);
  const c = Math.max(1, roundHalfEven((10 * sfHz) / 1000));
  const med = medianFilter(y, c);
  const h = new Float64Array(L);
  for (let i = 0; i < L; i++) h[i] = y[i]! - med[i]!;
  const thr = 2.5 * std(h);
  const M = Math.max(3, roundHalfEven((21 * sfHz) / 1000));
  const w = hann(M);
  // convolve(spikes, w, "same") with spikes in {0, 1}: add the window at each
  // spike. Output i gets w[m] from a spike at i + off - m, off = floor((M-1)/2).
  const off = (M - 1) >> 1;
  const out = new Float64Array(L);
  for (let p = 0; p < L; p++) {
    if (!(h[p]! > thr)) continue;
    // Outputs i = p - off + m for m = 0..M-1, kept inside 0..L-1.
    const mLo = Math.max(0, off - p);
    const mHi = Math.min(M - 1, L - 1 - p + off);
    for (let m = mLo; m <= mHi; m++) out[p - off + m] = out[p - off + m]! + w[m]!;
  }
  return out;
}
