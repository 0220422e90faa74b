// Hostile inputs built cheaply for tests and measurements: deflate streams
// that inflate to gigabytes of zeros (a few MB compressed, built in well under
// a second by repeating one sync-flushed block), a zip member appended to an
// existing zip without recompressing it, and a MAT header to put in front.

import * as zlib from "node:zlib";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { BufferSource, ZipReader } from "../../src/zip/index.js";
import { centralRecords, eocdOffset } from "../archive/craft.js";
import { makeZip } from "./zip.js";

export interface DeflatedMember {
  /** Raw deflate data. */
  compressed: Buffer;
  /** CRC-32 of the inflated bytes. */
  crc32: number;
  /** Inflated size, bytes. */
  size: number;
}

const BLOCK = 1 << 20;

/**
 * Raw deflate data for `prefix` followed by zeros, `totalBytes` in all
 * (rounded down to whole MiB of zeros). One block of 1 MiB of zeros,
 * sync-flushed (byte aligned, not final), decodes to zeros wherever it stands,
 * so it is repeated instead of compressing gigabytes.
 */
export function zerosAfter(prefix: Uint8Array, totalBytes: number): DeflatedMember {
  return repeatedAfter(prefix, Buffer.alloc(BLOCK), Math.floor((totalBytes - prefix.length) / BLOCK));
}

/**
 * Raw deflate data for `prefix` followed by `count` copies of `unit`. A block
 * compressed on its own refers to nothing before it, so its compressed bytes,
 * sync-flushed (byte aligned, not final), can be repeated as they are.
 */
export function repeatedAfter(
  prefix: Uint8Array,
  unit: Uint8Array,
  count: number,
  suffix: Uint8Array = new Uint8Array(0),
): DeflatedMember {
  const head = zlib.deflateRawSync(prefix, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const block = zlib.deflateRawSync(unit, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const tail = zlib.deflateRawSync(suffix); // the final block
  const parts: Buffer[] = [head];
  // some zlib.crc32 builds answer 0 for an empty buffer: leave empty parts out
  const more = (data: Uint8Array, crc: number) => (data.length === 0 ? crc : zlib.crc32(data, crc));
  let crc = more(prefix, 0);
  for (let i = 0; i < count; i++) {
    parts.push(block);
    crc = more(unit, crc);
  }
  parts.push(tail);
  crc = more(suffix, crc);
  return {
    compressed: Buffer.concat(parts),
    crc32: crc >>> 0,
    size: prefix.length + count * unit.length + suffix.length,
  };
}

/** A Level 5 MAT header (128 bytes, little-endian, version 0x0100). */
export function matHeader(text = "MATLAB 5.0 MAT-file, crafted"): Uint8Array {
  const h = Buffer.alloc(128, 0x20);
  h.write(text, 0, "latin1");
  h.writeUInt16LE(0x0100, 124);
  h.write("IM", 126, "latin1");
  return h;
}

/**
 * `zip` with one more deflated member `name` holding `member` (written as
 * is: no recompression). The zip must be a plain (non-zip64) zip without a
 * comment.
 */
export function appendDeflatedMember(zip: Buffer, name: string, member: DeflatedMember): Buffer {
  const eocd = eocdOffset(zip);
  const cdStart = zip.readUInt32LE(eocd + 16);
  const count = zip.readUInt16LE(eocd + 10);
  const records = centralRecords(zip);
  if (records.length !== count) throw new Error("appendDeflatedMember: unexpected directory");
  const nameBytes = Buffer.from(name, "utf8");
  const lh = Buffer.alloc(30);
  lh.writeUInt32LE(0x04034b50, 0);
  lh.writeUInt16LE(20, 4);
  lh.writeUInt16LE(0x800, 6);
  lh.writeUInt16LE(8, 8);
  lh.writeUInt32LE(member.crc32, 14);
  lh.writeUInt32LE(member.compressed.length, 18);
  lh.writeUInt32LE(member.size, 22);
  lh.writeUInt16LE(nameBytes.length, 26);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE((3 << 8) | 20, 4);
  cd.writeUInt16LE(20, 6);
  cd.writeUInt16LE(0x800, 8);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(member.crc32, 16);
  cd.writeUInt32LE(member.compressed.length, 20);
  cd.writeUInt32LE(member.size, 24);
  cd.writeUInt16LE(nameBytes.length, 28);
  cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  cd.writeUInt32LE(cdStart, 42);
  const local = Buffer.concat([lh, nameBytes, member.compressed]);
  const oldDirectory = zip.subarray(cdStart, eocd);
  const directory = Buffer.concat([oldDirectory, cd, nameBytes]);
  const end = Buffer.from(zip.subarray(eocd, eocd + 22));
  end.writeUInt16LE(count + 1, 8);
  end.writeUInt16LE(count + 1, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(cdStart + local.length, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([zip.subarray(0, cdStart), local, directory, end]);
}

/**
 * The .npy member of a 0-d unicode scalar (`<U{n}`) holding `head`, then
 * `count` copies of `unit`, then `tail` (4 bytes a code point), as raw
 * deflate data: a manifest of millions of stims, or followed by hundreds of
 * millions of spaces, from a few MB.
 */
export function unicodeNpyRepeating(head: string, unit: string, count: number, tail = ""): DeflatedMember {
  const utf32 = (s: string) => Buffer.from(s === "" ? new Uint8Array(0) : encodeUnicodeScalar(s).data);
  const [h, u, t] = [utf32(head), utf32(unit), utf32(tail)];
  const codePoints = (h.length + count * u.length + t.length) / 4;
  const prefix = Buffer.concat([encodeNpyHeader(`<U${codePoints}`, []), h]);
  return repeatedAfter(prefix, u, count, t);
}

/** The members of a zip held in memory, inflated: name -> bytes. */
export async function zipMembers(zip: Uint8Array): Promise<Map<string, Uint8Array>> {
  const reader = await ZipReader.open(new BufferSource(zip));
  const out = new Map<string, Uint8Array>();
  try {
    for (const e of reader.entries)
      if (!e.isDir) out.set(e.path, await reader.readEntry(e, { maxBytes: Number.POSITIVE_INFINITY }));
  } finally {
    await reader.close();
  }
  return out;
}

/** A copy of an .npz (in memory) whose manifest member is replaced by `manifest` (raw deflate). */
export async function npzWithManifest(npz: Uint8Array, manifest: DeflatedMember): Promise<Buffer> {
  const members = await zipMembers(npz);
  members.delete("manifest.npy");
  const zip = await makeZip([...members].map(([name, data]) => ({ name, data })));
  return appendDeflatedMember(zip, "manifest.npy", manifest);
}
