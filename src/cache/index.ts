// Public surface of the persistent build cache.

export {
  BUILDS_MAX_ENV,
  BuildCache,
  buildsMaxBytes,
  type CacheEntryInfo,
  CacheError,
  type CacheLoadResult,
  summarizeManifest,
} from "./build-cache.js";
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
