// Public surface of the top-level pipeline: options -> download -> cache ->
// (parallel) build -> cache, with where the data came from.

export {
  type CacheEvent,
  describeLoad,
  type ExportOptions,
  type ExportReport,
  exportDataset,
  type IntermediateReuse,
  type LoadDownloadOptions,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  loadDataset,
} from "./load.js";
