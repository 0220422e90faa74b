// Safety of zip entry names and types, judged before any member is read or
// written: anything that could address a file outside the intended folder
// (absolute paths, drive letters, "..", backslashes, control characters) or
// is not a plain file or folder (symlinks, devices) is refused. Shared by the
// release zips and the .npz reader; the archive layer also validates the
// relative paths callers pass to a ReleaseSource with unsafePathReason.

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

export interface EntryNameRules {
  /**
   * Accept ":" in names (default false). Harmless on Unix, but unpacked on
   * Windows "a:b" writes an alternate data stream; a reader that never maps
   * names to files (the .npz reader: names are array keys) may allow it.
   */
  allowColon?: boolean;
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
export function checkEntryName(
  name: string,
  externalFileAttributes: number,
  rules: EntryNameRules = {},
): CheckedEntryName | string {
  const trailingSlash = name.endsWith("/");
  const path = trailingSlash ? name.slice(0, -1) : name;
  const reason = unsafePathReason(path);
  if (reason !== null) return reason;
  if (rules.allowColon !== true && path.includes(":"))
    return "colon in name (a drive or stream name on Windows)";
  const type = ((externalFileAttributes >>> 16) & S_IFMT) >>> 0;
  if (type === S_IFLNK) return "symbolic link";
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return `special file (mode 0o${type.toString(8)})`;
  if (type === S_IFDIR && !trailingSlash) return "directory attributes on a name without a trailing '/'";
  return { path, isDir: trailingSlash };
}
