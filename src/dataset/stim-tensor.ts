// One stim's tensor (pipeline.md section 10 step 7): its lengths in frames
// (hopNative, Tspec, Tdur, TrespMin and Tcanon) and, pure, its tensor from
// its samples, a log spectrogram or the resampled waveform by the build's
// mode. Every build (serial or on worker threads) makes its stims with these.

import { logSpectrogram, resample } from "../dsp/index.js";
import { roundHalfEven } from "../dsp/round.js";
import type { StimSpec } from "./clean.js";
import { firstColumns } from "./deferred.js";
import type { DatasetOptions, Tensor } from "./model.js";
import { waveformHop } from "./options.js";

/** Tcanon's ingredients for one stim (pipeline.md section 10 step 7). */
export interface StimLengths {
  hopNative: number;
  Tspec: number;
  /** 0 when the duration is unknown. */
  Tdur: number;
  TrespMin: number;
  Tcanon: number;
}

/** hopNative, Tspec, Tdur, TrespMin and Tcanon = the minimum of those that are > 0. */
export function stimLengths(
  spec: Pick<StimSpec, "sfStimHz" | "durationMs"> & { waveform: { length: number } },
  dtMs: number,
  TrespMin: number,
): StimLengths {
  return stimLengthsOfSamples(spec.waveform.length, spec, dtMs, TrespMin);
}

/** stimLengths from the waveform's sample count alone (all it reads of the waveform). */
export function stimLengthsOfSamples(
  waveformSamples: number,
  spec: Pick<StimSpec, "sfStimHz" | "durationMs">,
  dtMs: number,
  TrespMin: number,
): StimLengths {
  const hopNative = Math.max(roundHalfEven((dtMs * spec.sfStimHz) / 1000), 1);
  const Tspec = Math.ceil(waveformSamples / hopNative);
  const Tdur = roundHalfEven(spec.durationMs / dtMs);
  let Tcanon = Number.POSITIVE_INFINITY;
  for (const t of [Tdur, Tspec, TrespMin]) if (t > 0 && t < Tcanon) Tcanon = t;
  if (!Number.isFinite(Tcanon)) Tcanon = 0;
  return { hopNative, Tspec, Tdur, TrespMin, Tcanon };
}

/** A stim's samples (loadStimWaveform) and rate: what its tensor is computed from. */
export interface LoadedStim {
  waveform: Float64Array;
  sfStimHz: number;
}

/** The stim in spectrogram mode: logSpectrogram(waveform)[:, :Tcanon] as (1, F, Tcanon) float32. */
export function stimSpectrogram(spec: LoadedStim, Tcanon: number, options: DatasetOptions): Tensor {
  const s = logSpectrogram(spec.waveform, spec.sfStimHz, {
    dtMs: options.dtMs,
    fminHz: options.fmin,
    fmaxHz: options.fmax,
    binsPerOctave: options.binsPerOctave,
    windowMs: options.windowMs,
  });
  const T = Math.min(Tcanon, s.T);
  return { shape: [1, s.F, T], data: firstColumns(s.data, s.F, s.T, T) };
}

/**
 * The stim in waveform mode: resampled from round(sfStim) to audioFs (skipped
 * when equal), cropped or right zero-padded to Tcanon * hop samples, as
 * (1, Tcanon * hop) float32.
 */
export function stimWaveform(spec: LoadedStim, Tcanon: number, options: DatasetOptions): Tensor {
  const hop = waveformHop(options);
  const orig = roundHalfEven(spec.sfStimHz);
  const n = Tcanon * hop;
  // Only the n samples kept are resampled: a stim at a low rate (read off its
  // file) would otherwise grow by audioFs / sf before it is cropped.
  const wav =
    orig === options.audioFs
      ? spec.waveform
      : resample(spec.waveform, orig, options.audioFs, { maxLength: n });
  const data = new Float32Array(n);
  const m = Math.min(n, wav.length);
  for (let i = 0; i < m; i++) data[i] = wav[i] as number;
  return { shape: [1, n], data };
}

/** stimWaveform or stimSpectrogram, by the build's mode. */
export function stimTensor(stim: LoadedStim, T: number, o: DatasetOptions): Tensor {
  return o.returnWaveform ? stimWaveform(stim, T, o) : stimSpectrogram(stim, T, o);
}
