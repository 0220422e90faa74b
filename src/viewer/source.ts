// What the viewer reads from an opened export: the manifest fields it uses,
// the (stim, neuron) pairs present, and lazy array and provenance reads. The
// export reader's ExportView (src/export) has this shape; any object of the
// same shape works, which keeps the viewer testable and independent of the
// reader's internals.

import type { Fate, RepeatProvenance, Tensor } from "../dataset/model.js";

/** One (stim, neuron) pair present in the export, from the zip directory. */
export interface PairInfo {
  stim: number;
  neuron: number;
  repeats: number;
  frames: number;
}

/** The parts of the export manifest (interchange.md) the viewer reads. */
export interface ViewerManifest {
  format?: string;
  version?: number;
  dt_ms: number;
  F: number;
  audio_fs: number | null;
  signal_type: string;
  freqs_hz: number[];
  /** The build options (ManifestOptions in src/export; older exports may lack it). */
  options?: object;
  stims: Record<string, unknown>[];
  neurons: Record<string, unknown>[];
  rejections?: Partial<Record<Fate, number>>;
  dropped_cells_empty?: number;
  skipped_files?: { path: string; reason: string }[];
  [key: string]: unknown;
}

/** What the viewer needs from an opened export: the subset of ExportView it calls. */
export interface ViewerSource {
  manifest: ViewerManifest;
  stimCount: number;
  neuronCount: number;
  pairs(): PairInfo[];
  readStim(stim: number): Promise<Tensor>;
  readResponse(stim: number, neuron: number): Promise<Tensor | null>;
  /** The rejected repeats of a pair (rej_<s>_<n>, exports built with `--keep-rejected`), or null. */
  readRejected(stim: number, neuron: number): Promise<Tensor | null>;
  provenance(): Promise<RepeatProvenance[]>;
  close(): Promise<void> | void;
}
