// Zips built byte by byte (stored entries only), for layouts yazl never
// writes: names without the UTF-8 flag, Info-ZIP Unicode Path fields, a local
// extra field longer than the central one, comments, bytes appended after the
// end record. The CRC-32 is computed here independently of src/zip.

export interface RawEntry {
  /** The stored name: a string (written as UTF-8) or raw bytes. */
  name: string | Uint8Array;
  data: Uint8Array;
  /** General purpose flags (default 0x800: UTF-8 name). */
  flags?: number;
  localExtra?: Uint8Array;
  centralExtra?: Uint8Array;
  /** Unix mode incl. file type bits (default 0o100644). */
  mode?: number;
}

export interface RawZipOptions {
  /** The end record's comment. */
  comment?: Uint8Array;
  /** Bytes after the end record (not declared by it). */
  trailing?: Uint8Array;
  /** The end record's disk number (default 0). */
  disk?: number;
}

/** A hand-built zip of stored entries. */
export function rawStoredZip(entries: RawEntry[], opts: RawZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === "string" ? Buffer.from(e.name, "utf8") : Buffer.from(e.name);
    const flags = e.flags ?? 0x800;
    const localExtra = Buffer.from(e.localExtra ?? new Uint8Array(0));
    const centralExtra = Buffer.from(e.centralExtra ?? new Uint8Array(0));
    const data = Buffer.from(e.data);
    const crc = independentCrc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(localExtra.length, 28);
    const local = Buffer.concat([lh, name, localExtra, data]);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(centralExtra.length, 30);
    cd.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([cd, name, centralExtra]));
    locals.push(local);
    offset += local.length;
  }
  const cdBuf = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? new Uint8Array(0));
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.disk ?? 0, 4);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, cdBuf, eocd, comment, Buffer.from(opts.trailing ?? new Uint8Array(0))]);
}

/** CRC-32 written out bit by bit: independent of the code under test. */
export function independentCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** An extra field record: id, size, data. */
export function extraField(id: number, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(4 + data.length);
  out.writeUInt16LE(id, 0);
  out.writeUInt16LE(data.length, 2);
  out.set(data, 4);
  return out;
}
