// The NumPy .npy format: the magic and the header written ahead of a C-order
// array (format version 1.0, or 2.0 when the header needs it). Parsing is in
// npy-parse.ts, dtypes and typed arrays in npy-dtype.ts, the unicode scalar
// that carries the export manifest in npy-unicode.ts.

import { ExportError } from "./errors.js";
import { npyDataLength } from "./npy-dtype.js";

/** The first bytes of every .npy file: written here, checked by npy-parse.ts. */
export const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

function shapeLiteral(shape: readonly number[]): string {
  if (shape.length === 0) return "()";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/**
 * The .npy header (magic, version, length, dict text) for a C-order array,
 * padded with spaces so that its total length, newline included, is a
 * multiple of 64. Version 1.0 unless the header needs more than 65535 bytes.
 */
export function encodeNpyHeader(dtype: string, shape: number[]): Uint8Array {
  npyDataLength(dtype, shape, `npy header for dtype ${dtype}`);
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  for (let i = 0; i < dict.length; i++) {
    if (dict.charCodeAt(i) > 0x7e)
      throw new ExportError(`npy header: non-ASCII dtype ${JSON.stringify(dtype)}`);
  }
  let preamble = 10;
  let total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  let version = 1;
  if (total - preamble > 0xffff) {
    version = 2;
    preamble = 12;
    total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const headerLen = total - preamble;
  if (version === 1) {
    out[8] = headerLen & 0xff;
    out[9] = headerLen >>> 8;
  } else {
    new DataView(out.buffer).setUint32(8, headerLen, true);
  }
  for (let i = 0; i < dict.length; i++) out[preamble + i] = dict.charCodeAt(i);
  out.fill(0x20, preamble + dict.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}
