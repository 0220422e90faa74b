// One line describing a built dataset (neurons, stims, mode, dtMs,
// experimenters and sites), from its export manifest or its data: what a build
// cache entry records in its seal and `ac1 cache list` shows.

import type { DatasetShapes } from "../dataset/model.js";
import type { ExportManifest } from "../export/manifest.js";

/** A one-line description of a dataset from its export manifest. */
export function summarizeManifest(m: ExportManifest): string {
  const o = m.options as unknown as Record<string, unknown>;
  return summaryLine(m.neurons.length, m.stims.length, m.audio_fs, m.dt_ms, o.experimenter, o.sites);
}

/** summarizeManifest of the export of `data`. */
export function summarizeData(d: DatasetShapes): string {
  return summaryLine(
    d.neuronMeta.length,
    d.stims.length,
    d.audioFs,
    d.dtMs,
    d.options.experimenter,
    d.options.sites,
  );
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
