// Size bounds of the on-disk caches (the builds and the intermediates): a
// size read from the environment ("500M", "4G", bytes), and the one
// least-recently-used rule both caches trim by. A file's mtime is its last
// use: a hit sets it to now (markUsed), so the files unused the longest go
// first.

import { utimesSync } from "node:fs";
import { unlink, utimes } from "node:fs/promises";
import { CacheError } from "../errors.js";

/** A cache file with its size and last use. */
export interface SizedFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** "2G", "500M", "1.5GiB", "64k", "1000" -> bytes (powers of 1024); a CacheError naming `what` otherwise. */
export function parseByteSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m)
    throw new CacheError(
      `${what}: expected a size such as 2G, 500M or a number of bytes, got ${JSON.stringify(text)}`,
    );
  const scale = 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase());
  return Math.floor(Number(m[1]) * scale);
}

/** The size in the environment variable `name` (parseByteSize), else `fallback` when unset or blank. */
export function envByteSize(
  name: string,
  fallback: number,
  env: Record<string, string | undefined> = process.env,
): number {
  const text = env[name];
  if (text === undefined || text.trim() === "") return fallback;
  return parseByteSize(text, name);
}

/**
 * Removes the least recently used files (oldest mtime first, then by path)
 * until the others take at most `maxBytes`; the file `keep` (the entry just
 * stored) goes last, and only if it alone is over the bound. Files already
 * gone are skipped. Returns the number removed.
 */
export async function removeLeastRecentlyUsed(
  files: SizedFile[],
  maxBytes: number,
  keep?: string,
): Promise<number> {
  let total = files.reduce((a, f) => a + f.bytes, 0);
  if (total <= maxBytes) return 0;
  const order = [...files].sort(
    (a, b) =>
      Number(a.path === keep) - Number(b.path === keep) ||
      a.mtimeMs - b.mtimeMs ||
      (a.path < b.path ? -1 : 1),
  );
  let removed = 0;
  for (const f of order) {
    if (total <= maxBytes) break;
    await unlink(f.path).then(
      () => removed++,
      () => {},
    );
    total -= f.bytes;
  }
  return removed;
}

/** Marks a cache file as used now (its mtime), so trimming keeps it longest; a failure is ignored. */
export async function markUsed(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => {});
}

/** markUsed on the calling thread (for the intermediates, read on the calling thread too). */
export function markUsedSync(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // ignored, as markUsed ignores it
  }
}
