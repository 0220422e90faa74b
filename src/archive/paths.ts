// Validation of the relative paths callers pass to a ReleaseSource: anything
// that could address a file outside the data folder (absolute paths, drive
// letters, "..", backslashes) is refused before any file is touched. Zip
// entry names are judged by the same rule in the zip core (src/zip/names.ts).

import { unsafePathReason } from "../zip/index.js";
import { ArchiveError } from "./errors.js";

/**
 * Normalises a path given to a ReleaseSource: "" (or "/"-free ".") is the root,
 * one trailing "/" is dropped. Throws an ArchiveError for absolute paths,
 * drive letters, backslashes, NULs, "." / ".." or empty segments.
 */
export function normalizeSourcePath(path: string, where: string): string {
  if (typeof path !== "string") throw new ArchiveError(`${where}: path must be a string, got ${typeof path}`);
  let p = path;
  if (p.endsWith("/") && p.length > 1) p = p.slice(0, -1);
  if (p === "") return "";
  const reason = unsafePathReason(p);
  if (reason !== null) throw new ArchiveError(`${where}: refused path ${JSON.stringify(path)}: ${reason}`);
  return p;
}
