// The persistent build cache: each built dataset is kept as an uncompressed
// ac1-npz file `<dir>/builds/<key>.npz` (one sequential read to load), written
// through a temp file and renamed into place, so a crash or a concurrent build
// never leaves a partial entry under the final name. The temp file is removed
// at once when the process is interrupted (src/temp-files.ts); one left by a
// process that was killed outright carries its dead owner's pid and is swept
// by the next load, store or `ac1 cache clear`. Loading verifies the entry
// (zip structure, every member's CRC-32, the key recorded inside); a corrupt
// or stale entry is deleted and reported, never trusted.

import { mkdir, readdir, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { defaultCacheDir } from "../archive/location.js";
import type { DatasetData } from "../dataset/model.js";
import { CacheError } from "../errors.js";
import {
  type ExportManifest,
  loadDatasetExport,
  openDatasetExport,
  writeDatasetNpz,
} from "../export/dataset-npz.js";
import { isNpzTempName } from "../export/npz-writer.js";
import { isLeftOver } from "../temp-files.js";
import { CACHE_FORMAT_VERSION } from "./key.js";

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

/** A one-line description of a dataset from its export manifest. */
export function summarizeManifest(m: ExportManifest): string {
  const mode = m.audio_fs === null ? "spectrogram" : `waveform ${m.audio_fs} Hz`;
  const o = m.options as unknown as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.join(",") : "?");
  return `${m.neurons.length} neurons, ${m.stims.length} stims, ${mode}, dt ${m.dt_ms} ms, ${list(o.experimenter)} ${list(o.sites)}`;
}

export class BuildCache {
  /** Folder holding the entries (`<dir>/builds`). */
  readonly entriesDir: string;
  /** Why the last load() returned null ("miss", or what was wrong with the entry). */
  lastReason: string | undefined;

  constructor(readonly dir: string = defaultCacheDir()) {
    this.entriesDir = join(dir, "builds");
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
    // the key leaves the data folder out (the archive identity stands for it), so report the caller's
    if (r.data && overrides.path !== undefined) r.data.options.path = overrides.path;
    return r.data;
  }

  /** Like load(), returning why there is no data. */
  async loadWithReason(key: string): Promise<CacheLoadResult> {
    const path = this.entryPath(key);
    await this.removeLeftOverTemps().catch(() => 0);
    try {
      await stat(path);
    } catch {
      return { data: null, reason: "miss" };
    }
    try {
      const view = await loadDatasetExport(path, { verifyCrc: true });
      try {
        const record = view.manifest.cache as { key?: unknown; format?: unknown } | undefined;
        if (!record || record.key !== key)
          throw new CacheError(`entry records key ${JSON.stringify(record?.key)}, not its file name`);
        if (record.format !== CACHE_FORMAT_VERSION)
          throw new CacheError(
            `entry has cache format ${JSON.stringify(record.format)}, expected ${CACHE_FORMAT_VERSION}`,
          );
        return { data: await view.load() };
      } finally {
        await view.close();
      }
    } catch (e) {
      await unlink(path).catch(() => {});
      return { data: null, reason: `corrupt cache entry ${path} removed: ${message(e)}` };
    }
  }

  /**
   * Stores `data` under `key`, atomically (temp file + rename): readers see
   * the old entry or the complete new one, and concurrent stores of the same
   * key each rename a complete file, the last one winning.
   */
  async store(key: string, data: DatasetData): Promise<void> {
    const path = this.entryPath(key);
    await mkdir(this.entriesDir, { recursive: true });
    await this.removeLeftOverTemps();
    await writeDatasetNpz(data, path, {
      compress: false,
      manifestExtra: { cache: { key, format: CACHE_FORMAT_VERSION, created_at: new Date().toISOString() } },
    });
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
        const view = await openDatasetExport(path, { verifyCrc: false });
        try {
          summary = summarizeManifest(view.manifest);
          const rec = view.manifest.cache as { created_at?: unknown } | undefined;
          if (typeof rec?.created_at === "string" && !Number.isNaN(Date.parse(rec.created_at)))
            createdAt = new Date(rec.created_at);
        } finally {
          await view.close();
        }
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
    const names = await this.entryDirNames();
    let removed = 0;
    const now = Date.now();
    for (const name of names) {
      if (!isNpzTempName(name)) continue;
      const path = join(this.entriesDir, name);
      try {
        const st = await stat(path);
        if (isLeftOver(name, st.mtimeMs, olderThanMs, now)) {
          await rm(path, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }
}
