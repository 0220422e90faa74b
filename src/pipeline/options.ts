// What a load takes and tells (LoadOptions with the download's settings, the
// progress events, the LoadReport), and prepare: every option resolved and
// checked before any file is read or written, the release fetched if asked
// (the only place that downloads: every download setting is honoured), the
// cache key computed (every output-changing option, the archive's identity,
// the code version; a split is made after the cache, so the key leaves it out).

import { type ArchiveIdentity, archiveIdentity, BuildCache, cacheKey, codeVersion } from "../cache/index.js";
import type { BuildProgress, BuildWarning } from "../dataset/build.js";
import { emitBuildWarning, ignoredOptionWarnings } from "../dataset/checks.js";
import type { IntermediateReuse } from "../dataset/intermediates.js";
import type { DatasetOptions, SplitSpec } from "../dataset/model.js";
import { type DatasetOptionsInput, resolveOptions } from "../dataset/options.js";
import { resolveSplit } from "../dataset/splits.js";
import type { DownloadOptions } from "../download/index.js";
import { OptionError } from "../errors.js";
import type { ParallelBuildStats } from "../parallel/build.js";
import { resolveJobs } from "../parallel/jobs.js";
import { intermediateMaxBytes } from "../store/intermediates.js";

/** What the cache did for this load. */
export type CacheEvent =
  | { phase: "cache"; status: "hit"; key: string; dir: string }
  /** No usable entry: `reason` is "miss" or why the entry was invalid (it has been removed). */
  | { phase: "cache"; status: "miss"; key: string; dir: string; reason: string }
  | { phase: "cache"; status: "stored"; key: string; dir: string }
  | { phase: "cache"; status: "store-failed"; key: string; dir: string; reason: string };

/** Progress of a load: the build's events plus what the cache did. */
export type LoadProgress = BuildProgress | CacheEvent;

/**
 * The download's settings besides the folder (which is the load's `path`):
 * credentials (else CRCNS_USERNAME / CRCNS_PASSWORD, else `prompt`), `prompt:
 * terminalPrompt()` on a terminal, retries and timeouts, endpoints, `onEvent`
 * for progress.
 */
export type LoadDownloadOptions = Omit<DownloadOptions, "dataDir">;

export interface LoadOptions extends DatasetOptionsInput {
  /** Worker threads for a build; 1 builds on the calling thread. Default: the machine's available parallelism. */
  jobs?: number;
  /**
   * The persistent build cache: true (default) uses the folder in
   * AC1_CACHE_DIR or the per-user cache folder, false neither reads nor
   * writes it, or pass a BuildCache of your own.
   */
  cache?: boolean | BuildCache;
  /**
   * Fetch the three zips into `path` first (archive.md, "Download"): true, or
   * the download's settings (LoadDownloadOptions). Zips already complete are
   * skipped, partial ones resumed. The cache key then covers the downloaded files.
   */
  download?: boolean | LoadDownloadOptions;
  onProgress?: (e: LoadProgress) => void;
  /** Walker warnings and the mixed-cohort warning (also given on a cache hit). Default: the mixed warning goes to process.emitWarning. */
  onWarning?: (w: BuildWarning) => void;
  /** Called once the data is there: where it came from and what it took (describeLoad turns it into one line). */
  onLoaded?: (report: LoadReport) => void;
  /**
   * Split the stims into train / val / test (DatasetData.split, the export's
   * manifest.splits): {method: "rancon"} (per Wehr neuron, the Rançon
   * counts), {method: "stims", fractions: [train, val, test]} (one
   * stim-level split), or the same as text ("rancon", "stims:0.7,0.1,0.2").
   * Checked before any work; neurons it cannot split are warned about, never
   * an error. Default: no split.
   */
  split?: SplitSpec | string;
  /** Seed of the split's shuffle (mulberry32), a whole number 0 .. 2^32-1; default 0. Needs `split`. */
  splitSeed?: number;
  /**
   * Bound on the intermediate results kept in the cache folder (bytes; 0
   * keeps none). Default: AC1_CACHE_INTERMEDIATES_MAX, else 2 GiB. Only with
   * the cache on.
   */
  intermediatesMaxBytes?: number;
}

/** Where a loaded dataset came from and what the load took. */
export interface LoadReport {
  /** "cache": loaded from a cache entry; "build": built from the release now. */
  origin: "cache" | "build";
  /** Cache key of this load, or null with the cache off. */
  cacheKey: string | null;
  /** Folder of the cache, or null with the cache off. */
  cacheDir: string | null;
  /** Why a build was needed although the cache was on: "miss" or what was wrong with the entry (null on a hit or with the cache off). */
  cacheMissReason: string | null;
  /** Why a fresh build could not be stored (the data is still returned), else null. */
  storeError: string | null;
  /** Worker threads used by the build (0 on a cache hit). */
  jobs: number;
  /** Wall time of the whole load, ms. */
  elapsedMs: number;
  /** Flow figures of a parallel build (null for a cache hit or a serial build). */
  buildStats: ParallelBuildStats | null;
  /** How many units of a build came from the intermediate results (null: a cache hit, or intermediates off). */
  reuse: IntermediateReuse | null;
}

/** A load's checked settings, with the release downloaded if asked and the cache key computed. */
export interface Prepared {
  t0: number;
  options: DatasetOptions;
  datasetInput: DatasetOptionsInput;
  split: { spec: SplitSpec; seed: number } | null;
  jobs: number;
  cache: BuildCache | null;
  key: string | null;
  /** The release's identity walked for the key (the requested experimenters' trees); null without cache. */
  identity: ArchiveIdentity | null;
  /** Bound on the intermediates (0: none kept). */
  intermediatesMaxBytes: number;
  onProgress: ((e: LoadProgress) => void) | undefined;
  onWarning: ((w: BuildWarning) => void) | undefined;
}

/** Checks every option (before any file is read or written), downloads if asked, computes the cache key. */
export async function prepare(input: Omit<LoadOptions, "onLoaded">): Promise<Prepared> {
  const t0 = performance.now();
  const {
    jobs: jobsIn,
    cache: cacheIn,
    download,
    onProgress,
    onWarning,
    split: splitIn,
    splitSeed,
    intermediatesMaxBytes: maxIn,
    ...datasetInput
  } = input;
  const options = resolveOptions(datasetInput);
  for (const w of ignoredOptionWarnings(datasetInput)) (onWarning ?? emitBuildWarning)(w);
  if (splitIn === undefined && splitSeed !== undefined)
    throw new OptionError("splitSeed", splitSeed, "needs the split option too (a seed alone splits nothing)");
  const split = splitIn === undefined ? null : resolveSplit(splitIn, splitSeed ?? 0);
  const jobs = resolveJobs(jobsIn);
  if (maxIn !== undefined && !(Number.isSafeInteger(maxIn) && maxIn >= 0))
    throw new OptionError("intermediatesMaxBytes", maxIn, "a whole number of bytes >= 0");
  const intermediatesMaxBytes = maxIn ?? intermediateMaxBytes();
  const cacheOption = cacheIn ?? true;
  if (typeof cacheOption !== "boolean" && !(cacheOption instanceof BuildCache)) {
    throw new OptionError("cache", cacheOption, "true, false or a BuildCache");
  }
  const downloadSettings = download === true ? {} : download;
  if (downloadSettings !== undefined && downloadSettings !== false) {
    if (typeof downloadSettings !== "object" || downloadSettings === null || "dataDir" in downloadSettings) {
      throw new OptionError(
        "download",
        download,
        "true, false or the download's settings (username, password, prompt, retries, onEvent, ...; the folder is `path`)",
      );
    }
    // Loaded on demand (as the build below): a load from the cache needs neither.
    const { downloadRelease } = await import("../download/index.js");
    await downloadRelease({ ...downloadSettings, dataDir: options.path });
  }
  const cache = cacheOption === true ? new BuildCache() : cacheOption === false ? null : cacheOption;
  const identity = cache === null ? null : await archiveIdentity(options.path, options.experimenter);
  const key = identity === null ? null : cacheKey(options, identity, codeVersion());
  return {
    t0,
    options,
    datasetInput,
    split,
    jobs,
    cache,
    key,
    identity,
    intermediatesMaxBytes,
    onProgress,
    onWarning,
  };
}
