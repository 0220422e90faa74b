// The ac1 package root: the public API (README.md, "Library API").

export { walkAsari, walkWehr, writeSynthArchive } from "./ac1/index.js";
export type * from "./ac1/types.js";
// The release on disk, the download client and the synthetic archive.
export { ArchiveError, openRelease } from "./archive/index.js";
export { defaultCacheDir, defaultDataDir } from "./archive/location.js";
// The dataset: options, build, the user-facing class and its helpers.
export * from "./dataset/index.js";
export { type DatasetFacts, factsOf, formatSummary } from "./dataset/summary.js";
export { downloadRelease } from "./download/index.js";
export { Ac1Error, OptionError } from "./errors.js";
// The .npz export (interchange.md).
export { openDatasetExport, readDatasetNpz, writeDatasetNpz } from "./export/index.js";
export type { MatFile, MatHeader, VariableInfo, WriteMatOptions } from "./mat/index.js";
// The MAT-file reader and writer.
export { MatError, matToJson, openMat, openMatFile, writeMat } from "./mat/index.js";
export type * from "./mat/value.js";
// The parallel build and the cache-aware entry point (options -> download -> cache -> build).
export {
  buildDatasetParallel,
  defaultJobs,
  type ParallelBuildOptions,
  type ParallelBuildStats,
} from "./parallel/index.js";
export {
  type CacheEvent,
  describeLoad,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  loadDataset,
  loadDatasetWithOrigin,
} from "./pipeline/index.js";
