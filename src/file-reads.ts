// Reading a whole span of a file on the calling thread: positioned reads that
// tolerate short reads. Used where a worker (or a main thread with nothing
// else to do) reads many small files from the page cache: each asynchronous
// call would cost a round trip through libuv's thread pool (a pool thread
// woken, then the caller woken for the result) for a read that takes
// microseconds. The zip sources (src/zip/byte-source.ts), an unpacked
// tree's files (src/archive/dir-source.ts) and the intermediate-results
// store (src/store/intermediates.ts) read through it. And the one answer
// for a path that is not a regular file (notRegularFile).

import { readSync } from "node:fs";

/** Reads up to `length` bytes at `position` of `fd` into `buf` from `offset`; returns how many were there (fewer only at the end of the file). */
export function readFullySync(
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, offset + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Why a path of these stats is not read as a file: "is a folder, not a
 * <what>", or, for a FIFO, socket or device (whose open or read would block
 * or never end), "not a regular file ..., refused"; undefined for a regular file.
 */
export function notRegularFile(
  st: { isFile(): boolean; isDirectory(): boolean },
  what = "file",
): string | undefined {
  if (st.isFile()) return undefined;
  return st.isDirectory()
    ? `is a folder, not a ${what}`
    : "not a regular file (a FIFO, socket or device), refused";
}
