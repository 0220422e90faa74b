// What the release walkers yield: one cell at a time, each with its stims and
// the raw repeats (mV) of each stim, plus the warnings channel. Shapes follow
// ../shared/spec/archive.md; metadata keys are the reference's (Python users
// read them unchanged in the export).

/** Who recorded a cell: the release's two subsets, in walking order. */
export type Experimenter = "wehr" | "asari";

/** Where a cell was recorded: primary auditory cortex or the auditory thalamus. */
export type Site = "A1" | "MGB";

/** Stim identity: ["wehr", folder, idx] or ["asari", ...segment files as stored]. */
export type StimKey = readonly (string | number)[];

/** Canonical string form of a key, used for de-duplication. */
export function stimKeyString(key: StimKey): string {
  return JSON.stringify(key);
}

export interface WehrStimMeta {
  experimenter: "wehr";
  category: string;
  idx: number;
  description: string;
  duration_s: number;
  /** Filled in by the dataset: the sample rate of the source waveform (Hz); walkers leave it out. */
  sf_hz?: number;
}

export interface AsariStimMeta {
  experimenter: "asari";
  category: string;
  class_n?: number;
  segments: number[];
  segment_files: string[];
  sequence: string;
  description: string;
  duration_s: number;
  /** Filled in by the dataset: the sample rate of the source waveform (Hz); walkers leave it out. */
  sf_hz?: number;
}

export type StimMeta = WehrStimMeta | AsariStimMeta;

export interface NeuronMeta {
  experimenter: Experimenter;
  session: string;
  animal_id: string;
  penetration: number | string;
  date: string;
  site: Site;
  recording_type: string;
  species: "rat";
  _wehr_cell_idx?: number;
  /** Filled in by the dataset ("spikes" | "subthresh"); walkers leave it out. */
  signal_type?: "spikes" | "subthresh";
  /**
   * Neuron quality (evaluation.md), filled in by every build and by
   * Ac1Dataset.computeNeuronQuality (src/dataset/quality.ts); NaN when
   * undefined for the neuron (null in an export's manifest).
   */
  snr?: number;
  ccmax?: number;
  signal_power?: number;
  noise_power?: number;
  /** Filled in by the dataset: units of the responses, "mV" (subthresh) or "a.u." (the spike-rate PSTH). */
  units?: "mV" | "a.u.";
}

/** Where one raw repeat came from (for provenance and the viewer). */
export interface RepeatSource {
  /** Release-relative path of the recording/trial file. */
  file: string;
  /** 0-based index of the trigger inside that file. */
  trigger: number;
  /** 0-based onset sample in the recording's trace. */
  onsetSample: number;
}

export interface RawStim {
  key: StimKey;
  /**
   * Stimulus waveform as used by the pipeline (Asari: spliced and ramped).
   * Wehr cells hearing one stim share one array: treat it as read-only.
   */
  waveform: Float64Array;
  sfStimHz: number;
  sfRespHz: number;
  durationMs: number;
  meta: StimMeta;
  /** Raw repeats in mV, in walking order; lengths may differ, may be empty. */
  repeats: Float64Array[];
  sources: RepeatSource[];
}

export interface CellRecord {
  meta: NeuronMeta;
  stims: RawStim[];
}

export type WalkWarningCode =
  | "unknown-description"
  | "index-not-in-file-map"
  | "unreadable-file"
  | "duplicate-description"
  | "malformed-session"
  | "segment-rate-mismatch"
  /** A readable .mat lacking what the walker needs (e.g. `response.trace`, a trigger's `time`). */
  | "malformed-file";

export interface WalkWarning {
  code: WalkWarningCode;
  /** Release-relative path the warning is about. */
  path: string;
  message: string;
}

/** The single reporting channel for walker warnings; never throws. */
export type WarningSink = (w: WalkWarning) => void;
