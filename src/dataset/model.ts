// The data model of a built dataset (../shared/spec/dataset.md): triply
// ragged stims x neurons x repeats, missing pairs as `null` (never NaN), and
// the cohort facts. Shared by the builder, the cache, the .npz export/reader
// and the viewer; the user-facing API class wraps it.

import type { Experimenter, NeuronMeta, Site, StimMeta } from "../ac1/types.js";
import type { Fate, GatingThresholds } from "../preprocess/gating.js";

/** A float32 array with a C-order (row-major) shape. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** The (R, T) block of one (stim, neuron) pair: R repeats, T frames, row-major. */
export type ResponseBlock = Tensor;

export type SignalType = "subthresh" | "spikes";
export type CohortSignalType = SignalType | "mixed";

/** A repeat's gating fate (defined with the gating, pipeline.md section 5). */
export type { Fate };

export interface RejectionTally {
  range: number;
  step: number;
  xcorr: number;
  kept: number;
}

/** One raw repeat's fate and the gating statistics behind it. */
export interface RepeatProvenance {
  /** Session name of the cell (cells dropped later have no neuron index). */
  session: string;
  experimenter: "wehr" | "asari";
  /** Neuron index in the dataset, or -1 when the cell was dropped. */
  neuron: number;
  /** Canonical stim key string (stimKeyString). */
  stimKey: string;
  /**
   * Stim index in the dataset, or -1 when the repeat is in no block: the stim
   * was never registered, or the cell heard a second stim of the same key (two
   * stimulus files sharing an idx) whose block replaced this one's.
   */
  stim: number;
  /** 0-based repeat index within (cell, stim), in walking order. */
  repeat: number;
  fate: Fate;
  /** max |x| of the detrended repeat (NaN-ignoring; NaN when empty). */
  maxAbsMv: number;
  /** Fraction of samples failing the step test. */
  stepFrac: number;
  /** Cross-trial correlation (1 when not computed). */
  r: number;
  /** Raw repeat length in samples. */
  samples: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/** The effective options of a build (all defaults filled in). */
export interface DatasetOptions {
  path: string;
  experimenter: Experimenter[];
  sites: Site[];
  dtMs: number;
  fmin: number;
  fmax: number;
  binsPerOctave: number;
  windowMs: number;
  detrendMedMs: number;
  detrendGaussMs: number;
  gating: GatingThresholds;
  returnWaveform: boolean;
  audioFs: number;
}

export interface DatasetData {
  dtMs: number;
  F: number;
  freqsHz: Float64Array;
  /** Null in spectrogram mode. */
  audioFs: number | null;
  /** Audio samples per frame in waveform mode (audioFs*dtMs/1000); 1 in spectrogram mode. */
  hop: number;
  signalType: CohortSignalType;
  hearingRangeHz: [number, number];
  species: "rat";
  /** stims[s]: (1, F, T_s) or (1, T_s * hop). */
  stims: Tensor[];
  stimMeta: StimMeta[];
  neuronMeta: NeuronMeta[];
  /** responses[s][n]: (R, T_s) block or null when the pair has no data. */
  responses: (ResponseBlock | null)[][];
  rejections: RejectionTally;
  droppedCellsEmpty: number;
  skippedFiles: SkippedFile[];
  options: DatasetOptions;
  /** Per-repeat provenance (beyond the reference); empty when unknown. */
  provenance: RepeatProvenance[];
}
