// The top-level way to get a dataset, and the one entry point of the library
// (loadDataset): resolve and check the options, fetch the release if asked
// (the only place that downloads: every download setting is honoured), look
// the build up in the persistent cache (key: every output-changing option,
// the archive's identity, the code version), else build it (serially with
// jobs = 1, else on worker threads, identical results either way) and store
// it. Tells the caller where the data came from (onLoaded, LoadReport), so the
// CLI can say "loaded from the cache" or "built in 12.3 s". A split (`split`,
// `splitSeed`) changes no array: it is made from the loaded data, after the
// cache, so the cache key leaves it out and a cached build serves any split.
// A build (a miss) with the cache on also keeps its intermediate results in
// the cache folder (src/cache/intermediates.ts: Wehr index entries, cleaned
// sessions, stim tensors), so that a build with one option changed reuses
// what that option does not touch; their total is trimmed to a byte budget
// after each build. An export's build (exportDataset) keeps its arrays in a
// temp spill file (src/dataset/spill.ts) and writes each member from it, so
// its peak memory does not grow with the number of cells; loadDataset's
// build keeps them in memory, the dataset it returns.

import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import {
  type ArchiveIdentity,
  archiveIdentity,
  BUILDS_MAX_ENV,
  BuildCache,
  cacheKey,
  canonicalJson,
  codeVersion,
  mergeIdentities,
} from "../cache/index.js";
import type { BuildProgress, BuildWarning } from "../dataset/build.js";
import { emitBuildWarning, warnAboutCohort } from "../dataset/checks.js";
import type { IntermediateReuse } from "../dataset/intermediates.js";

export type { IntermediateReuse };

import { materialize } from "../dataset/deferred.js";
import type {
  DatasetData,
  DatasetOptions,
  DatasetShapes,
  DatasetSplit,
  LazyDataset,
  SplitSpec,
} from "../dataset/model.js";
import { type DatasetOptionsInput, resolveOptions } from "../dataset/options.js";
import { SPILL_STEM } from "../dataset/spill.js";
import { makeSplit, resolveSplit, splitWarnings } from "../dataset/splits.js";
import { type DatasetFacts, factsOf } from "../dataset/summary.js";
import type { DownloadOptions } from "../download/index.js";
import { OptionError } from "../errors.js";
import type { ExportManifest } from "../export/manifest.js";
import { type ManifestData, manifestData, manifestFacts } from "../export/manifest-data.js";
import { withManifestSplit } from "../export/modeller.js";
import type { ParallelBuildStats } from "../parallel/build.js";
import { resolveJobs } from "../parallel/jobs.js";
import { prestartBuildWorkers } from "../parallel/prestart.js";
import {
  INTERMEDIATES_SUPPORTED,
  IntermediateCache,
  type IntermediateScope,
  intermediateMaxBytes,
} from "../store/intermediates.js";
import { removeLeftOverTempsIn, trackTempFolder, untrackTempFolder } from "../temp-files.js";
import { IntermediateDeflateMemo } from "./deflate-memo.js";

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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loads the dataset: from the build cache when an entry with the same key
 * exists and verifies, else built from the release (on `jobs` worker
 * threads) and stored. Downloads the release first with `download`.
 * `onLoaded` hears where the data came from.
 */
export async function loadDataset(input: LoadOptions = {}): Promise<DatasetData> {
  const { onLoaded, ...rest } = input;
  const { data, ...report } = await load(rest);
  onLoaded?.(report);
  return data;
}

/** A load's checked settings, with the release downloaded if asked and the cache key computed. */
interface Prepared {
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
async function prepare(input: Omit<LoadOptions, "onLoaded">): Promise<Prepared> {
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

/**
 * Removes what an export to `out` killed outright (SIGKILL, a power cut)
 * left beside it: `<out>.tmp-<pid>-*` and spill files `build-spill.tmp-<pid>-*`
 * whose process no longer runs. Nothing else in that folder is touched, and
 * a file it cannot read or remove is left (the folder is the user's).
 */
async function removeLeftOversBeside(out: string): Promise<void> {
  const mine = [`${basename(out)}.tmp-`, `${SPILL_STEM}.tmp-`];
  // only files of dead processes (no age limit): a live one's may be another build writing now
  await removeLeftOverTempsIn(dirname(resolve(out)), {
    accept: (name) => mine.some((m) => name.startsWith(m)),
  }).catch(() => 0); // an unreadable folder: the writer will say what is wrong with it
}

/**
 * Where an export's build sets its arrays aside (BuildOptions.spillDir): the
 * build cache's entries folder, whose leftover temp files the next load,
 * store or `ac1 cache clear` removes (exportDataset's cache lookup has just
 * removed those of dead processes); with the cache off (which writes nothing
 * there), the output's folder, where the export's own temp file is written too.
 */
async function spillDirOf(p: Prepared, out: string): Promise<string> {
  if (p.cache === null) return dirname(resolve(out));
  await mkdir(p.cache.entriesDir, { recursive: true });
  return p.cache.entriesDir;
}

/**
 * Builds the dataset (without a split) and stores it in the cache when there
 * is one. Its arrays wait in memory, or with `spill` (an export to `out`,
 * which reads them one at a time) in a spill file: release() the data.
 */
async function buildAndStore(
  p: Prepared,
  spill: { out: string } | null,
  onStoreProgress?: (doneBytes: number, totalBytes: number) => void,
): Promise<{
  data: LazyDataset;
  buildStats: ParallelBuildStats | null;
  storeError: string | null;
  reuse: IntermediateReuse | null;
  /** The intermediates trimmed to their bound, under way while the caller writes (never rejects). */
  trimmed: Promise<unknown>;
}> {
  let buildStats: ParallelBuildStats | null = null;
  let reuse: IntermediateReuse | null = null;
  const intermediates = await intermediateScope(p);
  const icache = intermediates === undefined ? undefined : new IntermediateCache(intermediates.dir);
  // A build that will need its workers starts them now: they load the build's modules while this
  // thread does the same and plans (a build whose units are all in the intermediate cache starts none).
  if (icache === undefined || !(await icache.hasEntries())) prestartBuildWorkers(p.jobs);
  const { buildDatasetParallelLazy } = await import("../parallel/build.js");
  const spillDir = spill === null ? undefined : await spillDirOf(p, spill.out);
  // Worker threads write entries too: an interrupt removes their temp files by folder.
  const folders = icache?.kindFolders() ?? [];
  for (const f of folders) trackTempFolder(f);
  const data = await buildDatasetParallelLazy({
    ...p.datasetInput,
    spillDir,
    jobs: p.jobs,
    onProgress: p.onProgress,
    onWarning: p.onWarning,
    onStats: (s) => {
      buildStats = s;
    },
    intermediates,
    onReuse: (r) => {
      if (intermediates !== undefined) reuse = r;
    },
  }).finally(() => {
    for (const f of folders) untrackTempFolder(f);
  });
  let storeError: string | null = null;
  try {
    const { cache, key } = p;
    if (cache !== null && key !== null) {
      // The members an earlier build deflated from the same bytes are copied, not deflated again.
      const memo =
        intermediates === undefined || icache === undefined
          ? undefined
          : new IntermediateDeflateMemo({ scope: intermediates, cache: icache });
      try {
        if (await cache.store(key, data, { onProgress: onStoreProgress, deflateMemo: memo }))
          p.onProgress?.({ phase: "cache", status: "stored", key, dir: cache.dir });
        else storeError = notKept(cache.maxBytes);
      } catch (e) {
        storeError = messageOf(e);
        p.onProgress?.({ phase: "cache", status: "store-failed", key, dir: cache.dir, reason: storeError });
      } finally {
        await memo?.settled();
      }
      if (memo !== undefined && reuse !== null)
        reuse = { ...(reuse as IntermediateReuse), deflated: memo.tally };
    }
  } catch (e) {
    data.release();
    throw e;
  }
  // Listing thousands of entries takes a while: it runs while the caller copies the export.
  const trimmed =
    icache === undefined ? Promise.resolve() : icache.trim(p.intermediatesMaxBytes).catch(() => 0);
  return { data, buildStats, storeError, reuse, trimmed };
}

/** Why a stored build was not kept: the builds' bound. */
function notKept(maxBytes: number): string {
  return maxBytes === 0
    ? `the builds' bound is 0 (${BUILDS_MAX_ENV}), which keeps none`
    : `it alone is over the builds' bound of ${maxBytes} bytes (${BUILDS_MAX_ENV})`;
}

/**
 * Where a build keeps its intermediates: the cache folder and a digest of
 * the release's identity (size and mtime of the zips and of every file of
 * the unpacked trees, both experimenters: an experimenter or site filter
 * does not change what a unit computes) and the code version. Undefined
 * with the cache off or a bound of 0.
 */
async function intermediateScope(p: Prepared): Promise<IntermediateScope | undefined> {
  if (p.cache === null || p.identity === null || p.intermediatesMaxBytes === 0 || !INTERMEDIATES_SUPPORTED)
    return undefined;
  // The key's walk covered the requested experimenters: only the others' trees are walked now.
  const others = (["wehr", "asari"] as const).filter((e) => !p.options.experimenter.includes(e));
  const identity =
    others.length === 0
      ? p.identity
      : mergeIdentities(p.identity, await archiveIdentity(p.options.path, others));
  const release = createHash("sha256")
    // the folder too: units' reports name its files (skipped files' reasons), as the build cache's key does
    .update(canonicalJson({ folder: resolve(p.options.path), archive: identity.files, code: codeVersion() }))
    .digest("hex");
  return { dir: p.cache.dir, release };
}

/** The report of a load that hit the cache. */
function hitReport(p: Prepared): LoadReport {
  return {
    origin: "cache",
    cacheKey: p.key,
    cacheDir: p.cache?.dir ?? null,
    cacheMissReason: null,
    storeError: null,
    jobs: 0,
    elapsedMs: performance.now() - p.t0,
    buildStats: null,
    reuse: null,
  };
}

/** The report of a load that built the dataset (`built`: what buildAndStore says of it). */
function buildReport(
  p: Prepared,
  cacheMissReason: string | null,
  built: Pick<LoadReport, "buildStats" | "storeError" | "reuse">,
): LoadReport {
  return {
    origin: "build",
    cacheKey: p.key,
    cacheDir: p.cache?.dir ?? null,
    cacheMissReason,
    storeError: built.storeError,
    jobs: p.jobs,
    elapsedMs: performance.now() - p.t0,
    buildStats: built.buildStats,
    reuse: built.reuse,
  };
}

/** The load itself: the data and its report. */
async function load(input: Omit<LoadOptions, "onLoaded">): Promise<LoadReport & { data: DatasetData }> {
  const p = await prepare(input);
  const { cache, key, options, onProgress, onWarning } = p;
  let cacheMissReason: string | null = null;
  if (cache !== null && key !== null) {
    const hit = await cache.loadWithReason(key);
    if (hit.data !== null) {
      // The key holds the resolved folder; report it as this load spells it.
      const data: DatasetData = { ...hit.data, options: { ...hit.data.options, path: options.path } };
      onProgress?.({ phase: "cache", status: "hit", key, dir: cache.dir });
      warnAboutCohort(data, onWarning);
      const withSplit = applySplit(data, p.split, onWarning);
      return { ...hitReport(p), data: withSplit };
    }
    cacheMissReason = hit.reason;
    onProgress?.({ phase: "cache", status: "miss", key, dir: cache.dir, reason: hit.reason });
  }
  const built = await buildAndStore(p, null);
  const data = materialize(built.data);
  await built.trimmed;
  return { ...buildReport(p, cacheMissReason, built), data: applySplit(data, p.split, onWarning) };
}

export interface ExportOptions extends Omit<LoadOptions, "onLoaded"> {
  /** Where to write the export (.npz, interchange.md). */
  out: string;
  /** Bytes of arrays compressed and written so far and in total (into the cache entry, or the export without one). */
  onExportProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Where an export came from, what the load took, and the summary facts of what was written. */
export interface ExportReport extends LoadReport {
  facts: DatasetFacts;
}

/**
 * Loads the dataset (as loadDataset: download, cache, build) and writes its
 * export to `out`. With the cache on, the export is a copy of the cache
 * entry: on a hit nothing is decoded (the stored arrays are copied as they
 * are, the manifest rewritten for this load's data folder and split); after
 * a build, the entry is stored first and copied the same way. Without the
 * cache (or when the entry could not be stored) the export is written from
 * the data. Either way the export's members are byte for byte what
 * writeDatasetNpz writes for the split data.
 */
export async function exportDataset(input: ExportOptions): Promise<ExportReport> {
  const { out, onExportProgress, ...loadInput } = input;
  const p = await prepare(loadInput);
  await removeLeftOversBeside(out);
  const { cache, key, onProgress, onWarning } = p;
  let cacheMissReason: string | null = null;
  if (cache !== null && key !== null) {
    // The entry is checked while it is copied: its warnings are held until the check has passed.
    const held: BuildWarning[] = [];
    const hit = await cache.exportTo(key, out, (m) => {
      // This load's folder; the warnings and the split from what the manifest says, as from the data.
      const fixed = { ...m, options: { ...m.options, path: p.options.path } };
      return splitManifest(fixed, manifestData(fixed, out), p.split, (w) => held.push(w));
    });
    if (hit.manifest !== null) {
      for (const w of held) (onWarning ?? emitBuildWarning)(w);
      onProgress?.({ phase: "cache", status: "hit", key, dir: cache.dir });
      return { ...hitReport(p), facts: manifestFacts(hit.manifest, out) };
    }
    cacheMissReason = hit.reason;
    onProgress?.({ phase: "cache", status: "miss", key, dir: cache.dir, reason: hit.reason });
  }
  // The arrays wait in a spill file and are read back one at a time as the export is written.
  const built = await buildAndStore(p, { out }, onExportProgress);
  try {
    const split = applySplit(built.data, p.split, onWarning);
    let copied = false;
    if (cache !== null && key !== null && built.storeError === null) {
      // The entry just stored, copied with this load's split: the arrays are compressed once.
      const r = await cache.exportTo(
        key,
        out,
        (m) => withManifestSplit(m, split.split ?? null) as ExportManifest,
      );
      copied = r.manifest !== null;
    }
    if (!copied) {
      const { writeDatasetNpz } = await import("../export/dataset-npz.js");
      await writeDatasetNpz(split, out, { onProgress: onExportProgress });
    }
    return { ...buildReport(p, cacheMissReason, built), facts: factsOf(split) };
  } finally {
    built.data.release();
    await built.trimmed;
  }
}

/**
 * A stored manifest with the load's split, made from what the manifest says,
 * in the place writeDatasetNpz gives it (or without a split); the cohort and
 * split warnings go to onWarning as a load from the cache gives them.
 */
function splitManifest(
  m: ExportManifest,
  data: ManifestData,
  split: { spec: SplitSpec; seed: number } | null,
  onWarning: ((w: BuildWarning) => void) | undefined,
): ExportManifest {
  warnAboutCohort(data, onWarning);
  if (split === null) return withManifestSplit(m, null) as ExportManifest;
  const made = makeSplit(data, split.spec, split.seed);
  warnSplit(made, data.neuronMeta, onWarning);
  return withManifestSplit(m, made) as ExportManifest;
}

function warnSplit(
  made: DatasetSplit,
  neuronMeta: DatasetData["neuronMeta"],
  onWarning: ((w: BuildWarning) => void) | undefined,
): void {
  for (const message of splitWarnings(made, neuronMeta))
    (onWarning ?? emitBuildWarning)({ code: "split", path: "", message });
}

/**
 * The data with the requested split made from it (split warnings to
 * onWarning, else process.emitWarning), or without any split.
 */
function applySplit<D extends DatasetShapes>(
  data: D,
  split: { spec: SplitSpec; seed: number } | null,
  onWarning: ((w: BuildWarning) => void) | undefined,
): D {
  const { split: _stored, ...rest } = data;
  if (split === null) return rest as D;
  const made = makeSplit(data, split.spec, split.seed);
  warnSplit(made, data.neuronMeta, onWarning);
  return { ...rest, split: made } as D;
}

/** One line for the CLI: where the dataset came from and what it took. */
export function describeLoad(r: LoadReport): string {
  const seconds = (r.elapsedMs / 1000).toFixed(r.elapsedMs < 10_000 ? 2 : 1);
  if (r.origin === "cache")
    return `loaded from the build cache in ${seconds} s (${r.cacheDir}); --no-cache rebuilds`;
  const threads = r.jobs === 1 ? "on 1 thread" : `on ${r.jobs} worker threads`;
  let line = `built from the release in ${seconds} s ${threads}`;
  if (r.cacheDir === null) line += " (cache off)";
  else if (r.storeError !== null) line += `; could not store it in the build cache: ${r.storeError}`;
  else line += `; stored in the build cache (${r.cacheDir})`;
  if (r.cacheMissReason !== null && r.cacheMissReason !== "miss") line += `; ${r.cacheMissReason}`;
  const reused = r.reuse === null ? "" : describeReuse(r.reuse);
  if (reused !== "") line += `; ${reused}`;
  return line;
}

/**
 * "reused 12/12 cleaned sessions, 30/30 stim tensors" (the kinds any unit
 * was reused of; and how many damaged entries were recomputed), or "".
 */
export function describeReuse(r: IntermediateReuse): string {
  const parts: string[] = [];
  if (r.clean.reused > 0) parts.push(`${r.clean.reused}/${r.clean.units} cleaned sessions`);
  if (r.stim.reused > 0) parts.push(`${r.stim.reused}/${r.stim.units} stim tensors`);
  if (r.index.reused > 0) parts.push(`${r.index.reused}/${r.index.units} Wehr index files`);
  if (r.deflated.reused > 0) parts.push(`${r.deflated.reused}/${r.deflated.units} compressed arrays`);
  const out = parts.length === 0 ? [] : [`reused ${parts.join(", ")}`];
  const damaged = r.index.damaged + r.clean.damaged + r.stim.damaged + r.deflated.damaged;
  if (damaged > 0)
    out.push(`${damaged} damaged intermediate entr${damaged === 1 ? "y" : "ies"} removed and recomputed`);
  return out.join("; ");
}
