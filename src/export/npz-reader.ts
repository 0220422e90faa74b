/// <reference types="node" />
// A lazy .npz reader over the zip core (src/zip/): the zip directory is read
// and validated once, every member's .npy header is read at open (a few KiB
// each), and the arrays on demand: stored members straight from the file into
// their typed array, deflated ones inflated with their declared size as the
// cap. NpzReader.load() reads a whole file with one sequential read and serves
// every member from memory (the fast path for full loads and the build cache).
// Untrusted input is checked at every step: the zip by the core (counts, sizes,
// the deflate ratio, local headers, each member's CRC-32), the .npy header
// against the payload here. Memory is bounded from declared sizes before
// anything is read (src/limits.ts): no member above maxMemberBytes is read,
// and a reader meant to load everything refuses, at open, a file whose
// members declare more than maxLoadRatio times its size.

// (The reference above: the viewer's browser type check reaches this module,
// and through it src/zip, via src/viewer/api-types.ts -> evaluation ->
// export-view.ts; they use Node's types.)
import { type FileHandle, open } from "node:fs/promises";
import { notRegularFile } from "../file-reads.js";
import { MAX_NPZ_MEMBER_BYTES, MAX_NPZ_MEMBERS } from "../limits.js";
import {
  BufferSource,
  type ByteSource,
  FileSource,
  type ZipEntry,
  type ZipFault,
  ZipReader,
} from "../zip/index.js";
import { ExportError } from "./errors.js";
import { allocateTypedArray, type NpyTypedArray, npyTypedArray, parseDtype } from "./npy-dtype.js";
import { type NpyHeaderInfo, parseNpyHeader } from "./npy-parse.js";
import { decodeUnicodeScalar } from "./npy-unicode.js";

import type { StoredMember } from "./npz-writer-types.js";

export interface NpzReaderOptions {
  /** Largest member (uncompressed bytes) read into memory; default MAX_NPZ_MEMBER_BYTES (src/limits.ts). */
  maxMemberBytes?: number;
  /**
   * For readers that will load every member: the members' declared sizes may
   * add up to at most max(maxMemberBytes, maxLoadRatio x the file's size),
   * checked at open. Default: no such check (members are read one by one).
   */
  maxLoadRatio?: number;
  /** Largest number of members accepted; default MAX_NPZ_MEMBERS (src/limits.ts). */
  maxMembers?: number;
  /** Check each member's CRC-32 when reading it (default true). */
  verifyCrc?: boolean;
  /** Read-ahead when reading the zip directory of a file (default 1 MiB). */
  directoryWindowBytes?: number;
  /**
   * Read and check every member's .npy header at open (default true). False
   * leaves each to the first read of its member, for callers that copy
   * members as they are stored (info() then needs the member read first).
   */
  readHeaders?: boolean;
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
  /** Entry name, "<key>.npy" for numpy's own files. */
  name: string;
  entry: ZipEntry;
  header?: NpyHeaderInfo;
}

const HEADER_PROBE_BYTES = 4096;
/** Whole-file reads (NpzReader.load) are used up to this size; larger files are read member by member. */
export const MAX_WHOLE_FILE_BYTES = 1536 * 1024 * 1024;

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

/** The .npz wording of a zip-core fault: the file, then the member. */
function faultError(path: string, f: ZipFault): ExportError {
  const options = { cause: f.cause };
  switch (f.kind) {
    case "not-zip":
      return new ExportError(`${path}: not an .npz: ${f.problem}`, options);
    case "directory":
      return new ExportError(`${path}: ${f.problem}`, options);
    default:
      return new ExportError(`${path}: member ${JSON.stringify(f.entry)}: ${f.problem}`, options);
  }
}

function resolveOptions(options: NpzReaderOptions): Required<NpzReaderOptions> {
  return {
    maxMemberBytes: options.maxMemberBytes ?? MAX_NPZ_MEMBER_BYTES,
    maxLoadRatio: options.maxLoadRatio ?? Number.POSITIVE_INFINITY,
    maxMembers: options.maxMembers ?? MAX_NPZ_MEMBERS,
    verifyCrc: options.verifyCrc ?? true,
    directoryWindowBytes: Math.max(1, options.directoryWindowBytes ?? 1 << 20),
    readHeaders: options.readHeaders ?? true,
  };
}

/** A member's record and stored bytes, as NpzWriter.addEncodedMembers takes them. */
function storedMember(m: Member, data: Uint8Array): StoredMember {
  const e = m.entry;
  return {
    name: m.name,
    method: e.method,
    crc32: e.crc32,
    uncompressedSize: e.uncompressedSize,
    chunks: [data],
  };
}

export class NpzReader {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly zip: ZipReader,
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
      const notFile = notRegularFile(st);
      if (notFile !== undefined) throw new ExportError(`${path}: ${notFile}`);
      return await NpzReader.finish(path, new FileSource(fh, st.size), opts);
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
        const notFile = notRegularFile(st);
        if (notFile !== undefined) throw new ExportError(`${path}: ${notFile}`);
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
    return NpzReader.finish(label, new BufferSource(buf), resolveOptions(options));
  }

  /** Reads the zip directory (through the zip core) and every member's .npy header. */
  private static async finish(
    path: string,
    source: ByteSource,
    opts: Required<NpzReaderOptions>,
  ): Promise<NpzReader> {
    const zip = await ZipReader.open(source, {
      maxEntries: opts.maxMembers,
      // a member above maxMemberBytes is refused when it is read, not when the file is opened
      maxTotalBytes: Math.max(opts.maxMemberBytes, opts.maxLoadRatio * source.size),
      directoryWindowBytes: opts.directoryWindowBytes,
      // member names are array keys, never file names: numpy allows ':' in them
      allowColonInNames: true,
      toError: (f) => faultError(path, f),
    });
    const members = new Map<string, Member>();
    for (const entry of zip.entries) {
      if (entry.isDir) continue;
      const name = entry.path;
      const key = name.endsWith(".npy") ? name.slice(0, -4) : name;
      if (members.has(key)) throw new ExportError(`${path}: duplicate member ${JSON.stringify(name)}`);
      members.set(key, { key, name, entry });
    }
    const reader = new NpzReader(path, zip, members, opts);
    if (opts.readHeaders) await reader.loadHeaders();
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
    const h = m.header;
    if (h === undefined)
      throw new ExportError(`${this.label(m)}: its .npy header has not been read (readHeaders: false)`);
    return {
      dtype: h.dtype,
      shape: [...h.shape],
      fortranOrder: h.fortranOrder,
      compressedSize: m.entry.compressedSize,
      size: m.entry.uncompressedSize,
      deflated: m.entry.method === 8,
    };
  }

  private label(m: Member): string {
    return `${this.path}: member ${JSON.stringify(m.name)}`;
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
    const have = m.entry.uncompressedSize - h.headerLength;
    if (have !== h.dataLength) {
      throw new ExportError(
        `${this.label(m)}: dtype ${h.dtype} shape (${h.shape.join(", ")}) needs ${h.dataLength} bytes after its ${h.headerLength}-byte header, the member holds ${have}`,
      );
    }
    return h;
  }

  private async readHeader(m: Member): Promise<NpyHeaderInfo> {
    const label = this.label(m);
    const size = m.entry.uncompressedSize;
    let want = HEADER_PROBE_BYTES;
    for (;;) {
      const head = await this.zip.readEntryPrefix(m.entry, want);
      const h = parseNpyHeader(head, label);
      if (!("needed" in h)) return this.checkHeader(m, h);
      if (h.needed > size)
        throw new ExportError(`${label}: truncated .npy: ${size} bytes, the header needs ${h.needed}`);
      if (h.needed <= head.length)
        throw new ExportError(`${label}: truncated .npy: the member ends inside its header`);
      want = h.needed;
    }
  }

  /** The payload of a member, CRC-checked; `owned` is set when it was read straight into a fresh typed array. */
  private async readMember(
    m: Member,
  ): Promise<{ header: NpyHeaderInfo; payload: Uint8Array; owned: NpyTypedArray | null }> {
    m.header ??= await this.readHeader(m);
    const h = m.header;
    const dt = parseDtype(h.dtype)!;
    const count = h.dataLength / Math.max(1, dt.itemSize);
    const verifyCrc = this.opts.verifyCrc;
    if (m.entry.uncompressedSize > this.opts.maxMemberBytes) {
      throw new ExportError(
        `${this.label(m)}: ${m.entry.uncompressedSize} bytes is too large to read into memory (limit ${this.opts.maxMemberBytes})`,
      );
    }
    if (m.entry.method === 0) {
      // stored: the payload goes straight from the file into its typed array
      const owned = allocateTypedArray(h.dtype, count, true);
      const payload = owned
        ? new Uint8Array(owned.buffer, owned.byteOffset, owned.byteLength)
        : new Uint8Array(h.dataLength);
      await this.zip.readEntryInto(m.entry, [new Uint8Array(h.headerLength), payload], { verifyCrc });
      return { header: h, payload, owned };
    }
    const out = await this.zip.readEntry(m.entry, { maxBytes: this.opts.maxMemberBytes, verifyCrc });
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

  /**
   * Reads a 0-d unicode scalar (e.g. the export manifest) as a string;
   * `maxBytes` refuses a larger member (its declared size) before reading it,
   * `what` says in the message what the bound is for.
   */
  async readString(key: string, opts: { maxBytes?: number; what?: string } = {}): Promise<string> {
    const m = this.member(key);
    const maxBytes = opts.maxBytes ?? this.opts.maxMemberBytes;
    if (m.entry.uncompressedSize > maxBytes) {
      throw new ExportError(
        `${this.label(m)}: ${m.entry.uncompressedSize} bytes is more than the ${maxBytes} bytes allowed for ${opts.what ?? "it"} (corrupt or hostile)`,
      );
    }
    const { header, payload } = await this.readMember(m);
    return decodeUnicodeScalar({ dtype: header.dtype, shape: header.shape, data: payload }, this.label(m));
  }

  /**
   * A member as stored in the zip, for copying it into another .npz as it is
   * (NpzWriter.addEncoded): its entry name, method, CRC-32 and size, and its
   * stored bytes (deflated or not), unverified.
   */
  async rawMember(key: string): Promise<StoredMember> {
    const m = this.member(key);
    return storedMember(m, await this.zip.readRaw(m.entry));
  }

  /** Bytes rawMembers needs in its buffer for these members, in zip order (ZipReader.rawSpan). */
  rawSpan(keys: readonly string[]): number {
    return this.zip.rawSpan(keys.map((k) => this.member(k).entry));
  }

  /**
   * rawMember of each key, for members that follow one another in the file
   * (zip order): one read into `into` (at least rawSpan(keys) bytes), each
   * member's bytes a view of it (ZipReader.readRawRun). Use them before
   * reusing `into`.
   */
  async rawMembers(keys: readonly string[], into: Uint8Array): Promise<StoredMember[]> {
    const members = keys.map((k) => this.member(k));
    const data = await this.zip.readRawRun(
      members.map((m) => m.entry),
      into,
    );
    return members.map((m, i) => storedMember(m, data[i] as Uint8Array));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.zip.close();
  }
}
