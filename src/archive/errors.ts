// ArchiveError: every user-facing failure of the archive layer (a missing zip,
// a corrupt or malicious archive, an unreadable member, a full disk). The
// message is one line naming the zip / folder / entry and the problem.

import { Ac1Error } from "../errors.js";

export { reasonOf } from "../zip/index.js";

export class ArchiveError extends Ac1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ARCHIVE", message, options);
    this.name = "ArchiveError";
  }
}
