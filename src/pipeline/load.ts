// The top-level way to get a dataset, and the one entry point of the library
// (loadDataset): resolve and check the options, fetch the release if asked
// (options.ts), look the build up in the persistent cache, else build it and
// store it (build-and-store.ts). Tells the caller where the data came from
// (onLoaded, LoadReport: report.ts). A split is made from the loaded data,
// after the cache (split.ts). loadDataset's build keeps its arrays in
// memory, the dataset it returns.

import { warnAboutCohort } from "../dataset/checks.js";
import { materialize } from "../dataset/deferred.js";
import type { DatasetData } from "../dataset/model.js";
import { type LoadOptions, type LoadReport, prepare } from "./options.js";
import { buildReport, hitReport } from "./report.js";
import { applySplit } from "./split.js";

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
  const { buildAndStore } = await import("./build-and-store.js");
  const built = await buildAndStore(p, null);
  const data = materialize(built.data);
  await built.trimmed;
  return { ...buildReport(p, cacheMissReason, built), data: applySplit(data, p.split, onWarning) };
}
