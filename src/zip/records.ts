// The records a zip writer emits (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.14-4.3.16):
// local file headers, the central directory and its end records, with zip64
// fields exactly where a size, an offset or the entry count needs them.
// Pure byte builders; the writer (src/export/npz-writer.ts) does the I/O and
// the ordering. Written by hand because the writer needs what yazl does not
// offer: members compressed ahead of their turn (several at once) and members
// copied raw, as compressed bytes, from another zip.

import {
  CENTRAL_SIGNATURE,
  EOCD_BYTES,
  EOCD_SIGNATURE,
  FLAG_UTF8,
  LOCAL_HEADER_SIGNATURE,
  MAX_ZIP_COMMENT_BYTES,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_EXTRA_ID,
  ZIP64_LOCATOR_SIGNATURE,
} from "./format.js";

export { EOCD_BYTES, MAX_ZIP_COMMENT_BYTES };

/** One member as the central directory will describe it. */
export interface WrittenEntry {
  /** UTF-8 name. */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** General purpose bit flags as in the member's local header (bit 11, UTF-8, is added for non-ASCII names). */
  flags: number;
  dosTime: number;
  dosDate: number;
  localHeaderOffset: number;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** Version needed: 2.0 (deflate), 4.5 (zip64). */
const VERSION_DEFLATE = 20;
const VERSION_ZIP64 = 45;
/** Made by: Unix (3), spec 4.5. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
/** A regular file, rw-r--r--, in the high 16 bits. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;

const utf8 = new TextEncoder();

/** The MS-DOS time and date of `d` in local time (the zip convention), clamped to 1980..2107. */
export function dosDateTime(d: Date): { dosTime: number; dosDate: number } {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  return {
    dosTime: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    dosDate: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function nameBytes(name: string): Uint8Array {
  return utf8.encode(name);
}

function isAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0x7f) return false;
  return true;
}

function flagsOf(e: WrittenEntry): number {
  return isAscii(e.name) ? e.flags : e.flags | FLAG_UTF8;
}

function setU64(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v % 0x100000000, true);
  dv.setUint32(at + 4, Math.floor(v / 0x100000000), true);
}

/** Whether a member of these sizes needs zip64 fields in its local header. */
export function needsZip64Sizes(uncompressedSize: number, compressedSize: number): boolean {
  return uncompressedSize >= MAX32 || compressedSize >= MAX32;
}

/**
 * The local file header of `e` (sizes and CRC included: the writer knows
 * them before the data). With zip64 sizes, both sizes go in a zip64 extra
 * field and read 0xffffffff in the header.
 */
export function localHeader(e: WrittenEntry): Uint8Array {
  const name = nameBytes(e.name);
  const zip64 = needsZip64Sizes(e.uncompressedSize, e.compressedSize);
  const extra = zip64 ? 20 : 0;
  const out = new Uint8Array(30 + name.length + extra);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, LOCAL_HEADER_SIGNATURE, true);
  dv.setUint16(4, zip64 ? VERSION_ZIP64 : VERSION_DEFLATE, true);
  dv.setUint16(6, flagsOf(e), true);
  dv.setUint16(8, e.method, true);
  dv.setUint16(10, e.dosTime, true);
  dv.setUint16(12, e.dosDate, true);
  dv.setUint32(14, e.crc32 >>> 0, true);
  dv.setUint32(18, zip64 ? MAX32 : e.compressedSize, true);
  dv.setUint32(22, zip64 ? MAX32 : e.uncompressedSize, true);
  dv.setUint16(26, name.length, true);
  dv.setUint16(28, extra, true);
  out.set(name, 30);
  if (zip64) {
    const at = 30 + name.length;
    dv.setUint16(at, ZIP64_EXTRA_ID, true);
    dv.setUint16(at + 2, 16, true);
    setU64(dv, at + 4, e.uncompressedSize);
    setU64(dv, at + 12, e.compressedSize);
  }
  return out;
}

function centralRecord(e: WrittenEntry): Uint8Array {
  const name = nameBytes(e.name);
  // Only the fields whose 32-bit value overflows go in the zip64 extra, in this order.
  const wide: number[] = [];
  if (e.uncompressedSize >= MAX32) wide.push(e.uncompressedSize);
  if (e.compressedSize >= MAX32) wide.push(e.compressedSize);
  if (e.localHeaderOffset >= MAX32) wide.push(e.localHeaderOffset);
  const extra = wide.length > 0 ? 4 + 8 * wide.length : 0;
  const out = new Uint8Array(46 + name.length + extra);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CENTRAL_SIGNATURE, true);
  dv.setUint16(4, MADE_BY, true);
  dv.setUint16(6, wide.length > 0 ? VERSION_ZIP64 : VERSION_DEFLATE, true);
  dv.setUint16(8, flagsOf(e), true);
  dv.setUint16(10, e.method, true);
  dv.setUint16(12, e.dosTime, true);
  dv.setUint16(14, e.dosDate, true);
  dv.setUint32(16, e.crc32 >>> 0, true);
  dv.setUint32(20, Math.min(e.compressedSize, MAX32), true);
  dv.setUint32(24, Math.min(e.uncompressedSize, MAX32), true);
  dv.setUint16(28, name.length, true);
  dv.setUint16(30, extra, true);
  // comment length, disk number, internal attributes: 0
  dv.setUint32(38, EXTERNAL_ATTRIBUTES, true);
  dv.setUint32(42, Math.min(e.localHeaderOffset, MAX32), true);
  out.set(name, 46);
  if (extra > 0) {
    const at = 46 + name.length;
    dv.setUint16(at, ZIP64_EXTRA_ID, true);
    dv.setUint16(at + 2, 8 * wide.length, true);
    for (let i = 0; i < wide.length; i++) setU64(dv, at + 4 + 8 * i, wide[i] as number);
  }
  return out;
}

/** The longest zip comment (its length is a 16-bit field). */

/**
 * The central directory of `entries` starting at byte `offset` of the zip,
 * then the end records: a zip64 end record and locator when the entry count,
 * the directory's size or its offset needs them, and always the classic end
 * of central directory record (last, with `comment` if given). The records
 * come in separate arrays, the end record last.
 */
export function centralDirectory(
  entries: readonly WrittenEntry[],
  offset: number,
  comment: Uint8Array = new Uint8Array(0),
): Uint8Array[] {
  if (comment.length > MAX_ZIP_COMMENT_BYTES)
    throw new RangeError(`zip comment of ${comment.length} bytes, more than ${MAX_ZIP_COMMENT_BYTES}`);
  const records = entries.map(centralRecord);
  let size = 0;
  for (const r of records) size += r.length;
  const out: Uint8Array[] = records;
  const zip64 = entries.length >= MAX16 || size >= MAX32 || offset >= MAX32;
  if (zip64) {
    const z = new Uint8Array(56 + 20);
    const dv = new DataView(z.buffer);
    dv.setUint32(0, ZIP64_EOCD_SIGNATURE, true);
    setU64(dv, 4, 56 - 12);
    dv.setUint16(12, MADE_BY, true);
    dv.setUint16(14, VERSION_ZIP64, true);
    // disk numbers 0
    setU64(dv, 24, entries.length);
    setU64(dv, 32, entries.length);
    setU64(dv, 40, size);
    setU64(dv, 48, offset);
    dv.setUint32(56, ZIP64_LOCATOR_SIGNATURE, true);
    // disk with the zip64 end record: 0
    setU64(dv, 64, offset + size);
    dv.setUint32(72, 1, true);
    out.push(z);
  }
  const end = new Uint8Array(EOCD_BYTES + comment.length);
  const dv = new DataView(end.buffer);
  dv.setUint16(20, comment.length, true);
  end.set(comment, EOCD_BYTES);
  dv.setUint32(0, EOCD_SIGNATURE, true);
  dv.setUint16(8, Math.min(entries.length, MAX16), true);
  dv.setUint16(10, Math.min(entries.length, MAX16), true);
  dv.setUint32(12, Math.min(size, MAX32), true);
  dv.setUint32(16, Math.min(offset, MAX32), true);
  out.push(end);
  return out;
}

/**
 * The comment of a zip held whole in `bytes` and where its end record
 * starts (every byte before it is the body a seal hashes): the last end of
 * central directory record whose comment reaches exactly to the end of the
 * bytes. Undefined when there is none.
 */
export function zipComment(bytes: Uint8Array): { comment: Uint8Array; endRecordAt: number } | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lowest = Math.max(0, bytes.length - EOCD_BYTES - MAX_ZIP_COMMENT_BYTES);
  for (let at = bytes.length - EOCD_BYTES; at >= lowest; at--) {
    if (dv.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    if (at + EOCD_BYTES + dv.getUint16(at + 20, true) !== bytes.length) continue;
    return { comment: bytes.subarray(at + EOCD_BYTES), endRecordAt: at };
  }
  return undefined;
}
