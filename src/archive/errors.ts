// ArchiveError: every user-facing failure of the archive layer (a missing zip,
// a corrupt or malicious archive, an unreadable member, a full disk). The
// message is one line naming the zip / folder / entry and the problem. The
// class lives with every other error class in src/errors.ts.

export { ArchiveError } from "../errors.js";

/** One-line text of an unknown error (no stack), for wrapping into an ArchiveError. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/\s*\n\s*/g, " ");
  return String(e);
}
