// The mechanics of the lock files that keep two ac1 processes from writing
// the same thing (extraction of a zip, a download into the data folder):
// creating a lock file only when none exists, and telling whether the process
// named in one is still running. What a lock holds and when a stale one may
// be broken is each user's policy.

import { open } from "node:fs/promises";

export { processIsRunning } from "../temp-files.js";

/** Creates `path` holding `text` unless it exists; false when it already exists (other errors propagate). */
export async function createLockFile(path: string, text: string): Promise<boolean> {
  let fh: import("node:fs/promises").FileHandle;
  try {
    fh = await open(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  return true;
}
