/// <reference types="node" />
// The bytes of one .npz member before NpzWriter writes it: stored as they
// are or deflated (raw deflate, zip method 8) on libuv's thread pool, with
// the CRC-32 and sizes its zip records need.

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
