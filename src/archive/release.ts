// openRelease: the one entry point the dataset builder uses to get a
// ReleaseSource over the data folder, whatever mix of zips and unpacked trees
// it holds. Per zip of the release (RELEASE_LAYOUT):
//   - its anchor exists          -> the unpacked tree is read (modes auto, extract);
//   - else its zip exists        -> read in place (auto, zip) or unpacked first (extract);
//   - neither, and it is needed  -> ArchiveError naming both paths and how to get the data;
//   - neither, and not needed    -> left out (its folder is simply absent).
// A data folder that is a file fails first, with its own one-line ArchiveError.
// Mode "zip" prefers a zip over an unpacked tree when both exist.
// crcns-ac1.zip is needed for Wehr and for Asari (it holds the Asari stimuli);
// the two results zips only for Asari. Default need: both.

import { join } from "node:path";
import { DirSource } from "./dir-source.js";
import { ArchiveError } from "./errors.js";
import {
  checkDataFolder,
  dataPath,
  type ExtractProgress,
  extractZip,
  isNeeded,
  missingError,
  pathExists,
  type ReleaseNeeds,
} from "./extract.js";
import { RELEASE_LAYOUT } from "./layout.js";
import type { ReleaseSource } from "./source.js";
import type { ZipLimits } from "./zip-archive.js";
import { CompositeSource, ZipSource } from "./zip-source.js";

export type ReleaseMode = "auto" | "zip" | "extract";

export interface OpenReleaseOptions {
  /** "auto" (default): trees where unpacked, zips read in place otherwise; "zip": zips whenever present; "extract": unpack missing trees (the reference's behaviour). */
  mode?: ReleaseMode;
  /** Extraction progress (mode "extract"). */
  onProgress?: (e: ExtractProgress) => void;
  /** Which parts are needed; default { wehr: true, asari: true }. */
  need?: ReleaseNeeds;
  /** Overrides of the zip-bomb limits (tests). */
  limits?: Partial<ZipLimits>;
}

/** How each release folder is served, for messages and `ac1 info`. */
export interface ReleasePlanItem {
  folder: string;
  zip: string;
  how: "tree" | "zip" | "extract" | "absent";
}

/** Decides, without reading any zip, how each release folder will be served. */
export async function planRelease(
  dataDir: string,
  opts: OpenReleaseOptions = {},
): Promise<ReleasePlanItem[]> {
  const mode = opts.mode ?? "auto";
  if (mode !== "auto" && mode !== "zip" && mode !== "extract") {
    throw new ArchiveError(
      `invalid release mode ${JSON.stringify(mode)}: expected "auto", "zip" or "extract"`,
    );
  }
  await checkDataFolder(dataDir);
  const need = opts.need ?? { wehr: true, asari: true };
  const plan: ReleasePlanItem[] = [];
  for (const layout of RELEASE_LAYOUT) {
    const hasTree = await pathExists(dataPath(dataDir, layout.anchor));
    const hasZip = await pathExists(join(dataDir, layout.zip));
    let how: ReleasePlanItem["how"];
    if (mode === "zip" && hasZip) how = "zip";
    else if (hasTree) how = "tree";
    else if (hasZip) how = mode === "extract" ? (isNeeded(layout, need) ? "extract" : "absent") : "zip";
    else if (isNeeded(layout, need)) throw await missingError(dataDir, layout);
    else how = "absent";
    plan.push({ folder: layout.folder, zip: layout.zip, how });
  }
  return plan;
}

/** Opens the release in `dataDir` as one ReleaseSource (see the module header for the rules). */
export async function openRelease(dataDir: string, opts: OpenReleaseOptions = {}): Promise<ReleaseSource> {
  const plan = await planRelease(dataDir, opts);
  const tree = new DirSource(dataDir);
  const mounts: { folder: string; source: ReleaseSource }[] = [];
  const opened: ReleaseSource[] = [];
  try {
    for (const item of plan) {
      if (item.how === "absent") continue;
      if (item.how === "extract") {
        const layout = RELEASE_LAYOUT.find((l) => l.folder === item.folder)!;
        await extractZip(dataDir, layout, { onProgress: opts.onProgress, limits: opts.limits });
        mounts.push({ folder: item.folder, source: tree });
      } else if (item.how === "tree") {
        mounts.push({ folder: item.folder, source: tree });
      } else {
        const zs = await ZipSource.open(dataDir, [item.zip], opts.limits);
        opened.push(zs);
        mounts.push({ folder: item.folder, source: zs });
      }
    }
  } catch (e) {
    await Promise.allSettled(opened.map((s) => s.close()));
    throw e;
  }
  return new CompositeSource(dataDir, mounts);
}
