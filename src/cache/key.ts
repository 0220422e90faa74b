// Cache keys for the persistent build cache: a sha256 over a canonical JSON
// of every option that changes the built dataset, the data folder, the archive's identity
// (relative path, size and mtime of each release file the build can read; no
// hashing, so computing it stays fast) and the cache format / code version.

import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RELEASE_ZIPS } from "../archive/location.js";
import type { DatasetOptions } from "../dataset/model.js";
import { canonicalJson } from "../store/canonical-json.js";
import { codeFingerprint, packageVersion } from "../version.js";

export { canonicalJson };

/** Bumped whenever the layout of a cache entry changes. */
export const CACHE_FORMAT_VERSION = 2;

export interface ArchiveFileIdentity {
  /** '/'-separated path relative to the data folder. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ArchiveIdentity {
  files: ArchiveFileIdentity[];
}

/**
 * The cache key of a build: options, the data folder (resolved: the export
 * names files in it, e.g. in skipped_files' reasons, so the same release in
 * another folder is another build), archive identity and code version.
 * 64 lowercase hex digits.
 */
export function cacheKey(
  options: DatasetOptions,
  archiveIdentity: ArchiveIdentity,
  codeVersion: string,
): string {
  const { path, ...rest } = options;
  const files = [...archiveIdentity.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = canonicalJson({
    format: CACHE_FORMAT_VERSION,
    code: codeVersion,
    folder: path === undefined ? undefined : resolve(path),
    options: rest,
    archive: files,
  });
  return createHash("sha256").update(text).digest("hex");
}

/** The subtrees of each unpacked zip the builder reads (archive.md), by experimenter. */
const SUBTREES: { dir: string; zip: (typeof RELEASE_ZIPS)[number]; experimenters: ("wehr" | "asari")[] }[] = [
  { dir: "crcns-ac1/wehr", zip: "crcns-ac1.zip", experimenters: ["wehr"] },
  { dir: "crcns-ac1/asari/Stimuli", zip: "crcns-ac1.zip", experimenters: ["asari"] },
  {
    dir: "crcns-ac1-asari-results-1/asari-results-1",
    zip: "crcns-ac1-asari-results-1.zip",
    experimenters: ["asari"],
  },
  {
    dir: "crcns-ac1-asari-results-2/asari-results-2",
    zip: "crcns-ac1-asari-results-2.zip",
    experimenters: ["asari"],
  },
];

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

/** Relative paths of every file under `rel` (recursively), or [] when it does not exist. */
async function walk(root: string, rel: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  const subdirs: string[] = [];
  for (const e of entries) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) subdirs.push(child);
    else if (e.isFile() || e.isSymbolicLink()) out.push(child);
  }
  for (const list of await Promise.all(subdirs.map((d) => walk(root, d)))) out.push(...list);
  return out;
}

/**
 * Identity of the release under `dataDir`: size and mtime of the zips that are
 * present and of every file in the unpacked subtrees the build reads
 * (restricted to the given experimenters when known). One directory walk and
 * one stat per file, no hashing.
 */
export async function archiveIdentity(
  dataDir: string,
  experimenters: readonly ("wehr" | "asari")[] = ["wehr", "asari"],
): Promise<ArchiveIdentity> {
  const used = SUBTREES.filter((t) => t.experimenters.some((e) => experimenters.includes(e)));
  const paths = new Set<string>();
  for (const t of used) paths.add(t.zip);
  const trees = await Promise.all(used.map((t) => walk(dataDir, t.dir)));
  for (const list of trees) for (const p of list) paths.add(p);
  const sorted = [...paths].sort();
  const files: ArchiveFileIdentity[] = [];
  const BATCH = 64;
  for (let i = 0; i < sorted.length; i += BATCH) {
    const batch = sorted.slice(i, i + BATCH);
    const stats = await Promise.all(batch.map((p) => statOrNull(join(dataDir, p))));
    batch.forEach((p, k) => {
      const st = stats[k];
      if (st?.isFile()) files.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
    });
  }
  return { files };
}

/** The union of two identities of one release (walked for different experimenters), by path, sorted. */
export function mergeIdentities(a: ArchiveIdentity, b: ArchiveIdentity): ArchiveIdentity {
  const byPath = new Map<string, ArchiveFileIdentity>();
  for (const f of [...a.files, ...b.files]) byPath.set(f.path, f);
  return { files: [...byPath.values()].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)) };
}

/**
 * The code version that goes into cache keys: the package version, a
 * fingerprint of the code that shapes the output (src/version.ts) and the
 * cache format.
 */
export function codeVersion(): string {
  return `ac1-${packageVersion()}+${codeFingerprint()}+cache${CACHE_FORMAT_VERSION}`;
}
