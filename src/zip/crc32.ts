// CRC-32 (the zip polynomial), incremental: how every zip member is verified.
// Uses zlib.crc32 when the running Node has it (20.15+), else a table-driven
// fallback.

import * as zlib from "node:zlib";

type Crc32Fn = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

function crc32Fallback(data: Uint8Array, value = 0): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

/**
 * CRC-32 of `data`, continuing from `value` (0 to start). Empty input returns
 * `value` unchanged without calling zlib (some zlib.crc32 builds answer 0 for
 * an empty view of an empty buffer).
 */
export const crc32: Crc32Fn =
  typeof native === "function"
    ? (d, v = 0) => (d.byteLength === 0 ? v >>> 0 : native(d, v) >>> 0)
    : crc32Fallback;

/** Exposed for tests: the fallback must agree with zlib's. */
export const crc32Portable: Crc32Fn = crc32Fallback;
