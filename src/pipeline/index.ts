// Public surface of the top-level pipeline: options -> download -> cache ->
// (parallel) build -> cache, with where the data came from.

export type { IntermediateReuse } from "../dataset/intermediates.js";
export { type ExportOptions, type ExportReport, exportDataset } from "./export.js";
export { loadDataset } from "./load.js";
export type {
  CacheEvent,
  LoadDownloadOptions,
  LoadOptions,
  LoadProgress,
  LoadReport,
} from "./options.js";
export { describeLoad } from "./report.js";
