// NumPy dtype descriptors (such as "<f4", "|u1" or "<U12") for the .npy
// modules: parsed and sized, a payload's byte count from its dtype and shape,
// and the payload as (or a fresh) typed array of the dtype, byte-swapped to
// the host order when needed.

import { endianness } from "node:os";
import { ExportError } from "./errors.js";

export const HOST_LITTLE_ENDIAN = endianness() === "LE";

/** A decoded dtype descriptor such as "<f4", "|u1" or "<U12". */
export interface NpyDtype {
  /** "<", ">" or "|" ("=" is normalised to the host order). */
  byteOrder: "<" | ">" | "|";
  /** NumPy kind letter: f, i, u, b, U, S. */
  kind: string;
  /** Bytes per element. */
  itemSize: number;
}

export type NpyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

const NUMERIC_SIZES: Record<string, number[]> = {
  f: [4, 8],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  b: [1],
};

/** Parses a dtype descriptor; null when it is not a simple scalar dtype this module handles. */
export function parseDtype(descr: string): NpyDtype | null {
  const m = /^([<>|=])([fiubUS])(\d{1,9})$/.exec(descr);
  if (!m) return null;
  const order = m[1]!;
  const kind = m[2]!;
  const n = Number(m[3]);
  let itemSize: number;
  if (kind === "U") itemSize = 4 * n;
  else if (kind === "S") itemSize = n;
  else {
    if (!NUMERIC_SIZES[kind]!.includes(n)) return null;
    itemSize = n;
  }
  if ((kind === "U" || kind === "S") && n < 1) return null;
  let byteOrder: NpyDtype["byteOrder"] =
    order === "=" ? (HOST_LITTLE_ENDIAN ? "<" : ">") : (order as NpyDtype["byteOrder"]);
  if (itemSize === 1 || kind === "S") byteOrder = "|";
  return { byteOrder, kind, itemSize };
}

function elementCount(shape: readonly number[], what: string): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new ExportError(`${what}: invalid dimension ${d} in shape (${shape.join(", ")})`);
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER)
      throw new ExportError(`${what}: shape (${shape.join(", ")}) is impossibly large`);
  }
  return count;
}

/** Bytes of the payload for this dtype and shape (validates both). */
export function npyDataLength(dtype: string, shape: readonly number[], what = "npy"): number {
  const dt = parseDtype(dtype);
  if (!dt) throw new ExportError(`${what}: unsupported dtype ${JSON.stringify(dtype)}`);
  const n = elementCount(shape, what) * dt.itemSize;
  if (n > Number.MAX_SAFE_INTEGER)
    throw new ExportError(`${what}: shape (${shape.join(", ")}) is impossibly large`);
  return n;
}

type TypedCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyTypedArray;
  new (length: number): NpyTypedArray;
  BYTES_PER_ELEMENT: number;
};

function ctorFor(kind: string, size: number): TypedCtor | null {
  const table: Record<string, TypedCtor> = {
    f4: Float32Array as unknown as TypedCtor,
    f8: Float64Array as unknown as TypedCtor,
    i1: Int8Array as unknown as TypedCtor,
    i2: Int16Array as unknown as TypedCtor,
    i4: Int32Array as unknown as TypedCtor,
    i8: BigInt64Array as unknown as TypedCtor,
    u1: Uint8Array as unknown as TypedCtor,
    u2: Uint16Array as unknown as TypedCtor,
    u4: Uint32Array as unknown as TypedCtor,
    u8: BigUint64Array as unknown as TypedCtor,
    b1: Uint8Array as unknown as TypedCtor,
  };
  return table[`${kind}${size}`] ?? null;
}

/**
 * The payload as a typed array of the dtype (a view when aligned and in host
 * byte order, otherwise a copy). Booleans come back as 0/1 bytes.
 */
export function npyTypedArray(parsed: { dtype: string; data: Uint8Array }, label = "npy"): NpyTypedArray {
  const dt = parseDtype(parsed.dtype);
  const Ctor = dt ? ctorFor(dt.kind, dt.itemSize) : null;
  if (!dt || !Ctor) throw new ExportError(`${label}: dtype ${parsed.dtype} has no typed-array form`);
  const { data } = parsed;
  if (data.byteLength % dt.itemSize !== 0)
    throw new ExportError(
      `${label}: ${data.byteLength} bytes is not a whole number of ${parsed.dtype} items`,
    );
  const n = data.byteLength / dt.itemSize;
  const swap = dt.itemSize > 1 && (dt.byteOrder === "<") !== HOST_LITTLE_ENDIAN;
  if (!swap && data.byteOffset % dt.itemSize === 0) return new Ctor(data.buffer, data.byteOffset, n);
  const out = new Ctor(n);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  outBytes.set(data);
  if (swap) {
    const s = dt.itemSize;
    for (let i = 0; i < outBytes.length; i += s) {
      for (let a = i, b = i + s - 1; a < b; a++, b--) {
        const t = outBytes[a]!;
        outBytes[a] = outBytes[b]!;
        outBytes[b] = t;
      }
    }
  }
  return out;
}

/**
 * A fresh typed array (own buffer, offset 0) for a numeric host-order dtype,
 * or null for other dtypes (unicode, bytes, foreign byte order). With
 * `uninitialized` the memory is not zero-filled: the caller must overwrite
 * every byte (saves one pass over large arrays).
 */
export function allocateTypedArray(
  dtype: string,
  count: number,
  uninitialized = false,
): NpyTypedArray | null {
  const dt = parseDtype(dtype);
  if (!dt) return null;
  if (dt.itemSize > 1 && (dt.byteOrder === "<") !== HOST_LITTLE_ENDIAN) return null;
  const Ctor = ctorFor(dt.kind, dt.itemSize);
  if (!Ctor) return null;
  if (!uninitialized || count === 0) return new Ctor(count);
  const bytes = Buffer.allocUnsafeSlow(count * dt.itemSize);
  return new Ctor(bytes.buffer, bytes.byteOffset, count);
}
