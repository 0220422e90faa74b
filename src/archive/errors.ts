// ArchiveError: every user-facing failure of the archive layer (a missing zip,
// a corrupt or malicious archive, an unreadable member, a full disk). The
// message is one line naming the zip / folder / entry and the problem. The
// class lives with every other error class in src/errors.ts.

export { ArchiveError } from "../errors.js";
export { reasonOf } from "../zip/index.js";
