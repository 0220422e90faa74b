// A lock file in the data folder so two downloads (two `ac1 download`, or a
// download and `ac1 build --download`) never append to the same .part file.
// It holds the owner's pid and host name; a lock left by a process that no
// longer runs on this host is taken over.

import { readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createLockFile, processIsRunning } from "../archive/lock-file.js";
import { trackTemp, untrackTemp } from "../temp-files.js";
import { DownloadError } from "./errors.js";

export const LOCK_FILE = ".ac1-download.lock";

/** Takes the lock on `dataDir`; resolves to its release function. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  const me = `${process.pid} ${hostname()}\n`;
  for (let tries = 0; tries < 3; tries++) {
    let created: boolean;
    try {
      created = await createLockFile(path, me);
    } catch (e) {
      throw new DownloadError(
        "DOWNLOAD_IO",
        `cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
    if (created) {
      trackTemp(path); // an interrupted process removes its lock at once
      return async () => {
        untrackTemp(path);
        try {
          if ((await readFile(path, "utf8")) === me) await rm(path, { force: true });
        } catch {
          // already gone
        }
      };
    }
    let owner = "";
    try {
      owner = await readFile(path, "utf8");
    } catch {
      continue; // released meanwhile
    }
    const [pidText, host] = owner.trim().split(/\s+/);
    const pid = Number(pidText);
    if (host === hostname() && Number.isInteger(pid) && pid > 0 && !processIsRunning(pid)) {
      await rm(path, { force: true });
      continue;
    }
    throw new DownloadError(
      "DOWNLOAD_BUSY",
      `another download (pid ${pidText ?? "?"} on ${host ?? "?"}) is writing to ${dataDir}; wait for it, or delete ${path} if it is not running`,
    );
  }
  throw new DownloadError("DOWNLOAD_BUSY", `cannot take the lock ${path}`);
}
