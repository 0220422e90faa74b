// Spike-rate PSTH for cell-attached recordings (pipeline.md section 6):
// detrend again (as the reference does), subtract a 10 ms running median,
// threshold at 2.5 standard deviations, and smooth the 0/1 supra-threshold
// mask with an unnormalised 21 ms Hann window ("same" convolution).
// Beyond the reference, the same mask gives spike counts: a spike is one run
// of consecutive supra-threshold samples (a ~1 ms spike is ~10 samples of the
// mask at 10 kHz), counted once, at the sample where the run starts.

import { subtractFrom } from "../dsp/elementwise.js";
import { medianFilter } from "../dsp/median-filter.js";
import { roundHalfEven } from "../dsp/round.js";
import { scratchFloat64, scratchUint8 } from "../dsp/scratch.js";
import { std } from "../dsp/stats.js";
import { hann } from "../dsp/windows.js";
import { binSamples } from "./binning.js";
import { medgauss } from "./medgauss.js";

/**
 * The supra-threshold mask of one kept, already detrended repeat (1 where
 * the re-detrended, median-subtracted trace exceeds 2.5 standard deviations):
 * the very mask spikePsth smooths.
 */
export function spikeMask(detrended: Float64Array, sfHz: number, medMs = 100, gaussMs = 10): Uint8Array {
  return maskInto(detrended, sfHz, medMs, gaussMs, new Uint8Array(detrended.length));
}

/** spikeMask written into `mask` (of the repeat's length; whatever it held). */
function maskInto(detrended: Float64Array, sfHz: number, medMs: number, gaussMs: number, mask: Uint8Array) {
  const L = detrended.length;
  if (L === 0) return mask;
  // y and h are temporaries, reused across calls (src/dsp/scratch.ts).
  const y = medgauss(detrended, sfHz, medMs, gaussMs, scratchFloat64("spike-y", L));
  const c = Math.max(1, roundHalfEven((10 * sfHz) / 1000));
  // h = y - median(y, c), written over the median.
  const h = medianFilter(y, c, scratchFloat64("spike-h", L));
  subtractFrom(y, h);
  markAbove(h, 2.5 * std(h), mask);
  return mask;
}

// The loops of spikeMask and spikeRunStarts are functions of their own
// (CONTRIBUTING.md, "One hot loop per function").

/** mask[i] = 1 where h[i] > thr, else 0. */
function markAbove(h: Float64Array, thr: number, mask: Uint8Array): void {
  for (let i = 0; i < h.length; i++) mask[i] = h[i]! > thr ? 1 : 0;
}

/**
 * convolve(mask, hann(M), "same") with M = max(3, round(21 * sf / 1000)):
 * the PSTH of a supra-threshold mask; one non-negative value per sample.
 */
export function psthOfMask(mask: Uint8Array, sfHz: number, out?: Float64Array): Float64Array {
  const L = mask.length;
  if (out === undefined) out = new Float64Array(L);
  else if (out.length !== L)
    throw new RangeError(`psthOfMask: output of ${out.length} samples for a mask of ${L}`);
  else out.fill(0);
  if (L === 0) return out;
  const M = Math.max(3, roundHalfEven((21 * sfHz) / 1000));
  const w = hann(M);
  // With a 0/1 input, add the window at each 1. Output i gets w[m] from a
  // 1 at i + off - m, off = floor((M-1)/2).
  const off = (M - 1) >> 1;
  for (let p = 0; p < L; p++) {
    if (mask[p] === 0) continue;
    // Outputs i = p - off + m for m = 0..M-1, kept inside 0..L-1.
    const mLo = Math.max(0, off - p);
    const mHi = Math.min(M - 1, L - 1 - p + off);
    for (let m = mLo; m <= mHi; m++) out[p - off + m] = out[p - off + m]! + w[m]!;
  }
  return out;
}

/** PSTH of one kept, already detrended repeat; one non-negative value per sample. */
export function spikePsth(detrended: Float64Array, sfHz: number, medMs = 100, gaussMs = 10): Float64Array {
  return psthOfMask(spikeMask(detrended, sfHz, medMs, gaussMs), sfHz);
}

/** Sample index where each run of consecutive 1s of the mask starts (its rising edges), ascending. */
export function spikeRunStarts(mask: Uint8Array): Int32Array {
  const out = new Int32Array(countRunStarts(mask));
  writeRunStarts(mask, out);
  return out;
}

/** Run starts of the mask. */
function countRunStarts(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0 && (i === 0 || mask[i - 1] === 0)) n++;
  return n;
}

/** Writes the run starts of the mask to out, in order. */
function writeRunStarts(mask: Uint8Array, out: Int32Array): void {
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0 && (i === 0 || mask[i - 1] === 0)) out[k++] = i;
}

/**
 * Spikes per bin on the grid binResponse uses for a trace of `length`
 * samples (pipeline.md section 7: blocks of max(1, round(dt*sf/1000))
 * samples, the tail dropped; a trace shorter than one block is one bin):
 * each run start is counted in the bin holding it; starts in the dropped
 * tail are not counted.
 */
export function binSpikeCounts(
  runStarts: Int32Array,
  length: number,
  sfHz: number,
  dtMs: number,
): Int32Array {
  if (length === 0) return new Int32Array(0);
  const block = binSamples(sfHz, dtMs);
  const nBins = length < block ? 1 : Math.floor(length / block);
  const counts = new Int32Array(nBins);
  for (let k = 0; k < runStarts.length; k++) {
    const b = length < block ? 0 : Math.floor(runStarts[k]! / block);
    if (b < nBins) counts[b] = counts[b]! + 1;
  }
  return counts;
}

/**
 * PSTH and per-bin spike counts of one kept repeat, both from one
 * supra-threshold mask (a temporary here). The PSTH is written into
 * `psthOut` when given (of the repeat's length; whatever it held), else
 * into a new array.
 */
export function spikeTrain(
  detrended: Float64Array,
  sfHz: number,
  dtMs: number,
  medMs = 100,
  gaussMs = 10,
  psthOut?: Float64Array,
): { psth: Float64Array; counts: Int32Array } {
  const L = detrended.length;
  const mask = maskInto(detrended, sfHz, medMs, gaussMs, scratchUint8("spike-mask", L));
  return {
    psth: psthOfMask(mask, sfHz, psthOut),
    counts: binSpikeCounts(spikeRunStarts(mask), L, sfHz, dtMs),
  };
}
