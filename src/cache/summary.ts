// One line describing a built dataset (neurons, stims, mode, dtMs,
// experimenters and sites, the options not at their defaults, the data
// folder), from its export manifest or its data: what a build cache entry
// records in its seal and `ac1 cache list` shows, so that entries of one
// archive that differ in a threshold are told apart.

import type { DatasetOptions, DatasetShapes } from "../dataset/model.js";
import { resolveOptions } from "../dataset/options.js";
import { type ExportManifest, fromManifestOptions } from "../export/manifest.js";

/** A one-line description of a dataset from its export manifest. */
export function summarizeManifest(m: ExportManifest): string {
  const o = m.options as unknown as Record<string, unknown>;
  const line = summaryLine(m.neurons.length, m.stims.length, m.audio_fs, m.dt_ms, o.experimenter, o.sites);
  let options: DatasetOptions;
  try {
    options = fromManifestOptions(o, typeof o.path === "string" ? o.path : "");
  } catch {
    return line; // (an older or foreign manifest: the line without the options)
  }
  return `${line}${optionsNote(options)}`;
}

/** summarizeManifest of the export of `data`. */
export function summarizeData(d: DatasetShapes): string {
  const line = summaryLine(
    d.neuronMeta.length,
    d.stims.length,
    d.audioFs,
    d.dtMs,
    d.options.experimenter,
    d.options.sites,
  );
  return `${line}${optionsNote(d.options)}`;
}

/** The options the line does not show that differ from their defaults, in the manifest's names. */
const NOTED: [string, (o: DatasetOptions) => number | boolean][] = [
  ["fmin", (o) => o.fmin],
  ["fmax", (o) => o.fmax],
  ["bins_per_octave", (o) => o.binsPerOctave],
  ["window_ms", (o) => o.windowMs],
  ["detrend_med_ms", (o) => o.detrendMedMs],
  ["detrend_gauss_ms", (o) => o.detrendGaussMs],
  ["abs_mv_max", (o) => o.gating.absMvMax],
  ["step_mv", (o) => o.gating.stepMv],
  ["max_step_frac", (o) => o.gating.maxStepFrac],
  ["min_xcorr", (o) => o.gating.minXcorr],
  ["keep_rejected", (o) => o.keepRejected],
];

/** "; min_xcorr 0.1, keep_rejected; from /data/crcns-ac1" (the defaults as resolveOptions gives them for this dtMs). */
function optionsNote(o: DatasetOptions): string {
  let defaults: DatasetOptions;
  try {
    defaults = resolveOptions({ path: o.path || ".", dtMs: o.dtMs });
  } catch {
    return "";
  }
  const changed = NOTED.filter(([, get]) => get(o) !== get(defaults)).map(([name, get]) =>
    get(o) === true ? name : `${name} ${get(o)}`,
  );
  const from = o.path ? `from ${o.path}` : "";
  const parts = [changed.join(", "), from].filter((p) => p !== "");
  return parts.length === 0 ? "" : `; ${parts.join("; ")}`;
}

function summaryLine(
  neurons: number,
  stims: number,
  audioFs: number | null,
  dtMs: number,
  experimenters: unknown,
  sites: unknown,
): string {
  const mode = audioFs === null ? "spectrogram" : `waveform ${audioFs} Hz`;
  const list = (v: unknown) => (Array.isArray(v) ? v.join(",") : "?");
  return `${neurons} neurons, ${stims} stims, ${mode}, dt ${dtMs} ms, ${list(experimenters)} ${list(sites)}`;
}
