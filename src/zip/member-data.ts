// Turning a member's stored bytes into its content, verified: inflating with
// the declared size as the output cap (never more is produced, whatever the
// data claims), the exact-size check and the CRC-32 check, for a member held
// whole in memory, for the first bytes of a member, and for a member passing
// as a stream in chunks. Failures are ZipFault("data") naming the entry.

import { Readable } from "node:stream";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { crc32 } from "./crc32.js";
import { reasonOf, ZipFault } from "./fault.js";

/** What is checked: the declared size and CRC-32 of the entry named `name`. */
export interface MemberFacts {
  name: string;
  uncompressedSize: number;
  crc32: number;
}

const inflateRawAsync = promisify(zlib.inflateRaw) as (
  buf: Uint8Array,
  opts: zlib.ZlibOptions,
) => Promise<Buffer>;

/** Output chunk of a streamed inflate. */
const STREAM_CHUNK_BYTES = 64 * 1024;
/** Most bytes a prefix read may inflate (it asks for a few KiB; deflate expands at most ~1032:1). */
const PREFIX_INFLATE_CAP = 64 << 20;

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function tooLong(m: MemberFacts): ZipFault {
  return new ZipFault(
    "data",
    `inflates to more than its declared ${m.uncompressedSize} bytes (corrupt or zip bomb)`,
    m.name,
  );
}

function corruptDeflate(m: MemberFacts, e: unknown): ZipFault {
  return new ZipFault("data", `corrupt deflate data: ${reasonOf(e)}`, m.name, { cause: e });
}

/** Fails unless `n` bytes with CRC-32 `crc` (undefined: not computed) are what `m` declares. */
export function checkWhole(m: MemberFacts, n: number, crc: number | undefined): void {
  if (n !== m.uncompressedSize) {
    throw new ZipFault(
      "data",
      `inflates to ${n} bytes but declares ${m.uncompressedSize} (corrupt entry)`,
      m.name,
    );
  }
  if (crc !== undefined && crc >>> 0 !== m.crc32 >>> 0) {
    throw new ZipFault(
      "data",
      `CRC-32 mismatch (stored ${hex(m.crc32 >>> 0)}, computed ${hex(crc >>> 0)}): corrupt entry`,
      m.name,
    );
  }
}

/**
 * How a whole deflated member is inflated: never past its declared size, in
 * one output chunk (no concatenation) unless that size is more than a real
 * deflate stream of this length could hold at 16:1. The first chunk is
 * allocated before anything is inflated, so it is bounded by the bytes
 * read, not by a size the zip claims.
 */
function wholeOptions(m: MemberFacts, compressed: Uint8Array): zlib.ZlibOptions {
  const u = m.uncompressedSize;
  return {
    maxOutputLength: Math.max(1, u),
    chunkSize: Math.max(64, Math.min(u + 64, compressed.length * 16 + 4096, 256 << 20)),
  };
}

/** A failed whole-member inflate as the fault it is. */
function wholeFault(m: MemberFacts, e: unknown): ZipFault {
  return (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? tooLong(m) : corruptDeflate(m, e);
}

/** Inflates a whole deflated member on libuv's thread pool (wholeOptions). Not yet checked. */
export async function inflateWhole(m: MemberFacts, compressed: Uint8Array): Promise<Buffer> {
  try {
    return await inflateRawAsync(compressed, wholeOptions(m, compressed));
  } catch (e) {
    throw wholeFault(m, e);
  }
}

/** inflateWhole on the calling thread (for a synchronous ByteSource: byte-source.ts says why). */
export function inflateWholeSync(m: MemberFacts, compressed: Uint8Array): Buffer {
  try {
    return zlib.inflateRawSync(compressed, wholeOptions(m, compressed));
  } catch (e) {
    throw wholeFault(m, e);
  }
}

/**
 * Inflates what a compressed prefix of a member holds (no end-of-stream or
 * CRC check: the rest is not there), capped by the declared size.
 */
export function inflatePrefix(m: MemberFacts, compressedPrefix: Uint8Array): Buffer {
  const cap = Math.max(1, Math.min(m.uncompressedSize, PREFIX_INFLATE_CAP));
  try {
    return zlib.inflateRawSync(compressedPrefix, {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: cap,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      if (cap === m.uncompressedSize) throw tooLong(m);
      throw new ZipFault(
        "data",
        `its first ${compressedPrefix.length} compressed bytes inflate to more than ${cap} bytes`,
        m.name,
      );
    }
    throw corruptDeflate(m, e);
  }
}

/** Inflates a stream of deflated chunks, STREAM_CHUNK_BYTES at a time. */
async function* inflateChunks(m: MemberFacts, compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const source = Readable.from(compressed, { objectMode: false });
  const inflate = zlib.createInflateRaw({ chunkSize: STREAM_CHUNK_BYTES });
  // errors of the source reach the loop below through `inflate`; an early stop destroys both
  source.on("error", (e) => inflate.destroy(e));
  source.pipe(inflate);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("Z_")) throw corruptDeflate(m, e);
    throw e;
  } finally {
    source.destroy();
    inflate.destroy();
  }
}

/**
 * A member's content as chunks, checked as they pass: a fault as soon as
 * more than the declared size arrives, and at the end when less did or the
 * CRC-32 differs. `onBytes(n)` reports content bytes as they pass.
 */
export async function* verifiedChunks(
  m: MemberFacts,
  stored: AsyncIterable<Buffer>,
  deflated: boolean,
  verifyCrc: boolean,
  onBytes?: (n: number) => void,
): AsyncGenerator<Buffer> {
  let count = 0;
  let crc = 0;
  for await (const chunk of deflated ? inflateChunks(m, stored) : stored) {
    count += chunk.length;
    if (count > m.uncompressedSize) throw tooLong(m);
    if (verifyCrc) crc = crc32(chunk, crc);
    onBytes?.(chunk.length);
    yield chunk;
  }
  checkWhole(m, count, verifyCrc ? crc : undefined);
}
