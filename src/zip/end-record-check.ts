// Checking the end records of a zip this package wrote (records.ts) against
// what centralDirectory writes: one disk, the entry count given alike in
// every field that holds it, the zip64 record where its locator says, and a
// central directory that ends where the end records begin (whether it holds
// that many entries is the directory reader's to find). The readers
// (directory.ts, and numpy's zipfile) each read only some of these fields,
// so a damaged one can pass a reader and still break another; a file copied
// as its bytes (src/export/whole-copy.ts) must not pass such a record on.
// The build cache's seal hashes every byte before the end record, not the
// record itself, so its check (src/cache/entry-seal.ts) asks this too.

import {
  EOCD_BYTES,
  MAX_ZIP_COMMENT_BYTES,
  ZIP64_EOCD_BYTES,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_LOCATOR_BYTES,
  ZIP64_LOCATOR_SIGNATURE,
} from "./format.js";
import { zipComment } from "./records.js";

/** The most bytes the end records take at the end of a zip: classic record, longest comment, zip64 record and locator. */
export const END_RECORDS_MAX_BYTES =
  EOCD_BYTES + MAX_ZIP_COMMENT_BYTES + ZIP64_EOCD_BYTES + ZIP64_LOCATOR_BYTES;

/** How many of the last bytes of a zip of `size` bytes hold its end records and comment: END_RECORDS_MAX_BYTES, or all of a shorter file. */
export function endRecordsSpan(size: number): number {
  return Math.min(size, END_RECORDS_MAX_BYTES);
}

const MAX16 = 0xffff;
const MAX32 = 0xffffffff;
/** The zip64 end record's own size field: its bytes after the first 12 (no extensible data). */
const ZIP64_RECORD_SIZE = ZIP64_EOCD_BYTES - 12;

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 0x100000000;
}

/**
 * What is wrong with the end records in `tail`, the last bytes of a zip
 * (from byte `tailAt` of the file; END_RECORDS_MAX_BYTES of them, or the
 * whole file if shorter), or undefined when they are what
 * centralDirectory writes: one disk, the entry count given once, and a
 * central directory that ends where the end records begin.
 */
export function endRecordProblem(tail: Uint8Array, tailAt: number): string | undefined {
  const end = zipComment(tail);
  if (end === undefined) return "no end of central directory record at the end of the file";
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const at = end.endRecordAt;
  const where = `the end record at byte ${tailAt + at}`;
  if (dv.getUint16(at + 4, true) !== 0 || dv.getUint16(at + 6, true) !== 0)
    return `${where} names another disk`;
  const count = dv.getUint16(at + 10, true);
  if (dv.getUint16(at + 8, true) !== count) return `${where} gives two entry counts`;
  const size = dv.getUint32(at + 12, true);
  const offset = dv.getUint32(at + 16, true);
  const locator = at - ZIP64_LOCATOR_BYTES;
  if (locator < 0 || dv.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) {
    return offset + size === tailAt + at
      ? undefined
      : `${where}: its central directory (${size} bytes from byte ${offset}) does not end there`;
  }
  const z = locator - ZIP64_EOCD_BYTES;
  if (z < 0 || dv.getUint32(z, true) !== ZIP64_EOCD_SIGNATURE)
    return `${where}: no zip64 end record before its locator`;
  const zWhere = `the zip64 end record at byte ${tailAt + z}`;
  if (
    u64(dv, locator + 8) !== tailAt + z ||
    dv.getUint32(locator + 4, true) !== 0 ||
    dv.getUint32(locator + 16, true) !== 1
  )
    return `the zip64 locator at byte ${tailAt + locator} does not point at ${zWhere} on the one disk`;
  if (u64(dv, z + 4) !== ZIP64_RECORD_SIZE) return `${zWhere} gives its size as ${u64(dv, z + 4)}`;
  if (dv.getUint32(z + 16, true) !== 0 || dv.getUint32(z + 20, true) !== 0)
    return `${zWhere} names another disk`;
  const count64 = u64(dv, z + 32);
  const size64 = u64(dv, z + 40);
  const offset64 = u64(dv, z + 48);
  if (u64(dv, z + 24) !== count64) return `${zWhere} gives two entry counts`;
  if (offset64 + size64 !== tailAt + z)
    return `${zWhere}: its central directory (${size64} bytes from byte ${offset64}) does not end there`;
  if (
    count !== Math.min(count64, MAX16) ||
    size !== Math.min(size64, MAX32) ||
    offset !== Math.min(offset64, MAX32)
  )
    return `${where} disagrees with ${zWhere}`;
  return undefined;
}
