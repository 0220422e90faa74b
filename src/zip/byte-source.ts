// Random access to the bytes of a zip: an open file (positioned reads that
// tolerate short reads) or a buffer holding the whole file (views, no copies).
// The zip reader sees only this interface, so zips on disk and in memory go
// through the same code.

import type { FileHandle } from "node:fs/promises";
import { readFullySync } from "../file-reads.js";

export interface ByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** True when the bytes are in memory: view() then never returns null within range. */
  readonly inMemory: boolean;
  /**
   * True when reads happen on the calling thread (the promise read() returns
   * is already settled); a ZipReader over such a source inflates whole
   * members on the calling thread too. For a build's workers, which read
   * hundreds of members from the page cache: a round trip through libuv's
   * thread pool for each (a pool thread woken to read or inflate, the caller
   * woken for the result) cost more than it overlapped. False keeps the
   * event loop free meanwhile (a viewer serving an export).
   */
  readonly synchronous: boolean;
  /**
   * Reads up to `length` bytes at `position` into `into` from `offset`;
   * returns how many were there (fewer only at the end of the source).
   */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** The bytes [position, position+length) without a copy when in memory; null for files or out of range. */
  view(position: number, length: number): Uint8Array | null;
  close(): Promise<void>;
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

/**
 * An open file; closing the source closes the handle. With `synchronous`
 * (see ByteSource), positioned reads on the calling thread; else through
 * libuv's thread pool.
 */
export class FileSource implements ByteSource {
  readonly inMemory = false;
  readonly synchronous: boolean;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    opts: { synchronous?: boolean } = {},
  ) {
    this.synchronous = opts.synchronous === true;
  }
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.synchronous
      ? readFullySync(this.fh.fd, into, offset, length, position)
      : readFully(this.fh, into, offset, length, position);
  }
  view(): null {
    return null;
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

/** A whole zip held in memory. */
export class BufferSource implements ByteSource {
  readonly inMemory = true;
  readonly synchronous = false;
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.byteLength;
  }
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const n = Math.max(0, Math.min(length, this.size - position));
    if (n > 0) into.set(this.buf.subarray(position, position + n), offset);
    return n;
  }
  view(position: number, length: number): Uint8Array | null {
    if (position < 0 || length < 0 || position + length > this.size) return null;
    return this.buf.subarray(position, position + length);
  }
  async close(): Promise<void> {}
}
