// Public API of the dataset layer: options, the build (pipeline.md section
// 10), the invariants check and the user-facing Ac1Dataset class with its
// selection, split and batching helpers.

// Kept under the names the dataset API has always exported: the split
// helpers' PRNG and the smoothing window are the project's one mulberry32
// (src/random/) and one Hann window (src/dsp/windows.ts).
export { hann as symmetricHann } from "../dsp/windows.js";
export { mulberry32 } from "../random/index.js";
export { DatasetAssembler } from "./assembler.js";
export type { Batch } from "./batching.js";
export type { BuildOptions, BuildProgress, BuildWarning } from "./build.js";
export {
  cohortWarnings,
  MIXED_WARNING,
  nyquistWarnings,
  sampleGridWarning,
  warnAboutCohort,
} from "./checks.js";
export {
  type CellOutcome,
  cellSignalType,
  processCell,
  type RepeatStats,
  type StimOutcome,
  type StimSpec,
} from "./clean.js";
export { Ac1Dataset } from "./dataset.js";
export * from "./model.js";
export {
  type DatasetOptionsInput,
  DEFAULT_GATING_THRESHOLDS,
  EXPERIMENTERS,
  type Experimenter,
  type GatingThresholds,
  resolveOptions,
  SITES,
  type Site,
  waveformHop,
} from "./options.js";
export {
  datasetQuality,
  metaWithQuality,
  QUALITY_KEYS,
  type QualityKey,
  raggedBlock,
  raggedByNeuron,
} from "./quality.js";
export { groupRejected, padRows } from "./rejected.js";
export {
  type DatasetItem,
  type IndexRange,
  type Meta,
  metaValueEquals,
  sliceIndices,
} from "./selection.js";
export {
  MAX_SPLIT_SEED,
  makeSplit,
  resolveSplit,
  SPLIT_PARTS,
  type SplitSource,
  seededShuffle,
  splitCounts,
  splitLabel,
  splitStims,
  splitWarnings,
  WEHR_NEURONS_SPLIT_NATURAL,
  WEHR_VALID_NEURONS,
} from "./splits.js";
export { buildDataset } from "./stages.js";
export { type StimLengths, stimLengths, stimSpectrogram, stimWaveform } from "./stim-tensor.js";
export type { ResponseNormalization, ResponseSmoothing, StimStandardization } from "./transforms.js";
export { DatasetInvariantError, validateDataset } from "./validate.js";
