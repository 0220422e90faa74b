// One zip opened for random access: yauzl parses the central directory once
// (lazyEntries), every entry is validated up front (names and file types:
// checkEntryName; methods and sizes: sizeProblem), and members are then read
// by seeking straight to their data. Decompression, size enforcement and
// CRC-32 verification are done here (yauzl does not check CRCs), so a member
// is only ever returned or written whole and verified. Nothing is allocated
// from a declared size: compressed reads are bounded by the bytes present in
// the file, inflation by the declared size (itself bounded by the compressed
// size times the largest ratio deflate can reach).

import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import yauzl from "yauzl";
import { crc32 } from "./crc32.js";
import { ArchiveError, reasonOf } from "./errors.js";
import { readFully, readRange, WindowedFileReader } from "./file-reader.js";
import { checkEntryName } from "./paths.js";
import type { DirEntry } from "./source.js";
import { LOCAL_HEADER_BYTES, localDataStart } from "./zip-local-header.js";

const inflateRawAsync = promisify(zlib.inflateRaw) as (
  buf: Uint8Array,
  opts: zlib.ZlibOptions,
) => Promise<Buffer>;

/** Bounds that make a zip "absurd" (a zip bomb or garbage), and the in-memory read cap. */
export interface ZipLimits {
  /** Largest uncompressed/compressed ratio accepted for a deflated entry (deflate itself cannot exceed ~1032). */
  maxRatio: number;
  /** Largest declared uncompressed size of one entry, bytes. */
  maxEntryBytes: number;
  /** Largest declared uncompressed size of the whole zip, bytes. */
  maxTotalBytes: number;
  /** Largest number of central-directory entries. */
  maxEntries: number;
  /** Largest member read into memory by read() (ZipSource.readFile), bytes. */
  maxReadBytes: number;
}

const GiB = 1024 * 1024 * 1024;

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxRatio: 1100,
  maxEntryBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxEntries: 2_000_000,
  maxReadBytes: 2 * GiB - 1,
});

/** A validated member (file or folder) of a zip. */
export interface ZipMember {
  /** Path inside the zip, '/'-separated, no trailing '/'. */
  path: string;
  isDir: boolean;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The central-directory record; absent for folders implied by file paths. */
  entry?: yauzl.Entry;
}

export class ZipArchive {
  private bytes = 0;
  private closed = false;

  private constructor(
    /** Path of the zip file. */
    readonly zipPath: string,
    private readonly fh: FileHandle,
    private readonly zip: yauzl.ZipFile,
    /** Size of the zip file, bytes. */
    readonly sizeBytes: number,
    private readonly members: Map<string, ZipMember>,
    private readonly children: Map<string, DirEntry[]>,
    /** Files in central-directory order. */
    readonly files: readonly ZipMember[],
    /** Sum of the files' declared uncompressed sizes, bytes. */
    readonly totalUncompressedBytes: number,
    private readonly limits: ZipLimits,
  ) {}

  /** Opens and validates a zip. Throws an ArchiveError naming the zip (and entry) on anything unsafe or corrupt. */
  static async open(zipPath: string, limits: Partial<ZipLimits> = {}): Promise<ZipArchive> {
    const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
    let fh: FileHandle;
    try {
      fh = await open(zipPath, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new ArchiveError(`${zipPath}: zip not found`, { cause: e });
      throw new ArchiveError(`${zipPath}: cannot open zip: ${reasonOf(e)}`, { cause: e });
    }
    try {
      const sizeBytes = (await fh.stat()).size;
      let zip: yauzl.ZipFile;
      try {
        zip = await yauzl.fromRandomAccessReaderPromise(new WindowedFileReader(fh, sizeBytes), sizeBytes, {
          lazyEntries: true,
          autoClose: false,
          decodeStrings: false,
          validateEntrySizes: false,
        });
      } catch (e) {
        throw new ArchiveError(`${zipPath}: not a readable zip (truncated or corrupt?): ${reasonOf(e)}`, {
          cause: e,
        });
      }
      if (zip.entryCount > lim.maxEntries) {
        throw new ArchiveError(
          `${zipPath}: declares ${zip.entryCount} entries, more than the limit of ${lim.maxEntries}`,
        );
      }
      if (zip.entryCount * 46 > sizeBytes) {
        throw new ArchiveError(
          `${zipPath}: corrupt central directory: ${zip.entryCount} entries cannot fit in ${sizeBytes} bytes`,
        );
      }
      const entries = await readAllEntries(zip, zipPath);
      const { members, children, files, total } = indexEntries(entries, zipPath, sizeBytes, lim);
      return new ZipArchive(zipPath, fh, zip, sizeBytes, members, children, files, total, lim);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** The member at `path` (inside the zip, no trailing '/'); "" is the root folder. */
  member(path: string): ZipMember | undefined {
    return this.members.get(path);
  }

  /** Entries directly inside folder `dir` ("" is the root), sorted by name; undefined when no such folder. */
  list(dir: string): readonly DirEntry[] | undefined {
    return this.children.get(dir);
  }

  /** Compressed bytes read so far. */
  bytesRead(): number {
    return this.bytes;
  }

  /** "<zip>!<path>", for messages. */
  describe(path: string): string {
    return `${this.zipPath}!${path}`;
  }

  /** Reads one file member fully into memory, inflated and CRC-checked. */
  async read(path: string): Promise<Uint8Array> {
    const m = this.members.get(path);
    if (m === undefined) throw new ArchiveError(`${this.describe(path)}: no such file in the zip`);
    if (m.isDir) throw new ArchiveError(`${this.describe(path)}: is a folder, not a file`);
    if (m.uncompressedSize > this.limits.maxReadBytes) {
      throw new ArchiveError(
        `${this.describe(path)}: ${m.uncompressedSize} bytes is too large to read into memory (limit ${this.limits.maxReadBytes})`,
      );
    }
    const raw = await this.readCompressed(m);
    let data: Buffer;
    if (m.method === 0) {
      data = raw;
    } else {
      try {
        data = await inflateRawAsync(raw, {
          maxOutputLength: Math.max(1, m.uncompressedSize),
          chunkSize: Math.min(Math.max(m.uncompressedSize, 64 * 1024), 1 << 20),
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
          throw new ArchiveError(
            `${this.describe(path)}: inflates to more than its declared ${m.uncompressedSize} bytes (corrupt or zip bomb)`,
          );
        }
        throw new ArchiveError(`${this.describe(path)}: corrupt deflate data: ${reasonOf(e)}`, { cause: e });
      }
    }
    if (data.length !== m.uncompressedSize) {
      throw new ArchiveError(
        `${this.describe(path)}: inflates to ${data.length} bytes but declares ${m.uncompressedSize} (corrupt entry)`,
      );
    }
    const crc = crc32(data);
    if (crc !== m.crc32) throw new ArchiveError(crcMessage(this.describe(path), m.crc32, crc));
    return data;
  }

  /**
   * Streams one file member, inflated and verified (size and CRC-32), into
   * `dest`. An error is raised (and `dest` destroyed) as soon as the data
   * exceeds the declared size; short data or a CRC mismatch fail at the end.
   * `onBytes(n)` reports uncompressed bytes as they pass.
   */
  async copyTo(path: string, dest: Writable, onBytes?: (n: number) => void): Promise<void> {
    const m = this.members.get(path);
    if (m === undefined) throw new ArchiveError(`${this.describe(path)}: no such file in the zip`);
    if (m.isDir) throw new ArchiveError(`${this.describe(path)}: is a folder, not a file`);
    const start = await this.dataStart(m);
    const where = this.describe(path);
    const source = Readable.from(
      readRange(this.fh, start, m.compressedSize, (n) => (this.bytes += n), where),
      { objectMode: false },
    );
    const verify = new VerifyStream(m.uncompressedSize, m.crc32, where, onBytes);
    try {
      if (m.method === 0) await pipeline(source, verify, dest);
      else await pipeline(source, zlib.createInflateRaw(), verify, dest);
    } catch (e) {
      if (e instanceof ArchiveError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === "string" && code.startsWith("Z_")) {
        throw new ArchiveError(`${where}: corrupt deflate data: ${reasonOf(e)}`, { cause: e });
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.zip.close();
    await this.fh.close();
  }

  /**
   * The compressed bytes of a member, usually with one read covering the
   * local header and the data (the local name and extra field normally have
   * the lengths the central record gives; a second read handles the rest).
   */
  private async readCompressed(m: ZipMember): Promise<Buffer> {
    if (this.closed) throw new ArchiveError(`${this.describe(m.path)}: zip already closed`);
    const entry = m.entry!;
    const offset = entry.relativeOffsetOfLocalHeader;
    const guess = LOCAL_HEADER_BYTES + entry.fileNameLength + entry.extraFieldLength;
    const want = Math.max(0, Math.min(guess + m.compressedSize, this.sizeBytes - offset));
    const buf = Buffer.allocUnsafe(want);
    const got = await readFully(this.fh, buf, 0, want, offset);
    const start = this.checkLocalHeader(m, buf.subarray(0, Math.min(got, LOCAL_HEADER_BYTES)));
    const rel = start - offset;
    if (rel + m.compressedSize <= got) {
      this.bytes += m.compressedSize;
      return buf.subarray(rel, rel + m.compressedSize);
    }
    const raw = Buffer.allocUnsafe(m.compressedSize);
    const n = await readFully(this.fh, raw, 0, raw.length, start);
    this.bytes += n;
    if (n < raw.length)
      throw new ArchiveError(`${this.describe(m.path)}: unexpected end of zip at byte ${start + n}`);
    return raw;
  }

  /** Validates a member's 30-byte local header; returns the absolute offset of its data. */
  private checkLocalHeader(m: ZipMember, header: Buffer): number {
    const where = this.describe(m.path);
    const offset = m.entry!.relativeOffsetOfLocalHeader;
    if (header.length < LOCAL_HEADER_BYTES)
      throw new ArchiveError(`${where}: local header at byte ${offset} runs past the end of the zip`);
    const start = localDataStart(header, offset);
    if (start === undefined) {
      throw new ArchiveError(`${where}: corrupt zip: no local header signature at byte ${offset}`);
    }
    if (start + m.compressedSize > this.sizeBytes) {
      throw new ArchiveError(
        `${where}: data (${m.compressedSize} bytes at byte ${start}) runs past the end of the ${this.sizeBytes}-byte zip (truncated?)`,
      );
    }
    return start;
  }

  /** Offset of a member's data, from its local header (checked: signature, bounds). */
  private async dataStart(m: ZipMember): Promise<number> {
    if (this.closed) throw new ArchiveError(`${this.describe(m.path)}: zip already closed`);
    const header = Buffer.alloc(LOCAL_HEADER_BYTES);
    const n = await readFully(this.fh, header, 0, LOCAL_HEADER_BYTES, m.entry!.relativeOffsetOfLocalHeader);
    return this.checkLocalHeader(m, header.subarray(0, n));
  }
}
function crcMessage(where: string, stored: number, computed: number): string {
  const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
  return `${where}: CRC-32 mismatch (stored ${hex(stored)}, computed ${hex(computed)}): corrupt entry`;
}

/** Passes bytes through while enforcing the declared size and checking the CRC-32 at the end. */
class VerifyStream extends Transform {
  private count = 0;
  private crc = 0;
  constructor(
    private readonly declared: number,
    private readonly storedCrc: number,
    private readonly where: string,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.declared) {
      cb(
        new ArchiveError(
          `${this.where}: inflates to more than its declared ${this.declared} bytes (corrupt or zip bomb)`,
        ),
      );
      return;
    }
    this.crc = crc32(chunk, this.crc);
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.count !== this.declared) {
      cb(
        new ArchiveError(
          `${this.where}: inflates to ${this.count} bytes but declares ${this.declared} (corrupt entry)`,
        ),
      );
      return;
    }
    if (this.crc !== this.storedCrc) {
      cb(new ArchiveError(crcMessage(this.where, this.storedCrc, this.crc)));
      return;
    }
    cb();
  }
}

function readAllEntries(zip: yauzl.ZipFile, zipPath: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.once("end", () => resolve(entries));
    zip.once("error", (e: unknown) =>
      reject(
        new ArchiveError(
          `${zipPath}: corrupt central directory (after ${entries.length} entries): ${reasonOf(e)}`,
          {
            cause: e,
          },
        ),
      ),
    );
    zip.readEntry();
  });
}

/** Validates every entry and builds the path index and folder listings. */
function indexEntries(
  entries: yauzl.Entry[],
  zipPath: string,
  zipSize: number,
  lim: ZipLimits,
): { members: Map<string, ZipMember>; children: Map<string, DirEntry[]>; files: ZipMember[]; total: number } {
  const members = new Map<string, ZipMember>();
  const kids = new Map<string, Map<string, boolean>>();
  kids.set("", new Map());
  members.set("", { path: "", isDir: true, compressedSize: 0, uncompressedSize: 0, crc32: 0, method: 0 });
  const files: ZipMember[] = [];
  let total = 0;

  const addDir = (path: string, entry: yauzl.Entry | undefined, rawName: string) => {
    const existing = members.get(path);
    if (existing !== undefined) {
      if (!existing.isDir) throw entryError(zipPath, rawName, `"${path}" is both a file and a folder`);
      if (entry !== undefined && existing.entry === undefined) existing.entry = entry;
      return;
    }
    const slash = path.lastIndexOf("/");
    const parent = slash < 0 ? "" : path.slice(0, slash);
    if (parent !== "") addDir(parent, undefined, rawName);
    members.set(path, {
      path,
      isDir: true,
      compressedSize: 0,
      uncompressedSize: 0,
      crc32: 0,
      method: 0,
      entry,
    });
    kids.set(path, new Map());
    kids.get(parent)!.set(path.slice(slash + 1), true);
  };

  for (const entry of entries) {
    const rawName = yauzl.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true, // keep backslashes so they are refused, not silently rewritten
    );
    const checked = checkEntryName(rawName, entry.externalFileAttributes);
    if (typeof checked === "string") throw entryError(zipPath, rawName, `refused: ${checked}`);
    const { path, isDir } = checked;
    if (isDir) {
      addDir(path, entry, rawName);
      continue;
    }
    const problem = sizeProblem(entry, zipSize, lim);
    if (problem !== null) throw entryError(zipPath, rawName, problem);
    if (members.has(path)) {
      const other = members.get(path)!;
      throw entryError(zipPath, rawName, other.isDir ? "is both a file and a folder" : "duplicate entry");
    }
    const slash = path.lastIndexOf("/");
    const parent = slash < 0 ? "" : path.slice(0, slash);
    if (parent !== "") addDir(parent, undefined, rawName);
    const m: ZipMember = {
      path,
      isDir: false,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      crc32: entry.crc32 >>> 0,
      method: entry.compressionMethod,
      entry,
    };
    members.set(path, m);
    kids.get(parent)!.set(path.slice(slash + 1), false);
    files.push(m);
    total += entry.uncompressedSize;
    if (total > lim.maxTotalBytes) {
      throw new ArchiveError(
        `${zipPath}: declares more than ${lim.maxTotalBytes} uncompressed bytes in total (zip bomb?); refused`,
      );
    }
  }

  const children = new Map<string, DirEntry[]>();
  for (const [dir, names] of kids) {
    const list = [...names].map(([name, isDir]) => ({ name, isDir }));
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    children.set(dir, list);
  }
  return { members, children, files, total };
}

function entryError(zipPath: string, rawName: string, problem: string): ArchiveError {
  return new ArchiveError(`${zipPath}: entry ${JSON.stringify(rawName)}: ${problem}`);
}

/** Why a file entry's declared method/sizes are unacceptable, or null. */
function sizeProblem(entry: yauzl.Entry, zipSize: number, lim: ZipLimits): string | null {
  const { compressedSize: c, uncompressedSize: u, compressionMethod: method } = entry;
  if ((entry.generalPurposeBitFlag & 1) !== 0) return "encrypted entries are not supported";
  if (method !== 0 && method !== 8) return `unsupported compression method ${method}`;
  if (method === 0 && c !== u) return `stored entry declares ${u} bytes but holds ${c}`;
  if (u > lim.maxEntryBytes)
    return `declares ${u} bytes, more than the limit of ${lim.maxEntryBytes} (zip bomb?)`;
  if (method === 8 && u > Math.max(c, 1) * lim.maxRatio) {
    return `declares ${u} bytes from ${c} compressed bytes, a ratio above ${lim.maxRatio} (zip bomb?)`;
  }
  if (entry.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + c > zipSize) {
    return `data (${c} bytes at offset ${entry.relativeOffsetOfLocalHeader}) runs past the end of the ${zipSize}-byte zip (truncated?)`;
  }
  return null;
}
