// A streaming .npz writer over yazl: each array is written as one `<name>.npy`
// member (stored or deflated), its data streamed in slices so a large dataset
// never sits twice in memory. The zip goes to `<path>.tmp-<pid>-<rand>` in the
// same folder (registered in src/temp-files.ts, so an interrupted process
// removes it, and a dead one's is recognised by its pid) and is renamed into
// place only after a complete, fsynced write; any failure (a full disk
// included) removes the temp file and leaves a previous file untouched.

import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import yazl from "yazl";
import { removeTrackedTemps, tempName, tempOwner, trackTemp, untrackTemp } from "../temp-files.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { ExportError } from "./errors.js";
import { encodeNpyHeader, npyDataLength } from "./npy.js";

export { ExportError } from "./errors.js";

/** Slice size when streaming an in-memory array into the zip. */
const SLICE_BYTES = 4 << 20;

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
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class NpzWriter {
  readonly path: string;
  readonly tempPath: string;
  private readonly compressionLevel: number;
  private readonly mtime: Date;
  private readonly zip = new yazl.ZipFile();
  private readonly handle: Promise<FileHandle>;
  private readonly pump: Promise<void>;
  private readonly failure: Promise<never>;
  private fail!: (e: unknown) => void;
  private failed: unknown = undefined;
  private readonly names = new Set<string>();
  private state: "open" | "closing" | "closed" | "aborted" = "open";
  /** Bytes of array payload (headers excluded) handed to the zip so far. */
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
    this.mtime = opts.mtime ?? new Date();
    this.failure = new Promise<never>((_, reject) => {
      this.fail = (e: unknown) => {
        if (this.failed === undefined) this.failed = e ?? new Error("unknown failure");
        reject(this.failed);
      };
    });
    this.failure.catch(() => {});
    this.zip.on("error", (e: unknown) => this.fail(e));
    this.handle = open(this.tempPath, "wx");
    this.handle.catch((e) => this.fail(e));
    this.pump = this.runPump();
    this.pump.catch((e) => this.fail(e));
  }

  /** Starts writing `path` (through a temp file next to it). */
  static create(path: string, opts: NpzWriterOptions = {}): NpzWriter {
    return new NpzWriter(path, opts);
  }

  private async runPump(): Promise<void> {
    const fh = await this.handle;
    for await (const chunk of this.zip.outputStream as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        failPoint("npz-file-write");
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        if (bytesWritten <= 0) throw new Error("write returned 0 bytes");
        off += bytesWritten;
      }
    }
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

  /**
   * Adds one array as `<name>.npy`. `data` is the C-order payload in host
   * (little-endian) byte order, or a function returning its chunks. Resolves
   * once the zip has consumed the data; await it before reusing the buffer.
   */
  async add(name: string, dtype: string, shape: number[], data: NpzData): Promise<void> {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: cannot add ${JSON.stringify(name)}: the writer is ${this.state}`);
    if (this.failed !== undefined)
      throw this.wrap(this.failed, `writing failed before adding ${JSON.stringify(name)}`);
    if (!/^[^/\\\0]+$/.test(name) || name === "." || name === "..")
      throw new ExportError(`${this.path}: invalid array name ${JSON.stringify(name)}`);
    if (this.names.has(name))
      throw new ExportError(`${this.path}: duplicate array name ${JSON.stringify(name)}`);
    const what = `array ${JSON.stringify(name)}`;
    const expected = npyDataLength(dtype, shape, `${this.path}: ${what}`);
    const header = encodeNpyHeader(dtype, shape);
    if (typeof data !== "function" && data.byteLength !== expected) {
      throw new ExportError(
        `${this.path}: ${what}: dtype ${dtype} shape (${shape.join(", ")}) needs ${expected} bytes, got ${data.byteLength}`,
      );
    }
    this.names.add(name);
    const path = this.path;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from(header.buffer, header.byteOffset, header.byteLength);
      if (typeof data === "function") {
        let seen = 0;
        for await (const c of data()) {
          seen += c.byteLength;
          if (seen > expected)
            throw new ExportError(
              `${path}: ${what}: the data source yielded more than the ${expected} bytes its shape needs`,
            );
          if (c.byteLength > 0) yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
        }
        if (seen !== expected)
          throw new ExportError(
            `${path}: ${what}: the data source yielded ${seen} bytes, its shape needs ${expected}`,
          );
      } else {
        const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        for (let off = 0; off < bytes.length; off += SLICE_BYTES)
          yield bytes.subarray(off, Math.min(bytes.length, off + SLICE_BYTES));
      }
    }
    const consumed = new Promise<void>((resolve, reject) => {
      this.zip.addReadStreamLazy(
        `${name}.npy`,
        { size: header.byteLength + expected, compressionLevel: this.compressionLevel, mtime: this.mtime },
        (cb) => {
          const stream = Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
          stream.on("error", (e) => {
            this.fail(e);
            reject(e);
          });
          stream.on("end", () => resolve());
          cb(null, stream);
        },
      );
    });
    try {
      await Promise.race([consumed, this.failure]);
    } catch (e) {
      throw this.wrap(e, `writing ${what}`);
    }
    this.bytesAdded += expected;
    await pausePoint("npz-write");
  }

  /** Finishes the zip, fsyncs it and renames it into place. On failure the temp file is removed and the error rethrown. */
  async close(): Promise<void> {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: close() on a writer that is ${this.state}`);
    this.state = "closing";
    try {
      if (this.failed !== undefined) throw this.failed;
      this.zip.end();
      await Promise.race([this.pump, this.failure]);
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

  /** Abandons the write: removes the temp file; any previous file at `path` is left as it was. */
  async abort(): Promise<void> {
    if (this.state === "closed" || this.state === "aborted") return;
    this.state = "aborted";
    this.fail(new ExportError(`${this.path}: write aborted`));
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    (this.zip.outputStream as Readable).destroy();
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
