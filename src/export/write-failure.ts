// What a failed write of an export file says: one rule for the npz writer
// and the whole-file copy. A full disk names itself and promises that
// nothing was written at the path (both write through a temp file that a
// failure removes); anything else names the step that failed.

import { isDiskFull } from "../file-writes.js";
import { ExportError } from "./errors.js";

/** `e`, raised while writing the file at `path` during `what`, as the ExportError a user sees. */
export function writeFailure(path: string, e: unknown, what: string): ExportError {
  if (e instanceof ExportError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (isDiskFull(e)) {
    return new ExportError(
      `${path}: the disk is full (${code}); nothing was written there: free some space and try again`,
      { cause: e },
    );
  }
  return new ExportError(`${path}: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
