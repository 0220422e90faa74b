// The temp files, temp folders and lock files this process is writing right
// now (an .npz being written, a zip being unpacked, a synthetic zip, a lock),
// so that an interrupted process (Ctrl-C, a kill) removes them at once,
// synchronously, before it exits: nothing half-written stays behind, and no
// final name ever holds a partial file (writers rename into place only when
// complete). What a kill -9 leaves is swept by the next run: temp names carry
// the owning pid (tempName), and isLeftOver tells a dead owner's file from a
// live one's. Lowest layer: anything that writes may register here.

import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";

const tracked = new Set<string>();
const trackedFolders = new Set<string>();

/**
 * Set when the process is being interrupted; shared with worker threads
 * (tempStopBuffer, adoptTempStop), after which tempName refuses to name a
 * new temp file on any thread, so the sweep of the tracked folders that
 * follows cannot miss a file a worker creates behind its back.
 */
let stopFlag = new Int32Array(new SharedArrayBuffer(4));
/** How long the sweep waits for a worker between naming a temp file and creating it. */
const FOLDER_SWEEP_GRACE_MS = 100;

/**
 * Clears the stop flag that removeTrackedTemps sets: for a process that goes
 * on after it (a test that plays an interrupt in-process).
 */
export function resumeTempFiles(): void {
  Atomics.store(stopFlag, 0, 0);
}

/** The stop flag's memory, for a worker thread's adoptTempStop. */
export function tempStopBuffer(): SharedArrayBuffer {
  return stopFlag.buffer as SharedArrayBuffer;
}

/** On a worker thread: share the main thread's stop flag (from tempStopBuffer). */
export function adoptTempStop(buffer: SharedArrayBuffer): void {
  stopFlag = new Int32Array(buffer);
}

/** Registers `path` (a file or a folder) to be removed if the process is interrupted. */
export function trackTemp(path: string): void {
  tracked.add(path);
}

/**
 * Registers a folder whose temp files (tempName) owned by this process are
 * removed if it is interrupted: for writers on worker threads, whose own
 * registrations the main thread's handler cannot see (they share the pid).
 */
export function trackTempFolder(dir: string): void {
  trackedFolders.add(dir);
}

export function untrackTempFolder(dir: string): void {
  trackedFolders.delete(dir);
}

/** Forgets `path` (renamed into place, or removed by its writer). */
export function untrackTemp(path: string): void {
  tracked.delete(path);
}

/** The registered paths (for tests). */
export function trackedTemps(): string[] {
  return [...tracked];
}

/**
 * Removes, synchronously, everything registered (for a signal handler about
 * to exit). Final names are never registered, so nothing complete is lost.
 * From then on no thread of the process can name a new temp file (tempName
 * throws): the process is expected to exit.
 */
export function removeTrackedTemps(): void {
  Atomics.store(stopFlag, 0, 1);
  for (const path of tracked) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // best effort: the next run sweeps what is left
    }
  }
  tracked.clear();
  if (trackedFolders.size === 0) return;
  // a worker may be between naming a temp file and creating it
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FOLDER_SWEEP_GRACE_MS);
  for (const dir of trackedFolders) {
    try {
      for (const name of readdirSync(dir))
        if (tempOwner(name) === process.pid) rmSync(`${dir}/${name}`, { force: true });
    } catch {
      // absent or unreadable: nothing of ours there
    }
  }
}

/** `<path>.tmp-<pid>-<8 hex>`: a temp name next to `path` that says which process owns it. */
export function tempName(path: string): string {
  if (Atomics.load(stopFlag, 0) !== 0)
    throw new Error(`${path}: not written: the process is being interrupted`);
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

const TEMP_RE = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/** The pid in a temp name made by tempName, or undefined for other names. */
export function tempOwner(name: string): number | undefined {
  const m = TEMP_RE.exec(basename(name));
  return m ? Number(m[1]) : undefined;
}

/** Whether process `pid` runs on this host (one we may not signal counts as running). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a temp file named by tempName is a leftover: its owner no longer
 * runs, or it is older than `staleMs` (a pid reused by another process, or a
 * folder shared between hosts). Not a temp name: false.
 */
export function isLeftOver(name: string, mtimeMs: number, staleMs: number, now = Date.now()): boolean {
  const pid = tempOwner(name);
  if (pid === undefined) return false;
  if (pid === process.pid) return false;
  return !processIsRunning(pid) || now - mtimeMs >= staleMs;
}

/**
 * Removes the temp files in `dir` that a process no longer running left
 * (isLeftOver; with `staleMs`, also those older than that, whose pid may
 * have been reused), among the names `accept` takes (default: every temp
 * name). A missing folder has none; another failure to read it is thrown.
 * Returns how many were removed.
 */
export async function removeLeftOverTempsIn(
  dir: string,
  opts: { staleMs?: number; accept?: (name: string) => boolean } = {},
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  const staleMs = opts.staleMs ?? Number.POSITIVE_INFINITY;
  const now = Date.now();
  let removed = 0;
  for (const name of names) {
    if (opts.accept !== undefined && !opts.accept(name)) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => null); // gone meanwhile
    if (st?.isFile() && isLeftOver(name, st.mtimeMs, staleMs, now)) {
      await rm(path, { force: true }).catch(() => {});
      removed++;
    }
  }
  return removed;
}
