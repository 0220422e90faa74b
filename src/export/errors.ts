// The error raised for anything wrong with a .npy/.npz file or an export:
// unreadable or hostile input (bad magic, truncated data, impossible sizes),
// a dataset that cannot be represented, or a failed write. Messages name the
// file, the member and, where known, the byte offset.

import { Ac1Error } from "../errors.js";

export class ExportError extends Ac1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super("EXPORT", message, options);
    this.name = "ExportError";
  }
}
