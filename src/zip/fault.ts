// What goes wrong inside a zip, as data: the kind of problem (not a zip at
// all, a corrupt central directory, a refused entry, bad member data), the
// entry concerned and a one-line description. The zip core throws ZipFault;
// each caller turns it into its own error class and framing (the archive
// layer's ArchiveError naming the zip, the .npz reader's ExportError naming
// the member) through the `toError` it passes to ZipReader.open.

export type ZipFaultKind =
  /** No usable end-of-central-directory record: not a zip, truncated, or trailing bytes. */
  | "not-zip"
  /** The central directory is corrupt, or declares more than the limits allow. */
  | "directory"
  /** One entry is refused when the zip is opened (name, type, method, sizes). */
  | "entry"
  /** Reading one member failed (local header, short file, inflate, size, CRC-32, caps). */
  | "data";

export class ZipFault extends Error {
  constructor(
    readonly kind: ZipFaultKind,
    /** What is wrong, one line, without the zip's or the entry's name. */
    readonly problem: string,
    /** The entry's name as stored, for "entry" and "data" faults. */
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(entry === undefined ? problem : `entry ${JSON.stringify(entry)}: ${problem}`, options);
    this.name = "ZipFault";
  }
}

/** Turns a fault into the caller's error (the default keeps the ZipFault). */
export type ZipErrorFactory = (fault: ZipFault) => Error;

/** One-line text of an unknown error (no stack). */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/\s*\n\s*/g, " ");
  return String(e);
}
