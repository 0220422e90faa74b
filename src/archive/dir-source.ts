// DirSource: a ReleaseSource over an unpacked tree on disk. Paths are
// '/'-separated and relative to the data folder; anything absolute or with
// ".." is refused, so reads stay inside the root (symlinks the user placed
// inside the tree are followed: the tree is the user's own).

import { closeSync, constants as fsConstants, fstatSync, openSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { notRegularFile, readFullySync } from "../file-reads.js";
import { MAX_RELEASE_FILE_BYTES } from "../limits.js";
import { ArchiveError, reasonOf } from "./errors.js";
import { normalizeSourcePath } from "./paths.js";
import type { DirEntry, ReleaseSource } from "./source.js";

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Bytes read past the size fstat gave, per read, while a file grows (the first read past it finds the end, as a rule). */
const GROWTH_CHUNK_BYTES = 64 * 1024;
/** Where the reads past the size land (this module's functions are synchronous: one buffer serves every call). */
let probe: Buffer | undefined;

/**
 * A whole file from its descriptor: the `size` fstat gave, or what is there
 * when it shrank or grew meanwhile; null when it grew beyond `maxBytes`
 * (reading stops a chunk past it). A file of the size fstat gave comes back
 * in the one buffer it was read into. Exported for tests.
 */
export function readToEnd(fd: number, size: number, maxBytes: number): Uint8Array | null {
  const first = Buffer.allocUnsafe(size);
  let total = readFullySync(fd, first, 0, size, 0);
  if (total < size) return first.subarray(0, total);
  const parts: Uint8Array[] = [first];
  probe ??= Buffer.allocUnsafe(GROWTH_CHUNK_BYTES);
  for (;;) {
    const n = readFullySync(fd, probe, 0, probe.length, total);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) return null;
    parts.push(new Uint8Array(probe.subarray(0, n))); // a copy: the probe is read into again
    if (n < probe.length) break;
  }
  return parts.length === 1 ? first : Buffer.concat(parts, total);
}

export function byName(a: DirEntry, b: DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class DirSource implements ReleaseSource {
  private bytes = 0;

  /**
   * `rootDir`: the data folder (holding e.g. crcns-ac1/). Files larger than
   * `maxReadBytes` (default MAX_RELEASE_FILE_BYTES) are refused by readFile
   * before any of them is read.
   */
  constructor(
    readonly rootDir: string,
    readonly maxReadBytes: number = MAX_RELEASE_FILE_BYTES,
  ) {}

  private abs(path: string): string {
    const p = normalizeSourcePath(path, this.rootDir);
    return p === "" ? this.rootDir : join(this.rootDir, ...p.split("/"));
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const abs = this.abs(dir);
    let dirents: import("node:fs").Dirent[];
    try {
      dirents = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return [];
      throw new ArchiveError(`${abs}: cannot list folder: ${reasonOf(e)}`, { cause: e });
    }
    const out: DirEntry[] = [];
    for (const d of dirents) {
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) {
        try {
          isDir = (await stat(join(abs, d.name))).isDirectory();
        } catch {
          continue; // a dangling link is not an entry
        }
      }
      out.push({ name: d.name, isDir });
    }
    return out.sort(byName);
  }

  async exists(path: string): Promise<boolean> {
    const abs = this.abs(path);
    try {
      await stat(abs);
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw new ArchiveError(`${abs}: cannot stat: ${reasonOf(e)}`, { cause: e });
    }
  }

  /**
   * Reads with synchronous calls on this thread (the promise is settled when
   * returned), as the zips are read (zip/byte-source.ts says why: a build's
   * workers read hundreds of files, and a round trip through libuv's thread
   * pool for each open, stat, read and close cost more than the reading).
   */
  async readFile(path: string): Promise<Uint8Array> {
    const abs = this.abs(path);
    try {
      // Without blocking: a FIFO planted under a file's name would block a
      // plain open (and the thread with it) until a writer comes; a device
      // (a link to /dev/zero) would be read up to the size limit for nothing.
      const fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      try {
        const st = fstatSync(fd);
        const notFile = notRegularFile(st);
        if (notFile !== undefined) throw new ArchiveError(`${abs}: ${notFile}`);
        const size = st.size;
        if (size > this.maxReadBytes) {
          throw new ArchiveError(
            `${abs}: ${size} bytes is too large to read into memory (limit ${this.maxReadBytes})`,
          );
        }
        const data = readToEnd(fd, size, this.maxReadBytes);
        if (data === null)
          throw new ArchiveError(`${abs}: grew beyond ${this.maxReadBytes} bytes while being read`);
        this.bytes += data.length;
        return data;
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (e instanceof ArchiveError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (isMissing(e)) throw new ArchiveError(`${abs}: no such file`, { cause: e });
      if (code === "EISDIR") throw new ArchiveError(`${abs}: is a folder, not a file`, { cause: e });
      throw new ArchiveError(`${abs}: cannot read: ${reasonOf(e)}`, { cause: e });
    }
  }

  describe(path: string): string {
    try {
      return this.abs(path);
    } catch {
      return `${this.rootDir}/${path}`;
    }
  }

  origin(_path: string): string {
    return this.rootDir;
  }

  bytesRead(): number {
    return this.bytes;
  }

  async close(): Promise<void> {}
}
