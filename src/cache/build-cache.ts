// The persistent build cache: each built dataset is kept as the export
// `ac1 build` writes for it (compressed ac1-npz, without a split) in
// `<dir>/builds/<key>.npz`, sealed: the zip's end record carries the entry's
// record (key, cache format, creation time, summary and the SHA-256 of every
// byte before it), so one file holds the entry and its proof, and a rename
// puts both in place at once. A hit in `ac1 build` is then a copy: the stored
// members as they are, the manifest rewritten for this load's data folder
// and split (exportTo), checked against the SHA-256 while it is copied
// (without decoding an array; the copy goes into place only if it passes).
// Entries are written through a temp file and renamed into place, so a crash
// or a concurrent build never leaves a partial entry under the final name.
// The temp file is removed at once when the process is interrupted
// (src/temp-files.ts); one left by a process that was killed outright carries
// its dead owner's pid and is swept by the next load, store or `ac1 cache
// clear`. A corrupt, unsealed or stale entry is deleted and reported, never
// trusted. The SHA-256 covers every byte, so any damage since the store is
// caught; the members' CRC-32s are not checked again on a hit (that would
// cost a full inflate, ~100 ms on a 20 MB export). The cache folder is
// trusted as the installed code is: an entry forged with a matching SHA-256
// could as well carry matching CRCs.
// The entries are bounded in total size (AC1_CACHE_BUILDS_MAX, default
// 8 GiB: several exports of the whole release): after each store the least
// recently used go (src/store/bounds.ts, the rule the intermediates use too);
// a hit marks its entry used.

import { createHash } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { defaultCacheDir } from "../archive/location.js";
import type { DatasetData, DatasetShapes, LazyDataset } from "../dataset/model.js";
import { CacheError } from "../errors.js";
import { copyExport } from "../export/copy.js";
import type { ExportManifest } from "../export/manifest.js";
import type { DeflateMemo } from "../export/member-encoding.js";
import { envByteSize, markUsed, removeLeastRecentlyUsed, type SizedFile } from "../store/bounds.js";
import { removeLeftOverTempsIn } from "../temp-files.js";
import { readFully } from "../zip/byte-source.js";
import { EOCD_BYTES, MAX_ZIP_COMMENT_BYTES, zipComment } from "../zip/records.js";
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

/** What exportTo did: the manifest it wrote, or why there was nothing to copy (the entry, if invalid, is removed). */
export type CacheExportResult =
  | { manifest: ExportManifest; reason?: undefined }
  | { manifest: null; reason: string };

/** The record a sealed entry carries in its zip comment. */
interface EntryRecord {
  format: typeof RECORD_FORMAT;
  version: number;
  key: string;
  created_at: string;
  /** One line (summarizeManifest). */
  summary: string;
  /** SHA-256 (hex) of every byte of the entry before its end record. */
  sha256: string;
}

const RECORD_FORMAT = "ac1-build-cache";

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

/** Bytes at the end of a file of `size` bytes that hold its end record and zip comment (the entry's record). */
function tailBytes(size: number): number {
  return Math.min(size, EOCD_BYTES + MAX_ZIP_COMMENT_BYTES);
}

/** The last tailBytes(size) bytes of the file at `path` (fewer if it is shorter than `size` by now). */
async function tailOf(path: string, size: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(tailBytes(size));
    return buf.subarray(0, await readFully(fh, buf, 0, buf.length, size - buf.length));
  } finally {
    await fh.close();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A one-line description of a dataset from its export manifest. */
export function summarizeManifest(m: ExportManifest): string {
  const o = m.options as unknown as Record<string, unknown>;
  return summaryLine(m.neurons.length, m.stims.length, m.audio_fs, m.dt_ms, o.experimenter, o.sites);
}

/** summarizeManifest of the export of `data`. */
export function summarizeData(d: DatasetShapes): string {
  return summaryLine(
    d.neuronMeta.length,
    d.stims.length,
    d.audioFs,
    d.dtMs,
    d.options.experimenter,
    d.options.sites,
  );
}

function summaryLine(
  neurons: number,
  stims: number,
  audioFs: number | null,
  dtMs: number,
  experimenters: unknown,
  sites: unknown,
): string {
  const mode = audioFs === null ? "spectrogram" : `waveform ${audioFs} Hz`;
  const list = (v: unknown) => (Array.isArray(v) ? v.join(",") : "?");
  return `${neurons} neurons, ${stims} stims, ${mode}, dt ${dtMs} ms, ${list(experimenters)} ${list(sites)}`;
}

/** The zip comment that seals an entry stored under `key`. */
function sealOf(key: string, summary: () => string): (sha256: string) => string {
  return (sha256) => {
    const record: EntryRecord = {
      format: RECORD_FORMAT,
      version: CACHE_FORMAT_VERSION,
      key,
      created_at: new Date().toISOString(),
      summary: summary(),
      sha256,
    };
    return JSON.stringify(record);
  };
}

/** The record in a sealed entry's zip comment (`bytes`: the whole file, or its tail), undefined when there is none. */
function recordOf(bytes: Uint8Array): { record: Partial<EntryRecord>; bodyBytes: number } | undefined {
  const sealed = zipComment(bytes);
  if (sealed === undefined || sealed.comment.length === 0) return undefined;
  try {
    const record = JSON.parse(new TextDecoder().decode(sealed.comment)) as Partial<EntryRecord>;
    if (record === null || typeof record !== "object" || record.format !== RECORD_FORMAT) return undefined;
    return { record, bodyBytes: sealed.endRecordAt };
  } catch {
    return undefined;
  }
}

/**
 * The record of the entry stored under `key` whose last bytes (`tail`) of
 * `size` are given, checked against the key and the cache format: the
 * SHA-256 it records and how many bytes from the start that covers.
 */
function checkedRecord(key: string, tail: Uint8Array, size: number): { sha256: unknown; bodyBytes: number } {
  const sealed = recordOf(tail);
  if (sealed === undefined) throw new CacheError("entry carries no cache record (not sealed by ac1)");
  const { record } = sealed;
  if (record.key !== key)
    throw new CacheError(`entry records key ${JSON.stringify(record.key)}, not its file name`);
  if (record.version !== CACHE_FORMAT_VERSION)
    throw new CacheError(
      `entry has cache format ${JSON.stringify(record.version)}, expected ${CACHE_FORMAT_VERSION}`,
    );
  return { sha256: record.sha256, bodyBytes: size - tail.length + sealed.bodyBytes };
}

function damaged(): CacheError {
  return new CacheError("entry content does not match its record (SHA-256): damaged since it was stored");
}

/** Bytes read per call when an entry is checked (each slice is hashed while the next is read). */
const READ_SLICE_BYTES = 1 << 20;

/**
 * Checks the entry `key` open as `fh` (`size` bytes) against the record it
 * carries: its key, its cache format and the SHA-256 of its content. The
 * tail is read first (the record, and so how many bytes the SHA-256
 * covers), then the rest through two reused slices, each hashed while the
 * next is read (bounded memory at any size). Throws a CacheError saying
 * what is wrong.
 */
async function checkEntry(fh: FileHandle, key: string, size: number): Promise<void> {
  const end = size - tailBytes(size);
  const slices = [0, 1].map(() => new Uint8Array(Math.min(READ_SLICE_BYTES, end)));
  const readAt = async (into: Uint8Array, at: number): Promise<Uint8Array> => {
    if ((await readFully(fh, into, 0, into.length, at)) < into.length)
      throw new CacheError(`entry ends before its ${size} bytes`);
    return into;
  };
  // the slice of the body from `at` (READ_SLICE_BYTES, or up to `end`), into reused slice k
  const sliceAt = (at: number, k: number) =>
    readAt((slices[k] as Uint8Array).subarray(0, Math.min(READ_SLICE_BYTES, end - at)), at);
  const tail = await readAt(new Uint8Array(size - end), end);
  const { sha256, bodyBytes } = checkedRecord(key, tail, size);
  const hash = createHash("sha256");
  let at = 0;
  let k = 0;
  let next = end > 0 ? sliceAt(0, k) : null;
  while (next !== null) {
    const got = await next;
    at += got.length;
    k ^= 1;
    next = at < end ? sliceAt(at, k) : null;
    // (a failed read is awaited at the next turn; hashing never throws)
    hash.update(got);
  }
  // the body ends in the tail, at the end record
  hash.update(tail.subarray(0, bodyBytes - end));
  if (hash.digest("hex") !== sha256) throw damaged();
}

/** Default bound on the builds' total size: 8 GiB. */
export const DEFAULT_BUILDS_MAX_BYTES = 8 * 1024 ** 3;

/** Environment variable overriding the bound ("0" keeps no build). */
export const BUILDS_MAX_ENV = "AC1_CACHE_BUILDS_MAX";

/**
 * The bound on the builds' total size, bytes: AC1_CACHE_BUILDS_MAX (a size
 * such as 500M, 20G, or bytes; 0 keeps none), else 8 GiB.
 */
export function buildsMaxBytes(env: Record<string, string | undefined> = process.env): number {
  return envByteSize(BUILDS_MAX_ENV, DEFAULT_BUILDS_MAX_BYTES, env);
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
