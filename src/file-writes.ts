// Writing bytes already in memory to a file, completely: one write() call
// per slice of a large buffer, one writev() per batch of many small ones
// (each call is a round trip to libuv's thread pool: an entry of thousands
// of small arrays written one write() each cost a build tens of thousands of
// thread switches), and whatever a short write leaves written again. Used by
// the npz writer's FileAppender and by the intermediate-results store. And
// the one test for a full disk (isDiskFull), which every writer reports in
// its own words.

import type { FileHandle } from "node:fs/promises";

/** Most bytes handed to one write() call. */
export const WRITE_BYTES = 4 << 20;
/** Most chunks handed to one writev() call: the usual IOV_MAX. */
export const MAX_IOVECS = 1024;

/** Writes `bytes` at `position` of `fh`, in slices of at most WRITE_BYTES; a short write is resumed. */
export async function writeFullyAt(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const n = Math.min(WRITE_BYTES, bytes.length - off);
    const { bytesWritten } = await fh.write(bytes, off, n, position + off);
    if (bytesWritten <= 0) throw new Error("write returned 0 bytes");
    off += bytesWritten;
  }
}

/**
 * Writes `chunks` one after the other from `position` of `fh`: MAX_IOVECS
 * at a time with writev, what a short writev leaves chunk by chunk.
 * Resolves to the position after the last byte.
 */
export async function writevFullyAt(
  fh: FileHandle,
  chunks: readonly Uint8Array[],
  position: number,
): Promise<number> {
  let at = position;
  for (let first = 0; first < chunks.length; first += MAX_IOVECS) {
    const batch = chunks.slice(first, first + MAX_IOVECS);
    let { bytesWritten } = await fh.writev(batch, at);
    for (const c of batch) {
      if (bytesWritten >= c.byteLength) {
        bytesWritten -= c.byteLength;
        at += c.byteLength;
        continue;
      }
      await writeFullyAt(fh, c.subarray(bytesWritten), at + bytesWritten);
      at += c.byteLength;
      bytesWritten = 0;
    }
  }
  return at;
}

/** Whether `e` is the file system saying the disk (or the user's quota) is full: ENOSPC or EDQUOT. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}
