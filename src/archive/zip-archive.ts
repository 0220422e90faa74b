// One release zip opened for random access, on top of the zip core
// (src/zip/): the core reads the central directory and validates every entry
// up front (names, file types, methods, sizes, the zip-bomb limits); this
// module adds what the archive layer needs: the path index and folder
// listings (implied folders included, duplicates and file/folder clashes
// refused), the in-memory read cap, streaming a member into a file, and
// ArchiveErrors naming the zip and the entry.

import { constants as fsConstants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { notRegularFile } from "../file-reads.js";
import { MAX_RELEASE_FILE_BYTES } from "../limits.js";
import {
  DEFAULT_OPEN_LIMITS,
  FileSource,
  type ZipEntry,
  type ZipFault,
  type ZipOpenLimits,
  ZipReader,
} from "../zip/index.js";
import { ArchiveError, reasonOf } from "./errors.js";
import type { DirEntry } from "./source.js";

/** Bounds that make a zip "absurd" (a zip bomb or garbage), and the in-memory read cap. */
export interface ZipLimits extends ZipOpenLimits {
  /**
   * Largest member read into memory by read() (ZipSource.readFile), bytes,
   * from its declared size before any of it is inflated (src/limits.ts). The
   * ratio limit cannot bound memory: deflate reaches ~1030:1, so a 2 MB
   * member can declare 2 GB of zeros.
   */
  maxReadBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  ...DEFAULT_OPEN_LIMITS,
  maxReadBytes: MAX_RELEASE_FILE_BYTES,
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
  /** The central-directory entry; absent for folders implied by file paths. */
  entry?: ZipEntry;
}

export class ZipArchive {
  private constructor(
    /** Path of the zip file. */
    readonly zipPath: string,
    private readonly zip: ZipReader,
    private readonly members: Map<string, ZipMember>,
    private readonly children: Map<string, DirEntry[]>,
    /** Files in central-directory order. */
    readonly files: readonly ZipMember[],
    private readonly limits: ZipLimits,
  ) {}

  /** Opens and validates a zip. Throws an ArchiveError naming the zip (and entry) on anything unsafe or corrupt. */
  static async open(zipPath: string, limits: Partial<ZipLimits> = {}): Promise<ZipArchive> {
    const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
    let fh: FileHandle;
    try {
      // Without blocking: a FIFO under the zip's name would block the open
      // (a thread of libuv's pool, and the build) until a writer comes.
      fh = await open(zipPath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new ArchiveError(`${zipPath}: zip not found`, { cause: e });
      throw new ArchiveError(`${zipPath}: cannot open zip: ${reasonOf(e)}`, { cause: e });
    }
    try {
      // read and inflated on the calling thread (ByteSource.synchronous): a build's workers read hundreds of members
      const st = await fh.stat();
      const notFile = notRegularFile(st, "zip");
      if (notFile !== undefined) throw new ArchiveError(`${zipPath}: ${notFile}`);
      const source = new FileSource(fh, st.size, { synchronous: true });
      const zip = await ZipReader.open(source, { ...lim, toError: (f) => faultError(zipPath, f) });
      const { members, children, files } = indexEntries(zip.entries, zipPath);
      return new ZipArchive(zipPath, zip, members, children, files, lim);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Size of the zip file, bytes. */
  get sizeBytes(): number {
    return this.zip.sizeBytes;
  }

  /** Sum of the files' declared uncompressed sizes, bytes. */
  get totalUncompressedBytes(): number {
    return this.zip.totalUncompressedBytes;
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
    return this.zip.bytesRead();
  }

  /** "<zip>!<path>", for messages. */
  describe(path: string): string {
    return `${this.zipPath}!${path}`;
  }

  /** Reads one file member fully into memory (up to the maxReadBytes limit), inflated and CRC-checked. */
  async read(path: string): Promise<Uint8Array> {
    return this.zip.readEntry(this.fileEntry(path), { maxBytes: this.limits.maxReadBytes });
  }

  /**
   * Streams one file member, inflated and verified (size and CRC-32), into
   * `dest`. An error is raised (and `dest` destroyed) as soon as the data
   * exceeds the declared size; short data or a CRC mismatch fail at the end.
   * `onBytes(n)` reports uncompressed bytes as they pass.
   */
  async copyTo(path: string, dest: Writable, onBytes?: (n: number) => void): Promise<void> {
    const stream = await this.zip.openEntryStream(this.fileEntry(path), {
      maxBytes: this.limits.maxEntryBytes,
      onBytes,
    });
    await pipeline(stream, dest);
  }

  async close(): Promise<void> {
    await this.zip.close();
  }

  private fileEntry(path: string): ZipEntry {
    const m = this.members.get(path);
    if (m === undefined) throw new ArchiveError(`${this.describe(path)}: no such file in the zip`);
    if (m.isDir || m.entry === undefined)
      throw new ArchiveError(`${this.describe(path)}: is a folder, not a file`);
    return m.entry;
  }
}

/** The archive layer's wording of a zip-core fault: the zip, then the entry ("zip!path" once the zip is open). */
function faultError(zipPath: string, f: ZipFault): ArchiveError {
  const options = { cause: f.cause };
  switch (f.kind) {
    case "not-zip":
      return new ArchiveError(
        `${zipPath}: not a readable zip (truncated or corrupt?): ${f.problem}`,
        options,
      );
    case "directory":
      return new ArchiveError(`${zipPath}: ${f.problem}`, options);
    case "entry":
      return entryError(zipPath, f.entry ?? "", f.problem);
    case "data":
      return new ArchiveError(`${zipPath}!${f.entry}: ${f.problem}`, options);
  }
}

function entryError(zipPath: string, rawName: string, problem: string): ArchiveError {
  return new ArchiveError(`${zipPath}: entry ${JSON.stringify(rawName)}: ${problem}`);
}

/** Builds the path index and folder listings; refuses duplicates and names that are both a file and a folder. */
function indexEntries(
  entries: readonly ZipEntry[],
  zipPath: string,
): { members: Map<string, ZipMember>; children: Map<string, DirEntry[]>; files: ZipMember[] } {
  const members = new Map<string, ZipMember>();
  // folder -> child name -> its member (undefined for a folder)
  const kids = new Map<string, Map<string, ZipMember | undefined>>();
  kids.set("", new Map());
  members.set("", { path: "", isDir: true, compressedSize: 0, uncompressedSize: 0, crc32: 0, method: 0 });
  const files: ZipMember[] = [];

  const addDir = (path: string, entry: ZipEntry | undefined, rawName: string) => {
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
    kids.get(parent)!.set(path.slice(slash + 1), undefined);
  };

  for (const entry of entries) {
    const { path, isDir, name: rawName } = entry;
    if (isDir) {
      addDir(path, entry, rawName);
      continue;
    }
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
      method: entry.method,
      entry,
    };
    members.set(path, m);
    kids.get(parent)!.set(path.slice(slash + 1), m);
    files.push(m);
  }

  const children = new Map<string, DirEntry[]>();
  for (const [dir, names] of kids) {
    const list = [...names].map(
      ([name, m]): DirEntry =>
        m === undefined ? { name, isDir: true } : { name, isDir: false, bytes: m.uncompressedSize },
    );
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    children.set(dir, list);
  }
  return { members, children, files };
}
