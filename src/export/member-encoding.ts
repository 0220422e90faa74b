/// <reference types="node" />
// The bytes of one .npz member before NpzWriter writes it: stored as they
// are or deflated (raw deflate, zip method 8) on libuv's thread pool, with
// the CRC-32 and sizes its zip records need; and through a DeflateMemo,
// deflated once per content: a member whose bytes an earlier write deflated
// at the same level is taken as that write stored it, found by the digest of
// its bytes or, for values with an identity of their own (a stim tensor's
// cache key), by that identity without reading them.

import { createHash } from "node:crypto";
import { createDeflateRaw } from "node:zlib";
import { crc32 } from "../zip/crc32.js";

/** Output chunk of the deflate streams: large, so a member takes few round trips to the thread pool. */
export const DEFLATE_CHUNK = 1 << 20;

/** A member's bytes once compressed (or stored): what its turn writes. */
export interface EncodedMember {
  chunks: Uint8Array[];
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Zip compression method: 0 stored, 8 deflated. */
  method: number;
}

/** The bytes of a typed array (or any view) as a Uint8Array over the same memory. */
export function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** CRC-32 and total size of `parts`, one member's bytes in order. */
function crcAndSize(parts: readonly Uint8Array[]): { crc: number; size: number } {
  let crc = 0;
  let size = 0;
  for (const p of parts) {
    crc = crc32(p, crc);
    size += p.byteLength;
  }
  return { crc, size };
}

/** Deflates `parts` (one member's bytes, in order) on the thread pool; CRC-32 over them on this thread. */
export function deflateParts(parts: readonly Uint8Array[], level: number): Promise<EncodedMember> {
  return new Promise<EncodedMember>((resolve, reject) => {
    const z = createDeflateRaw({ level, chunkSize: DEFLATE_CHUNK });
    const chunks: Uint8Array[] = [];
    let compressedSize = 0;
    z.on("data", (c: Buffer) => {
      chunks.push(c);
      compressedSize += c.length;
    });
    z.on("error", reject);
    const { crc, size } = crcAndSize(parts);
    z.on("end", () => resolve({ chunks, crc32: crc, compressedSize, uncompressedSize: size, method: 8 }));
    for (const p of parts) z.write(p);
    z.end();
  });
}

/** `parts` as a stored (method 0) member. */
export function storeParts(parts: readonly Uint8Array[]): EncodedMember {
  const { crc, size } = crcAndSize(parts);
  return { chunks: [...parts], crc32: crc, compressedSize: size, uncompressedSize: size, method: 0 };
}

/** `parts` deflated at `level`, or stored when `level` is 0 (a promise only when deflating). */
export function encodeParts(
  parts: readonly Uint8Array[],
  level: number,
): EncodedMember | Promise<EncodedMember> {
  return level > 0 ? deflateParts(parts, level) : storeParts(parts);
}

/**
 * Deflated members kept by the digest of what was deflated (memberDigest):
 * the build's intermediates (src/pipeline/deflate-memo.ts), so that a build
 * whose arrays did not all change deflates only those that did. The memo's
 * entries are trusted as the cache folder is (sealed on disk, checked when
 * read).
 */
export interface DeflateMemo {
  /** The member deflated earlier from bytes of this digest, or undefined (never rejects). */
  get(digest: string): Promise<EncodedMember | undefined>;
  /**
   * Offers a member just deflated from bytes of this digest: the memo keeps
   * it or not. Resolves once it is done with the member (never rejects): the
   * writer waits, so that members offered never pile up in memory.
   */
  put(digest: string, member: EncodedMember): Promise<void>;
}

/** Members smaller than this are deflated without the memo: a lookup would cost about what it saves. */
export const DEFLATE_MEMO_MIN_BYTES = 16 << 10;

/** SHA-256 (hex) of one member's bytes and the deflate level: the memo's key. */
export function memberDigest(parts: readonly Uint8Array[], level: number): string {
  const h = createHash("sha256").update(`ac1 deflate raw level ${level}\n`);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * The memo's key of a member known by an identity of its values (a
 * Deferred's memoKey: equal identities, equal values) rather than by its
 * bytes: SHA-256 (hex) of the identity, the .npy dtype and shape, and the
 * level. Another preamble than memberDigest's, so the two never meet; its
 * "v1" is bumped when the bytes an identity names change (the .npy header's
 * encoding, the cut), so that members made before are not taken.
 */
export function keyedMemberDigest(
  memoKey: string,
  dtype: string,
  shape: readonly number[],
  level: number,
): string {
  return createHash("sha256")
    .update(`ac1 deflate keyed v1 level ${level}\n${dtype} (${shape.join(", ")})\n${memoKey}`)
    .digest("hex");
}

/**
 * `parts` deflated at `level` (1..9) through `memo`: the member it holds for
 * these bytes, if it holds one of their size; else deflated here and offered
 * to it.
 */
export function deflateThroughMemo(
  parts: readonly Uint8Array[],
  level: number,
  memo: DeflateMemo,
): Promise<EncodedMember> {
  const size = parts.reduce((a, p) => a + p.byteLength, 0);
  return throughMemo(memberDigest(parts, level), size, () => parts, level, memo);
}

/**
 * The member of `size` bytes the memo holds under `digest` (memberDigest or
 * keyedMemberDigest); else `parts()` (called only then) deflated at `level`
 * and offered to it under that digest.
 */
export async function throughMemo(
  digest: string,
  size: number,
  parts: () => readonly Uint8Array[],
  level: number,
  memo: DeflateMemo,
): Promise<EncodedMember> {
  const found = await memo.get(digest);
  if (found !== undefined && found.method === 8 && found.uncompressedSize === size) return found;
  const made = await deflateParts(parts(), level);
  await memo.put(digest, made);
  return made;
}
