// The intermediate-results cache, beside the build cache in the same folder
// (src/cache: `ac1 cache` lists and clears both). It sits below the dataset
// layer, so that the build's units can use it on any thread, the workers too:
// what a build computes per unit of work (src/dataset/stages.ts) and reuses
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
// with the SHA-256 of every byte before the seal, writes through a temp file
// renamed into place (tracked by src/temp-files.ts: Ctrl-C leaves nothing;
// concurrent writers of one key each rename a complete file), checks every
// entry it reads (a damaged or foreign one is removed and is a miss), marks a
// hit by its mtime (unless it was set in the last ten minutes: the order of
// use within that span is not kept), and keeps the total under a byte budget by removing the
// least recently used entries (trim, after each build). Entries are read one
// at a time by the unit that needs them: nothing is held beyond that unit.
//
// The file format (little-endian): "AC1IMD\0\1", u32 format, u32 header length
// H, the header (UTF-8 JSON: kind, key, array dtypes and lengths, the caller's
// data, with NaN, +-Infinity and -0 spelled out), padding to 8, each array's
// bytes padded to 8, then 32 bytes of SHA-256.

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
import { endianness } from "node:os";
import { join } from "node:path";
import { CacheError } from "../errors.js";
import { readFullySync } from "../file-reads.js";
import { writevFullyAt } from "../file-writes.js";
import { MAX_INTERMEDIATE_ENTRY_BYTES } from "../limits.js";
import { isLeftOver, tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { envByteSize, markUsedSync, removeLeastRecentlyUsed } from "./bounds.js";
import { canonicalJson } from "./canonical-json.js";

export const INTERMEDIATE_KINDS = ["index", "clean", "stim", "deflated"] as const;
export type IntermediateKind = (typeof INTERMEDIATE_KINDS)[number];

/** Bumped whenever the layout of an intermediate entry (or of what the dataset stores in it) changes. */
export const INTERMEDIATE_FORMAT_VERSION = 1;

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

export type IntermediateArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** What an entry holds: the caller's JSON-able header (non-finite numbers allowed) and its arrays. */
export interface IntermediateBlob {
  header: unknown;
  arrays: IntermediateArray[];
}

export interface IntermediateKindInfo {
  kind: IntermediateKind;
  entries: number;
  bytes: number;
}

const MAGIC = Uint8Array.from([0x41, 0x43, 0x31, 0x49, 0x4d, 0x44, 0x00, 0x01]); // "AC1IMD\0\1"
const SEAL_BYTES = 32;
const KEY_RE = /^[0-9a-f]{64}$/;
const DTYPES = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array } as const;
type Dtype = keyof typeof DTYPES;
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Entry writes one IntermediateCache runs at once (a build may start hundreds of stims together). */
const MAX_OPEN_ENTRIES = 16;
/** A hit on an entry last used (or written) longer ago than this marks it used now; a more recent one is left as it is. */
const MARK_AGAIN_AFTER_MS = 10 * 60 * 1000;
/** Entry files stat'ed between turns of the event loop when a kind is listed (trim, list, clear). */
const STATS_PER_TURN = 512;

/** How an entry's header names the dtype of an array it holds. */
export function intermediateDtypeOf(a: IntermediateArray): Dtype {
  if (a instanceof Float32Array) return "f4";
  if (a instanceof Float64Array) return "f8";
  if (a instanceof Int32Array) return "i4";
  return "u1";
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** JSON with NaN, +-Infinity and -0 kept (as {"$n": "..."}), so numbers come back bit for bit. */
function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== "number") return v;
    if (Number.isNaN(v)) return { $n: "NaN" };
    if (v === Number.POSITIVE_INFINITY) return { $n: "Infinity" };
    if (v === Number.NEGATIVE_INFINITY) return { $n: "-Infinity" };
    if (Object.is(v, -0)) return { $n: "-0" };
    return v;
  });
}

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-0": -0,
};

function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const n = (v as { $n?: unknown }).$n;
      if (keys.length === 1 && typeof n === "string" && n in SPECIAL) return SPECIAL[n];
    }
    return v;
  });
}

/** The bytes of an entry: header, arrays, seal. */
export function encodeIntermediate(
  kind: IntermediateKind,
  key: string,
  blob: IntermediateBlob,
): Uint8Array[] {
  const header = new TextEncoder().encode(
    encodeJson({
      kind,
      key,
      arrays: blob.arrays.map((a) => [intermediateDtypeOf(a), a.length]),
      data: blob.header,
    }),
  );
  const head = new Uint8Array(16 + header.length + pad8(16 + header.length));
  head.set(MAGIC, 0);
  const dv = new DataView(head.buffer);
  dv.setUint32(8, INTERMEDIATE_FORMAT_VERSION, true);
  dv.setUint32(12, header.length, true);
  head.set(header, 16);
  const parts: Uint8Array[] = [head];
  for (const a of blob.arrays) {
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const p = pad8(a.byteLength);
    if (p > 0) parts.push(new Uint8Array(p));
  }
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  parts.push(new Uint8Array(hash.digest()));
  return parts;
}

/** The blob of an entry's bytes (`bytes` must start 8-byte aligned); throws a CacheError saying what is wrong. */
export function decodeIntermediate(bytes: Uint8Array, kind: IntermediateKind, key: string): IntermediateBlob {
  if (bytes.byteOffset % 8 !== 0) throw new Error("decodeIntermediate: bytes must be 8-byte aligned");
  if (bytes.length < 16 + SEAL_BYTES) throw new CacheError(`entry too short (${bytes.length} bytes)`);
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) throw new CacheError("not an ac1 intermediate entry (bad magic)");
  const body = bytes.subarray(0, bytes.length - SEAL_BYTES);
  const seal = createHash("sha256").update(body).digest();
  if (!seal.equals(bytes.subarray(bytes.length - SEAL_BYTES)))
    throw new CacheError("entry content does not match its seal (SHA-256): damaged since it was stored");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const H = headerLength(dv, body.length);
  const { data, specs } = parseHeader(bytes.subarray(16, 16 + H), kind, key);
  let at = 16 + H + pad8(16 + H);
  const arrays: IntermediateArray[] = [];
  for (const { Ctor, length } of specs) {
    const n = length * Ctor.BYTES_PER_ELEMENT;
    if (at + n > body.length) throw new CacheError("entry arrays run past its end");
    arrays.push(new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, length));
    at += n + pad8(n);
  }
  if (at !== body.length) throw new CacheError("entry has bytes beyond its arrays");
  return { header: data, arrays };
}

/** The header's length H, from an entry's first 16 bytes (magic checked before); checks the format and that the header fits. */
function headerLength(dv: DataView, bodyBytes: number): number {
  const version = dv.getUint32(8, true);
  if (version !== INTERMEDIATE_FORMAT_VERSION)
    throw new CacheError(`entry has format ${version}, expected ${INTERMEDIATE_FORMAT_VERSION}`);
  const H = dv.getUint32(12, true);
  if (16 + H > bodyBytes) throw new CacheError("entry header runs past its end");
  return H;
}

/** An array as an entry's header lists it. */
interface ArraySpec {
  dtype: Dtype;
  Ctor: (typeof DTYPES)[Dtype];
  length: number;
}

/** The caller's data and the arrays an entry's header lists, checked against the entry's place. */
function parseHeader(
  text: Uint8Array,
  kind: IntermediateKind,
  key: string,
): { data: unknown; specs: ArraySpec[] } {
  const parsed = decodeJson(new TextDecoder().decode(text)) as {
    kind?: unknown;
    key?: unknown;
    arrays?: unknown;
    data?: unknown;
  };
  if (parsed === null || typeof parsed !== "object") throw new CacheError("entry header is not an object");
  if (parsed.kind !== kind || parsed.key !== key)
    throw new CacheError(`entry records ${String(parsed.kind)} ${String(parsed.key)}, not its place`);
  if (!Array.isArray(parsed.arrays)) throw new CacheError("entry header lists no arrays");
  const specs: ArraySpec[] = [];
  for (const spec of parsed.arrays as unknown[]) {
    const [dtype, length] = Array.isArray(spec) ? spec : [];
    const Ctor = typeof dtype === "string" && dtype in DTYPES ? DTYPES[dtype as Dtype] : undefined;
    if (Ctor === undefined || !Number.isSafeInteger(length) || (length as number) < 0)
      throw new CacheError("entry header has a malformed array");
    specs.push({ dtype: dtype as Dtype, Ctor, length: length as number });
  }
  return { data: parsed.data, specs };
}

/** What reading an entry through a stream (IntermediateCache.readStreamed) does with it. */
export interface EntrySink {
  /**
   * The entry's header data and its arrays' dtypes and lengths, before any
   * of their bytes; throws a CacheError if they are not what the caller
   * stored (the entry is then removed as damaged).
   */
  header(data: unknown, arrays: readonly { dtype: string; length: number }[]): void;
  /** The next bytes of array `index`, in order: a view of a reused buffer (copy what is kept). */
  bytes(index: number, chunk: Uint8Array): void;
}

/** Bytes read at a time by readStreamed: its one buffer, reused from entry to entry. */
const STREAM_CHUNK = 1 << 20;
let streamBuffer: Uint8Array | undefined;

/** Why the sink failed (not the entry): rethrown as it is. */
class SinkFailure {
  constructor(readonly error: unknown) {}
}

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

/** readStreamed's reading of an open entry of `size` bytes (within the bound: withEntry checks it): throws a CacheError for a bad entry, a SinkFailure for the sink's own. */
function streamEntry(fd: number, size: number, kind: IntermediateKind, key: string, sink: EntrySink): void {
  if (size < 16 + SEAL_BYTES) throw new CacheError(`entry too short (${size} bytes)`);
  if (streamBuffer === undefined) streamBuffer = new Uint8Array(STREAM_CHUNK);
  const buf = streamBuffer;
  const bodyEnd = size - SEAL_BYTES;
  const hash = createHash("sha256");
  let at = 0;
  /** The next n <= STREAM_CHUNK bytes, hashed. */
  const next = (n: number): Uint8Array => {
    const got = readFullySync(fd, buf, 0, n, at);
    if (got < n) throw new CacheError(`entry shrank while read (${at + got} of ${size} bytes)`);
    at += n;
    const chunk = buf.subarray(0, n);
    hash.update(chunk);
    return chunk;
  };
  const head = next(16);
  for (let i = 0; i < MAGIC.length; i++)
    if (head[i] !== MAGIC[i]) throw new CacheError("not an ac1 intermediate entry (bad magic)");
  const H = headerLength(new DataView(head.buffer, head.byteOffset, 16), bodyEnd);
  const text = new Uint8Array(H);
  if (readFullySync(fd, text, 0, H, at) < H) throw new CacheError("entry shrank while read");
  hash.update(text);
  at += H;
  const { data, specs } = parseHeader(text, kind, key);
  next(pad8(at));
  let total = at;
  for (const { Ctor, length } of specs)
    total += length * Ctor.BYTES_PER_ELEMENT + pad8(length * Ctor.BYTES_PER_ELEMENT);
  if (total > bodyEnd) throw new CacheError("entry arrays run past its end");
  if (total !== bodyEnd) throw new CacheError("entry has bytes beyond its arrays");
  try {
    sink.header(
      data,
      specs.map(({ dtype, length }) => ({ dtype, length })),
    );
  } catch (e) {
    // A CacheError says the entry is not what the caller stored; anything else is the sink's own.
    throw e instanceof CacheError ? e : new SinkFailure(e);
  }
  for (let i = 0; i < specs.length; i++) {
    const { Ctor, length } = specs[i] as ArraySpec;
    const n = length * Ctor.BYTES_PER_ELEMENT;
    for (let done = 0; done < n; ) {
      const chunk = next(Math.min(STREAM_CHUNK, n - done));
      done += chunk.length;
      try {
        sink.bytes(i, chunk);
      } catch (e) {
        throw new SinkFailure(e);
      }
    }
    next(pad8(n));
  }
  const seal = new Uint8Array(SEAL_BYTES);
  if (readFullySync(fd, seal, 0, SEAL_BYTES, at) < SEAL_BYTES)
    throw new CacheError("entry shrank while read");
  if (!Buffer.from(seal).equals(hash.digest()))
    throw new CacheError("entry content does not match its seal (SHA-256): damaged since it was stored");
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
    const found = this.withEntry(kind, key, (fd, size) => {
      const bytes = new Uint8Array(size); // its own buffer: 8-byte aligned, typed arrays view it in place
      const got = readFullySync(fd, bytes, 0, size, 0);
      if (got < size) throw new CacheError(`entry shrank while read (${got} of ${size} bytes)`);
      return decodeIntermediate(bytes, kind, key);
    });
    return typeof found === "string" ? null : found.value;
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
      this.dropFile(path, st, e);
      return "damaged";
    } finally {
      closeQuietly(fd);
    }
    // A build reads hundreds of entries; one marked moments ago by another build need not be marked again.
    if (Date.now() - st.mtimeMs > MARK_AGAIN_AFTER_MS) markUsedSync(path);
    return { value };
  }

  /** Removes an entry found bad (the caller may also call it when the entry's content makes no sense). */
  async drop(path: string, why: unknown): Promise<void> {
    this.dropFile(path, undefined, why);
  }

  /**
   * Removes the entry file found bad, `read` (fstat of the file read; none
   * if that failed, or for a removal by name), unless another file has
   * taken its name since: a build sharing the cache may have just renamed a
   * good entry into place.
   */
  dropFile(path: string, read: Stats | undefined, why: unknown): void {
    this.removed.push(`${path}: ${message(why)}`);
    try {
      if (read !== undefined) {
        const now = statSync(path);
        if (now.ino !== read.ino || now.dev !== read.dev) return;
      }
      unlinkSync(path);
    } catch {
      // gone already (or not ours to remove)
    }
  }

  /** Removes the entry `key` of `kind` as damaged (its content did not decode). */
  dropEntry(kind: IntermediateKind, key: string, why: unknown): Promise<void> {
    return this.drop(this.path(kind, key), why);
  }

  /** Stores `blob` as the entry `key` of `kind`, atomically (temp file, then rename). */
  put(kind: IntermediateKind, key: string, blob: IntermediateBlob): Promise<void> {
    return this.limited(() => this.write(kind, key, blob));
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

  /** Entry files of one kind with their size and mtime (temp files aside). */
  private async entries(kind: IntermediateKind): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
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
      if (!st.isFile()) continue;
      if (name.endsWith(".bin") && KEY_RE.test(name.slice(0, -4)))
        out.push({ path, bytes: st.size, mtimeMs: st.mtimeMs });
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

  /** Removes every entry (and leftover temps); a write in progress elsewhere is left alone. Returns the entries removed. */
  async clear(): Promise<number> {
    let removed = 0;
    for (const kind of INTERMEDIATE_KINDS)
      for (const e of await this.entries(kind))
        await unlink(e.path).then(
          () => removed++,
          () => {},
        );
    return removed;
  }
}

/** Whether typed arrays here are little-endian, as entries store them (else the caches stay off). */
export const INTERMEDIATES_SUPPORTED = endianness() === "LE";
