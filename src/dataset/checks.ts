// Warnings about options that the reference accepts but that make a dataset
// misleading, each saying what the output is: a cohort mixing signal types
// (pipeline.md section 10 step 6), spectrogram bands above a stim's Nyquist
// frequency (they hold aliases), and a time bin shorter than a response's
// sample period (one sample per bin, out of step with the stim frames).
// All three are read off the built data, the last from the response sample
// rates the walk met (DatasetFields.responseRates, in the manifest as
// response_rates), so a load from the build cache gives them too.

import type { BuildWarning } from "./build.js";
import type { DatasetData, DatasetOptions } from "./model.js";
import type { DatasetOptionsInput } from "./options.js";

/** The warning a mixed cohort gets (pipeline.md section 10 step 6). */
export const MIXED_WARNING =
  "the dataset mixes whole-cell (subthresh, signed mV) and cell-attached (spikes, non-negative rate) neurons: their responses are in different units; " +
  "filter by site (sites A1 = subthreshold only, sites MGB = spikes only) or by neuron metadata signal_type before training one model across them";

function hz(f: number): string {
  return f >= 1000 ? `${+(f / 1000).toFixed(2)} kHz` : `${+f.toFixed(1)} Hz`;
}

/**
 * One warning per stim sample rate whose Nyquist frequency lies below some
 * band centre: those bands of those stims hold the mirror image of lower
 * frequencies. Spectrogram mode only (waveform stims have no bands); stims
 * whose metadata lacks sf_hz (an older export) are not checked.
 */
export function nyquistWarnings(
  data: Pick<DatasetData, "audioFs" | "freqsHz" | "stimMeta" | "options">,
): BuildWarning[] {
  if (data.audioFs !== null) return [];
  const stimsAt = new Map<number, number>();
  for (const m of data.stimMeta) {
    const sf = (m as unknown as Record<string, unknown>).sf_hz;
    if (typeof sf === "number" && sf > 0) stimsAt.set(sf, (stimsAt.get(sf) ?? 0) + 1);
  }
  const F = data.freqsHz.length;
  const out: BuildWarning[] = [];
  for (const [sf, count] of [...stimsAt].sort((a, b) => a[0] - b[0])) {
    const nyquist = sf / 2;
    let first = F;
    while (first > 0 && (data.freqsHz[first - 1] as number) > nyquist) first--;
    if (first === F) continue;
    const above = F - first;
    out.push({
      code: "fmax-above-nyquist",
      path: "",
      message:
        `fmax ${data.options.fmax} Hz: ${above} of the ${F} bands (${hz(data.freqsHz[first] as number)} .. ${hz(data.freqsHz[F - 1] as number)}) lie above the Nyquist frequency (${hz(nyquist)}) ` +
        `of the ${count} stim${count === 1 ? "" : "s"} sampled at ${sf} Hz: in ${count === 1 ? "it" : "them"} these bands hold the mirror image of lower frequencies (aliasing), as in the reference; ` +
        `fmax ${nyquist} keeps every band below it`,
    });
  }
  return out;
}

/** The dataset fields the warnings read off a built dataset are read from. */
export type CohortFields = Pick<
  DatasetData,
  "signalType" | "audioFs" | "freqsHz" | "stimMeta" | "options" | "responseRates"
>;

/**
 * The warnings read off a built dataset: a bin shorter than a response's
 * sample period (one per rate, walking order), the mixed cohort, then the
 * bands above Nyquist.
 */
export function cohortWarnings(data: CohortFields): BuildWarning[] {
  const out: BuildWarning[] = [];
  for (const r of data.responseRates ?? []) {
    const w = sampleGridWarning(data.options, r.sfHz, r.firstIn);
    if (w !== undefined) out.push(w);
  }
  if (data.signalType === "mixed") out.push({ code: "mixed-signal-types", path: "", message: MIXED_WARNING });
  out.push(...nyquistWarnings(data));
  return out;
}

/**
 * The warning for a response sampled at sfRespHz when dtMs is shorter than
 * its sample period (undefined otherwise): binning then puts one sample in
 * each bin, so response bins are 1/sf apart while stim frames are dtMs apart.
 */
export function sampleGridWarning(
  options: Pick<DatasetOptions, "dtMs">,
  sfRespHz: number,
  where: string,
): BuildWarning | undefined {
  if (!((options.dtMs * sfRespHz) / 1000 < 1)) return undefined;
  const periodMs = 1000 / sfRespHz;
  return {
    code: "dt-below-sample-period",
    path: where,
    message:
      `dtMs ${options.dtMs} is shorter than the sample period of the responses recorded at ${sfRespHz} Hz (${+periodMs.toFixed(6)} ms, first in ${where}): ` +
      `each of their bins holds one sample, so their bins are ${+periodMs.toFixed(6)} ms apart while the stim frames are ${options.dtMs} ms apart, and responses and stims drift out of step (the reference does the same); ` +
      `use dtMs >= ${+periodMs.toFixed(6)}`,
  };
}

/**
 * The options given that the build's mode will not use: audioFs without
 * returnWaveform (a spectrogram build ignores it, yet it is part of the
 * options recorded and of the build cache's key). Likely a forgotten
 * returnWaveform.
 */
export function ignoredOptionWarnings(
  input: Pick<DatasetOptionsInput, "audioFs" | "returnWaveform">,
): BuildWarning[] {
  if (input.audioFs === undefined || input.returnWaveform === true) return [];
  return [
    {
      code: "option-ignored",
      path: "",
      message: `audioFs ${input.audioFs} applies to waveform stims (returnWaveform) only: this spectrogram build ignores it`,
    },
  ];
}

/**
 * Gives the warnings read off the built data (cohortWarnings: the bin
 * against the response sample rates, the mixed cohort, bands above a stim's
 * Nyquist frequency) to onWarning, or without one to process.emitWarning.
 */
export function warnAboutCohort(
  data: CohortFields,
  onWarning: ((w: BuildWarning) => void) | undefined,
): void {
  for (const w of cohortWarnings(data)) (onWarning ?? emitBuildWarning)(w);
}

/**
 * A warning given to no handler: a process warning of type Ac1Warning, its
 * code AC1_ and the warning's code in capitals (AC1_MIXED for mixed signal
 * types, AC1_SPLIT for a split's).
 */
export function emitBuildWarning(w: BuildWarning): void {
  const code =
    w.code === "mixed-signal-types" ? "AC1_MIXED" : `AC1_${w.code.toUpperCase().replace(/-/g, "_")}`;
  process.emitWarning(w.message, { type: "Ac1Warning", code });
}
