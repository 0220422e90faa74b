// One zip opened for random access, the single zip core of the project
// (release zips in archive/, .npz files in export/). open() reads the central
// directory (directory.ts) and validates every entry up front: names and file
// types (names.ts), methods and declared sizes (limits.ts). Members are then
// read by seeking straight to their data, in one of four ways, each bounded
// and verified (member-data.ts):
//   readEntry(entry, { maxBytes })        the whole member in memory
//   readEntryInto(entry, parts)           the whole member into the caller's buffers
//   readEntryPrefix(entry, n)             the first n bytes (headers), unverified
//   openEntryStream(entry, { maxBytes })  the member as a stream, for any size
// The caller chooses each read's cap; nothing is allocated from a size the
// zip declares beyond it, nor beyond the bytes present in the file.
//
// Why not yauzl: it was used for the central directory alone (CRC-32 checks,
// size caps, local headers and inflation were already ours), through an
// event-per-entry API with two reads a record, which both readers had to wrap
// (a read-ahead adapter, two promise walkers), over files only. The directory
// format is small and fully specified (APPNOTE.TXT), and reading it here lets
// one bounded read cover many records, serves files and in-memory zips alike,
// and puts every check in one place. yauzl stays a dev dependency: the tests
// compare this reader with it on generated zips.

import { Readable } from "node:stream";
import type { ByteSource } from "./byte-source.js";
import { crc32 } from "./crc32.js";
import { type CentralRecord, readCentralDirectory } from "./directory.js";
import { reasonOf, type ZipErrorFactory, ZipFault } from "./fault.js";
import { DEFAULT_OPEN_LIMITS, sizeProblem, type ZipOpenLimits } from "./limits.js";
import { LOCAL_HEADER_BYTES, localDataStart } from "./local-header.js";
import { checkWhole, inflatePrefix, inflateWhole, inflateWholeSync, verifiedChunks } from "./member-data.js";
import { checkEntryName } from "./names.js";

/**
 * Bytes of a member's local header with its name and extra field, taken to
 * be as long as its central record says (usually so; a read that guessed
 * wrong reads the data again where the local header says it starts).
 */
function guessedHeaderBytes(entry: CentralRecord): number {
  return LOCAL_HEADER_BYTES + entry.nameExtraBytes;
}

/** A validated entry (file or folder) of a zip. */
export interface ZipEntry extends Readonly<CentralRecord> {
  /** Path inside the zip, '/'-separated, no trailing '/'. */
  readonly path: string;
  readonly isDir: boolean;
}

export interface ZipOpenOptions extends Partial<ZipOpenLimits> {
  /** Read-ahead when reading the central directory from a file (default 1 MiB). */
  directoryWindowBytes?: number;
  /** Accept ':' in entry names (see names.ts); default false. */
  allowColonInNames?: boolean;
  /** Turns the core's faults into the caller's errors (default: throw the ZipFault). */
  toError?: ZipErrorFactory;
}

export interface ReadOptions {
  /** Check the CRC-32 (default true). */
  verifyCrc?: boolean;
}

export interface CappedReadOptions extends ReadOptions {
  /** Largest member accepted by this read, bytes (its declared size; the data can never exceed that). */
  maxBytes: number;
}

export interface StreamOptions extends CappedReadOptions {
  /** Called with the number of content bytes as they pass. */
  onBytes?: (n: number) => void;
}

/** Size of the chunks a member is read from the file in. */
const READ_CHUNK_BYTES = 1 << 20;

export class ZipReader {
  private bytes = 0;
  private closed = false;
  /** Data offset of each entry whose local header has been read. */
  private readonly dataStarts = new Map<ZipEntry, number>();

  private constructor(
    private readonly source: ByteSource,
    /** Entries in central-directory order, folders included. */
    readonly entries: readonly ZipEntry[],
    /** Sum of the files' declared uncompressed sizes, bytes. */
    readonly totalUncompressedBytes: number,
    private readonly toError: ZipErrorFactory,
  ) {}

  /**
   * Reads the central directory of `source` and validates every entry. The
   * source stays the caller's until open succeeds; then close() closes it.
   */
  static async open(source: ByteSource, options: ZipOpenOptions = {}): Promise<ZipReader> {
    const toError = options.toError ?? ((f: ZipFault) => f);
    const lim: ZipOpenLimits = {
      maxRatio: options.maxRatio ?? DEFAULT_OPEN_LIMITS.maxRatio,
      maxEntryBytes: options.maxEntryBytes ?? DEFAULT_OPEN_LIMITS.maxEntryBytes,
      maxTotalBytes: options.maxTotalBytes ?? DEFAULT_OPEN_LIMITS.maxTotalBytes,
      maxEntries: options.maxEntries ?? DEFAULT_OPEN_LIMITS.maxEntries,
    };
    try {
      const records = await readCentralDirectory(source, {
        maxEntries: lim.maxEntries,
        windowBytes: Math.max(1, options.directoryWindowBytes ?? 1 << 20),
      });
      const entries: ZipEntry[] = [];
      let total = 0;
      for (const rec of records) {
        const checked = checkEntryName(rec.name, rec.externalAttributes, {
          allowColon: options.allowColonInNames === true,
        });
        if (typeof checked === "string") throw new ZipFault("entry", `refused: ${checked}`, rec.name);
        if (!checked.isDir) {
          const problem = sizeProblem(rec, source.size, lim);
          if (problem !== null) throw new ZipFault("entry", problem, rec.name);
          total += rec.uncompressedSize;
          if (total > lim.maxTotalBytes) {
            throw new ZipFault(
              "directory",
              `declares more than ${lim.maxTotalBytes} uncompressed bytes in total (zip bomb?); refused`,
            );
          }
        }
        // an explicit literal: spreading the record is several times slower on large directories
        entries.push({
          name: rec.name,
          flags: rec.flags,
          method: rec.method,
          crc32: rec.crc32,
          compressedSize: rec.compressedSize,
          uncompressedSize: rec.uncompressedSize,
          localHeaderOffset: rec.localHeaderOffset,
          externalAttributes: rec.externalAttributes,
          nameExtraBytes: rec.nameExtraBytes,
          path: checked.path,
          isDir: checked.isDir,
        });
      }
      return new ZipReader(source, entries, total, toError);
    } catch (e) {
      throw e instanceof ZipFault ? toError(e) : e;
    }
  }

  /** Size of the zip, bytes. */
  get sizeBytes(): number {
    return this.source.size;
  }

  /** Compressed member bytes read so far by whole reads and streams (not by prefix reads). */
  bytesRead(): number {
    return this.bytes;
  }

  /** Reads one file member whole into memory, inflated and verified. The caller owns the bytes. */
  async readEntry(entry: ZipEntry, opts: CappedReadOptions): Promise<Uint8Array> {
    try {
      this.checkReadable(entry, opts.maxBytes, "to read into memory");
      return await this.whole(entry, opts.verifyCrc !== false);
    } catch (e) {
      throw this.convert(e);
    }
  }

  /**
   * Reads one file member whole into `parts`, one after the other (their
   * lengths must add up to its size): a stored member goes straight from the
   * file into them. Verified like readEntry.
   */
  async readEntryInto(entry: ZipEntry, parts: readonly Uint8Array[], opts: ReadOptions = {}): Promise<void> {
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    if (total !== entry.uncompressedSize) {
      throw new RangeError(`readEntryInto: parts hold ${total} bytes, the entry ${entry.uncompressedSize}`);
    }
    const verify = opts.verifyCrc !== false;
    try {
      this.checkReadable(entry);
      if (entry.method !== 0) {
        scatter(await this.whole(entry, verify), parts);
        return;
      }
      const start = await this.dataStart(entry);
      const inMemory = this.source.view(start, entry.compressedSize);
      if (inMemory !== null) {
        checkWhole(entry, inMemory.length, verify ? crc32(inMemory) : undefined);
        scatter(inMemory, parts);
      } else {
        let pos = start;
        let crc = 0;
        for (const part of parts) {
          const got = await this.read(entry, part, pos);
          if (got < part.byteLength) throw this.shortFile(entry, pos + got);
          if (verify) crc = crc32(part, crc);
          pos += got;
        }
        checkWhole(entry, pos - start, verify ? crc : undefined);
      }
      this.bytes += entry.compressedSize;
    } catch (e) {
      throw this.convert(e);
    }
  }

  /**
   * A file member's data as stored in the zip (deflated bytes for method 8),
   * neither inflated nor verified: for copying the member into another zip
   * as it is. For an in-memory zip the bytes are a view of it.
   */
  async readRaw(entry: ZipEntry): Promise<Uint8Array> {
    try {
      this.checkReadable(entry);
      const bytes = await this.stored(entry, entry.compressedSize);
      if (bytes.length < entry.compressedSize) throw this.shortFile(entry, bytes.length);
      return bytes;
    } catch (e) {
      throw this.convert(e);
    }
  }

  /**
   * Bytes readRawRun needs in `into` for `entries` (file order): from the
   * first one's local header to the end of the last one's data, its local
   * header taken to be as long as its central record says.
   */
  rawSpan(entries: readonly ZipEntry[]): number {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return 0;
    return last.localHeaderOffset + guessedHeaderBytes(last) + last.compressedSize - first.localHeaderOffset;
  }

  /**
   * The stored bytes of file members `entries`, as readRaw gives each, for
   * members that lie one after another in the zip (how a writer lays them
   * out): one read of rawSpan(entries) bytes into `into`, each member's
   * bytes a view of it. So a copy of many members reuses one buffer instead
   * of a new one per member. A member found elsewhere than the span (a local
   * header longer than its record, a gap) is read on its own, into memory of
   * its own. For an in-memory zip, views of the zip; `into` is left alone.
   */
  async readRawRun(entries: readonly ZipEntry[], into: Uint8Array): Promise<Uint8Array[]> {
    const first = entries[0];
    if (first === undefined) return [];
    const span = this.rawSpan(entries);
    if (span > into.byteLength)
      throw new RangeError(`readRawRun: ${span} bytes needed, ${into.byteLength} given`);
    try {
      for (const e of entries) this.checkReadable(e);
      const base = first.localHeaderOffset;
      // (entries out of file order give a span below one header: nothing is read, each member alone)
      const run =
        span < LOCAL_HEADER_BYTES
          ? new Uint8Array(0)
          : (this.source.view(base, span) ??
            into.subarray(0, await this.read(first, into.subarray(0, span), base)));
      const out: Uint8Array[] = [];
      for (const e of entries) {
        const rel = e.localHeaderOffset - base;
        const head = rel >= 0 && rel + LOCAL_HEADER_BYTES <= run.length ? run.subarray(rel) : null;
        const start = head === null ? undefined : this.checkLocalHeader(e, head) - base;
        if (start !== undefined && start + e.compressedSize <= run.length) {
          out.push(run.subarray(start, start + e.compressedSize));
        } else {
          out.push(await this.stored(e, e.compressedSize, true));
        }
      }
      return out;
    } catch (e) {
      throw this.convert(e);
    }
  }

  /**
   * The first min(`length`, size) content bytes of a file member, or more
   * (no CRC-32 check: the rest is not read). For an in-memory zip the bytes
   * may be a view of it: read them, do not keep or change them.
   */
  async readEntryPrefix(entry: ZipEntry, length: number): Promise<Uint8Array> {
    try {
      this.checkReadable(entry);
      const want = Math.min(length, entry.uncompressedSize);
      if (entry.method === 0) return await this.stored(entry, want);
      const c = entry.compressedSize;
      let take = Math.min(c, Math.max(1, want));
      for (;;) {
        const out = inflatePrefix(entry, await this.stored(entry, take));
        if (out.length >= want) return out;
        if (take === c) checkWhole(entry, out.length, undefined);
        take = Math.min(c, take * 4);
      }
    } catch (e) {
      throw this.convert(e);
    }
  }

  /**
   * One file member as a stream of its content, verified as it passes: the
   * stream fails as soon as more than the declared size arrives, and at the
   * end when less did or the CRC-32 differs. Memory stays a few chunks
   * whatever the member's size.
   */
  async openEntryStream(entry: ZipEntry, opts: StreamOptions): Promise<Readable> {
    try {
      this.checkReadable(entry, opts.maxBytes, "for this read");
      const start = await this.dataStart(entry);
      const chunks = verifiedChunks(
        entry,
        this.chunks(entry, start),
        entry.method === 8,
        opts.verifyCrc !== false,
        opts.onBytes,
      );
      return Readable.from(this.converted(chunks), { objectMode: false });
    } catch (e) {
      throw this.convert(e);
    }
  }

  /** Closes the zip and its source. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.close();
  }

  // ---- internals -----------------------------------------------------------

  private convert(e: unknown): unknown {
    return e instanceof ZipFault ? this.toError(e) : e;
  }

  private async *converted(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
    } catch (e) {
      throw this.convert(e);
    }
  }

  /** Fails unless `entry` is a file of at most `maxBytes` (the read's cap, for `purpose`) in an open zip. */
  private checkReadable(entry: ZipEntry, maxBytes = Number.POSITIVE_INFINITY, purpose = ""): void {
    if (this.closed) throw new ZipFault("data", "zip already closed", entry.name);
    if (entry.isDir) throw new ZipFault("data", "is a folder, not a file", entry.name);
    if (entry.uncompressedSize > maxBytes) {
      throw new ZipFault(
        "data",
        `${entry.uncompressedSize} bytes is too large ${purpose} (limit ${maxBytes})`,
        entry.name,
      );
    }
  }

  private shortFile(entry: ZipEntry, at: number): ZipFault {
    return new ZipFault("data", `unexpected end of zip at byte ${at}`, entry.name);
  }

  /** The whole member, inflated and checked. */
  private async whole(entry: ZipEntry, verify: boolean): Promise<Uint8Array> {
    const raw = await this.stored(entry, entry.compressedSize, entry.method === 0);
    this.bytes += entry.compressedSize;
    const data =
      entry.method === 0
        ? raw
        : this.source.synchronous
          ? inflateWholeSync(entry, raw)
          : await inflateWhole(entry, raw);
    checkWhole(entry, data.length, verify ? crc32(data) : undefined);
    return data;
  }

  /**
   * The first `n` stored (compressed) bytes of a member. When its local header
   * is not read yet, one read covers it and the data (the local name and extra
   * field usually have the lengths the central record gives). `own` asks for
   * a copy the caller may keep (in-memory zips give views otherwise).
   */
  private async stored(entry: ZipEntry, n: number, own = false): Promise<Uint8Array> {
    let start = this.dataStarts.get(entry);
    if (start === undefined) {
      const offset = entry.localHeaderOffset;
      const guess = guessedHeaderBytes(entry);
      const want = Math.max(0, Math.min(guess + n, this.source.size - offset));
      const head = await this.at(entry, offset, want, false);
      start = this.checkLocalHeader(entry, head);
      const rel = start - offset;
      if (rel + n <= head.length) {
        const bytes = head.subarray(rel, rel + n);
        return own && this.source.inMemory ? bytes.slice() : bytes;
      }
    }
    const bytes = await this.at(entry, start, n, own);
    if (bytes.length < n) throw this.shortFile(entry, start + bytes.length);
    return bytes;
  }

  /** Data offset of a member, from its local header (checked: signature, bounds). */
  private async dataStart(entry: ZipEntry): Promise<number> {
    const known = this.dataStarts.get(entry);
    if (known !== undefined) return known;
    return this.checkLocalHeader(
      entry,
      await this.at(entry, entry.localHeaderOffset, LOCAL_HEADER_BYTES, false),
    );
  }

  /** Validates a member's local header (its first bytes in `head`); returns and remembers where its data starts. */
  private checkLocalHeader(entry: ZipEntry, head: Uint8Array): number {
    const offset = entry.localHeaderOffset;
    const size = this.source.size;
    if (head.length < LOCAL_HEADER_BYTES) {
      throw new ZipFault("data", `local header at byte ${offset} runs past the end of the zip`, entry.name);
    }
    const start = localDataStart(head, offset);
    if (start === undefined) {
      throw new ZipFault("data", `corrupt zip: no local header signature at byte ${offset}`, entry.name);
    }
    if (start + entry.compressedSize > size) {
      throw new ZipFault(
        "data",
        `data (${entry.compressedSize} bytes at byte ${start}) runs past the end of the ${size}-byte zip (truncated?)`,
        entry.name,
      );
    }
    this.dataStarts.set(entry, start);
    return start;
  }

  /** Up to `n` bytes at `position` (fewer only at the end): a view of an in-memory zip unless `own`, else a fresh buffer. */
  private async at(entry: ZipEntry, position: number, n: number, own: boolean): Promise<Uint8Array> {
    const v = this.source.view(position, n);
    if (v !== null) return own ? v.slice() : v;
    const buf = Buffer.allocUnsafe(n);
    const got = await this.read(entry, buf, position);
    return got < n ? buf.subarray(0, got) : buf;
  }

  /** Fills `into` from `position` as far as the source goes; an I/O error is a fault. */
  private async read(entry: ZipEntry, into: Uint8Array, position: number): Promise<number> {
    try {
      return await this.source.read(into, 0, into.byteLength, position);
    } catch (e) {
      throw new ZipFault("data", `cannot read the zip: ${reasonOf(e)}`, entry.name, { cause: e });
    }
  }

  /** A member's stored bytes in chunks of at most READ_CHUNK_BYTES; fails on a short file. */
  private async *chunks(entry: ZipEntry, start: number): AsyncGenerator<Buffer> {
    let pos = start;
    let left = entry.compressedSize;
    while (left > 0) {
      if (this.closed) throw new ZipFault("data", "zip already closed", entry.name);
      const n = Math.min(READ_CHUNK_BYTES, left);
      const bytes = await this.at(entry, pos, n, false);
      if (bytes.length < n) throw this.shortFile(entry, pos + bytes.length);
      this.bytes += n;
      pos += n;
      left -= n;
      yield Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
}

/** Copies `data` across `parts`, in order. */
function scatter(data: Uint8Array, parts: readonly Uint8Array[]): void {
  let at = 0;
  for (const p of parts) {
    p.set(data.subarray(at, at + p.byteLength));
    at += p.byteLength;
  }
}
