// Validation of paths: the relative paths callers pass to a ReleaseSource,
// and the names stored in zip entries (with their file-type attributes).
// Anything that could address a file outside the intended folder (absolute
// paths, drive letters, "..", backslashes, symlinks) is refused here, before
// any file is touched.

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

/** Why a '/'-separated relative path is unsafe, or null when it is a plain relative path. */
export function unsafePathReason(p: string): string | null {
  if (p.length === 0) return "empty name";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(p)) return "control character in name";
  if (p.includes("\\")) return "backslash in name";
  if (p.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(p)) return "drive-letter path";
  for (const seg of p.split("/")) {
    if (seg === "..") return "'..' segment escapes the folder";
    if (seg === ".") return "'.' segment";
    if (seg === "") return "empty path segment";
  }
  return null;
}

/** What a zip entry is, judged from its name and external attributes. */
export interface CheckedEntryName {
  /** Relative path inside the zip, without a trailing "/". */
  path: string;
  isDir: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Checks a decoded zip entry name and its external attributes. Returns the
 * entry's path and kind, or a string saying why the entry is refused.
 * Unix file types live in the high 16 bits of the external attributes; they
 * are honoured whatever "version made by" claims, so a symlink can never slip
 * through as a regular file.
 */
export function checkEntryName(name: string, externalFileAttributes: number): CheckedEntryName | string {
  const trailingSlash = name.endsWith("/");
  const path = trailingSlash ? name.slice(0, -1) : name;
  const reason = unsafePathReason(path);
  if (reason !== null) return reason;
  // Harmless on Unix, but on Windows "a:b" writes an alternate data stream.
  if (path.includes(":")) return "colon in name (a drive or stream name on Windows)";
  const type = ((externalFileAttributes >>> 16) & S_IFMT) >>> 0;
  if (type === S_IFLNK) return "symbolic link";
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return `special file (mode 0o${type.toString(8)})`;
  if (type === S_IFDIR && !trailingSlash) return "directory attributes on a name without a trailing '/'";
  return { path, isDir: trailingSlash };
}
