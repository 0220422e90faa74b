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

/**
 * Spike counts of one (stim, neuron) pair of a spikes neuron: (R, T) int32,
 * row-major, the shape of its response block. A spike is one run of
 * consecutive samples of the supra-threshold mask the PSTH is smoothed from,
 * counted in the bin where the run starts (interchange.md, spk_<s>_<n>).
 */
export interface CountBlock {
  shape: number[];
  data: Int32Array;
}

/**
 * The rejected repeats (the build option keepRejected): each one detrended
 * (the mV trace the gating judged, for both signal types) and binned on the
 * dt grid like the kept ones, at its own length. Rows are in provenance
 * order; a group's rows are NaN-padded on the right to its longest, and an
 * empty repeat is an all-NaN row.
 */
export interface RejectedRepeats {
  /** blocks[s][n]: (R_rej, T) float32 for every (stim, neuron) pair with a rejected repeat, else null. */
  blocks: (Tensor | null)[][];
  /** (R, T) float32: the rejected repeats whose provenance has neuron -1 (dropped cell) or stim -1 (never registered). */
  unindexed: Tensor;
}

/** The stims of one neuron (or of the whole dataset) in each part of a split, ascending. */
export interface StimSplit {
  train: number[];
  val: number[];
  test: number[];
}

/** The part names of a split. */
export type SplitPart = keyof StimSplit;

/** How to split (the load option `split`). */
export type SplitSpec =
  /** Per Wehr neuron, the Rançon 2024/2025 counts of WEHR_NEURONS_SPLIT_NATURAL[_wehr_cell_idx]. */
  | { method: "rancon" }
  /** One stim-level split by fractions (train, val, test): the same test stims for every neuron. */
  | { method: "stims"; fractions: readonly [number, number, number] };

/** A train / val / test split of a dataset's stims (interchange.md, manifest.splits). */
export interface DatasetSplit {
  method: "rancon" | "stims";
  /** Seed of the Fisher-Yates shuffle (mulberry32). */
  seed: number;
  /** "stims": the fractions asked for (as given) and the stim counts they gave (largest remainder). */
  fractions?: [number, number, number];
  counts?: [number, number, number];
  /** "stims": every stim of the dataset in exactly one part. */
  stims?: StimSplit;
  /** Per neuron: the stims it has data for in each part, or null when it got no split (see `unsplit`). */
  neurons: (StimSplit | null)[];
  /** The neurons left without a split and why. */
  unsplit: { neuron: number; reason: string }[];
}

export type SignalType = "subthresh" | "spikes";
export type CohortSignalType = SignalType | "mixed";

/** Units of the responses of each signal type (interchange.md: the per-neuron `units`). */
export const UNITS_OF_SIGNAL: Readonly<Record<SignalType, "mV" | "a.u.">> = Object.freeze({
  subthresh: "mV",
  spikes: "a.u.",
});

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
  /** Keep the rejected repeats (detrended, binned) in the dataset and its export. */
  keepRejected: boolean;
}

/** A response sample rate of the walk, and where it was met first ("wehr cell 20020624-mw-001"). */
export interface ResponseRate {
  sfHz: number;
  firstIn: string;
}

/** A dataset's fields besides its large arrays (the same whatever holds those). */
export interface DatasetFields {
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
  stimMeta: StimMeta[];
  neuronMeta: NeuronMeta[];
  rejections: RejectionTally;
  droppedCellsEmpty: number;
  skippedFiles: SkippedFile[];
  options: DatasetOptions;
  /** Per-repeat provenance (beyond the reference); empty when unknown. */
  provenance: RepeatProvenance[];
  /**
   * Each response sample rate the walk met (in every cell walked, dropped
   * ones too), in walking order, with the first cell recorded at it: what
   * the dt warning reads (checks.ts), so that a load from the build cache
   * gives it too. Absent for data from an export written before the
   * manifest carried it (response_rates).
   */
  responseRates?: ResponseRate[];
  /** The train / val / test split, when one was asked for (the load option `split`). */
  split?: DatasetSplit | null;
}

export interface DatasetData extends DatasetFields {
  /** stims[s]: (1, F, T_s) or (1, T_s * hop). */
  stims: Tensor[];
  /** responses[s][n]: (R, T_s) block or null when the pair has no data. */
  responses: (ResponseBlock | null)[][];
  /**
   * spikeCounts[s][n]: the spike counts of a spikes neuron's pair (the shape
   * of responses[s][n]), null for subthresh neurons and missing pairs. Every
   * build fills it; absent for data that does not carry counts (an export
   * written before they existed).
   */
  spikeCounts?: (CountBlock | null)[][];
  /** The rejected repeats, with the build option keepRejected; absent otherwise. */
  rejected?: RejectedRepeats;
}

/** An array as far as its shape goes (a Tensor, a CountBlock or a Deferred). */
export interface Shaped {
  shape: number[];
}

/**
 * An array whose values may be elsewhere (a build's spill file,
 * src/dataset/spill.ts): its shape, and read() giving exactly that many
 * values (a fresh array each time, or the array itself when in memory).
 */
export interface Deferred<A extends Float32Array | Int32Array = Float32Array> {
  shape: number[];
  read(): A;
  /**
   * True when the values were found to hold no NaN as they were made (a
   * build's stim tensors): validateDataset then need not read them back.
   */
  nanFree?: boolean;
  /**
   * An identity of the values from what made them, when there is one (a
   * build's stim tensor with the intermediates on: its entry's key and its
   * cut): equal keys, equal values. The export's deflate memo then finds the
   * member by it without reading the values (src/export/npz-writer.ts, addKeyed).
   */
  memoKey?: string;
}

/** A dataset as far as its arrays' shapes go: what the manifest, the summary and the split read. */
export interface DatasetShapes extends DatasetFields {
  stims: readonly Shaped[];
  responses: readonly (readonly (Shaped | null)[])[];
  spikeCounts?: readonly (readonly (Shaped | null)[])[];
  rejected?: { blocks: readonly (readonly (Shaped | null)[])[]; unindexed: Shaped };
}

/**
 * A dataset whose large arrays are read on demand, one at a time (the
 * export of a build: src/dataset/deferred.ts). release() frees what holds
 * them (removes the spill file); the arrays cannot be read after it.
 */
export interface LazyDataset extends DatasetFields {
  stims: Deferred[];
  responses: (Deferred | null)[][];
  spikeCounts?: (Deferred<Int32Array> | null)[][];
  rejected?: { blocks: (Deferred | null)[][]; unindexed: Deferred };
  release(): void;
}
