// The intermediate-results cache, beside the build cache in the same folder
// (src/cache: `ac1 cache` lists and clears both). It sits below the dataset
// layer, so that the build's units can use it on any thread, the workers too:
// what a build computes per unit of work (src/dataset/units.ts) and reuses
// when only some options change, in `<dir>/intermediates/<kind>/<key>.bin`:
//   index  a Wehr stimulus file read for the index (its rate, length, reports);
//   clean  a session walked and cleaned up to the gating thresholds (every
//          repeat's gating statistics and binned products, cleanCell's
//          `complete` output): a gating-only change re-gates from it;
//   stim   a stim's tensor (spectrogram or waveform): a change to the
//          cleaning options reuses it;
//   deflated  an export member's deflated bytes, keyed by the digest of what
//          was deflated: a build whose arrays did not all change deflates
//          only those that did.
// This module knows nothing of what an entry means (src/dataset/intermediates.ts
// encodes and decodes them): it stores a header (JSON) and typed arrays, sealed
// with the SHA-256 of every byte before the seal (the entry format:
// src/store/intermediate-format.ts), writes through a temp file
// renamed into place (tracked by src/temp-files.ts: Ctrl-C leaves nothing;
// concurrent writers of one key each rename a complete file), checks every
// entry it reads (a damaged or foreign one is removed and is a miss), marks a
// hit by its mtime (unless it was set in the last ten minutes: the order of
// use within that span is not kept), and keeps the total under a byte budget by removing the
// least recently used entries (trim, after each build). Entries are read one
// at a time by the unit that needs them: nothing is held beyond that unit.

import { createHash } from "node:crypto";
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import { type FileHandle, mkdir, open, opendir, readdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CacheError } from "../errors.js";
import { readFullySync } from "../file-reads.js";
import { writevFullyAt } from "../file-writes.js";
import { MAX_INTERMEDIATE_ENTRY_BYTES } from "../limits.js";
import { isLeftOver, tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { envByteSize, markUsedSync, removeLeastRecentlyUsed } from "./bounds.js";
import { canonicalJson } from "./canonical-json.js";
import {
  decodeIntermediate,
  type EntrySink,
  encodeIntermediate,
  INTERMEDIATE_FORMAT_VERSION,
  INTERMEDIATE_KINDS,
  type IntermediateBlob,
  type IntermediateKind,
  SinkFailure,
  streamEntry,
} from "./intermediate-format.js";

/** Default bound on the intermediates' total size: 2 GiB. */
export const DEFAULT_INTERMEDIATE_MAX_BYTES = 2 * 1024 ** 3;

/** Environment variable overriding the bound ("0" turns the intermediate caches off). */
export const INTERMEDIATE_MAX_ENV = "AC1_CACHE_INTERMEDIATES_MAX";

/** Where a build keeps its intermediates, as plain data (it goes to worker threads). */
export interface IntermediateScope {
  /** The cache folder (the build cache's). */
  dir: string;
  /** Hex digest of the release's identity and the code version: every key includes it. */
  release: string;
}

export interface IntermediateKindInfo {
  kind: IntermediateKind;
  entries: number;
  bytes: number;
}

const KEY_RE = /^[0-9a-f]{64}$/;
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Entry writes one IntermediateCache runs at once (a build may start hundreds of stims together). */
const MAX_OPEN_ENTRIES = 16;
/** A hit on an entry last used (or written) longer ago than this marks it used now; a more recent one is left as it is. */
const MARK_AGAIN_AFTER_MS = 10 * 60 * 1000;
/** Entry files stat'ed between turns of the event loop when a kind is listed (trim, list, clear). */
const STATS_PER_TURN = 512;

/**
 * The bound on the intermediates' total size, bytes: AC1_CACHE_INTERMEDIATES_MAX
 * (a size such as 500M, 2G, 1.5GiB, or bytes; 0 turns them off), else 2 GiB.
 */
export function intermediateMaxBytes(env: Record<string, string | undefined> = process.env): number {
  return envByteSize(INTERMEDIATE_MAX_ENV, DEFAULT_INTERMEDIATE_MAX_BYTES, env);
}

/** The key of an entry: SHA-256 of a canonical JSON of its kind, the scope's release and what it depends on. */
export function intermediateKey(scope: IntermediateScope, kind: IntermediateKind, parts: unknown): string {
  const text = canonicalJson({ format: INTERMEDIATE_FORMAT_VERSION, kind, release: scope.release, parts });
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Opens an entry for reading without blocking: a FIFO or a device planted
 * under an entry's name would block a plain open (on the build's main
 * thread); the caller then finds it is not a regular file.
 */
function openEntry(path: string): number {
  return openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // (a close that fails after a read changes nothing read)
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class IntermediateCache {
  /** `<dir>/intermediates`. */
  readonly root: string;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Entries found damaged (and removed) by this instance, with why. */
  readonly removed: string[] = [];

  constructor(readonly dir: string) {
    this.root = join(dir, "intermediates");
  }

  /** The folder of each kind's entries. */
  kindFolders(): string[] {
    return INTERMEDIATE_KINDS.map((k) => join(this.root, k));
  }

  /** Whether any entry of any kind is stored (each folder is listed only until its first entry). */
  async hasEntries(): Promise<boolean> {
    for (const folder of this.kindFolders()) {
      let dir: import("node:fs").Dir;
      try {
        dir = await opendir(folder);
      } catch {
        continue; // no such folder yet
      }
      try {
        for (let e = await dir.read(); e !== null; e = await dir.read())
          if (e.name.endsWith(".bin")) return true;
      } finally {
        await dir.close().catch(() => {});
      }
    }
    return false;
  }

  private path(kind: IntermediateKind, key: string): string {
    if (!KEY_RE.test(key)) throw new CacheError(`invalid intermediate key ${JSON.stringify(key)}`);
    return join(this.root, kind, `${key}.bin`);
  }

  /**
   * The entry `key` of `kind`, checked; null on a miss. A damaged, foreign or
   * oversized entry is removed (see `removed`) and is a miss. A hit's mtime
   * is set to now (the least recently used go first when trimming).
   */
  async get(kind: IntermediateKind, key: string): Promise<IntermediateBlob | null> {
    const found = this.find(kind, key);
    return typeof found === "string" ? null : found;
  }

  /**
   * Like get, but says which miss: "miss" (no entry, or one that could not
   * be removed) or "damaged" (a bad entry, removed by this very call: a
   * caller counts its own removals, whatever other lookups do meanwhile).
   */
  find(kind: IntermediateKind, key: string): IntermediateBlob | "miss" | "damaged" {
    const found = this.withEntry(kind, key, (fd, size) => {
      const bytes = new Uint8Array(size); // its own buffer: 8-byte aligned, typed arrays view it in place
      const got = readFullySync(fd, bytes, 0, size, 0);
      if (got < size) throw new CacheError(`entry shrank while read (${got} of ${size} bytes)`);
      return decodeIntermediate(bytes, kind, key);
    });
    return typeof found === "string" ? found : found.value;
  }

  /** Runs `op` once fewer than MAX_OPEN_ENTRIES writes of this instance are under way (bounds open files). */
  private async limited<T>(op: () => Promise<T>): Promise<T> {
    while (this.active >= MAX_OPEN_ENTRIES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await op();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /**
   * The entry `key` of `kind` read through one reused buffer instead of into
   * memory of its own (a stim tensor bound for a spill file: fresh memory
   * costs a page fault per 4 KiB, more than the read): `sink.header` gets its
   * header, then `sink.bytes` its arrays' bytes in order, and the seal is
   * checked last, so the sink must not use what it was given unless the
   * answer is "hit". "miss": no such entry; "damaged": it was removed (see
   * `removed`). An error of the sink's own (a full disk), anything but a
   * CacheError from `sink.header`, is thrown as it is.
   */
  readStreamed(kind: IntermediateKind, key: string, sink: EntrySink): "hit" | "miss" | "damaged" {
    const found = this.withEntry(kind, key, (fd, size) => streamEntry(fd, size, kind, key, sink));
    return typeof found === "string" ? found : "hit";
  }

  /**
   * An entry is read on the calling thread, from open to close, with nothing
   * awaited meanwhile (so reads need no bound on open files): it is one
   * file, a few MB at most for all but the longest stims, mostly in the page
   * cache, and a build reads hundreds; through libuv's thread pool each call
   * cost a thread wakeup each way, more than the read (src/file-reads.ts).
   * `read(fd, size)` of the entry `key` of `kind`, a regular file within the
   * bound: "miss" when there is none; "damaged" when it is not a regular
   * file, is over the bound or `read` throws a CacheError (the entry is then
   * removed: dropFile); a SinkFailure is thrown as its error. A hit used
   * longer ago than MARK_AGAIN_AFTER_MS is marked used now.
   */
  private withEntry<T>(
    kind: IntermediateKind,
    key: string,
    read: (fd: number, size: number) => T,
  ): { value: T } | "miss" | "damaged" {
    const path = this.path(kind, key);
    let fd: number;
    try {
      fd = openEntry(path);
    } catch {
      return "miss";
    }
    let st: Stats | undefined;
    let value: T;
    try {
      st = fstatSync(fd);
      if (!st.isFile()) throw new CacheError("entry is not a regular file");
      if (st.size > MAX_INTERMEDIATE_ENTRY_BYTES)
        throw new CacheError(`entry of ${st.size} bytes is over the bound`);
      value = read(fd, st.size);
    } catch (e) {
      if (e instanceof SinkFailure) throw e.error;
      // (something that cannot be removed, a folder say, is a miss: storing the result then fails, and says why)
      return this.dropFile(path, st, e) ? "damaged" : "miss";
    } finally {
      closeQuietly(fd);
    }
    // A build reads hundreds of entries; one marked moments ago by another build need not be marked again.
    if (Date.now() - st.mtimeMs > MARK_AGAIN_AFTER_MS) markUsedSync(path);
    return { value };
  }

  /** Removes an entry found bad (the caller may also call it when the entry's content makes no sense); dropFile's answer. */
  async drop(path: string, why: unknown): Promise<boolean> {
    return this.dropFile(path, undefined, why);
  }

  /**
   * Removes the entry file found bad, `read` (fstat of the file read; none
   * if that failed, or for a removal by name), unless another file has
   * taken its name since: a build sharing the cache may have just renamed a
   * good entry into place. True (and listed in `removed`) when the bad file
   * is gone from under the name; false when it could not be removed (a
   * folder in an entry's place, a folder without write permission).
   */
  dropFile(path: string, read: Stats | undefined, why: unknown): boolean {
    try {
      if (read !== undefined) {
        const now = statSync(path);
        if (now.ino !== read.ino || now.dev !== read.dev) {
          this.removed.push(`${path}: ${message(why)}`);
          return true;
        }
      }
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return false;
    }
    this.removed.push(`${path}: ${message(why)}`);
    return true;
  }

  /** Removes the entry `key` of `kind` as damaged (its content did not decode); true when it is gone. */
  dropEntry(kind: IntermediateKind, key: string, why: unknown): Promise<boolean> {
    return this.drop(this.path(kind, key), why);
  }

  /**
   * Stores `blob` as the entry `key` of `kind`, atomically (temp file, then
   * rename). A failure is a CacheError naming the entry.
   */
  put(kind: IntermediateKind, key: string, blob: IntermediateBlob): Promise<void> {
    return this.limited(() => this.write(kind, key, blob)).catch((e: unknown) => {
      // (a system error's message repeats the paths: "EISDIR: illegal operation on a directory, rename 'a' -> 'b'")
      const why = message(e).replace(/, \w+ '.*$/s, "");
      const hint = (e as NodeJS.ErrnoException).code === "EISDIR" ? " (`ac1 cache clear` removes it)" : "";
      throw new CacheError(`cannot store ${this.path(kind, key)}: ${why}${hint}`, { cause: e });
    });
  }

  private async write(kind: IntermediateKind, key: string, blob: IntermediateBlob): Promise<void> {
    const path = this.path(kind, key);
    const parts = encodeIntermediate(kind, key, blob);
    const temp = tempName(path);
    trackTemp(temp);
    try {
      const fh = await this.create(kind, temp);
      try {
        // An entry is hundreds of arrays: written a writev at a time, not an array at a time.
        await writevFullyAt(fh, parts, 0);
      } finally {
        await fh.close();
      }
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true }).catch(() => {});
      throw e;
    } finally {
      untrackTemp(temp);
    }
  }

  /** Creates the file `temp` in `kind`'s folder, making the folder when it is not there (yet, or any more). */
  private async create(kind: IntermediateKind, temp: string): Promise<FileHandle> {
    try {
      return await open(temp, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      await mkdir(join(this.root, kind), { recursive: true });
      return await open(temp, "wx");
    }
  }

  /**
   * Entry files of one kind with their size and mtime (temp files aside);
   * `intruders` gets what is not a file under an entry's name (a folder).
   */
  private async entries(
    kind: IntermediateKind,
    intruders?: string[],
  ): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
    const folder = join(this.root, kind);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new CacheError(`cannot use the cache folder ${folder}: ${message(e)}`, { cause: e });
    }
    const out: { path: string; bytes: number; mtimeMs: number }[] = [];
    const now = Date.now();
    // Stat on this thread (each is microseconds from the inode cache; through
    // the thread pool each cost two thread wakeups), letting the event loop
    // run between batches: a kind may hold tens of thousands of entries.
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % STATS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const name = names[i] as string;
      const path = join(folder, name);
      let st: import("node:fs").Stats | undefined;
      try {
        st = statSync(path);
      } catch {
        continue; // removed meanwhile
      }
      const entryName = name.endsWith(".bin") && KEY_RE.test(name.slice(0, -4));
      if (!st.isFile()) {
        if (entryName) intruders?.push(path);
        continue;
      }
      if (entryName) out.push({ path, bytes: st.size, mtimeMs: st.mtimeMs });
      else if (isLeftOver(name, st.mtimeMs, STALE_TEMP_MS, now))
        await rm(path, { force: true }).catch(() => {});
    }
    return out;
  }

  /** Count and bytes of each kind's entries (leftover temp files of dead processes are removed on the way). */
  async list(): Promise<IntermediateKindInfo[]> {
    const out: IntermediateKindInfo[] = [];
    for (const kind of INTERMEDIATE_KINDS) {
      const list = await this.entries(kind);
      out.push({ kind, entries: list.length, bytes: list.reduce((a, e) => a + e.bytes, 0) });
    }
    return out;
  }

  /**
   * Removes the least recently used entries (oldest mtime first) until all
   * kinds together take at most `maxBytes`. Returns the number removed.
   */
  async trim(maxBytes: number): Promise<number> {
    const all = (await Promise.all(INTERMEDIATE_KINDS.map((k) => this.entries(k)))).flat();
    return removeLeastRecentlyUsed(all, maxBytes);
  }

  /**
   * Removes every entry (and leftover temps), and anything else under an
   * entry's name (a folder in its place, which no build can store over); a
   * write in progress elsewhere is left alone. Returns the entries removed.
   */
  async clear(): Promise<number> {
    let removed = 0;
    for (const kind of INTERMEDIATE_KINDS) {
      const intruders: string[] = [];
      for (const e of await this.entries(kind, intruders))
        await unlink(e.path).then(
          () => removed++,
          () => {},
        );
      for (const path of intruders)
        await rm(path, { recursive: true, force: true }).then(
          () => removed++,
          () => {},
        );
    }
    return removed;
  }
}
