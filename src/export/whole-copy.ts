// Copying an export file whole: copy.ts's path when the copy's manifest is
// the source's, byte for byte, so that every member is too. The copy is then
// the source's bytes with its zip comment (a build cache entry's seal)
// dropped. The kernel copies the file (copy_file_range, or a reflink where
// the file system shares extents: COPYFILE_FICLONE), so the bytes never pass
// through the process, and only the end record is rewritten. The copy
// starts before the source's manifest is read (its reading and the check of
// a cache entry run alongside) and is abandoned if the manifest changes.
// Atomic as NpzWriter's writes are: a temp file next to `dest` (removed on
// Ctrl-C or failure), synced, and renamed into place only once `check`
// resolves.

import { constants } from "node:fs";
import { copyFile, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFullyAt } from "../file-writes.js";
import { tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { readFully } from "../zip/byte-source.js";
import { END_RECORDS_MAX_BYTES, endRecordProblem } from "../zip/end-record-check.js";
import { EOCD_BYTES, zipComment } from "../zip/records.js";
import { ExportError } from "./errors.js";
import { syncDir } from "./file-appender.js";
import { writeFailure } from "./write-failure.js";

/**
 * A copy of the file `src` to `dest` without its zip comment, through a
 * temp file: the kernel's copy starts at once (start), alongside the
 * caller's reading of the source; then either finish() puts it into place
 * or abandon() removes it.
 */
export class WholeCopy {
  private readonly temp: string;
  private readonly copied: Promise<void>;
  private state: "copying" | "finishing" | "abandoned" = "copying";
  private abandoning: Promise<void> | undefined;

  private constructor(
    private readonly src: string,
    private readonly dest: string,
  ) {
    const temp = tempName(dest);
    this.temp = temp;
    trackTemp(temp);
    this.copied = copyFile(src, temp, constants.COPYFILE_FICLONE);
    this.copied.catch(() => {}); // awaited by finish() or abandon()
  }

  /** Starts copying `src` to a temp file next to `dest`. */
  static start(src: string, dest: string): WholeCopy {
    return new WholeCopy(src, dest);
  }

  /**
   * Drops the copy's zip comment, syncs it and, once `check` resolves,
   * renames it to `dest`. When anything fails or `check` rejects, nothing
   * is left at `dest` and an ExportError naming `dest` is thrown (its cause
   * the check's error, for a check).
   */
  async finish(check?: Promise<void>): Promise<void> {
    if (this.state !== "copying") throw new ExportError(`${this.dest}: the copy is ${this.state}`);
    this.state = "finishing";
    try {
      await this.copied;
      // Test hook (AC1_TEST_FAIL_AT=npz-file-write:ENOSPC): the copy wrote bytes, as the writer does.
      failPoint("npz-file-write");
      await dropComment(this.temp, this.src);
      await check;
      await pausePoint("npz-rename");
      await rename(this.temp, this.dest);
      untrackTemp(this.temp);
    } catch (e) {
      await this.removeTemp();
      throw writeFailure(this.dest, e, "copying the .npz failed");
    }
    await syncDir(dirname(this.dest));
  }

  /** Removes the copy, once the kernel is done with it (the same promise on every call); nothing once finish() has begun. */
  abandon(): Promise<void> {
    if (this.state === "finishing") return Promise.resolve();
    if (this.abandoning === undefined) {
      this.state = "abandoned";
      this.abandoning = this.copied.catch(() => {}).then(() => this.removeTemp());
    }
    return this.abandoning;
  }

  private async removeTemp(): Promise<void> {
    await unlink(this.temp).catch(() => {});
    untrackTemp(this.temp);
  }
}

/** Cuts the zip comment off the end record of the zip at `path` (a copy of `src`), then syncs it. */
async function dropComment(path: string, src: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    const size = (await fh.stat()).size;
    const tail = new Uint8Array(Math.min(size, END_RECORDS_MAX_BYTES));
    await readFully(fh, tail, 0, tail.length, size - tail.length);
    // (a field no reader here looks at, damaged, would reach the copy: numpy's zipfile reads some of them)
    const problem = endRecordProblem(tail, size - tail.length);
    const end = zipComment(tail);
    if (problem !== undefined || end === undefined) throw new ExportError(`${src}: ${problem}`);
    if (end.comment.length > 0) {
      const at = size - tail.length + end.endRecordAt;
      const record = tail.slice(end.endRecordAt, end.endRecordAt + EOCD_BYTES);
      new DataView(record.buffer).setUint16(20, 0, true);
      await writeFullyAt(fh, record, at);
      await fh.truncate(at + EOCD_BYTES);
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
