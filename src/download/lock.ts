// A lock file in the data folder so two downloads (two `ac1 download`, or a
// download and `ac1 build --download`) never append to the same .part file.
// It holds the owner's pid and host name; a lock left by a process that no
// longer runs on this host is taken over.

import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { DownloadError } from "./errors.js";

export const LOCK_FILE = ".ac1-download.lock";

/** Takes the lock on `dataDir`; resolves to its release function. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  const me = `${process.pid} ${hostname()}\n`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, "wx");
      try {
        await fh.writeFile(me);
      } finally {
        await fh.close();
      }
      return async () => {
        try {
          if ((await readFile(path, "utf8")) === me) await rm(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new DownloadError(
          "DOWNLOAD_IO",
          `cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        );
      }
    }
    let owner = "";
    try {
      owner = await readFile(path, "utf8");
    } catch {
      continue; // released meanwhile
    }
    const [pidText, host] = owner.trim().split(/\s+/);
    const pid = Number(pidText);
    if (host === hostname() && Number.isInteger(pid) && pid > 0 && !isRunning(pid)) {
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

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
