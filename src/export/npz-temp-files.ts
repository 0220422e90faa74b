// The temp files of NpzWriter seen from outside a write: a file name
// recognised as one (left by a crashed or a running write), and the removal,
// on a signal, of those whose write is still in progress in this process.

import { removeTrackedTemps, tempOwner } from "../temp-files.js";

/**
 * Removes, synchronously, the temp files of every write still in progress in
 * this process (and every other registered temp, src/temp-files.ts). For a
 * signal handler about to exit: a target file is never touched, and no new
 * temp file can be started afterwards.
 */
export function removeUnfinishedNpzFiles(): void {
  removeTrackedTemps();
}

/** Whether a file name is a temp file left by an NpzWriter (a crashed or running write). */
export function isNpzTempName(name: string): boolean {
  return tempOwner(name) !== undefined;
}
