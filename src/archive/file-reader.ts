// Reading an open zip file by position: a read that tolerates short
// reads, a chunked range stream, and yauzl's RandomAccessReader with a
// read-ahead window. Shared by the release zips (ZipArchive) and the .npz
// reader of the export layer.

import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import yauzl from "yauzl";
import { ArchiveError } from "./errors.js";

/** Chunk size of readRange. */
const CHUNK_BYTES = 1 << 20;
/** Default read-ahead window of WindowedFileReader. */
const DEFAULT_WINDOW_BYTES = 1 << 20;

/**
 * Lets yauzl parse a zip's central directory through an open FileHandle
 * (yauzl never closes it). Small reads are served from a read-ahead window
 * (1 MiB by default), so the central directory of a zip with tens of
 * thousands of entries costs a few reads instead of two per entry.
 */
export class WindowedFileReader extends yauzl.RandomAccessReader {
  private windowStart = 0;
  private window: Buffer = Buffer.alloc(0);

  constructor(
    private readonly fh: FileHandle,
    private readonly fileSize: number,
    private readonly windowBytes = DEFAULT_WINDOW_BYTES,
  ) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(readRange(this.fh, start, end - start, () => {}));
  }
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    this.readCached(buffer, offset, length, position).then(
      (n) => callback(null, n),
      (e: Error) => callback(e),
    );
  }
  private async readCached(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    if (length > this.windowBytes / 4) return readFully(this.fh, buffer, offset, length, position);
    const inWindow = () =>
      position >= this.windowStart && position + length <= this.windowStart + this.window.length;
    if (!inWindow()) {
      const size = Math.max(0, Math.min(this.windowBytes, this.fileSize - position));
      const win = Buffer.allocUnsafe(size);
      const got = await readFully(this.fh, win, 0, size, position);
      this.windowStart = position;
      this.window = win.subarray(0, got);
    }
    const from = position - this.windowStart;
    const n = Math.max(0, Math.min(length, this.window.length - from));
    this.window.copy(buffer, offset, from, from + n);
    return n;
  }
}

/** Reads up to `length` bytes at `position`; returns how many were there (fewer only at end of file). */
export async function readFully(
  fh: FileHandle,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, offset + got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** The bytes [start, start+length) in chunks of at most CHUNK_BYTES; fails on a short file. */
export async function* readRange(
  fh: FileHandle,
  start: number,
  length: number,
  count: (n: number) => void,
  where = "zip",
): AsyncGenerator<Buffer> {
  let pos = start;
  let left = length;
  while (left > 0) {
    const n = Math.min(CHUNK_BYTES, left);
    const buf = Buffer.allocUnsafe(n);
    const got = await readFully(fh, buf, 0, n, pos);
    if (got < n) throw new ArchiveError(`${where}: unexpected end of zip at byte ${pos + got}`);
    count(got);
    pos += got;
    left -= got;
    yield buf;
  }
}
