// Lazy, idempotent, atomic extraction of the release zips (archive.md):
// a zip whose anchor exists is already unpacked and left alone; otherwise the
// whole zip is validated first (names, file types, sizes, free space), then
// streamed entry by entry into a hidden temporary sibling folder
// ("<data>/.crcns-ac1.partial"), which is renamed into place only when every
// member has been written and verified. A crash therefore never leaves a tree
// that looks complete; the next run removes the stale temporary folder and
// starts over. A lock file beside it keeps two processes from unpacking the
// same zip at once.

import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, statfs, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve, sep } from "node:path";
import { isDiskFull } from "../file-writes.js";
import { trackTemp, untrackTemp } from "../temp-files.js";
import { pausePoint } from "../test-hooks.js";
import { ArchiveError, reasonOf } from "./errors.js";
import { HOW_TO_GET_DATA, RELEASE_LAYOUT, RELEASE_SUBTREES, type ReleaseZipLayout } from "./layout.js";
import { createLockFile, processIsRunning } from "./lock-file.js";
import { ZipArchive, type ZipLimits } from "./zip-archive.js";

/** Progress of an extraction: `done`/`total` are uncompressed bytes of the zip being unpacked. */
export interface ExtractProgress {
  zip: string;
  entry: string;
  done: number;
  total: number;
}

/** Which parts of the release the caller needs. crcns-ac1.zip is needed for either (it holds the Asari stimuli). */
export interface ReleaseNeeds {
  wehr: boolean;
  asari: boolean;
}

export interface ExtractOptions {
  onProgress?: (e: ExtractProgress) => void;
  /** Default { wehr: true, asari: true }: a needed zip that is missing (with no unpacked tree) is an error; an unneeded one is skipped. */
  need?: ReleaseNeeds;
  /** Overrides of the zip-bomb limits (tests). */
  limits?: Partial<ZipLimits>;
  /** Members up to this many bytes are inflated in memory and written in one call, larger ones streamed (default 8 MiB). */
  inMemoryBytes?: number;
  /** Check the free space before unpacking (default true; tests turn it off). */
  checkFreeSpace?: boolean;
}

export interface ExtractedDirs {
  /** <data>/crcns-ac1/wehr */
  wehrDir: string;
  /** <data>/crcns-ac1-asari-results-1/asari-results-1 (may be absent when Asari is not needed) */
  asari1Dir: string;
  /** <data>/crcns-ac1-asari-results-2/asari-results-2 (may be absent when Asari is not needed) */
  asari2Dir: string;
}

/** Whether the zip of `layout` is needed for `need`. */
export function isNeeded(layout: ReleaseZipLayout, need: ReleaseNeeds): boolean {
  return layout.part === "main" ? need.wehr || need.asari : need.asari;
}

/** Absolute path of a '/'-separated path relative to the data folder. */
export function dataPath(dataDir: string, rel: string): string {
  return join(dataDir, ...rel.split("/"));
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw new ArchiveError(`${p}: cannot stat: ${reasonOf(e)}`, { cause: e });
  }
}

/**
 * Fails with one line when `dataDir` exists but is not a folder (a file given
 * as --path / AC1_DATA_DIR), or when a part of its path is a file; a missing
 * folder is left to the "data not found" message, which says how to get it.
 */
export async function checkDataFolder(dataDir: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(dataDir)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR")
      throw new ArchiveError(
        `${dataDir}: a part of this path is a file, not a folder; point --path / AC1_DATA_DIR at the folder holding the CRCNS-AC1 release`,
        { cause: e },
      );
    throw new ArchiveError(`${dataDir}: cannot stat: ${reasonOf(e)}`, { cause: e });
  }
  if (!isFolder)
    throw new ArchiveError(
      `${dataDir} is a file, not a folder; point --path / AC1_DATA_DIR at the folder holding the CRCNS-AC1 release`,
    );
}

/** The error for a needed zip that is missing while its anchor is missing too. */
export async function missingError(dataDir: string, layout: ReleaseZipLayout): Promise<ArchiveError> {
  const folder = dataPath(dataDir, layout.folder);
  const partial = (await pathExists(folder)) ? ` (${folder} exists but is incomplete)` : "";
  return new ArchiveError(
    `CRCNS-AC1 data not found: neither ${join(dataDir, layout.zip)} nor ${dataPath(dataDir, layout.anchor)} exists${partial}; ${HOW_TO_GET_DATA}, or point --path / AC1_DATA_DIR at the folder holding it`,
  );
}

/**
 * Unpacks every needed release zip whose anchor is missing, and returns the
 * three subtrees the walkers read (reference: ensure_extracted).
 */
export async function ensureExtracted(dataDir: string, opts: ExtractOptions = {}): Promise<ExtractedDirs> {
  const need = opts.need ?? { wehr: true, asari: true };
  await checkDataFolder(dataDir);
  for (const layout of RELEASE_LAYOUT) {
    if (await pathExists(dataPath(dataDir, layout.anchor))) continue;
    const zipPath = join(dataDir, layout.zip);
    if (!(await pathExists(zipPath))) {
      if (isNeeded(layout, need)) throw await missingError(dataDir, layout);
      continue;
    }
    if (!isNeeded(layout, need)) continue;
    await extractZip(dataDir, layout, opts);
  }
  return {
    wehrDir: dataPath(dataDir, RELEASE_SUBTREES.wehr),
    asari1Dir: dataPath(dataDir, RELEASE_SUBTREES.asari1),
    asari2Dir: dataPath(dataDir, RELEASE_SUBTREES.asari2),
  };
}

/** In-process de-duplication: concurrent calls for one target share one extraction. */
const inFlight = new Map<string, Promise<void>>();

/** Unpacks one release zip into its folder (no-op when its anchor exists). */
export function extractZip(
  dataDir: string,
  layout: ReleaseZipLayout,
  opts: ExtractOptions = {},
): Promise<void> {
  const key = resolve(dataDir, layout.folder);
  let p = inFlight.get(key);
  if (p === undefined) {
    p = extractZipOnce(dataDir, layout, opts).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

/** The hidden temporary folder a zip is unpacked into before the rename. */
export function partialDirOf(dataDir: string, layout: ReleaseZipLayout): string {
  return join(dataDir, `.${layout.folder}.partial`);
}

/** The lock file held while a zip is being unpacked. */
export function lockFileOf(dataDir: string, layout: ReleaseZipLayout): string {
  return join(dataDir, `.${layout.folder}.lock`);
}

async function extractZipOnce(
  dataDir: string,
  layout: ReleaseZipLayout,
  opts: ExtractOptions,
): Promise<void> {
  const anchor = dataPath(dataDir, layout.anchor);
  if (await pathExists(anchor)) return;
  const zipPath = join(dataDir, layout.zip);
  const target = dataPath(dataDir, layout.folder);
  const tmp = partialDirOf(dataDir, layout);

  // Validate the whole zip before touching the disk.
  const zip = await ZipArchive.open(zipPath, opts.limits);
  try {
    const anchorInZip = layout.anchor.slice(layout.folder.length + 1);
    if (zip.member(anchorInZip) === undefined) {
      throw new ArchiveError(`${zipPath}: has no ${anchorInZip}; not the CRCNS-AC1 ${layout.zip}?`);
    }
    if (await pathExists(anchor)) return; // another process finished while we validated
    if (await pathExists(target)) {
      throw new ArchiveError(
        `${target} exists but is incomplete (no ${layout.anchor.slice(layout.folder.length + 1)}); remove it so ${layout.zip} can be unpacked again`,
      );
    }
    if (opts.checkFreeSpace !== false) await checkFreeSpace(dataDir, zip);

    const release = await acquireLock(dataDir, layout);
    try {
      if (await pathExists(anchor)) return; // another process finished meanwhile
      await rm(tmp, { recursive: true, force: true }); // leftovers of a crashed run
      try {
        trackTemp(tmp); // an interrupted process removes it at once (src/temp-files.ts)
        await mkdir(tmp, { recursive: false });
        await writeAll(zip, tmp, layout.zip, opts.onProgress, opts.inMemoryBytes ?? IN_MEMORY_BYTES);
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { recursive: true, force: true }).catch(() => {});
        throw explainWriteError(e, zipPath, dataDir, zip.totalUncompressedBytes);
      } finally {
        untrackTemp(tmp);
      }
    } finally {
      await release();
    }
  } finally {
    await zip.close();
  }
}

/** Turns a filesystem error met while unpacking into an ArchiveError (ENOSPC: names the folder). */
export function explainWriteError(e: unknown, zipPath: string, dataDir: string, totalBytes: number): unknown {
  if (e instanceof ArchiveError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (isDiskFull(e)) {
    return new ArchiveError(
      `disk full while unpacking ${zipPath} into ${dataDir} (it needs ${totalBytes} bytes); free some space or point --path / AC1_DATA_DIR elsewhere`,
      { cause: e },
    );
  }
  if (code !== undefined) {
    return new ArchiveError(`cannot unpack ${zipPath} into ${dataDir}: ${reasonOf(e)}`, { cause: e });
  }
  return e;
}

async function checkFreeSpace(dataDir: string, zip: ZipArchive): Promise<void> {
  let free: number;
  try {
    const s = await statfs(dataDir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // statfs unsupported here: rely on ENOSPC
  }
  if (Number.isFinite(free) && free < zip.totalUncompressedBytes) {
    throw new ArchiveError(
      `not enough free space in ${dataDir} to unpack ${zip.zipPath}: needs ${zip.totalUncompressedBytes} bytes, ${free} available; free some space or point --path / AC1_DATA_DIR elsewhere`,
    );
  }
}

/** Default of ExtractOptions.inMemoryBytes. */
const IN_MEMORY_BYTES = 8 * 1024 * 1024;
/** Files written concurrently. */
const WRITERS = 4;

/**
 * Writes every member under `root` (a fresh folder we created): all folders
 * first, then the files, a few at a time. Every writer has settled before this
 * returns or throws, so the caller can safely remove `root` on failure.
 */
async function writeAll(
  zip: ZipArchive,
  root: string,
  zipName: string,
  onProgress: ((e: ExtractProgress) => void) | undefined,
  inMemoryBytes: number,
): Promise<void> {
  const total = zip.totalUncompressedBytes;
  let done = 0;
  const dirs: string[] = [];
  collectDirs(zip, "", dirs); // includes folders implied by file paths
  for (const d of dirs) await mkdir(safeJoin(root, d), { recursive: true });
  onProgress?.({ zip: zipName, entry: "", done, total });

  const files = zip.files;
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const writeOne = async (path: string, size: number) => {
    const abs = safeJoin(root, path);
    if (size <= inMemoryBytes) {
      const data = await zip.read(path);
      await writeNewFile(abs, data);
      done += data.length;
      onProgress?.({ zip: zipName, entry: path, done, total });
    } else {
      await zip.copyTo(path, createWriteStream(abs, { flags: "wx" }), (n) => {
        done += n;
        onProgress?.({ zip: zipName, entry: path, done, total });
      });
    }
    await pausePoint("extract-file");
  };
  const worker = async () => {
    while (!failed && next < files.length) {
      const m = files[next++]!;
      try {
        await writeOne(m.path, m.uncompressedSize);
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITERS, files.length) }, worker));
  if (failed) throw firstError;
}

/** Creates a file that must not exist yet and writes `data` (open/write/close: much faster than fs.promises.writeFile for many small files). */
async function writeNewFile(abs: string, data: Uint8Array): Promise<void> {
  const fh = await open(abs, "wx");
  try {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await fh.write(data, off, data.length - off, off);
      off += bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

function collectDirs(zip: ZipArchive, dir: string, out: string[]): void {
  for (const e of zip.list(dir) ?? []) {
    if (!e.isDir) continue;
    const rel = dir === "" ? e.name : `${dir}/${e.name}`;
    out.push(rel);
    collectDirs(zip, rel, out);
  }
}

/** Joins a validated relative path under root, re-checking that it stays inside (defence in depth). */
function safeJoin(root: string, rel: string): string {
  const abs = resolve(root, ...rel.split("/"));
  if (!abs.startsWith(resolve(root) + sep))
    throw new ArchiveError(`refused to write ${abs}: outside ${root}`);
  return abs;
}

// --- lock file -------------------------------------------------------------

interface LockOwner {
  pid: number;
  host: string;
}

const FRESH_LOCK_MS = 30_000;

/** Takes the per-zip lock; a lock left by a dead process on this host is broken. Returns the release function. */
async function acquireLock(dataDir: string, layout: ReleaseZipLayout): Promise<() => Promise<void>> {
  const lock = lockFileOf(dataDir, layout);
  for (let attempt = 0; attempt < 2; attempt++) {
    let created: boolean;
    try {
      created = await createLockFile(
        lock,
        JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner),
      );
    } catch (e) {
      throw new ArchiveError(`cannot create lock ${lock}: ${reasonOf(e)}`, { cause: e });
    }
    if (created) {
      trackTemp(lock);
      return async () => {
        untrackTemp(lock);
        await unlink(lock).catch(() => {});
      };
    }
    if (await lockIsHeld(lock)) {
      throw new ArchiveError(
        `another ac1 process is unpacking ${layout.zip} (lock ${lock}); wait for it to finish, or delete the lock if no ac1 is running`,
      );
    }
    await unlink(lock).catch(() => {});
  }
  throw new ArchiveError(`cannot take the lock ${lock}; delete it if no ac1 process is running`);
}

async function lockIsHeld(lock: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lock, "utf8");
  } catch {
    return false; // vanished: free
  }
  let owner: LockOwner | undefined;
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === "number" && typeof o.host === "string") owner = { pid: o.pid, host: o.host };
  } catch {
    owner = undefined;
  }
  if (owner === undefined) {
    // Being written right now, or garbage: held only while fresh.
    try {
      return Date.now() - (await stat(lock)).mtimeMs < FRESH_LOCK_MS;
    } catch {
      return false;
    }
  }
  if (owner.host !== hostname()) return true; // cannot check a process elsewhere
  if (owner.pid === process.pid) return false; // our own stale lock (same process, earlier failure)
  return processIsRunning(owner.pid);
}
