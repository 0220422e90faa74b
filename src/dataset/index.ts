// Public API of the dataset layer: options, the build (pipeline.md section
// 10), the invariants check and the user-facing Ac1Dataset class.

export {
  type BuildOptions,
  type BuildProgress,
  type BuildWarning,
  buildDataset,
  type CellOutcome,
  cellSignalType,
  DatasetAssembler,
  MIXED_WARNING,
  processCell,
  type RepeatStats,
  type StimLengths,
  type StimOutcome,
  type StimSpec,
  stimLengths,
  stimSpectrogram,
  stimWaveform,
} from "./build.js";
export * from "./dataset.js";
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
export { DatasetInvariantError, validateDataset } from "./validate.js";
