// Public surface of the persistent build cache.

export {
  BuildCache,
  type CacheEntryInfo,
  CacheError,
  type CacheLoadResult,
} from "./build-cache.js";
export { BUILDS_MAX_ENV, buildsMaxBytes } from "./builds-bound.js";
export {
  type ArchiveFileIdentity,
  type ArchiveIdentity,
  archiveIdentity,
  CACHE_FORMAT_VERSION,
  cacheKey,
  canonicalJson,
  codeVersion,
  mergeIdentities,
} from "./key.js";
