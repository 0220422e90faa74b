// One line describing a built dataset (neurons, stims, mode, dtMs,
// experimenters and sites, the options not at their defaults, the data
// folder): what a build cache entry records in its seal and `ac1 cache
// list` shows, so that entries of one archive that differ in a threshold
// are told apart.

import type { DatasetOptions, DatasetShapes } from "../dataset/model.js";
import { resolveOptions } from "../dataset/options.js";

/** The one-line description of a dataset (and of its export). */
export function summarizeData(d: DatasetShapes): string {
  const mode = d.audioFs === null ? "spectrogram" : `waveform ${d.audioFs} Hz`;
  const { experimenter, sites } = d.options;
  const line = `${d.neuronMeta.length} neurons, ${d.stims.length} stims, ${mode}, dt ${d.dtMs} ms, ${experimenter.join(",")} ${sites.join(",")}`;
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
