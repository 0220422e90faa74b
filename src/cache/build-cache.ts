// The persistent build cache: each built dataset is kept as the export
// `ac1 build` writes for it (compressed ac1-npz, without a split) in
// `<dir>/builds/<key>.npz`, sealed (src/cache/entry-seal.ts: the entry's record
// and its SHA-256 in the zip's end record), so a rename puts the entry and its
// proof in place at once. A hit in `ac1 build` is then a copy: the stored
// members as they are, the manifest rewritten for this load's data folder
// and split (exportTo), checked against the SHA-256 while it is copied
// (without decoding an array; the copy goes into place only if it passes).
// Entries are written through a temp file and renamed into place, so a crash
// or a concurrent build never leaves a partial entry under the final name.
// The temp file is removed at once when the process is interrupted
// (src/temp-files.ts); one left by a process that was killed outright carries
// its dead owner's pid and is swept by the next load, store or `ac1 cache
// clear`. A corrupt, unsealed or stale entry is deleted and reported, never
// trusted.
// The entries are bounded in total size (AC1_CACHE_BUILDS_MAX, default
// 8 GiB: several exports of the whole release; src/cache/builds-bound.ts):
// after each store the least recently used go (src/store/bounds.ts, the rule
// the intermediates use too); a hit marks its entry used.

import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { defaultCacheDir } from "../archive/location.js";
import type { DatasetData, LazyDataset } from "../dataset/model.js";
import { CacheError } from "../errors.js";
import { copyExport } from "../export/copy.js";
import type { ExportManifest } from "../export/manifest.js";
import type { DeflateMemo } from "../export/member-encoding.js";
import { markUsed, removeLeastRecentlyUsed, type SizedFile } from "../store/bounds.js";
import { removeLeftOverTempsIn } from "../temp-files.js";
import { buildsMaxBytes } from "./builds-bound.js";
import { checkEntry, recordOf, sealOf, tailOf } from "./entry-seal.js";
import { summarizeData } from "./summary.js";

/** A bad cache request (e.g. a malformed or ambiguous key); defined in src/errors.ts. */
export { CacheError };

export interface CacheEntryInfo {
  key: string;
  bytes: number;
  createdAt: Date;
  /** One line: neurons, stims, mode, dtMs, experimenters and sites; or why the entry is unreadable. */
  summary: string;
}

export type CacheLoadResult = { data: DatasetData; reason?: undefined } | { data: null; reason: string };

/** What exportTo did: the manifest it wrote, or why there was nothing to copy (the entry, if invalid, is removed). */
export type CacheExportResult =
  | { manifest: ExportManifest; reason?: undefined }
  | { manifest: null; reason: string };

const KEY_RE = /^[0-9a-f]{64}$/;

/** The key of an entry file name ("<key>.npz"), undefined for anything else (temp files, strays). */
function keyOfEntryName(name: string): string | undefined {
  const key = name.endsWith(".npz") ? name.slice(0, -4) : "";
  return KEY_RE.test(key) ? key : undefined;
}
/**
 * A temp file whose owner still runs is a write in progress, unless it is
 * older than this (its pid reused by another process since).
 */
const STALE_TEMP_MS = 60 * 60 * 1000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class BuildCache {
  /** Folder holding the entries (`<dir>/builds`). */
  readonly entriesDir: string;
  /** Why the last load() returned null ("miss", or what was wrong with the entry). */
  lastReason: string | undefined;
  /** Bound on the entries' total size, bytes (0: nothing is stored). */
  readonly maxBytes: number;

  /** `maxBytes` defaults to buildsMaxBytes() (AC1_CACHE_BUILDS_MAX; a bad value throws a CacheError here). */
  constructor(
    readonly dir: string = defaultCacheDir(),
    maxBytes?: number,
  ) {
    this.entriesDir = join(dir, "builds");
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0))
      throw new CacheError(`the builds' bound must be a whole number of bytes >= 0, got ${maxBytes}`);
    this.maxBytes = maxBytes ?? buildsMaxBytes();
  }

  private entryPath(key: string): string {
    if (!KEY_RE.test(key))
      throw new CacheError(`invalid cache key ${JSON.stringify(key)}: expected 64 lowercase hex digits`);
    return join(this.entriesDir, `${key}.npz`);
  }

  /**
   * The dataset stored under `key`, or null (miss, or an invalid entry that
   * has now been removed; see lastReason). `overrides.path` replaces the
   * data folder recorded in the entry's options.
   */
  async load(key: string, overrides: { path?: string } = {}): Promise<DatasetData | null> {
    const r = await this.loadWithReason(key);
    this.lastReason = r.reason;
    // the key holds the resolved folder; report it as the caller spells it
    if (r.data && overrides.path !== undefined) r.data.options.path = overrides.path;
    return r.data;
  }

  /**
   * Checks the entry against the record it carries (checkEntry), read in
   * slices of reused memory: an entry of any size is checked in bounded
   * memory. Throws a CacheError saying what is wrong (the file itself must
   * exist).
   */
  private async verifiedEntry(key: string, path: string): Promise<void> {
    const fh = await open(path, "r");
    try {
      // the size of the file opened (another store may have renamed a new entry into place since)
      await checkEntry(fh, key, (await fh.stat()).size);
    } finally {
      await fh.close();
    }
  }

  /** The entry file's size, or null when it does not exist (a miss); clears leftover temps on the way. */
  private async sizeOf(path: string): Promise<number | null> {
    await this.removeLeftOverTemps().catch(() => 0);
    return stat(path).then(
      (st) => st.size,
      () => null,
    );
  }

  /** Like load(), returning why there is no data. */
  async loadWithReason(key: string): Promise<CacheLoadResult> {
    const path = this.entryPath(key);
    if ((await this.sizeOf(path)) === null) return { data: null, reason: "miss" };
    // Loaded on demand (store too): exportTo, `ac1 build`'s hit, copies without them.
    const { loadDatasetExport } = await import("../export/dataset-npz.js");
    try {
      await this.verifiedEntry(key, path);
      const view = await loadDatasetExport(path, { verifyCrc: true });
      try {
        const data = await view.load();
        await markUsed(path);
        return { data };
      } finally {
        await view.close();
      }
    } catch (e) {
      await unlink(path).catch(() => {});
      return { data: null, reason: `corrupt cache entry ${path} removed: ${message(e)}` };
    }
  }

  /**
   * Writes the export of the entry `key` to `out` by copying it: every
   * array member as stored, the manifest as `rewrite` makes it from the
   * stored one (this load's data folder, its split). Nothing is decoded; the
   * entry is checked against its SHA-256 while it is copied, and the copy
   * goes into place only if the check passes, so `rewrite` must have no
   * other effect (hold its warnings until a manifest is returned). A miss or
   * an invalid entry (removed) writes nothing and says why; a failure to
   * write `out` throws.
   */
  async exportTo(
    key: string,
    out: string,
    rewrite: (manifest: ExportManifest) => ExportManifest,
  ): Promise<CacheExportResult> {
    const path = this.entryPath(key);
    if ((await this.sizeOf(path)) === null) return { manifest: null, reason: "miss" };
    // Checked while it is copied (the check hashes while the copy waits on its writes), each
    // read through a few MiB of reused memory: reading the file twice (from the page cache)
    // costs less than the page faults of holding it whole. The copy goes into place only
    // once the check has passed.
    const check = this.verifiedEntry(key, path);
    const failed = check.then(
      () => null,
      (e: unknown) => e,
    );
    let manifest: ExportManifest;
    try {
      manifest = await copyExport(path, out, { rewrite, check });
    } catch (e) {
      // A damaged entry may fail the copy too (its directory, its manifest): the check says which.
      const damage = await failed;
      if (damage === null) throw e;
      await unlink(path).catch(() => {});
      return { manifest: null, reason: `corrupt cache entry ${path} removed: ${message(damage)}` };
    }
    await markUsed(path);
    return { manifest };
  }

  /**
   * Stores `data` under `key` as a sealed, compressed export, atomically
   * (temp file + rename): readers see the old entry or the complete new one,
   * and concurrent stores of the same key each rename a complete file, the
   * last one winning. Then the least recently used entries are removed
   * until all take at most maxBytes (the new one last: it goes only if it
   * alone is over the bound); with maxBytes 0 nothing is written. Returns
   * whether the entry is kept.
   */
  async store(
    key: string,
    data: DatasetData | LazyDataset,
    opts: {
      onProgress?: (doneBytes: number, totalBytes: number) => void;
      /** Deflated members kept by content (writeDatasetNpz's `deflateMemo`). */
      deflateMemo?: DeflateMemo;
    } = {},
  ): Promise<boolean> {
    const path = this.entryPath(key);
    if (this.maxBytes === 0) return false;
    await mkdir(this.entriesDir, { recursive: true });
    await this.removeLeftOverTemps();
    const summary = summarizeData(data);
    const { writeDatasetNpz } = await import("../export/dataset-npz.js");
    await writeDatasetNpz(data, path, {
      seal: sealOf(key, () => summary),
      onProgress: opts.onProgress,
      deflateMemo: opts.deflateMemo,
    });
    await this.trim(this.maxBytes, key);
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  /**
   * Removes the least recently used entries until all take at most
   * `maxBytes` (the entry `keepKey` last). Returns the number removed.
   */
  async trim(maxBytes: number = this.maxBytes, keepKey?: string): Promise<number> {
    const files: SizedFile[] = [];
    for (const name of await this.entryDirNames()) {
      if (keyOfEntryName(name) === undefined) continue;
      const path = join(this.entriesDir, name);
      const st = await stat(path).catch(() => null);
      if (st?.isFile()) files.push({ path, bytes: st.size, mtimeMs: st.mtimeMs });
    }
    return removeLeastRecentlyUsed(
      files,
      maxBytes,
      keepKey === undefined ? undefined : this.entryPath(keepKey),
    );
  }

  /** Complete entries (temp files of running or crashed writes are ignored), newest first. */
  async list(): Promise<CacheEntryInfo[]> {
    const names = await this.entryDirNames();
    const out: CacheEntryInfo[] = [];
    for (const name of names) {
      const key = keyOfEntryName(name);
      if (key === undefined) continue;
      const path = join(this.entriesDir, name);
      let st: import("node:fs").Stats;
      try {
        st = await stat(path);
      } catch {
        continue; // removed meanwhile
      }
      let summary: string;
      let createdAt = st.mtime;
      try {
        const sealed = recordOf(await tailOf(path, st.size));
        if (sealed === undefined) throw new Error("no cache record");
        const rec = sealed.record;
        summary = typeof rec.summary === "string" ? rec.summary : "?";
        if (typeof rec.created_at === "string" && !Number.isNaN(Date.parse(rec.created_at)))
          createdAt = new Date(rec.created_at);
      } catch (e) {
        summary = `unreadable: ${message(e)}`;
      }
      out.push({ key, bytes: st.size, createdAt, summary });
    }
    out.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.key < b.key ? -1 : 1));
    return out;
  }

  /** Full keys of the entries whose key starts with `prefix`. */
  async resolve(prefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{1,64}$/.test(prefix))
      throw new CacheError(`invalid cache key ${JSON.stringify(prefix)}: expected hex digits`);
    const names = await this.entryDirNames();
    return names
      .map(keyOfEntryName)
      .filter((k): k is string => k?.startsWith(prefix) === true)
      .sort();
  }

  /**
   * Removes the entry `key` (a full key), or every entry and every temp file
   * left by a process that no longer runs when no key is given (a write in
   * progress in another process is left alone). Returns the number of
   * entries removed.
   */
  async clear(key?: string): Promise<number> {
    if (key !== undefined) {
      const path = this.entryPath(key);
      try {
        await unlink(path);
        return 1;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
        throw await this.folderError(e);
      }
    }
    const names = await this.entryDirNames();
    let removed = 0;
    for (const name of names) {
      if (keyOfEntryName(name) !== undefined) {
        try {
          await unlink(join(this.entriesDir, name));
          removed++;
        } catch {
          // removed meanwhile
        }
      }
    }
    await this.removeLeftOverTemps();
    return removed;
  }

  /**
   * Names in the entries folder; [] when it does not exist (yet). A cache
   * folder (or entries folder) that is a file, or one that cannot be read,
   * is a CacheError rather than an empty cache.
   */
  private async entryDirNames(): Promise<string[]> {
    try {
      return await readdir(this.entriesDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw await this.folderError(e);
    }
  }

  /** One-line CacheError for a failed access to the entries folder, naming the part of the path at fault. */
  private async folderError(e: unknown): Promise<CacheError> {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") {
      const what = await stat(this.dir).then(
        (st) => (st.isDirectory() ? `${this.entriesDir} is a file` : `${this.dir} is a file`),
        () => `${this.dir}: a part of this path is a file`,
      );
      return new CacheError(`${what}, not a folder; the build cache needs a folder (--dir / AC1_CACHE_DIR)`, {
        cause: e,
      });
    }
    return new CacheError(`cannot use the cache folder ${this.entriesDir}: ${message(e)}`, { cause: e });
  }

  /**
   * Deletes the temp files of writes that will never finish: their owner
   * process no longer runs, or they are older than `olderThanMs`.
   */
  async removeLeftOverTemps(olderThanMs = STALE_TEMP_MS): Promise<number> {
    try {
      return await removeLeftOverTempsIn(this.entriesDir, { staleMs: olderThanMs });
    } catch (e) {
      throw await this.folderError(e);
    }
  }
}
