// A load's build (a miss): serially with jobs = 1, else on worker threads
// (identical results either way), then stored in the build cache. With the
// cache on it also keeps its intermediate results in the cache folder
// (src/store/intermediates.ts: Wehr index entries, cleaned sessions, stim
// tensors), so that a build with one option changed reuses what that option
// does not touch; their total is trimmed to a byte budget after each build.

import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  archiveIdentity,
  BUILDS_MAX_ENV,
  canonicalJson,
  codeVersion,
  mergeIdentities,
} from "../cache/index.js";
import type { IntermediateReuse } from "../dataset/intermediates.js";
import type { LazyDataset } from "../dataset/model.js";
import type { ParallelBuildStats } from "../parallel/build.js";
import { discardPrestartedWorkers, prestartBuildWorkers } from "../parallel/prestart.js";
import { INTERMEDIATES_SUPPORTED } from "../store/intermediate-format.js";
import { IntermediateCache, type IntermediateScope } from "../store/intermediates.js";
import { trackTempFolder, untrackTempFolder } from "../temp-files.js";
import { IntermediateDeflateMemo } from "./deflate-memo.js";
import type { Prepared } from "./options.js";

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
export async function buildAndStore(
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
  let buildDatasetParallelLazy: typeof import("../parallel/build.js").buildDatasetParallelLazy;
  let spillDir: string | undefined;
  try {
    ({ buildDatasetParallelLazy } = await import("../parallel/build.js"));
    spillDir = spill === null ? undefined : await spillDirOf(p, spill.out);
  } catch (e) {
    // (the build adopts the workers started ahead; a start that fails before it ends them)
    await discardPrestartedWorkers();
    throw e;
  }
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
    icache === undefined
      ? Promise.resolve()
      : icache.trim(p.intermediatesMaxBytes).catch((e: unknown) =>
          p.onWarning?.({
            code: "cache",
            path: "",
            message: `cannot trim the intermediate results in ${icache.root} to their bound: ${messageOf(e)}`,
          }),
        );
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
