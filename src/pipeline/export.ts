// exportDataset (`ac1 build`): a load (download, cache, build) that writes
// the export. With the cache on, the export is a copy of the cache entry; an
// export's build keeps its arrays in a temp spill file (src/dataset/spill.ts)
// and writes each member from it, so its peak memory does not grow with the
// number of cells.

import { basename, dirname, resolve } from "node:path";
import type { BuildWarning } from "../dataset/build.js";
import { emitBuildWarning } from "../dataset/checks.js";
import { SPILL_STEM } from "../dataset/spill.js";
import { type DatasetFacts, factsOf } from "../dataset/summary.js";
import type { ExportManifest } from "../export/manifest.js";
import { manifestData, manifestFacts } from "../export/manifest-data.js";
import { withManifestSplit } from "../export/modeller.js";
import { removeLeftOverTempsIn } from "../temp-files.js";
import { type LoadOptions, type LoadReport, prepare } from "./options.js";
import { buildReport, hitReport } from "./report.js";
import { applySplit, splitManifest } from "./split.js";

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
  // (loaded only on a miss: a hit loads none of the build machinery, test/cli/build.test.ts)
  const { buildAndStore } = await import("./build-and-store.js");
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
