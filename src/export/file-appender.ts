/// <reference types="node" />
// A file written front to back, as NpzWriter writes its temp file: small
// appends are gathered and written together (one writev), large ones in
// slices, bytes already in memory up to an iovec limit at a time
// (appendAll); a bytes range already written can be patched in place (a
// member's local header once its sizes are known); and, when asked for, a running
// SHA-256 of everything appended (read back from the file instead once a
// patch made the running hash stale). Writeback is started as the file
// grows (a datasync every SYNC_AHEAD_BYTES, not waited for), so the fsync
// that finishes it (sync) waits for the last few MiB, not the whole file.
// Also the folder fsync that makes a rename durable.

import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { MAX_IOVECS, WRITE_BYTES, writeFullyAt, writevFullyAt } from "../file-writes.js";
import { failPoint } from "../test-hooks.js";

/** Smaller writes (headers, small members) are gathered up to this size and written together. */
const GATHER_BYTES = 1 << 20;
/** ... and up to this many of them (one writev each, below the usual IOV_MAX of 1024). */
const GATHER_CHUNKS = 512;
/**
 * Every this many bytes written, the file's writeback is started: a
 * datasync runs alongside the next writes (one at a time, each queued
 * behind the one before). The disk then works while the writer does, and
 * the fsync that ends the file has only the tail left to flush (a cache
 * hit's 22 MB export: that fsync was ~40 ms of its ~270 ms).
 */
export const SYNC_AHEAD_BYTES = 4 << 20;

export class FileAppender {
  /** Bytes appended so far, gathered ones included (where the next append lands). */
  offset = 0;
  /** Small appends not yet in the file: they end at `offset`. */
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  /** The SHA-256 of the bytes appended so far, in file order (null without hashing, or once patched). */
  private hash: Hash | null;
  /** Bytes up to which writeback was last started; the chain of datasyncs started; the first one's error. */
  private syncedTo = 0;
  private syncAhead: Promise<void> = Promise.resolve();
  private syncAheadError: { error: unknown } | undefined;

  /** Appends to the file `handle` opens (`path` names it in messages), hashing what is appended if `hashed`. */
  constructor(
    private readonly handle: Promise<FileHandle>,
    private readonly path: string,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash("sha256") : null;
  }

  /** Appends `bytes`: small ones are gathered and written together (flush). */
  async append(bytes: Uint8Array): Promise<void> {
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
    this.startWriteback(this.offset);
  }

  /**
   * Appends `chunks` in order, as append() would one by one, but gathered
   * whatever their size and written up to MAX_IOVECS at a time: for bytes
   * already in memory (members copied from another zip), where flushing
   * every megabyte would only add round trips to the thread pool.
   */
  async appendAll(chunks: readonly Uint8Array[]): Promise<void> {
    for (const c of chunks) {
      failPoint("npz-file-write");
      this.hash?.update(c);
      this.gathered.push(c);
      this.gatheredBytes += c.byteLength;
      this.offset += c.byteLength;
      if (this.gathered.length >= MAX_IOVECS) await this.flush();
    }
  }

  /** Writes the gathered bytes (one writev; what a short write leaves, one slice at a time). */
  async flush(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    const chunks = this.gathered;
    const at = this.offset - this.gatheredBytes;
    const end = this.offset;
    this.gathered = [];
    this.gatheredBytes = 0;
    await writevFullyAt(await this.handle, chunks, at);
    this.startWriteback(end);
  }

  /** Starts a datasync once SYNC_AHEAD_BYTES more are written (see there); its failure waits for sync(). */
  private startWriteback(writtenTo: number): void {
    if (writtenTo - this.syncedTo < SYNC_AHEAD_BYTES) return;
    this.syncedTo = writtenTo;
    this.syncAhead = this.syncAhead
      .then(async () => {
        // Test hook (AC1_TEST_FAIL_AT=npz-sync-ahead:EIO): a write-back error the early datasync reports.
        failPoint("npz-sync-ahead");
        await (await this.handle).datasync();
      })
      .catch((e: unknown) => {
        // Kept for sync(): the kernel reports a write-back error once, so the final fsync may not see it again.
        this.syncAheadError ??= { error: e };
      });
  }

  /**
   * Writes what is gathered and fsyncs the file: resolves once every byte
   * appended is on disk, or throws the first error of the writeback started
   * ahead or of the fsync itself.
   */
  async sync(): Promise<void> {
    await this.flush();
    await this.syncAhead;
    if (this.syncAheadError !== undefined) throw this.syncAheadError.error;
    await (await this.handle).sync();
  }

  /** Waits for the writeback started ahead to settle (before the handle is closed on a failure); never throws. */
  async settle(): Promise<void> {
    await this.syncAhead;
  }

  /** Overwrites bytes already appended at `position` (the running hash is dropped: bodySha256 reads back). */
  async patch(bytes: Uint8Array, position: number): Promise<void> {
    await this.flush();
    await this.writeAt(bytes, position);
    this.hash = null;
  }

  /** Writes `bytes` at `position`, in slices. */
  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    await writeFullyAt(await this.handle, bytes, position);
  }

  /**
   * SHA-256 (hex) of the file written so far: from the running hash, or read
   * back when a patch made it stale. Later appends are not hashed.
   */
  async bodySha256(): Promise<string> {
    const running = this.hash;
    this.hash = null;
    if (running !== null) return running.digest("hex");
    await this.flush();
    const fh = await this.handle;
    const h = createHash("sha256");
    const buf = new Uint8Array(WRITE_BYTES);
    for (let at = 0; at < this.offset; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, this.offset - at), at);
      if (bytesRead <= 0) throw new Error(`${this.path}: shorter than written`);
      h.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
    return h.digest("hex");
  }
}

/** Best-effort fsync of a folder so a rename survives a crash (not possible on every platform). */
export async function syncDir(dir: string): Promise<void> {
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
