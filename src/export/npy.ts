// The NumPy .npy format (format versions 1.0, 2.0 and 3.0): writing headers,
// strictly parsing untrusted files, turning the payload into typed arrays and
// encoding/decoding the 0-d unicode (<U…) scalar that carries the export
// manifest. Every size read off a file is checked against the bytes present.

import { endianness } from "node:os";
import { ExportError } from "./errors.js";

export { ExportError } from "./errors.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** Largest header text accepted when parsing (numpy itself caps it at 10000 by default). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;
const HOST_LITTLE_ENDIAN = endianness() === "LE";

/** A decoded dtype descriptor such as "<f4", "|u1" or "<U12". */
export interface NpyDtype {
  /** "<", ">" or "|" ("=" is normalised to the host order). */
  byteOrder: "<" | ">" | "|";
  /** NumPy kind letter: f, i, u, b, U, S. */
  kind: string;
  /** Bytes per element. */
  itemSize: number;
}

export interface ParsedNpy {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  /** The payload: a view into the input, exactly count * itemSize bytes. */
  data: Uint8Array;
}

export interface NpyHeaderInfo {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  /** Bytes before the payload (magic, version, length field, header text). */
  headerLength: number;
  /** Payload bytes the shape and dtype call for. */
  dataLength: number;
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

/** Minimal strict reader of the header dict (a Python literal) numpy writes. */
class DictParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly label: string,
  ) {}

  private fail(why: string): never {
    throw new ExportError(
      `${this.label}: bad .npy header at character ${this.pos}: ${why} (header ${JSON.stringify(this.text.slice(0, 200))})`,
    );
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && " \t\r\n".includes(this.text[this.pos]!)) this.pos++;
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  private string(): string {
    const q = this.peek();
    if (q !== "'" && q !== '"') this.fail("expected a quoted string");
    const end = this.text.indexOf(q, this.pos + 1);
    if (end < 0) this.fail("unterminated string");
    const s = this.text.slice(this.pos + 1, end);
    if (s.includes("\\")) this.fail("escapes are not supported");
    this.pos = end + 1;
    return s;
  }

  private integer(): number {
    this.skipSpace();
    const m = /^\d{1,16}L?/.exec(this.text.slice(this.pos, this.pos + 18));
    if (!m) this.fail("expected a non-negative integer");
    this.pos += m[0].length;
    const n = Number(m[0].replace("L", ""));
    if (!Number.isSafeInteger(n)) this.fail("integer too large");
    return n;
  }

  private value(): string | boolean | number[] {
    const c = this.peek();
    if (c === "'" || c === '"') return this.string();
    if (this.text.startsWith("True", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (this.text.startsWith("False", this.pos)) {
      this.pos += 5;
      return false;
    }
    if (c === "(") {
      this.pos++;
      const items: number[] = [];
      let trailingComma = false;
      while (this.peek() !== ")") {
        items.push(this.integer());
        if (items.length > 64) this.fail("more than 64 dimensions");
        trailingComma = false;
        if (this.peek() === ",") {
          this.pos++;
          trailingComma = true;
        } else if (this.peek() !== ")") this.fail("expected ',' or ')'");
      }
      if (items.length === 1 && !trailingComma) this.fail("a one-element tuple needs a trailing comma");
      this.pos++;
      return items;
    }
    if (c === "[" || c === "{") this.fail("structured dtypes are not supported");
    return this.fail("unexpected value");
  }

  parse(): Record<string, string | boolean | number[]> {
    const out: Record<string, string | boolean | number[]> = {};
    this.expect("{");
    while (this.peek() !== "}") {
      const key = this.string();
      this.expect(":");
      if (key === "descr" && (this.peek() === "[" || this.peek() === "{"))
        this.fail("structured dtypes are not supported");
      const v = this.value();
      if (Object.hasOwn(out, key)) this.fail(`duplicate key '${key}'`);
      out[key] = v;
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "}") this.fail("expected ',' or '}'");
    }
    this.pos++;
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail("trailing characters after the dict");
    return out;
  }
}

/**
 * Parses the header at the start of `bytes` (which may hold only a prefix of
 * the file). Returns null when `bytes` is too short to hold the whole header,
 * with `needed` telling how many bytes are required.
 */
export function parseNpyHeader(bytes: Uint8Array, label: string): NpyHeaderInfo | { needed: number } {
  if (bytes.length < 10) return { needed: 10 };
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ExportError(`${label}: not a .npy array (bad magic at byte ${i})`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (minor !== 0 || major < 1 || major > 3)
    throw new ExportError(`${label}: unsupported .npy format version ${major}.${minor} at byte 6`);
  let preamble = 10;
  let headerLen: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
  } else {
    preamble = 12;
    if (bytes.length < 12) return { needed: 12 };
    headerLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  }
  if (headerLen > MAX_NPY_HEADER_BYTES)
    throw new ExportError(
      `${label}: .npy header length ${headerLen} at byte 8 exceeds the limit of ${MAX_NPY_HEADER_BYTES}`,
    );
  const headerLength = preamble + headerLen;
  if (bytes.length < headerLength) return { needed: headerLength };
  const raw = bytes.subarray(preamble, headerLength);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new ExportError(`${label}: .npy header is not valid UTF-8`);
    }
  } else {
    text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  }
  const dict = new DictParser(text, label).parse();
  const keys = Object.keys(dict).sort();
  if (keys.join(",") !== "descr,fortran_order,shape") {
    // the keys come from the file: quoted (no raw control characters) and clipped
    const has = JSON.stringify(keys);
    throw new ExportError(
      `${label}: .npy header must have exactly descr, fortran_order and shape (has ${has.length > 200 ? `${has.slice(0, 200)}...` : has})`,
    );
  }
  const descr = dict.descr;
  const fortran = dict.fortran_order;
  const shape = dict.shape;
  if (typeof descr !== "string") throw new ExportError(`${label}: .npy descr is not a string`);
  if (typeof fortran !== "boolean") throw new ExportError(`${label}: .npy fortran_order is not a boolean`);
  if (!Array.isArray(shape)) throw new ExportError(`${label}: .npy shape is not a tuple`);
  const dt = parseDtype(descr);
  if (!dt) throw new ExportError(`${label}: unsupported .npy dtype ${JSON.stringify(descr)}`);
  const dataLength = npyDataLength(descr, shape, label);
  return { dtype: descr, shape, fortranOrder: fortran, headerLength, dataLength };
}

/** Strictly parses a whole .npy file held in memory. The payload must be exactly as long as the shape says. */
export function parseNpy(bytes: Uint8Array, label: string): ParsedNpy {
  const h = parseNpyHeader(bytes, label);
  if ("needed" in h)
    throw new ExportError(`${label}: truncated .npy: ${bytes.length} bytes, the header needs ${h.needed}`);
  const have = bytes.length - h.headerLength;
  if (have !== h.dataLength) {
    const why = have < h.dataLength ? "truncated" : "trailing bytes after the data";
    throw new ExportError(
      `${label}: ${why}: dtype ${h.dtype} shape (${h.shape.join(", ")}) needs ${h.dataLength} bytes after the header at byte ${h.headerLength}, found ${have}`,
    );
  }
  return {
    dtype: h.dtype,
    shape: h.shape,
    fortranOrder: h.fortranOrder,
    data: bytes.subarray(h.headerLength),
  };
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

/** A UTF-16 surrogate code unit (half of an astral character, or a lone one). */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * A string as the payload of a 0-d NumPy unicode scalar: UTF-32LE code
 * points, dtype "<U{n}" with n the number of code points (at least 1).
 */
export function encodeUnicodeScalar(s: string): { dtype: string; data: Uint8Array } {
  // Without surrogates every UTF-16 unit is one code point: the units, written
  // natively (Buffer.write) and widened to 32 bits natively (TypedArray set),
  // are the payload. A loop over the characters costs ~10 ms on a 100K-char
  // manifest in a fresh process (one `ac1 build` cache hit), this ~0.5 ms.
  if (HOST_LITTLE_ENDIAN && !SURROGATE.test(s)) {
    const n = s.length;
    const count = Math.max(1, n);
    const units = Buffer.allocUnsafeSlow(2 * n); // not pooled: offset 0, aligned for the Uint16Array
    units.write(s, 0, "utf16le");
    const points = new Uint32Array(count);
    points.set(new Uint16Array(units.buffer, units.byteOffset, n));
    return { dtype: `<U${count}`, data: new Uint8Array(points.buffer) };
  }
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff)
      throw new ExportError(`unicode scalar: lone surrogate U+${cp.toString(16)} at code point ${n}`);
    n++;
  }
  const count = Math.max(1, n);
  const data = new Uint8Array(4 * count);
  const view = new DataView(data.buffer);
  let i = 0;
  for (const ch of s) {
    view.setUint32(4 * i, ch.codePointAt(0)!, true);
    i++;
  }
  return { dtype: `<U${count}`, data };
}

/** Decodes a <U/>U payload (one or more items concatenated) to a string; trailing NULs of the item are dropped, as numpy does. */
export function decodeUnicodeScalar(
  parsed: { dtype: string; shape: number[]; data: Uint8Array },
  label: string,
): string {
  const dt = parseDtype(parsed.dtype);
  if (dt?.kind !== "U")
    throw new ExportError(`${label}: expected a unicode (<U) array, found dtype ${parsed.dtype}`);
  if (parsed.shape.length !== 0)
    throw new ExportError(
      `${label}: expected a 0-d unicode scalar, found shape (${parsed.shape.join(", ")})`,
    );
  const { data } = parsed;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = dt.byteOrder !== ">";
  let end = data.byteLength / 4;
  while (end > 0 && view.getUint32(4 * (end - 1), little) === 0) end--;
  const fast = little && HOST_LITTLE_ENDIAN ? bmpText(data, end) : undefined;
  if (fast !== undefined) return fast;
  // UTF-32 to UTF-16 units in one typed array, decoded once: no per-character garbage
  let astral = 0;
  for (let i = 0; i < end; i++) {
    const cp = view.getUint32(4 * i, little);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw new ExportError(`${label}: invalid code point 0x${cp.toString(16)} at item byte ${4 * i}`);
    if (cp > 0xffff) astral++;
  }
  const units = new Uint16Array(end + astral);
  for (let i = 0, u = 0; i < end; i++) {
    const cp = view.getUint32(4 * i, little);
    if (cp > 0xffff) {
      units[u++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[u++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else units[u++] = cp;
  }
  return utf16.decode(units);
}

// ignoreBOM: a leading U+FEFF is content, not a byte-order mark
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });
const utf16Strict = new TextDecoder("utf-16le", { ignoreBOM: true, fatal: true });

/**
 * The first `count` little-endian code points of `data` as a string when
 * all are in the Basic Multilingual Plane and none is a surrogate (the
 * usual manifest), with native passes only: narrowed to 16 bits and widened
 * back (equal: none above U+FFFF), decoded strictly (a lone surrogate
 * throws), searched for the surrogates a pair decodes to. Undefined
 * otherwise: the caller's loop decodes astral code points and names an
 * invalid one.
 */
function bmpText(data: Uint8Array, count: number): string | undefined {
  const bytes = 4 * count;
  const points =
    data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, count)
      : new Uint32Array(data.slice(0, bytes).buffer);
  const units = new Uint16Array(count);
  units.set(points);
  const widened = new Uint32Array(count);
  widened.set(units);
  const same = Buffer.from(widened.buffer).equals(Buffer.from(points.buffer, points.byteOffset, bytes));
  if (!same) return undefined;
  let text: string;
  try {
    text = utf16Strict.decode(units);
  } catch {
    return undefined;
  }
  return SURROGATE.test(text) ? undefined : text;
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
