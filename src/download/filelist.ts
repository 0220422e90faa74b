// Parsing CRCNS's per-dataset file list (`<base>/ac-1/filelist.txt`): lines of
// the form ` <path> <size> ...` (more columns may follow), `#` lines are
// comments. The sizes are what downloaded files are verified against.

import { DownloadError } from "./errors.js";

export interface FileListEntry {
  /** The path as listed (relative to the dataset folder, or with it in front). */
  path: string;
  sizeBytes: number;
}

/**
 * Parses the file list. Blank lines and `#` comments are skipped; a line whose
 * second column is not a whole number of bytes is skipped too (it cannot be
 * used to verify anything), which `findEntry` then reports for the file asked.
 */
export function parseFileList(text: string): FileListEntry[] {
  const entries: FileListEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const cols = line.split(/\s+/);
    const path = cols[0];
    const size = cols[1];
    if (path === undefined || size === undefined || !/^\d+$/.test(size)) continue;
    const sizeBytes = Number(size);
    if (!Number.isSafeInteger(sizeBytes)) continue;
    entries.push({ path, sizeBytes });
  }
  return entries;
}

/**
 * The entry for `file` (a bare file name such as "crcns-ac1.zip"): a path equal
 * to it or ending in "/<file>". Throws DOWNLOAD_FILELIST when absent.
 */
export function findEntry(entries: readonly FileListEntry[], file: string, listUrl: string): FileListEntry {
  const hit = entries.find((e) => e.path === file || e.path.endsWith(`/${file}`));
  if (!hit) {
    throw new DownloadError(
      "DOWNLOAD_FILELIST",
      `${file} is not listed with a size in the file list ${listUrl} (${entries.length} entries read); cannot verify it`,
    );
  }
  return hit;
}
