// A lazy .npz reader. yauzl parses the zip directory (zip64 included); the
// members are then read by random access on demand: stored members with one
// positioned read straight into their typed array, deflated ones inflated
// with a size cap. NpzReader.load() reads a whole file with one sequential
// read and serves every member from memory (the fast path for full loads and
// the build cache). Untrusted input is checked at every step: member sizes
// against the file and a size cap, the deflate ratio, the .npy header against
// the payload, and each member's CRC-32.

import { type FileHandle, open } from "node:fs/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";
import yauzl from "yauzl";
import { crc32 } from "../archive/crc32.js";
import { readFully, WindowedFileReader } from "../archive/file-reader.js";
import { LOCAL_HEADER_BYTES, localDataStart } from "../archive/zip-local-header.js";
import { ExportError } from "./errors.js";
import {
  allocateTypedArray,
  decodeUnicodeScalar,
  type NpyHeaderInfo,
  type NpyTypedArray,
  npyTypedArray,
  parseDtype,
  parseNpyHeader,
} from "./npy.js";

export { ExportError } from "./errors.js";

export interface NpzReaderOptions {
  /** Largest member (uncompressed bytes) accepted; default 8 GiB. */
  maxMemberBytes?: number;
  /** Largest number of members accepted; default 1,000,000. */
  maxMembers?: number;
  /** Check each member's CRC-32 when reading it (default true). */
  verifyCrc?: boolean;
  /** Read-ahead when reading the zip directory of a file (default 1 MiB). */
  directoryWindowBytes?: number;
}

export interface NpzMemberInfo {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  /** Bytes the member occupies in the zip. */
  compressedSize: number;
  /** Bytes of the whole .npy member (header + payload). */
  size: number;
  /** Whether the member is deflated (false: stored). */
  deflated: boolean;
}

export interface NpzArray {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  /** Typed array for numeric dtypes; raw bytes for unicode/bytes dtypes. */
  data: NpyTypedArray;
}

interface Member {
  key: string;
  name: string;
  crc32: number;
  compressedSize: number;
  size: number;
  deflated: boolean;
  localHeaderOffset: number;
  header?: NpyHeaderInfo;
  /** Absolute offset of the member's data in the file, once known. */
  dataStart?: number;
}

/** Random access to the bytes of the .npz: a file handle or a buffer holding the whole file. */
interface ByteSource {
  readonly size: number;
  /** Fills `into` from `position`; fails when the bytes are not there. */
  read(into: Uint8Array, position: number, label: string): Promise<void>;
  /** The bytes themselves when the whole file is in memory (no copy), else null. */
  view(position: number, length: number): Uint8Array | null;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}
  async read(into: Uint8Array, position: number, label: string): Promise<void> {
    const got = await readFully(this.fh, into, 0, into.byteLength, position);
    if (got < into.byteLength)
      throw new ExportError(`${label}: unexpected end of file at byte ${position + got}`);
  }
  view(): null {
    return null;
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.byteLength;
  }
  async read(into: Uint8Array, position: number, label: string): Promise<void> {
    if (position + into.byteLength > this.size)
      throw new ExportError(`${label}: unexpected end of file at byte ${this.size}`);
    into.set(this.buf.subarray(position, position + into.byteLength));
  }
  view(position: number, length: number): Uint8Array | null {
    return position + length <= this.size ? this.buf.subarray(position, position + length) : null;
  }
  async close(): Promise<void> {}
}

const HEADER_PROBE_BYTES = 4096;
/** Room for the member name and local extra field when reading a local header and the .npy header in one go. */
const LOCAL_NAME_ROOM = 256;
const MAX_DEFLATE_RATIO = 1032;
/** Whole-file reads (NpzReader.load) are used up to this size; larger files are read member by member. */
export const MAX_WHOLE_FILE_BYTES = 1536 * 1024 * 1024;

const inflateRaw = promisify(zlib.inflateRaw) as (buf: Uint8Array, opts: zlib.ZlibOptions) => Promise<Buffer>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why a file could not be opened or read, in words (errno codes mapped). */
function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return `cannot read (${code ?? message(e)})`;
}

/** The zip reader's complaint, in words. */
function zipProblem(e: unknown): string {
  const text = message(e);
  if (/end of central directory record signature not found/i.test(text))
    return "not an .npz: not a zip file, or truncated (no end-of-central-directory record)";
  return `not a readable .npz (zip): ${text}`;
}

function resolveOptions(options: NpzReaderOptions): Required<NpzReaderOptions> {
  return {
    maxMemberBytes: options.maxMemberBytes ?? 8 * 1024 ** 3,
    maxMembers: options.maxMembers ?? 1_000_000,
    verifyCrc: options.verifyCrc ?? true,
    directoryWindowBytes: Math.max(1, options.directoryWindowBytes ?? 1 << 20),
  };
}

export class NpzReader {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly source: ByteSource,
    private readonly members: Map<string, Member>,
    private readonly opts: Required<NpzReaderOptions>,
  ) {}

  /** Opens an .npz for random access: reads the zip directory and every member's .npy header, not their data. */
  static async open(path: string, options: NpzReaderOptions = {}): Promise<NpzReader> {
    const opts = resolveOptions(options);
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      throw new ExportError(`${path}: ${fileProblem(e)}`, { cause: e });
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ExportError(`${path}: is a folder, not a file`);
      const size = st.size;
      const source = new FileSource(fh, size);
      const members = await readDirectory(path, opts, (cb) =>
        yauzl.fromRandomAccessReader(
          new WindowedFileReader(fh, size, opts.directoryWindowBytes),
          size,
          { lazyEntries: true, autoClose: false, decodeStrings: true },
          cb,
        ),
      );
      return await NpzReader.finish(path, source, members, opts);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Reads a whole .npz with one sequential read and serves members from memory (files up to MAX_WHOLE_FILE_BYTES; larger ones are opened for random access). */
  static async load(path: string, options: NpzReaderOptions = {}): Promise<NpzReader> {
    let size: number;
    let buf: Buffer;
    try {
      const fh = await open(path, "r");
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw new ExportError(`${path}: is a folder, not a file`);
        size = st.size;
        if (size > MAX_WHOLE_FILE_BYTES) return await NpzReader.open(path, options);
        buf = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (e instanceof ExportError) throw e;
      throw new ExportError(`${path}: ${fileProblem(e)}`, { cause: e });
    }
    return NpzReader.fromBuffer(buf, path, options);
  }

  /** An .npz held in memory; `label` names it in messages. */
  static async fromBuffer(
    buf: Uint8Array,
    label: string,
    options: NpzReaderOptions = {},
  ): Promise<NpzReader> {
    const opts = resolveOptions(options);
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const members = await readDirectory(label, opts, (cb) =>
      yauzl.fromBuffer(b, { lazyEntries: true, decodeStrings: true }, cb),
    );
    return NpzReader.finish(label, new BufferSource(buf), members, opts);
  }

  private static async finish(
    path: string,
    source: ByteSource,
    members: Map<string, Member>,
    opts: Required<NpzReaderOptions>,
  ): Promise<NpzReader> {
    const reader = new NpzReader(path, source, members, opts);
    await reader.loadHeaders();
    return reader;
  }

  /** Array names, without ".npy", in zip order. */
  keys(): string[] {
    return [...this.members.keys()];
  }

  has(key: string): boolean {
    return this.members.has(key);
  }

  private member(key: string): Member {
    if (this.closed) throw new ExportError(`${this.path}: reader is closed`);
    const m = this.members.get(key);
    if (!m) throw new ExportError(`${this.path}: no array ${JSON.stringify(key)} in the .npz`);
    return m;
  }

  info(key: string): NpzMemberInfo {
    const m = this.member(key);
    const h = m.header!;
    return {
      dtype: h.dtype,
      shape: [...h.shape],
      fortranOrder: h.fortranOrder,
      compressedSize: m.compressedSize,
      size: m.size,
      deflated: m.deflated,
    };
  }

  private label(m: Member): string {
    return `${this.path}: member ${JSON.stringify(m.name)}`;
  }

  /** Validates sizes and finds where the member's bytes start. */
  private async locate(m: Member, prefetch = 0): Promise<{ start: number; bytes: Uint8Array | null }> {
    if (m.dataStart !== undefined) return { start: m.dataStart, bytes: null };
    const label = this.label(m);
    const fileSize = this.source.size;
    if (m.size > this.opts.maxMemberBytes)
      throw new ExportError(
        `${label} claims ${m.size} bytes, more than the limit of ${this.opts.maxMemberBytes}`,
      );
    if (!m.deflated && m.compressedSize !== m.size)
      throw new ExportError(`${label} is stored but its sizes differ (${m.compressedSize} vs ${m.size})`);
    if (m.deflated && m.size > m.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new ExportError(
        `${label} claims ${m.size} bytes from ${m.compressedSize} deflated bytes, impossible for deflate`,
      );
    }
    const at = m.localHeaderOffset;
    if (at + LOCAL_HEADER_BYTES > fileSize)
      throw new ExportError(
        `${label}: local header at byte ${at} is past the end of the file (${fileSize} bytes)`,
      );
    // the fixed local header, plus (when asked) the bytes after it, in one read
    const fixed = await this.raw(m, at, Math.min(fileSize - at, LOCAL_HEADER_BYTES + prefetch));
    const start = localDataStart(fixed, at);
    if (start === undefined) throw new ExportError(`${label}: bad local header signature at byte ${at}`);
    if (start + m.compressedSize > fileSize) {
      throw new ExportError(
        `${label}: its ${m.compressedSize} bytes at byte ${start} overflow the file (${fileSize} bytes)`,
      );
    }
    m.dataStart = start;
    const skip = start - at;
    const bytes =
      fixed.length > skip ? fixed.subarray(skip, Math.min(fixed.length, skip + m.compressedSize)) : null;
    return { start, bytes };
  }

  private async loadHeaders(): Promise<void> {
    const list = [...this.members.values()];
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const m = list[next++]!;
        try {
          m.header = await this.readHeader(m);
        } catch (e) {
          // a zip whose members are not .npy files is some other kind of zip
          if (!(e instanceof ExportError) || m.name.endsWith(".npy")) throw e;
          throw new ExportError(`${this.label(m)}: not a .npy array, so this zip is not an .npz`, {
            cause: e,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, list.length) }, worker));
  }

  private checkHeader(m: Member, h: NpyHeaderInfo): NpyHeaderInfo {
    const have = m.size - h.headerLength;
    if (have !== h.dataLength) {
      throw new ExportError(
        `${this.label(m)}: dtype ${h.dtype} shape (${h.shape.join(", ")}) needs ${h.dataLength} bytes after its ${h.headerLength}-byte header, the member holds ${have}`,
      );
    }
    return h;
  }

  /** The first `n` compressed (or stored) bytes of a member. */
  private async raw(m: Member, start: number, n: number): Promise<Uint8Array> {
    const v = this.source.view(start, n);
    if (v) return v;
    const buf = new Uint8Array(n);
    await this.source.read(buf, start, this.label(m));
    return buf;
  }

  private async readHeader(m: Member): Promise<NpyHeaderInfo> {
    const label = this.label(m);
    const { start, bytes: prefetched } = await this.locate(m, LOCAL_NAME_ROOM + HEADER_PROBE_BYTES);
    const size = m.size;
    let want = Math.min(m.compressedSize, HEADER_PROBE_BYTES);
    for (;;) {
      const raw =
        prefetched && prefetched.length >= want
          ? prefetched.subarray(0, want)
          : await this.raw(m, start, want);
      let head: Uint8Array = raw;
      if (m.deflated) {
        try {
          head = zlib.inflateRawSync(raw, {
            finishFlush: zlib.constants.Z_SYNC_FLUSH,
            maxOutputLength: Math.max(1, Math.min(size, 64 << 20)),
          });
        } catch (e) {
          throw new ExportError(`${label}: cannot inflate the .npy header: ${message(e)}`, { cause: e });
        }
      }
      const h = parseNpyHeader(head, label);
      if (!("needed" in h)) return this.checkHeader(m, h);
      if (h.needed > size)
        throw new ExportError(`${label}: truncated .npy: ${size} bytes, the header needs ${h.needed}`);
      if (want >= m.compressedSize)
        throw new ExportError(`${label}: truncated .npy: the member ends inside its header`);
      want = Math.min(m.compressedSize, m.deflated ? want * 4 : h.needed);
    }
  }

  private checkCrc(m: Member, actual: number): void {
    if (actual >>> 0 !== m.crc32 >>> 0) {
      throw new ExportError(
        `${this.label(m)}: CRC-32 mismatch (stored ${(m.crc32 >>> 0).toString(16)}, computed ${(actual >>> 0).toString(16)}): the file is corrupt`,
      );
    }
  }

  /** The payload of a member, CRC-checked; `owned` is set when it was read straight into a fresh typed array. */
  private async readMember(
    m: Member,
  ): Promise<{ header: NpyHeaderInfo; payload: Uint8Array; owned: NpyTypedArray | null }> {
    const label = this.label(m);
    const h = m.header!;
    const { start } = await this.locate(m);
    const dt = parseDtype(h.dtype)!;
    const count = h.dataLength / Math.max(1, dt.itemSize);
    if (!m.deflated) {
      const headBytes = await this.raw(m, start, h.headerLength);
      const owned = allocateTypedArray(h.dtype, count, true);
      const payload = owned
        ? new Uint8Array(owned.buffer, owned.byteOffset, owned.byteLength)
        : new Uint8Array(h.dataLength);
      const inMemory = this.source.view(start + h.headerLength, h.dataLength);
      if (inMemory) {
        if (this.opts.verifyCrc) this.checkCrc(m, crc32(inMemory, crc32(headBytes)));
        payload.set(inMemory);
      } else {
        await this.source.read(payload, start + h.headerLength, label);
        if (this.opts.verifyCrc) this.checkCrc(m, crc32(payload, crc32(headBytes)));
      }
      return { header: h, payload, owned };
    }
    const compressed = await this.raw(m, start, m.compressedSize);
    let out: Buffer;
    try {
      out = await inflateRaw(compressed, {
        maxOutputLength: Math.max(1, m.size),
        chunkSize: Math.min(1 << 20, Math.max(64, m.size + 64)),
      });
    } catch (e) {
      const why =
        (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
          ? `inflates to more than the ${m.size} bytes it claims`
          : `cannot inflate: ${message(e)}`;
      throw new ExportError(`${label}: ${why}`, { cause: e });
    }
    if (out.length !== m.size)
      throw new ExportError(`${label}: inflated to ${out.length} bytes, the directory claims ${m.size}`);
    if (this.opts.verifyCrc) this.checkCrc(m, crc32(out));
    const payload = out.subarray(h.headerLength);
    const owned = allocateTypedArray(h.dtype, count, true);
    if (owned && payload.byteOffset % dt.itemSize !== 0) {
      new Uint8Array(owned.buffer).set(payload);
      return { header: h, payload, owned };
    }
    return { header: h, payload, owned: null };
  }

  /** Reads one array. Numeric dtypes come back as typed arrays; unicode and bytes dtypes as raw bytes (Uint8Array). */
  async read(key: string): Promise<NpzArray> {
    const m = this.member(key);
    const { header, payload, owned } = await this.readMember(m);
    const kind = parseDtype(header.dtype)!.kind;
    let data: NpyTypedArray;
    if (owned) data = owned;
    else if (kind === "U" || kind === "S") data = payload;
    else data = npyTypedArray({ dtype: header.dtype, data: payload }, this.label(m));
    return { dtype: header.dtype, shape: [...header.shape], fortranOrder: header.fortranOrder, data };
  }

  /** Reads a 0-d unicode scalar (e.g. the export manifest) as a string. */
  async readString(key: string): Promise<string> {
    const m = this.member(key);
    const { header, payload } = await this.readMember(m);
    return decodeUnicodeScalar({ dtype: header.dtype, shape: header.shape, data: payload }, this.label(m));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.close();
  }
}

/** Reads the zip directory with yauzl, then closes yauzl's handle (members are read through a ByteSource). */
async function readDirectory(
  path: string,
  opts: Required<NpzReaderOptions>,
  openZip: (cb: (err: Error | null, zip?: yauzl.ZipFile) => void) => void,
): Promise<Map<string, Member>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      openZip((err, z) => (err || !z ? reject(err ?? new Error("no zip")) : resolve(z))),
    );
  } catch (e) {
    throw new ExportError(`${path}: ${zipProblem(e)}`, { cause: e });
  }
  try {
    if (zip.entryCount > opts.maxMembers) {
      throw new ExportError(
        `${path}: the zip directory claims ${zip.entryCount} members, more than the limit of ${opts.maxMembers}`,
      );
    }
    const members = new Map<string, Member>();
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const fail = (why: string) => {
        if (done) return;
        done = true;
        reject(new ExportError(`${path}: ${why}`));
      };
      zip.on("error", (e: unknown) => fail(`bad zip directory: ${message(e)}`));
      zip.on("end", () => {
        done = true;
        resolve();
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        if (done) return;
        const name = entry.fileName;
        if (name.endsWith("/")) return zip.readEntry();
        if (entry.isEncrypted()) return fail(`member ${JSON.stringify(name)} is encrypted`);
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
          return fail(
            `member ${JSON.stringify(name)} uses compression method ${entry.compressionMethod} (only stored and deflate are supported)`,
          );
        }
        const key = name.endsWith(".npy") ? name.slice(0, -4) : name;
        if (members.has(key)) return fail(`duplicate member ${JSON.stringify(name)}`);
        members.set(key, {
          key,
          name,
          crc32: entry.crc32,
          compressedSize: entry.compressedSize,
          size: entry.uncompressedSize,
          deflated: entry.compressionMethod === 8,
          localHeaderOffset: entry.relativeOffsetOfLocalHeader,
        });
        zip.readEntry();
      });
      zip.readEntry();
    });
    return members;
  } finally {
    zip.close();
  }
}
