// The ac1 package root: the public API (README.md, "Library API"), named
// export by export. Most code needs loadDataset (options -> download ->
// cache -> parallel build) and Ac1Dataset; the rest reads and writes the
// files around them (exports, MAT files, the release) and tells failures
// apart. Everything else under src/ is internal. test/api/public-api.test.ts
// pins this surface against test/api/public-api.snapshot.json: a change here
// fails until the snapshot is updated on purpose (CONTRIBUTING.md).
// (Biome keeps the statements sorted by module.)

// The release's metadata, as DatasetData carries it, and the synthetic release.
export {
  type AsariStimMeta,
  type NeuronMeta,
  type StimMeta,
  type SynthManifest,
  type SynthOptions,
  type SynthProgress,
  type SynthScale,
  type WalkWarning,
  type WalkWarningCode,
  type WehrStimMeta,
  writeSynthArchive,
} from "./ac1/index.js";
// The release on disk: where it lives and how it is read.
export {
  type DirEntry,
  defaultCacheDir,
  defaultDataDir,
  type ExtractProgress,
  type OpenReleaseOptions,
  openRelease,
  type ReleaseMode,
  type ReleaseNeeds,
  type ReleaseSource,
} from "./archive/index.js";
// The persistent build cache loadDataset reads and fills (`ac1 cache` manages it).
export { BuildCache, type CacheEntryInfo } from "./cache/index.js";
// The dataset: options, what a build reports, the data and the user-facing class.
export {
  Ac1Dataset,
  type Batch,
  type BuildProgress,
  type BuildWarning,
  type CohortSignalType,
  type CountBlock,
  type DatasetData,
  type DatasetItem,
  type DatasetOptions,
  type DatasetOptionsInput,
  type DatasetSplit,
  DEFAULT_GATING_THRESHOLDS,
  EXPERIMENTERS,
  type Experimenter,
  type Fate,
  type GatingThresholds,
  type IndexRange,
  type Meta,
  makeSplit,
  mulberry32,
  QUALITY_KEYS,
  type QualityKey,
  type RejectedRepeats,
  type RejectionTally,
  type RepeatProvenance,
  type ResponseBlock,
  type ResponseNormalization,
  type ResponseRate,
  type ResponseSmoothing,
  resolveOptions,
  SITES,
  type SignalType,
  type Site,
  type SkippedFile,
  type SplitPart,
  type SplitSpec,
  type StimSplit,
  type StimStandardization,
  seededShuffle,
  type Tensor,
  validateDataset,
  WEHR_NEURONS_SPLIT_NATURAL,
  WEHR_VALID_NEURONS,
} from "./dataset/index.js";
export { type DatasetFacts, factsOf, formatSummary } from "./dataset/summary.js";
// The CRCNS download client (loadDataset's `download` runs it).
export {
  type DownloadEvent,
  type DownloadedFile,
  type DownloadOptions,
  type DownloadSummary,
  downloadRelease,
  type PlannedFile,
  type Prompt,
  terminalPrompt,
} from "./download/index.js";
// Errors: one code union, the guard, every class, and their plain-data form.
export {
  AC1_ERROR_CODES,
  Ac1Error,
  type Ac1ErrorClasses,
  type Ac1ErrorCode,
  type Ac1ErrorOf,
  type Ac1ErrorOptions,
  ArchiveError,
  CacheError,
  DatasetInvariantError,
  DownloadError,
  type DownloadErrorCode,
  type ErrorData,
  ExportError,
  errorFromData,
  errorToData,
  type GeneralErrorCode,
  isAc1Error,
  MatError,
  OptionError,
  type OwnedErrorCode,
  PredictionError,
  UsageError,
  ViewerOpenError,
  WorkerError,
} from "./errors.js";
// Evaluation of an export (evaluation.md, "Contracts"): `ac1 quality` and `ac1 score` as functions.
export {
  type ExportQualityOptions,
  exportQuality,
  type NeuronQualityRow,
  type NeuronScore,
  type PairPrediction,
  type PredictionSet,
  readPredictions,
  SCORE_METRICS,
  type ScoreMetric,
  type ScoreReport,
  scorePredictions,
} from "./evaluation/index.js";
// The .npz export (interchange.md).
export {
  type DeflateMemo,
  type EncodedMember,
  type ExportManifest,
  type ExportView,
  type NpzReaderOptions,
  openDatasetExport,
  readDatasetNpz,
  type WriteDatasetOptions,
  writeDatasetNpz,
} from "./export/index.js";
// The MAT-file reader and writer.
export {
  type JsonValue,
  type MatCell,
  type MatChar,
  type MatFile,
  type MatHeader,
  type MatLogical,
  type MatNumeric,
  type MatOpenOptions,
  type MatReadLimits,
  type MatSparse,
  type MatStruct,
  type MatUnsupported,
  type MatValue,
  matToJson,
  type NumericClass,
  type NumericData,
  openMat,
  openMatFile,
  type VariableInfo,
  type WriteMatOptions,
  writeMat,
} from "./mat/index.js";
// deepSTRF's noise ceilings and model scores: pure functions over typed arrays (evaluation.md).
export {
  type CcmaxOptions,
  type CoherenceOptions,
  ccmax,
  coherence,
  corrcoef,
  type FloatArray,
  fve,
  type Mask,
  mse,
  type NeuronQuality,
  type NormalizedOptions,
  neuronQuality,
  noisePower,
  normalizedCorrcoef,
  type PoissonOptions,
  type PredictionBatch,
  type Predictions,
  poisson,
  type QualityOptions,
  type RaggedBlock,
  type RaggedPredictions,
  type RaggedResponses,
  type Reduced,
  type Reduction,
  type ResponseBatch,
  type ResponseMetricOptions,
  type Responses,
  reduceOverNeurons,
  type ScoreOptions,
  signalPower,
  snr,
} from "./metrics/index.js";
// The worker threads of a build.
export { defaultJobs, type ParallelBuildStats } from "./parallel/index.js";
// Loading the dataset: the one entry point and what it reports.
export {
  type CacheEvent,
  describeLoad,
  type IntermediateReuse,
  type LoadDownloadOptions,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  loadDataset,
} from "./pipeline/index.js";
