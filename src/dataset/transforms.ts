// The stim and response transforms of the dataset API (dataset.md, "What
// users do with it"): standardizeStims, smoothResponses and
// normalizeResponses, as pure functions over the dataset's lists.
//
// A transform never writes into the arrays it was given: it replaces each
// transformed entry of the list with a fresh tensor, so data shared with a
// cache, an export or another dataset is never modified.

import { convolveSame } from "../dsp/convolve.js";
import { floorDiv } from "../dsp/round.js";
import { hann } from "../dsp/windows.js";
import { Ac1Error, OptionError } from "../errors.js";
import type { ResponseBlock, Tensor } from "./model.js";
import { blockHasNaN } from "./selection.js";

/** The statistics standardizeStims computed and applied. */
export interface StimStandardization {
  perBand: boolean;
  /** Per band (length F) when perBand, else one value. */
  mean: Float64Array;
  /** Sample std (n-1), clamped at eps; same length as mean. */
  std: Float64Array;
  indices: number[];
  eps: number;
}

/** What normalizeResponses computed and applied: x -> (x - offset[n]) / scale[n]. */
export interface ResponseNormalization {
  method: "max" | "zscore";
  scale: Float64Array;
  offset: Float64Array;
  indices: number[];
  eps: number;
}

export interface ResponseSmoothing {
  windowMs: number;
  /** Kernel length in frames (odd). */
  K: number;
  /** The symmetric Hann kernel, not normalised. */
  kernel: Float64Array;
}

/** Bands of a stim tensor: F for a (1, F, T) spectrogram, 1 for a (1, T) waveform. */
function bandsOf(t: Tensor): number {
  return t.shape.length === 3 ? (t.shape[1] as number) : 1;
}

/**
 * Z-scores every stim with statistics over the concatenation (along time) of
 * the stims `indices` (non-empty, valid indices; a repeated index counts as
 * often as it appears, as in deepSTRF): per band (reduce every axis but F) or
 * global. std is the sample std (n-1), clamped at eps. Waveform stims have
 * one band, so perBand is global.
 */
export function standardizeStims(
  stims: Tensor[],
  indices: number[],
  perBand: boolean,
  eps: number,
): StimStandardization {
  if (indices.length === 0)
    throw new OptionError(
      "indices",
      indices,
      "standardizeStims needs at least one stim index (omit indices for all stims)",
    );
  const B = perBand ? bandsOf(stims[indices[0] as number] as Tensor) : 1;
  const sum = new Float64Array(B);
  const count = new Float64Array(B);
  for (const s of indices) {
    const t = stims[s] as Tensor;
    const nb = bandsOf(t);
    if (perBand && nb !== B)
      throw new Ac1Error("SHAPE", `standardizeStims: stim ${s} has ${nb} bands, expected ${B}`);
    const T = t.data.length / nb;
    for (let f = 0; f < nb; f++) {
      const k = perBand ? f : 0;
      let acc = 0;
      for (let i = f * T; i < (f + 1) * T; i++) acc += t.data[i] as number;
      sum[k] = (sum[k] as number) + acc;
      count[k] = (count[k] as number) + T;
    }
  }
  const mean = new Float64Array(B);
  for (let k = 0; k < B; k++) mean[k] = (sum[k] as number) / (count[k] as number);
  const ss = new Float64Array(B);
  for (const s of indices) {
    const t = stims[s] as Tensor;
    const nb = bandsOf(t);
    const T = t.data.length / nb;
    for (let f = 0; f < nb; f++) {
      const k = perBand ? f : 0;
      const m = mean[k] as number;
      let acc = 0;
      for (let i = f * T; i < (f + 1) * T; i++) {
        const d = (t.data[i] as number) - m;
        acc += d * d;
      }
      ss[k] = (ss[k] as number) + acc;
    }
  }
  const std = new Float64Array(B);
  for (let k = 0; k < B; k++) {
    const n = count[k] as number;
    if (n < 2)
      throw new OptionError(
        "indices",
        indices,
        `standardizeStims: fewer than 2 values${perBand ? ` in band ${k}` : ""} over these stims; cannot compute a sample std`,
      );
    std[k] = Math.max(Math.sqrt((ss[k] as number) / (n - 1)), eps);
  }
  for (let s = 0; s < stims.length; s++) {
    const t = stims[s] as Tensor;
    const nb = bandsOf(t);
    const T = t.data.length / nb;
    const out = new Float32Array(t.data.length);
    for (let f = 0; f < nb; f++) {
      const k = perBand ? Math.min(f, B - 1) : 0;
      const m = mean[k] as number;
      const sd = std[k] as number;
      for (let i = f * T; i < (f + 1) * T; i++) out[i] = ((t.data[i] as number) - m) / sd;
    }
    stims[s] = { shape: t.shape.slice(), data: out };
  }
  return { perBand, mean, std, indices, eps };
}

/**
 * Smooths every response along time: K = max(1, int(windowMs // dtMs)) with
 * Python's float floor division (deepSTRF's hanning_smooth; 11 // 1.1 is 9),
 * plus 1 if even; kernel = the symmetric Hann window of K points (dsp's
 * hann), NOT normalised (the reference's choice); "same" convolution with
 * zeros beyond the edges, summed directly so that runs of zeros stay exactly
 * zero. Blocks containing NaN and missing pairs are left untouched.
 */
export function smoothResponses(
  responses: (ResponseBlock | null)[][],
  windowMs: number,
  dtMs: number,
): ResponseSmoothing {
  if (typeof windowMs !== "number" || !(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new OptionError("windowMs", windowMs, "smoothResponses takes a finite number of milliseconds > 0");
  }
  let K = Math.max(1, floorDiv(windowMs, dtMs));
  if (K % 2 === 0) K += 1;
  const kernel = hann(K);
  for (const row of responses) {
    for (let n = 0; n < row.length; n++) {
      const b = row[n];
      if (b == null || blockHasNaN(b)) continue;
      const [R, T] = b.shape as [number, number];
      const out = new Float32Array(b.data.length);
      for (let r = 0; r < R; r++) {
        const trace = Float64Array.from(b.data.subarray(r * T, (r + 1) * T));
        out.set(convolveSame(trace, kernel, "direct"), r * T);
      }
      row[n] = { shape: [R, T], data: out };
    }
  }
  return { windowMs, K, kernel };
}

/** Calls visit(v) for every non-NaN value of neuron n over the stims `indices`, in order. */
function forEachValid(
  responses: (ResponseBlock | null)[][],
  indices: readonly number[],
  n: number,
  visit: (v: number) => void,
): void {
  for (const s of indices) {
    const b = responses[s]?.[n];
    if (b == null) continue;
    for (let i = 0; i < b.data.length; i++) {
      const v = b.data[i] as number;
      if (!Number.isNaN(v)) visit(v);
    }
  }
}

/** Throws OPTION unless method is "max" or "zscore" (checked before the stim indices). */
export function checkNormalizeMethod(method: unknown): asserts method is "max" | "zscore" {
  if (method !== "max" && method !== "zscore") {
    throw new OptionError("method", method, 'normalizeResponses takes "max" or "zscore"');
  }
}

/**
 * Normalizes each neuron over all valid (non-NaN) values of the stims
 * `indices` (valid indices, a repeated one counted as often as it appears;
 * empty: every neuron untouched, as in deepSTRF): "max" divides by max |x|, "zscore" subtracts the mean and
 * divides by the sample std (n-1); scales are clamped at eps. A neuron with
 * fewer than 2 valid values is untouched (scale 1, offset 0). Applied to
 * every stim of the neuron.
 */
export function normalizeResponses(
  responses: (ResponseBlock | null)[][],
  numNeurons: number,
  method: "max" | "zscore",
  indices: number[],
  eps: number,
): ResponseNormalization {
  checkNormalizeMethod(method);
  const N = numNeurons;
  const scale = new Float64Array(N).fill(1);
  const offset = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let count = 0;
    let sum = 0;
    let maxAbs = 0;
    forEachValid(responses, indices, n, (v) => {
      count++;
      sum += v;
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
    });
    if (count < 2) continue;
    if (method === "max") {
      scale[n] = Math.max(maxAbs, eps);
    } else {
      const mean = sum / count;
      let ss = 0;
      forEachValid(responses, indices, n, (v) => {
        ss += (v - mean) * (v - mean);
      });
      offset[n] = mean;
      scale[n] = Math.max(Math.sqrt(ss / (count - 1)), eps);
    }
    const o = offset[n] as number;
    const sc = scale[n] as number;
    for (const row of responses) {
      const b = row[n];
      if (b == null) continue;
      const out = new Float32Array(b.data.length);
      for (let i = 0; i < out.length; i++) out[i] = ((b.data[i] as number) - o) / sc;
      row[n] = { shape: b.shape.slice(), data: out };
    }
  }
  return { method, scale, offset, indices, eps };
}
