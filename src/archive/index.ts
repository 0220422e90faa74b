// The archive layer's public API: locating the CRCNS-AC1 data, reading it
// from unpacked trees or straight from the zips, and safe lazy extraction.
//   openRelease(dataDir, { mode, need, onProgress }) -> ReleaseSource  (release.ts: the rules)
//   ensureExtracted(dataDir, opts) -> { wehrDir, asari1Dir, asari2Dir }  (extract.ts)
//   DirSource (an unpacked tree), ZipSource (the zips in place), CompositeSource (a mix)
// Every failure a user can cause is an ArchiveError with a one-line message.

export { DirSource } from "./dir-source.js";
export { ArchiveError } from "./errors.js";
export {
  type ExtractedDirs,
  type ExtractOptions,
  type ExtractProgress,
  ensureExtracted,
  extractZip,
  lockFileOf,
  partialDirOf,
  type ReleaseNeeds,
} from "./extract.js";
export {
  HOW_TO_GET_DATA,
  layoutOf,
  RELEASE_LAYOUT,
  RELEASE_SUBTREES,
  type ReleaseZipLayout,
} from "./layout.js";
export { defaultCacheDir, defaultDataDir, RELEASE_ZIPS } from "./location.js";
export {
  type OpenReleaseOptions,
  openRelease,
  planRelease,
  type ReleaseMode,
  type ReleasePlanItem,
} from "./release.js";
export type { DirEntry, ReleaseSource } from "./source.js";
export { DEFAULT_ZIP_LIMITS, ZipArchive, type ZipLimits, type ZipMember } from "./zip-archive.js";
export { CompositeSource, ZipSource } from "./zip-source.js";
