// Public surface of the top-level pipeline: options -> download -> cache ->
// (parallel) build -> cache, with where the data came from.

export {
  type CacheEvent,
  describeLoad,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  loadDataset,
  loadDatasetWithOrigin,
} from "./load.js";
