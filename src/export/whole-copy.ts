// Copying an export file whole: copy.ts's path when the copy's manifest is
// the source's, byte for byte, so that every member is too. The copy is then
// the source's bytes with its zip comment (a build cache entry's seal)
// dropped. The kernel copies the file (copy_file_range, or a reflink where
// the file system shares extents: COPYFILE_FICLONE), so the bytes never pass
// through the process, and only the end record is rewritten. The copy gets
// the permissions a new file gets here (as the npz writer's do), not the
// source's. Where the kernel cannot copy (a file system that refuses the
// source's permissions, say) the caller is told (WholeCopyUnavailable) and
// copies member by member instead; a full disk is reported as such.
// Atomic as NpzWriter's writes are: a temp file next to `dest` (removed on
// Ctrl-C or failure), synced, and renamed into place only once `check`
// resolves.

import { constants } from "node:fs";
import { chmod, copyFile, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { isDiskFull, writeFullyAt } from "../file-writes.js";
import { tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { readFully } from "../zip/byte-source.js";
import { endRecordProblem, endRecordsSpan } from "../zip/end-record-check.js";
import { EOCD_BYTES, zipComment } from "../zip/records.js";
import { ExportError } from "./errors.js";
import { syncDir } from "./file-appender.js";
import { writeFailure } from "./write-failure.js";

/** The kernel could not copy the file here (for a reason other than a full disk): copy it another way. */
export class WholeCopyUnavailable extends Error {}

/**
 * Writes `dest` (through a temp file) as the file `src` without its zip
 * comment; with `check`, renamed into place only once that resolves (when
 * it rejects, nothing is left at `dest` and an ExportError naming `dest` is
 * thrown, its cause the check's error). Throws WholeCopyUnavailable, with
 * nothing left behind, when the kernel's copy fails but for a full disk.
 */
export async function copyWholeExport(src: string, dest: string, check?: Promise<void>): Promise<void> {
  const temp = tempName(dest);
  trackTemp(temp);
  try {
    // The permissions of a file created here (the umask's), which copyFile replaces by the source's.
    const fh = await open(temp, "wx");
    const mode = (await fh.stat().finally(() => fh.close())).mode & 0o777;
    try {
      // Test hook (AC1_TEST_FAIL_AT=npz-whole-copy:EPERM): the kernel's copy refused.
      failPoint("npz-whole-copy");
      await copyFile(src, temp, constants.COPYFILE_FICLONE);
      await chmod(temp, mode);
    } catch (e) {
      if (isDiskFull(e)) throw e;
      throw new WholeCopyUnavailable(
        `${src}: the kernel cannot copy it to ${temp}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    // Test hook (AC1_TEST_FAIL_AT=npz-file-write:ENOSPC): the copy wrote bytes, as the writer does.
    failPoint("npz-file-write");
    await dropComment(temp, src);
    await check;
    await pausePoint("npz-rename");
    await rename(temp, dest);
    untrackTemp(temp);
  } catch (e) {
    await unlink(temp).catch(() => {});
    untrackTemp(temp);
    if (e instanceof WholeCopyUnavailable) throw e;
    throw writeFailure(dest, e, "copying the .npz failed");
  }
  await syncDir(dirname(dest));
}

/** Cuts the zip comment off the end record of the zip at `path` (a copy of `src`), then syncs it. */
async function dropComment(path: string, src: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    const size = (await fh.stat()).size;
    const tail = new Uint8Array(endRecordsSpan(size));
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
