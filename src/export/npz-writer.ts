/// <reference types="node" />
// The .npz writer: each array is one `<name>.npy` member (stored or
// deflated), written in the order the arrays are added, with the zip's
// records from src/zip/records.ts. Several add() calls may be outstanding:
// each member given as an array starts deflating at once on libuv's thread
// pool (so members compress in parallel, on every core) and is written when
// its turn comes; a member given as a stream of chunks is deflated as it is
// written. Members copied from another .npz as they are stored there
// (addEncoded: deflated bytes, CRC-32 and size) make a cache hit a copy
// rather than a re-encode. The
// zip goes to `<path>.tmp-<pid>-<rand>` in the same folder (registered in
// src/temp-files.ts, so an interrupted process removes it, and a dead one's
// is recognised by its pid) and is renamed into place only after a complete,
// fsynced write; any failure (a full disk included) removes the temp file
// and leaves a previous file untouched.

// (The reference above: the viewer's browser type check reaches this module
// through src/viewer/api-types.ts -> evaluation -> export; yazl's typings used
// to bring Node's types in with them.)
import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname } from "node:path";
import { createDeflateRaw } from "node:zlib";
import { removeTrackedTemps, tempName, tempOwner, trackTemp, untrackTemp } from "../temp-files.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { crc32 } from "../zip/crc32.js";
import { centralDirectory, dosDateTime, localHeader, type WrittenEntry } from "../zip/records.js";
import { ExportError } from "./errors.js";
import { encodeNpyHeader, npyDataLength } from "./npy.js";

export type { WrittenEntry } from "../zip/records.js";
export { ExportError } from "./errors.js";

/** Most bytes handed to one write() call. */
const WRITE_BYTES = 4 << 20;
/** Smaller writes (headers, small members) are gathered up to this size and written together. */
const GATHER_BYTES = 1 << 20;
/** ... and up to this many of them (one writev each, below the usual IOV_MAX of 1024). */
const GATHER_CHUNKS = 512;
/** Output chunk of the deflate streams: large, so a member takes few round trips to the thread pool. */
const DEFLATE_CHUNK = 1 << 20;

/**
 * Removes, synchronously, the temp files of every write still in progress in
 * this process (and every other registered temp, src/temp-files.ts). For a
 * signal handler about to exit: a target file is never touched.
 */
export function removeUnfinishedNpzFiles(): void {
  removeTrackedTemps();
}

export type NpzData = ArrayBufferView | (() => AsyncIterable<Uint8Array>);

export interface NpzWriterOptions {
  /** Deflate the members (default true, like numpy.savez_compressed); false stores them. */
  compress?: boolean;
  /** Deflate level 1 (fastest) to 9 (smallest); default 6, numpy's (zlib's) default. */
  compressionLevel?: number;
  /** Modification time stamped on every member (default: now). */
  mtime?: Date;
  /**
   * Seals the file: the zip's end record gets the comment this returns,
   * given the SHA-256 (hex) of every byte before that record (members and
   * central directory). For files that must prove intact later (the build
   * cache's entries); at most 65535 bytes of UTF-8.
   */
  seal?: (bodySha256: string) => string;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A member's bytes once compressed (or stored): what its turn writes. */
interface Encoded {
  chunks: Uint8Array[];
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  method: number;
}

/** Deflates `parts` (one member's bytes, in order) on the thread pool; CRC-32 over them on this thread. */
function deflateParts(parts: readonly Uint8Array[], level: number): Promise<Encoded> {
  return new Promise<Encoded>((resolve, reject) => {
    const z = createDeflateRaw({ level, chunkSize: DEFLATE_CHUNK });
    const chunks: Uint8Array[] = [];
    let compressedSize = 0;
    z.on("data", (c: Buffer) => {
      chunks.push(c);
      compressedSize += c.length;
    });
    z.on("error", reject);
    let crc = 0;
    let size = 0;
    for (const p of parts) {
      crc = crc32(p, crc);
      size += p.byteLength;
    }
    z.on("end", () => resolve({ chunks, crc32: crc, compressedSize, uncompressedSize: size, method: 8 }));
    for (const p of parts) z.write(p);
    z.end();
  });
}

function storeParts(parts: readonly Uint8Array[]): Encoded {
  let crc = 0;
  let size = 0;
  for (const p of parts) {
    crc = crc32(p, crc);
    size += p.byteLength;
  }
  return { chunks: [...parts], crc32: crc, compressedSize: size, uncompressedSize: size, method: 0 };
}

export class NpzWriter {
  readonly path: string;
  readonly tempPath: string;
  private readonly compressionLevel: number;
  private readonly time: { dosTime: number; dosDate: number };
  private readonly handle: Promise<FileHandle>;
  /** The members written so far and being written, in order: each add() chains onto it. */
  private chain: Promise<void>;
  private readonly failure: Promise<never>;
  private fail!: (e: unknown) => void;
  private failed: unknown = undefined;
  private readonly names = new Set<string>();
  private readonly entries: WrittenEntry[] = [];
  /** Bytes written to the file so far, gathered ones included (where the next record starts). */
  private offset = 0;
  /** Small writes not yet in the file: they end at `offset`. */
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  /** With `seal`: the SHA-256 of the bytes appended so far, in file order (null once a header was patched). */
  private hash: Hash | null = null;
  private readonly seal: ((bodySha256: string) => string) | undefined;
  private state: "open" | "closing" | "closed" | "aborted" = "open";
  /** Bytes of array payload (headers excluded) written so far. */
  bytesAdded = 0;

  private constructor(path: string, opts: NpzWriterOptions) {
    if (endianness() !== "LE") throw new ExportError("npz writer: big-endian hosts are not supported");
    this.path = path;
    this.tempPath = tempName(path);
    trackTemp(this.tempPath);
    const level = opts.compressionLevel ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9)
      throw new ExportError(`npz writer: compressionLevel must be an integer 1..9, got ${level}`);
    this.compressionLevel = (opts.compress ?? true) ? level : 0;
    this.time = dosDateTime(opts.mtime ?? new Date());
    this.seal = opts.seal;
    if (this.seal) this.hash = createHash("sha256");
    this.failure = new Promise<never>((_, reject) => {
      this.fail = (e: unknown) => {
        if (this.failed === undefined) this.failed = e ?? new Error("unknown failure");
        reject(this.failed);
      };
    });
    this.failure.catch(() => {});
    this.handle = open(this.tempPath, "wx+");
    this.handle.catch((e) => this.fail(e));
    this.chain = this.handle.then(() => undefined);
    this.chain.catch(() => {});
  }

  /** Starts writing `path` (through a temp file next to it). */
  static create(path: string, opts: NpzWriterOptions = {}): NpzWriter {
    return new NpzWriter(path, opts);
  }

  private wrap(e: unknown, what: string): ExportError {
    if (e instanceof ExportError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      return new ExportError(
        `${this.path}: the disk is full (${code}); nothing was written there: free some space and try again`,
        { cause: e },
      );
    }
    return new ExportError(`${this.path}: ${what}: ${errorMessage(e)}`, { cause: e });
  }

  /** Appends `bytes` to the file: small ones are gathered and written together (flush). */
  private async write(bytes: Uint8Array): Promise<void> {
    // Test hook (AC1_TEST_FAIL_AT=npz-file-write...): each append counts as a write, gathered or not.
    failPoint("npz-file-write");
    this.hash?.update(bytes);
    if (bytes.byteLength < GATHER_BYTES) {
      this.gathered.push(bytes);
      this.gatheredBytes += bytes.byteLength;
      this.offset += bytes.byteLength;
      if (this.gatheredBytes >= GATHER_BYTES || this.gathered.length >= GATHER_CHUNKS) await this.flush();
      return;
    }
    await this.flush();
    await this.writeAt(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  /** Writes the gathered bytes (one writev; what a short write leaves, one slice at a time). */
  private async flush(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    const chunks = this.gathered;
    let at = this.offset - this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    const fh = await this.handle;
    let { bytesWritten } = await fh.writev(chunks, at);
    for (const c of chunks) {
      if (bytesWritten >= c.byteLength) {
        bytesWritten -= c.byteLength;
        at += c.byteLength;
        continue;
      }
      await this.writeAt(c.subarray(bytesWritten), at + bytesWritten);
      at += c.byteLength;
      bytesWritten = 0;
    }
  }

  /** Writes `bytes` at `position`, in slices. */
  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    const fh = await this.handle;
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(WRITE_BYTES, bytes.length - off);
      const { bytesWritten } = await fh.write(bytes, off, n, position + off);
      if (bytesWritten <= 0) throw new Error("write returned 0 bytes");
      off += bytesWritten;
    }
  }

  /** Runs `step` after every earlier member is written; the chain stops at the first failure. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => {
      if (this.failed !== undefined) throw this.failed;
      return step();
    });
    this.chain = run.catch((e) => {
      this.fail(e);
    });
    return run;
  }

  private checkOpen(name: string): void {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: cannot add ${JSON.stringify(name)}: the writer is ${this.state}`);
    if (this.failed !== undefined)
      throw this.wrap(this.failed, `writing failed before adding ${JSON.stringify(name)}`);
  }

  private claimName(member: string, what: string): void {
    if (this.names.has(member))
      throw new ExportError(`${this.path}: duplicate ${what} ${JSON.stringify(member)}`);
    this.names.add(member);
  }

  private entryOf(name: string, e: Omit<Encoded, "chunks">, flags = 0): WrittenEntry {
    return {
      name,
      method: e.method,
      crc32: e.crc32,
      compressedSize: e.compressedSize,
      uncompressedSize: e.uncompressedSize,
      flags,
      ...this.time,
      localHeaderOffset: this.offset,
    };
  }

  /** Writes one member whose bytes are ready. */
  private async writeEncoded(name: string, encoded: Encoded): Promise<void> {
    const entry = this.entryOf(name, encoded);
    await this.write(localHeader(entry));
    for (const c of encoded.chunks) await this.write(c);
    this.entries.push(entry);
  }

  /**
   * Writes one member whose bytes arrive as chunks: deflated as they come,
   * its local header written first with room for its sizes and rewritten
   * once they are known.
   */
  private async writeStreamed(
    name: string,
    header: Uint8Array,
    declaredSize: number,
    source: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const start = this.offset;
    const level = this.compressionLevel;
    let crc = crc32(header);
    let size = header.byteLength;
    let compressedSize = 0;
    // Placeholder sizes that give the header its final shape (zip64 or not): the declared size.
    const placeholder = this.entryOf(name, {
      crc32: 0,
      compressedSize: declaredSize,
      uncompressedSize: declaredSize,
      method: level > 0 ? 8 : 0,
    });
    const headerBytes = localHeader(placeholder).byteLength;
    await this.write(new Uint8Array(headerBytes));
    if (level === 0) {
      await this.write(header);
      compressedSize += header.byteLength;
      for await (const c of source) {
        crc = crc32(c, crc);
        size += c.byteLength;
        compressedSize += c.byteLength;
        await this.write(c);
      }
    } else {
      const z = createDeflateRaw({ level, chunkSize: DEFLATE_CHUNK });
      const out: Uint8Array[] = [];
      let error: unknown;
      z.on("data", (c: Buffer) => out.push(c));
      z.on("error", (e) => {
        error = e;
      });
      const drain = async () => {
        while (out.length > 0) {
          const c = out.shift() as Uint8Array;
          compressedSize += c.byteLength;
          await this.write(c);
        }
        if (error !== undefined) throw error;
      };
      const feed = (c: Uint8Array) =>
        new Promise<void>((res, rej) => z.write(c, (e) => (e ? rej(e) : res())));
      await feed(header);
      for await (const c of source) {
        crc = crc32(c, crc);
        size += c.byteLength;
        await feed(c);
        await drain();
      }
      await new Promise<void>((res) => z.end(res));
      await new Promise<void>((res, rej) => {
        if (z.readableEnded) res();
        else {
          z.once("end", res);
          z.once("error", rej);
        }
      });
      await drain();
    }
    const entry: WrittenEntry = {
      ...placeholder,
      crc32: crc,
      compressedSize,
      uncompressedSize: size,
      localHeaderOffset: start,
    };
    const final = localHeader(entry);
    if (final.byteLength !== headerBytes) {
      throw new ExportError(`${this.path}: member ${JSON.stringify(name)} outgrew its header (zip64 sizes)`);
    }
    await this.flush();
    await this.writeAt(final, start);
    this.entries.push(entry);
    // The hash saw the placeholder header: read the file back to seal it.
    if (this.seal) this.hash = null;
  }

  /**
   * Adds one array as `<name>.npy`. `data` is the C-order payload in host
   * (little-endian) byte order, or a function returning its chunks. Members
   * are written in the order of the add() calls; several may be outstanding
   * (an array's member is compressed at once, in parallel with the others).
   * Resolves once the member is written: until then the array must not
   * change.
   */
  async add(name: string, dtype: string, shape: number[], data: NpzData): Promise<void> {
    this.checkOpen(name);
    if (!/^[^/\\\0]+$/.test(name) || name === "." || name === "..")
      throw new ExportError(`${this.path}: invalid array name ${JSON.stringify(name)}`);
    const what = `array ${JSON.stringify(name)}`;
    const expected = npyDataLength(dtype, shape, `${this.path}: ${what}`);
    const header = encodeNpyHeader(dtype, shape);
    if (typeof data !== "function" && data.byteLength !== expected) {
      throw new ExportError(
        `${this.path}: ${what}: dtype ${dtype} shape (${shape.join(", ")}) needs ${expected} bytes, got ${data.byteLength}`,
      );
    }
    const member = `${name}.npy`;
    if (this.names.has(member))
      throw new ExportError(`${this.path}: duplicate array name ${JSON.stringify(name)}`);
    this.names.add(member);
    let step: () => Promise<void>;
    if (typeof data === "function") {
      const path = this.path;
      async function* checked(): AsyncGenerator<Uint8Array> {
        let seen = 0;
        for await (const c of (data as () => AsyncIterable<Uint8Array>)()) {
          seen += c.byteLength;
          if (seen > expected)
            throw new ExportError(
              `${path}: ${what}: the data source yielded more than the ${expected} bytes its shape needs`,
            );
          if (c.byteLength > 0) yield c;
        }
        if (seen !== expected)
          throw new ExportError(
            `${path}: ${what}: the data source yielded ${seen} bytes, its shape needs ${expected}`,
          );
      }
      step = () => this.writeStreamed(member, header, header.byteLength + expected, checked());
    } else {
      const parts = [header, bytesOf(data)];
      const encoded =
        this.compressionLevel > 0 ? deflateParts(parts, this.compressionLevel) : storeParts(parts);
      // A failure surfaces at its turn (or at close); never unhandled before that.
      if (encoded instanceof Promise) encoded.catch(() => {});
      step = async () => this.writeEncoded(member, await encoded);
    }
    try {
      await Promise.race([this.enqueue(step), this.failure]);
    } catch (e) {
      throw this.wrap(e, `writing ${what}`);
    }
    this.bytesAdded += expected;
    await pausePoint("npz-write");
  }

  /**
   * Adds one member whose whole content is `bytes` (an encoded .npy),
   * compressed as the writer's members are. Resolves once written.
   */
  async addMember(member: string, bytes: Uint8Array): Promise<void> {
    this.checkOpen(member);
    this.claimName(member, "member");
    const encoded =
      this.compressionLevel > 0 ? await deflateParts([bytes], this.compressionLevel) : storeParts([bytes]);
    try {
      await Promise.race([this.enqueue(() => this.writeEncoded(member, encoded)), this.failure]);
    } catch (e) {
      throw this.wrap(e, `writing ${JSON.stringify(member)}`);
    }
  }

  /**
   * Adds one member whose deflated (method 8) or stored (0) bytes are given,
   * with its CRC-32 and size. Resolves once written.
   */
  async addEncoded(
    member: string,
    encoded: { chunks: Uint8Array[]; crc32: number; uncompressedSize: number; method: number },
  ): Promise<void> {
    this.checkOpen(member);
    this.claimName(member, "member");
    let compressedSize = 0;
    for (const c of encoded.chunks) compressedSize += c.byteLength;
    try {
      await Promise.race([
        this.enqueue(() => this.writeEncoded(member, { ...encoded, compressedSize })),
        this.failure,
      ]);
    } catch (e) {
      throw this.wrap(e, `writing ${JSON.stringify(member)}`);
    }
  }

  /** Finishes the zip, fsyncs it and renames it into place. On failure the temp file is removed and the error rethrown. */
  async close(): Promise<void> {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: close() on a writer that is ${this.state}`);
    this.state = "closing";
    try {
      await this.chain;
      if (this.failed !== undefined) throw this.failed;
      const cdStart = this.offset;
      const records = centralDirectory(this.entries, cdStart);
      for (const b of records.slice(0, -1)) await this.write(b);
      if (this.seal) {
        await this.flush();
        const comment = new TextEncoder().encode(this.seal(await this.bodySha256()));
        await this.write(centralDirectory(this.entries, cdStart, comment).at(-1) as Uint8Array);
      } else {
        await this.write(records.at(-1) as Uint8Array);
      }
      await this.flush();
      const fh = await this.handle;
      await fh.sync();
      await fh.close();
      await pausePoint("npz-rename");
      await rename(this.tempPath, this.path);
      untrackTemp(this.tempPath);
      this.state = "closed";
    } catch (e) {
      await this.cleanup();
      this.state = "aborted";
      throw this.wrap(e, "writing the .npz failed");
    }
    await syncDir(dirname(this.path));
  }

  /** SHA-256 (hex) of the file written so far: from the running hash, or read back when a header was patched. */
  private async bodySha256(): Promise<string> {
    const running = this.hash;
    // What follows (the end record) is not part of the body.
    this.hash = null;
    if (running !== null) return running.digest("hex");
    const fh = await this.handle;
    const h = createHash("sha256");
    const buf = new Uint8Array(WRITE_BYTES);
    for (let at = 0; at < this.offset; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, this.offset - at), at);
      if (bytesRead <= 0) throw new Error(`${this.tempPath}: shorter than written`);
      h.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
    return h.digest("hex");
  }

  /** Abandons the write: removes the temp file; any previous file at `path` is left as it was. */
  async abort(): Promise<void> {
    if (this.state === "closed" || this.state === "aborted") return;
    this.state = "aborted";
    this.fail(new ExportError(`${this.path}: write aborted`));
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    // Let a write in progress settle before the handle closes.
    await this.chain.catch(() => {});
    try {
      const fh = await this.handle;
      await fh.close().catch(() => {});
    } catch {
      // the temp file was never opened
    }
    await unlink(this.tempPath).catch(() => {});
    untrackTemp(this.tempPath);
  }
}

/** Best-effort fsync of a folder so a rename survives a crash (not possible on every platform). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // not supported here (e.g. Windows); the rename itself is still atomic
  }
}

/** Whether a file name is a temp file left by an NpzWriter (a crashed or running write). */
export function isNpzTempName(name: string): boolean {
  return tempOwner(name) !== undefined;
}
