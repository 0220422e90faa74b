// The zip's table of contents (APPNOTE.TXT 4.3.12-4.3.16, 4.5.3): the end of
// central directory record, its zip64 locator and record, and the central
// file headers, with names decoded (Info-ZIP Unicode Path field, else UTF-8
// when flagged, else CP437) and zip64 sizes and offsets applied. The
// directory is read through a ByteSource in windows of bounded size, and every
// count and offset read off the file is checked against the bytes present
// before it is used: the entry count against the room the directory has (46
// bytes a record at least) and a limit, each record against the end of the
// directory. Names, methods and sizes are judged elsewhere (names.ts,
// limits.ts); this module only reads what the zip says.

import type { ByteSource } from "./byte-source.js";
import { crc32 } from "./crc32.js";
import { reasonOf, ZipFault } from "./fault.js";
import {
  CENTRAL_SIGNATURE,
  EOCD_BYTES,
  EOCD_SIGNATURE,
  FLAG_UTF8,
  MAX_ZIP_COMMENT_BYTES,
  UNICODE_PATH_EXTRA_ID,
  ZIP64_EOCD_BYTES,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_EXTRA_ID,
  ZIP64_LOCATOR_BYTES,
  ZIP64_LOCATOR_SIGNATURE,
} from "./format.js";

/** One central file header, as the zip declares it. */
export interface CentralRecord {
  /** The name as stored, decoded; backslashes are kept (so that they can be refused). */
  name: string;
  /** General purpose bit flag (bit 0: encrypted, bit 3: data descriptor, bit 11: UTF-8). */
  flags: number;
  /** Compression method: 0 stored, 8 deflated (others are refused later). */
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the local file header from the start of the zip. */
  localHeaderOffset: number;
  /** External file attributes (Unix mode in the high 16 bits). */
  externalAttributes: number;
  /** Name plus extra field length of this record: the local header's are usually the same. */
  nameExtraBytes: number;
}

export interface DirectoryOptions {
  /** Most entries accepted. */
  maxEntries: number;
  /** Read-ahead when the directory is read from a file, bytes. */
  windowBytes: number;
}

const CENTRAL_BYTES = 46;

/** Where the central directory is and how many entries it declares. */
interface DirectoryEnd {
  entryCount: number;
  offset: number;
  /** The directory must end here: at the (zip64) end record. */
  end: number;
}

/** CP437, the zip default for names without the UTF-8 flag: bytes 0x80-0xff (0x00-0x7f are ASCII). */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

// ignoreBOM keeps a leading U+FEFF in the name rather than dropping it silently
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function decodeName(bytes: Uint8Array, isUtf8: boolean): string {
  if (isUtf8) return utf8.decode(bytes);
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  }
  return s;
}

function u64(dv: DataView, at: number): number {
  // exact up to 2^53; anything larger is refused by the size checks that follow
  return dv.getUint32(at + 4, true) * 0x100000000 + dv.getUint32(at, true);
}

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The bytes [position, position+length), all of them, or a fault. */
async function bytesAt(src: ByteSource, position: number, length: number, what: string): Promise<Uint8Array> {
  const v = src.view(position, length);
  if (v !== null) return v;
  const buf = new Uint8Array(length);
  let got: number;
  try {
    got = await src.read(buf, 0, length, position);
  } catch (e) {
    throw new ZipFault("not-zip", `${what}: cannot read: ${reasonOf(e)}`, undefined, { cause: e });
  }
  if (got < length)
    throw new ZipFault("not-zip", `${what}: unexpected end of file at byte ${position + got}`);
  return buf;
}

/** Finds and reads the end of central directory record (and its zip64 form). */
async function readDirectoryEnd(src: ByteSource): Promise<DirectoryEnd> {
  const size = src.size;
  const tailBytes = Math.min(size, EOCD_BYTES + MAX_ZIP_COMMENT_BYTES + ZIP64_LOCATOR_BYTES);
  const tailStart = size - tailBytes;
  const tail = await bytesAt(src, tailStart, tailBytes, "end of central directory");
  const dv = dataView(tail);
  let i = tailBytes - EOCD_BYTES;
  while (i >= 0 && dv.getUint32(i, true) !== EOCD_SIGNATURE) i--;
  if (i < 0) {
    throw new ZipFault("not-zip", "not a zip file, or truncated (no end-of-central-directory record)");
  }
  const eocd = tailStart + i;
  const commentBytes = dv.getUint16(i + 20, true);
  const after = tailBytes - i - EOCD_BYTES;
  if (commentBytes !== after) {
    throw new ZipFault(
      "not-zip",
      `the end-of-central-directory record at byte ${eocd} declares a ${commentBytes}-byte comment but ${after} bytes follow it (bytes appended to the zip?)`,
    );
  }
  let disk = dv.getUint16(i + 4, true);
  let entryCount = dv.getUint16(i + 10, true);
  let offset = dv.getUint32(i + 16, true);
  let end = eocd;
  const locator = i - ZIP64_LOCATOR_BYTES;
  if (locator >= 0 && dv.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const at = u64(dv, locator + 8);
    if (at + ZIP64_EOCD_BYTES > tailStart + locator) {
      throw new ZipFault(
        "not-zip",
        `the zip64 end-of-central-directory record at byte ${at} does not fit before its locator at byte ${tailStart + locator}`,
      );
    }
    const z = dataView(await bytesAt(src, at, ZIP64_EOCD_BYTES, "zip64 end of central directory"));
    if (z.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
      throw new ZipFault("not-zip", `no zip64 end-of-central-directory record at byte ${at}`);
    }
    disk = z.getUint32(16, true);
    entryCount = u64(z, 32);
    offset = u64(z, 48);
    end = at;
  }
  if (disk !== 0) throw new ZipFault("not-zip", `multi-disk zips are not supported (disk number ${disk})`);
  if (offset > end) {
    throw new ZipFault(
      "not-zip",
      `the central directory is said to start at byte ${offset}, after its end record at byte ${end}`,
    );
  }
  return { entryCount, offset, end };
}

/**
 * Reads the central directory: every record, in order. Throws a ZipFault
 * ("not-zip" or "directory") on anything corrupt or beyond `opts.maxEntries`.
 */
export async function readCentralDirectory(
  src: ByteSource,
  opts: DirectoryOptions,
): Promise<CentralRecord[]> {
  const { entryCount, offset, end } = await readDirectoryEnd(src);
  if (entryCount > opts.maxEntries) {
    throw new ZipFault(
      "directory",
      `declares ${entryCount} entries, more than the limit of ${opts.maxEntries}`,
    );
  }
  if (entryCount * CENTRAL_BYTES > end - offset) {
    throw new ZipFault(
      "directory",
      `corrupt central directory: ${entryCount} entries cannot fit in ${end - offset} bytes`,
    );
  }
  const records: CentralRecord[] = [];
  const corrupt = (problem: string): ZipFault =>
    new ZipFault("directory", `corrupt central directory (after ${records.length} entries): ${problem}`);

  // a window of the directory: [winStart, winStart + win.length)
  let win: Uint8Array = new Uint8Array(0);
  let winStart = offset;
  let dv = dataView(win);
  // records are read in order, so a record not wholly in the window starts a new one at it
  const load = async (pos: number, length: number): Promise<void> => {
    const n = src.inMemory ? end - pos : Math.min(Math.max(opts.windowBytes, length), end - pos);
    win = await bytesAt(src, pos, n, "central directory");
    winStart = pos;
    dv = dataView(win);
  };

  let pos = offset;
  for (let k = 0; k < entryCount; k++) {
    if (pos + CENTRAL_BYTES > end) throw corrupt(`record at byte ${pos} runs past the end of the directory`);
    if (pos + CENTRAL_BYTES > winStart + win.length) await load(pos, CENTRAL_BYTES);
    let at = pos - winStart;
    const signature = dv.getUint32(at, true);
    if (signature !== CENTRAL_SIGNATURE) {
      throw corrupt(`no central file header signature at byte ${pos} (found 0x${signature.toString(16)})`);
    }
    const nameBytes = dv.getUint16(at + 28, true);
    const extraBytes = dv.getUint16(at + 30, true);
    const commentBytes = dv.getUint16(at + 32, true);
    const recordBytes = CENTRAL_BYTES + nameBytes + extraBytes + commentBytes;
    if (pos + recordBytes > end) throw corrupt(`record at byte ${pos} runs past the end of the directory`);
    if (pos + recordBytes > winStart + win.length) {
      await load(pos, recordBytes);
      at = pos - winStart;
    }
    const flags = dv.getUint16(at + 8, true);
    const rec: CentralRecord = {
      name: "",
      flags,
      method: dv.getUint16(at + 10, true),
      crc32: dv.getUint32(at + 16, true),
      compressedSize: dv.getUint32(at + 20, true),
      uncompressedSize: dv.getUint32(at + 24, true),
      localHeaderOffset: dv.getUint32(at + 42, true),
      externalAttributes: dv.getUint32(at + 38, true),
      nameExtraBytes: nameBytes + extraBytes,
    };
    const rawName = win.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameBytes);
    let unicodeName: string | undefined;
    // extra fields: [id u16, size u16, data]...; a tail shorter than a field header is ignored
    const extraStart = at + CENTRAL_BYTES + nameBytes;
    const extraEnd = extraStart + extraBytes;
    for (let x = extraStart; x + 4 <= extraEnd; ) {
      const id = dv.getUint16(x, true);
      const size = dv.getUint16(x + 2, true);
      const data = x + 4;
      if (data + size > extraEnd)
        throw corrupt(`entry ${k + 1}: extra field runs past the end of its record`);
      if (id === ZIP64_EXTRA_ID) {
        // only the fields whose 32-bit value is 0xffffffff are present, in this order
        let p = data;
        const take = (what: string): number => {
          if (p + 8 > data + size) throw corrupt(`entry ${k + 1}: zip64 extra field lacks the ${what}`);
          const v = u64(dv, p);
          p += 8;
          return v;
        };
        if (rec.uncompressedSize === 0xffffffff) rec.uncompressedSize = take("uncompressed size");
        if (rec.compressedSize === 0xffffffff) rec.compressedSize = take("compressed size");
        if (rec.localHeaderOffset === 0xffffffff) rec.localHeaderOffset = take("local header offset");
      } else if (id === UNICODE_PATH_EXTRA_ID && unicodeName === undefined && size >= 6) {
        // Info-ZIP Unicode Path: version 1, CRC-32 of the stored name, UTF-8 name; ignored when stale
        if (win[data] === 1 && dv.getUint32(data + 1, true) === crc32(rawName)) {
          unicodeName = utf8.decode(win.subarray(data + 5, data + size));
        }
      }
      x = data + size;
    }
    rec.name = unicodeName ?? decodeName(rawName, (flags & FLAG_UTF8) !== 0);
    records.push(rec);
    pos += recordBytes;
  }
  return records;
}
