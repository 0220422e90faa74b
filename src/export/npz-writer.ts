/// <reference types="node" />
// The .npz writer: each array is one `<name>.npy` member (stored or
// deflated, member-encoding.ts), written in the order the arrays are added,
// with the zip's records from src/zip/records.ts, through a FileAppender
// (file-appender.ts: gathered writes, the seal's hash). Several add() calls
// may be outstanding:
// each member given as an array starts deflating at once on libuv's thread
// pool (so members compress in parallel, on every core) and is written when
// its turn comes; a member given as a stream of chunks is deflated as it is
// written (streamed-member.ts). Members copied from another .npz as they are
// stored there (addEncoded: deflated bytes, CRC-32 and size) make a cache hit
// a copy rather than a re-encode. The zip goes to `<path>.tmp-<pid>-<rand>`
// in the same folder (registered in src/temp-files.ts, so an interrupted
// process removes it, and a dead one's is recognised by its pid:
// npz-temp-files.ts) and is renamed into place only after a complete,
// fsynced write; any failure (a full disk included) removes the temp file
// and leaves a previous file untouched.

// (The reference above: the viewer's browser type check reaches this module
// through src/viewer/api-types.ts -> evaluation -> export; yazl's typings used
// to bring Node's types in with them.)
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname } from "node:path";
import { tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { pausePoint } from "../test-hooks.js";
import { centralDirectory, dosDateTime, localHeader, type WrittenEntry } from "../zip/records.js";
import { ExportError } from "./errors.js";
import { FileAppender, syncDir } from "./file-appender.js";
import {
  bytesOf,
  DEFLATE_MEMO_MIN_BYTES,
  type DeflateMemo,
  deflateThroughMemo,
  type EncodedMember,
  encodeParts,
  keyedMemberDigest,
  throughMemo,
} from "./member-encoding.js";
import { encodeNpyHeader } from "./npy.js";
import { npyDataLength } from "./npy-dtype.js";
import type { NpzData, NpzWriterOptions, StoredMember } from "./npz-writer-types.js";
import { checkedChunks, writeStreamedMember } from "./streamed-member.js";
import { writeFailure } from "./write-failure.js";

export class NpzWriter {
  readonly path: string;
  readonly tempPath: string;
  private readonly compressionLevel: number;
  private readonly time: { dosTime: number; dosDate: number };
  private readonly handle: Promise<FileHandle>;
  /** The members written so far and being written, in order: each add() chains onto it. */
  private chain: Promise<void>;
  private readonly failure: Promise<never>;
  private fail!: (e: unknown) => void;
  private failed: unknown = undefined;
  private readonly names = new Set<string>();
  private readonly entries: WrittenEntry[] = [];
  /** The temp file, appended to in order (its `offset` is where the next record starts). */
  private readonly file: FileAppender;
  private readonly seal: ((bodySha256: string) => string) | undefined;
  private readonly deflateMemo: DeflateMemo | undefined;
  private state: "open" | "closing" | "closed" | "aborted" = "open";
  /** Bytes of array payload (headers excluded) written so far. */
  bytesAdded = 0;

  private constructor(path: string, opts: NpzWriterOptions) {
    if (endianness() !== "LE") throw new ExportError("npz writer: big-endian hosts are not supported");
    this.path = path;
    this.tempPath = tempName(path);
    trackTemp(this.tempPath);
    const level = opts.compressionLevel ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9)
      throw new ExportError(`npz writer: compressionLevel must be an integer 1..9, got ${level}`);
    this.compressionLevel = (opts.compress ?? true) ? level : 0;
    this.time = dosDateTime(opts.mtime ?? new Date());
    this.seal = opts.seal;
    this.deflateMemo = opts.deflateMemo;
    this.failure = new Promise<never>((_, reject) => {
      this.fail = (e: unknown) => {
        if (this.failed === undefined) this.failed = e ?? new Error("unknown failure");
        reject(this.failed);
      };
    });
    this.failure.catch(() => {});
    this.handle = open(this.tempPath, "wx+");
    this.handle.catch((e) => this.fail(e));
    this.file = new FileAppender(this.handle, this.tempPath, this.seal !== undefined);
    this.chain = this.handle.then(() => undefined);
    this.chain.catch(() => {});
  }

  /** Starts writing `path` (through a temp file next to it). */
  static create(path: string, opts: NpzWriterOptions = {}): NpzWriter {
    return new NpzWriter(path, opts);
  }

  private wrap(e: unknown, what: string): ExportError {
    return writeFailure(this.path, e, what);
  }

  /** Runs `step` after every earlier member is written; the chain stops at the first failure. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => {
      if (this.failed !== undefined) throw this.failed;
      return step();
    });
    this.chain = run.catch((e) => {
      this.fail(e);
    });
    return run;
  }

  private checkOpen(name: string): void {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: cannot add ${JSON.stringify(name)}: the writer is ${this.state}`);
    if (this.failed !== undefined)
      throw this.wrap(this.failed, `writing failed before adding ${JSON.stringify(name)}`);
  }

  /** Reserves a member name; `label` is how a duplicate is named in the error. */
  private claimName(member: string, label: string): void {
    if (this.names.has(member)) throw new ExportError(`${this.path}: duplicate ${label}`);
    this.names.add(member);
  }

  /** Queues `step` (writing one member) and waits for it; a failure comes back as an ExportError on `what`. */
  private async writeInTurn(step: () => Promise<void>, what: string): Promise<void> {
    try {
      await Promise.race([this.enqueue(step), this.failure]);
    } catch (e) {
      throw this.wrap(e, what);
    }
  }

  /** The entry of a member whose local header starts at `offset` (default: where the next append lands). */
  private entryOf(name: string, e: Omit<EncodedMember, "chunks">, offset = this.file.offset): WrittenEntry {
    return {
      name,
      method: e.method,
      crc32: e.crc32,
      compressedSize: e.compressedSize,
      uncompressedSize: e.uncompressedSize,
      flags: 0,
      ...this.time,
      localHeaderOffset: offset,
    };
  }

  /** Writes one member whose bytes are ready. */
  private async writeEncoded(name: string, encoded: EncodedMember): Promise<void> {
    const entry = this.entryOf(name, encoded);
    await this.file.append(localHeader(entry));
    for (const c of encoded.chunks) await this.file.append(c);
    this.entries.push(entry);
  }

  /** Writes one member whose bytes arrive as chunks (streamed-member.ts). */
  private async writeStreamed(
    name: string,
    header: Uint8Array,
    declaredSize: number,
    source: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const level = this.compressionLevel;
    // Placeholder sizes that give the header its final shape (zip64 or not): the declared size.
    const placeholder = this.entryOf(name, {
      crc32: 0,
      compressedSize: declaredSize,
      uncompressedSize: declaredSize,
      method: level > 0 ? 8 : 0,
    });
    this.entries.push(await writeStreamedMember(this.file, this.path, level, placeholder, header, source));
  }

  /**
   * Adds one array as `<name>.npy`. `data` is the C-order payload in host
   * (little-endian) byte order, or a function returning its chunks. Members
   * are written in the order of the add() calls; several may be outstanding
   * (an array's member is compressed at once, in parallel with the others).
   * Resolves once the member is written: until then the array must not
   * change.
   */
  async add(name: string, dtype: string, shape: number[], data: NpzData): Promise<void> {
    const { what, expected, header } = this.arrayMember(name, dtype, shape);
    if (typeof data !== "function" && data.byteLength !== expected)
      throw this.lengthError(what, dtype, shape, expected, data.byteLength);
    const member = `${name}.npy`;
    this.claimName(member, `array name ${JSON.stringify(name)}`);
    let step: () => Promise<void>;
    if (typeof data === "function") {
      step = () =>
        this.writeStreamed(
          member,
          header,
          header.byteLength + expected,
          checkedChunks(this.path, what, expected, data),
        );
    } else {
      const parts = [header, bytesOf(data)];
      const memo = this.memoFor(expected);
      const encoded =
        memo !== undefined
          ? deflateThroughMemo(parts, this.compressionLevel, memo)
          : encodeParts(parts, this.compressionLevel);
      // A failure surfaces at its turn (or at close); never unhandled before that.
      if (encoded instanceof Promise) encoded.catch(() => {});
      step = async () => this.writeEncoded(member, await encoded);
    }
    await this.writeArrayInTurn(step, what, expected);
  }

  /**
   * Adds one array as `<name>.npy`, as add() does, given an identity of its
   * values (`memoKey`: equal identities, equal values) and how to read them:
   * with a deflate memo, the member the memo holds under that identity is
   * written without reading the values (a stim tensor a build with only a
   * gating threshold changed made before); else (a miss, no memo, or a
   * member too small for the memo) `read()` gives the values, and with a
   * memo the member deflated from them is offered under the identity.
   */
  async addKeyed(
    name: string,
    dtype: string,
    shape: number[],
    memoKey: string,
    read: () => ArrayBufferView,
  ): Promise<void> {
    const level = this.compressionLevel;
    const { what, expected, header } = this.arrayMember(name, dtype, shape);
    const memo = this.memoFor(expected);
    if (memo === undefined) return this.add(name, dtype, shape, read());
    const member = `${name}.npy`;
    this.claimName(member, `array name ${JSON.stringify(name)}`);
    const parts = (): Uint8Array[] => {
      const data = read();
      if (data.byteLength !== expected) throw this.lengthError(what, dtype, shape, expected, data.byteLength);
      return [header, bytesOf(data)];
    };
    const digest = keyedMemberDigest(memoKey, dtype, shape, level);
    const encoded = throughMemo(digest, header.byteLength + expected, parts, level, memo);
    // A failure surfaces at its turn (or at close); never unhandled before that.
    encoded.catch(() => {});
    await this.writeArrayInTurn(async () => this.writeEncoded(member, await encoded), what, expected);
  }

  /** The deflate memo a member of `bytes` goes through: none when not compressing, or for a small member. */
  private memoFor(bytes: number): DeflateMemo | undefined {
    return this.compressionLevel > 0 && bytes >= DEFLATE_MEMO_MIN_BYTES ? this.deflateMemo : undefined;
  }

  /** An array member's turn: `step` writes it (in the order of the add calls); its payload of `bytes` is counted. */
  private async writeArrayInTurn(step: () => Promise<void>, what: string, bytes: number): Promise<void> {
    await this.writeInTurn(step, `writing ${what}`);
    this.bytesAdded += bytes;
    await pausePoint("npz-write");
  }

  private lengthError(
    what: string,
    dtype: string,
    shape: number[],
    expected: number,
    got: number,
  ): ExportError {
    return new ExportError(
      `${this.path}: ${what}: dtype ${dtype} shape (${shape.join(", ")}) needs ${expected} bytes, got ${got}`,
    );
  }

  /** Checks an array member's name, dtype and shape: how to name it, its payload's bytes, its .npy header. */
  private arrayMember(
    name: string,
    dtype: string,
    shape: number[],
  ): { what: string; expected: number; header: Uint8Array } {
    this.checkOpen(name);
    if (!/^[^/\\\0]+$/.test(name) || name === "." || name === "..")
      throw new ExportError(`${this.path}: invalid array name ${JSON.stringify(name)}`);
    const what = `array ${JSON.stringify(name)}`;
    const expected = npyDataLength(dtype, shape, `${this.path}: ${what}`);
    return { what, expected, header: encodeNpyHeader(dtype, shape) };
  }

  /**
   * Adds one member whose whole content is `bytes` (an encoded .npy),
   * compressed as the writer's members are. Its turn is taken at the call,
   * as add() takes it: it compresses while later members queue behind it.
   * Resolves once written.
   */
  async addMember(member: string, bytes: Uint8Array): Promise<void> {
    this.checkOpen(member);
    this.claimName(member, `member ${JSON.stringify(member)}`);
    const encoded = encodeParts([bytes], this.compressionLevel);
    // A failure surfaces at its turn (or at close); never unhandled before that.
    if (encoded instanceof Promise) encoded.catch(() => {});
    await this.writeInTurn(
      async () => this.writeEncoded(member, await encoded),
      `writing ${JSON.stringify(member)}`,
    );
  }

  /**
   * Adds one member whose deflated (method 8) or stored (0) bytes are given,
   * with its CRC-32 and size. Resolves once written.
   */
  async addEncoded(member: string, encoded: Omit<StoredMember, "name">): Promise<void> {
    await this.addEncodedMembers([{ ...encoded, name: member }]);
  }

  /**
   * Adds members whose deflated (method 8) or stored (0) bytes are given,
   * with their CRC-32 and size (another .npz's members as stored there:
   * NpzReader.rawMember), in this order and in one turn: the records and
   * bytes of hundreds of small members go out in a few gathered writes,
   * without a step (a turn in the chain, a pause point) per member. Written
   * as addEncoded writes each. Resolves once all are written; with
   * `borrowed`, once all are in the file, so that the caller may reuse the
   * memory of their chunks (otherwise the last ones may wait, referenced,
   * to go out with the next write).
   */
  async addEncodedMembers(
    members: readonly StoredMember[],
    opts: { borrowed?: boolean } = {},
  ): Promise<void> {
    const first = members[0];
    if (first === undefined) return;
    const claimed = new Set<string>();
    for (const m of members) {
      this.checkOpen(m.name);
      if (this.names.has(m.name) || claimed.has(m.name))
        throw new ExportError(`${this.path}: duplicate member ${JSON.stringify(m.name)}`);
      claimed.add(m.name);
    }
    for (const m of members) this.names.add(m.name);
    const last = members[members.length - 1] as StoredMember;
    const what =
      members.length === 1
        ? `writing ${JSON.stringify(first.name)}`
        : `writing ${JSON.stringify(first.name)} .. ${JSON.stringify(last.name)}`;
    // Each member's local header and bytes, as writeEncoded writes them, laid out now (a local
    // header holds no offset: earlier members may still be compressing) and appended at its turn.
    const entries: WrittenEntry[] = [];
    const chunks: Uint8Array[] = [];
    /** Bytes of each member in the file: its local header and its stored bytes. */
    const spans: number[] = [];
    for (const m of members) {
      let compressedSize = 0;
      for (const c of m.chunks) compressedSize += c.byteLength;
      const entry = this.entryOf(m.name, { ...m, compressedSize }, 0);
      const header = localHeader(entry);
      chunks.push(header, ...m.chunks);
      entries.push(entry);
      spans.push(header.byteLength + compressedSize);
    }
    await this.writeInTurn(async () => {
      let at = this.file.offset;
      entries.forEach((entry, i) => {
        entry.localHeaderOffset = at;
        at += spans[i] as number;
      });
      await this.file.appendAll(chunks);
      if (opts.borrowed === true) await this.file.flush();
      this.entries.push(...entries);
    }, what);
  }

  /**
   * Finishes the zip, fsyncs it and renames it into place; with
   * `beforeRename`, only once that resolves (a check of what was copied
   * in, running meanwhile). On failure (or when `beforeRename` rejects) the
   * temp file is removed and the error rethrown.
   */
  async close(opts: { beforeRename?: Promise<unknown> } = {}): Promise<void> {
    if (this.state !== "open")
      throw new ExportError(`${this.path}: close() on a writer that is ${this.state}`);
    this.state = "closing";
    try {
      await this.chain;
      if (this.failed !== undefined) throw this.failed;
      const cdStart = this.file.offset;
      const records = centralDirectory(this.entries, cdStart);
      for (const b of records.slice(0, -1)) await this.file.append(b);
      if (this.seal) {
        await this.file.flush();
        const comment = new TextEncoder().encode(this.seal(await this.file.bodySha256()));
        await this.file.append(centralDirectory(this.entries, cdStart, comment).at(-1) as Uint8Array);
      } else {
        await this.file.append(records.at(-1) as Uint8Array);
      }
      await this.file.sync();
      const fh = await this.handle;
      await fh.close();
      await opts.beforeRename;
      await pausePoint("npz-rename");
      await rename(this.tempPath, this.path);
      untrackTemp(this.tempPath);
      this.state = "closed";
    } catch (e) {
      await this.cleanup();
      this.state = "aborted";
      throw this.wrap(e, "writing the .npz failed");
    }
    await syncDir(dirname(this.path));
  }

  /** Abandons the write: removes the temp file; any previous file at `path` is left as it was. */
  async abort(): Promise<void> {
    if (this.state === "closed" || this.state === "aborted") return;
    this.state = "aborted";
    this.fail(new ExportError(`${this.path}: write aborted`));
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    // Let a write in progress settle before the handle closes.
    await this.chain.catch(() => {});
    await this.file.settle();
    try {
      const fh = await this.handle;
      await fh.close().catch(() => {});
    } catch {
      // the temp file was never opened
    }
    await unlink(this.tempPath).catch(() => {});
    untrackTemp(this.tempPath);
  }
}
