// MAT-file writer: Level 5 (what MATLAB `save -v7`/`-v6` writes), either byte
// order, each variable optionally zlib-compressed (miCOMPRESSED). Writes every
// MatValue kind except the unsupported ones. Like MATLAB it stores double
// arrays of small integers in the narrowest exact integer type, uses small
// data elements for 1-4 byte payloads, miUTF8 for ASCII text and miUINT16
// otherwise.

import { deflateSync } from "node:zlib";
import {
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  HOST_LE,
  MI,
  MX,
  NAME_CHARS_RE,
  NUMERIC_CLASS_ID,
  numericSize,
  STORAGE_TYPE,
  swapBytes,
} from "./format.js";
import type { MatSparse, MatValue, NumericClass, NumericData } from "./value.js";
import { numel } from "./value.js";

export interface WriteMatOptions {
  /** Compress each variable (default true, like `save -v7`). */
  compress?: boolean;
  /** Byte order (default "<"). */
  endian?: "<" | ">";
  /** Header text (at most 116 ASCII characters). */
  headerText?: string;
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A growable output buffer (one allocation doubling as needed; no per-element garbage). */
class Sink {
  buf = new Uint8Array(1024);
  dv = new DataView(this.buf.buffer);
  length = 0;
  constructor(readonly le: boolean) {}
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.reserve(4);
    this.dv.setUint32(this.length, v, this.le);
    this.length += 4;
  }
  /** Append bytes of a typed array with elements of `size` bytes, converted to the sink's byte order. */
  bytes(data: ArrayBufferView, size: number): void {
    const n = data.byteLength;
    this.reserve(n);
    const at = this.length;
    if (data instanceof Uint8Array || data instanceof Int8Array) this.buf.set(data, at);
    else this.buf.set(new Uint8Array(data.buffer, data.byteOffset, n), at);
    this.length += n;
    if (this.le !== HOST_LE && size > 1) swapBytes(this.buf.subarray(at, at + n), size);
  }
  pad(): void {
    const r = this.length % 8;
    if (r) {
      this.reserve(8 - r);
      this.buf.fill(0, this.length, this.length + 8 - r);
      this.length += 8 - r;
    }
  }
  /** Start an element of `type` whose byte count is patched by the returned function. */
  tag(type: number): () => void {
    this.u32(type);
    const at = this.length;
    this.u32(0);
    return () => this.dv.setUint32(at, this.length - at - 4, this.le);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** One data element: tag + data + padding; a small data element for 1-4 bytes. */
function element(sink: Sink, type: number, data: ArrayBufferView, size = numericSize(type)): void {
  const n = data.byteLength;
  if (n > 0 && n <= 4) {
    sink.u32((n << 16) | type);
    sink.u32(0);
    const at = sink.length - 4;
    if (data instanceof Uint8Array || data instanceof Int8Array) sink.buf.set(data, at);
    else sink.buf.set(new Uint8Array(data.buffer, data.byteOffset, n), at);
    if (sink.le !== HOST_LE && size > 1) swapBytes(sink.buf.subarray(at, at + n), size);
    return;
  }
  sink.u32(type);
  sink.u32(n);
  sink.bytes(data, size);
  sink.pad();
}

function int32Element(sink: Sink, values: ArrayLike<number>): void {
  const n = values.length;
  if (n === 1) {
    sink.u32((4 << 16) | MI.INT32);
    sink.u32((values[0] as number) >>> 0);
    return;
  }
  sink.u32(MI.INT32);
  sink.u32(4 * n);
  for (let i = 0; i < n; i++) sink.u32((values[i] as number) >>> 0);
  sink.pad();
}

function nameElement(sink: Sink, name: string): void {
  const b = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) b[i] = name.charCodeAt(i);
  element(sink, MI.INT8, b, 1);
}

/** Narrowest exact integer storage for double values, or undefined to keep doubles. */
function narrowDouble(data: Float64Array): { type: number; arr: ArrayBufferView } | undefined {
  if (data.length === 0) return { type: MI.UINT8, arr: new Uint8Array(0) };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (!Number.isInteger(x) || Object.is(x, -0)) return undefined;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo >= 0 && hi <= 255) return { type: MI.UINT8, arr: Uint8Array.from(data) };
  if (lo >= -128 && hi <= 127) return { type: MI.INT8, arr: Int8Array.from(data) };
  if (lo >= 0 && hi <= 65535) return { type: MI.UINT16, arr: Uint16Array.from(data) };
  if (lo >= -32768 && hi <= 32767) return { type: MI.INT16, arr: Int16Array.from(data) };
  if (lo >= 0 && hi <= 4294967295) return { type: MI.UINT32, arr: Uint32Array.from(data) };
  if (lo >= -2147483648 && hi <= 2147483647) return { type: MI.INT32, arr: Int32Array.from(data) };
  return undefined;
}

function numericPart(sink: Sink, cls: NumericClass | "sparse", data: NumericData): void {
  if ((cls === "double" || cls === "sparse") && data instanceof Float64Array) {
    const narrow = narrowDouble(data);
    if (narrow) {
      element(sink, narrow.type, narrow.arr);
      return;
    }
    element(sink, MI.DOUBLE, data);
    return;
  }
  const type = STORAGE_TYPE[cls as NumericClass];
  element(sink, type, data);
}

function checkDims(dims: number[], n: number, what: string): void {
  if (dims.length < 2) throw new RangeError(`${what}: dims [${dims.join(",")}] need at least 2 entries`);
  for (const d of dims)
    if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff)
      throw new RangeError(`${what}: invalid dimension ${d}`);
  if (numel(dims) !== n)
    throw new RangeError(`${what}: dims [${dims.join(",")}] hold ${numel(dims)} elements, data has ${n}`);
}

function writeMatrix(sink: Sink, v: MatValue, name: string, what: string, depth: number): void {
  if (depth > 64) throw new RangeError(`${what}: nested deeper than 64 levels`);
  const patch = sink.tag(MI.MATRIX);
  const flags = (classId: number, bits: number, nzmax = 0): void => {
    sink.u32(MI.UINT32);
    sink.u32(8);
    sink.u32(classId | bits);
    sink.u32(nzmax);
  };
  switch (v.kind) {
    case "numeric": {
      checkDims(v.dims, v.real.length, what);
      flags(NUMERIC_CLASS_ID[v.class], v.imag ? FLAG_COMPLEX : 0);
      int32Element(sink, v.dims);
      nameElement(sink, name);
      numericPart(sink, v.class, v.real);
      if (v.imag) {
        if (v.imag.length !== v.real.length) throw new RangeError(`${what}: imag and real lengths differ`);
        numericPart(sink, v.class, v.imag);
      }
      break;
    }
    case "logical":
      checkDims(v.dims, v.data.length, what);
      flags(NUMERIC_CLASS_ID.uint8, FLAG_LOGICAL);
      int32Element(sink, v.dims);
      nameElement(sink, name);
      element(sink, MI.UINT8, v.data);
      break;
    case "char": {
      checkDims(v.dims, v.codes.length, what);
      flags(MX.CHAR, 0);
      int32Element(sink, v.dims);
      nameElement(sink, name);
      let ascii = true;
      for (let i = 0; i < v.codes.length; i++) if ((v.codes[i] as number) > 127) ascii = false;
      if (ascii) element(sink, MI.UTF8, Uint8Array.from(v.codes));
      else element(sink, MI.UINT16, v.codes);
      break;
    }
    case "sparse":
      writeSparse(sink, v, name, what, flags);
      break;
    case "cell":
      checkDims(v.dims, v.cells.length, what);
      flags(MX.CELL, 0);
      int32Element(sink, v.dims);
      nameElement(sink, name);
      v.cells.forEach((c, i) => {
        writeMatrix(sink, c, "", `${what}{${i + 1}}`, depth + 1);
      });
      break;
    case "struct": {
      checkDims(v.dims, v.elements.length, what);
      flags(MX.STRUCT, 0);
      int32Element(sink, v.dims);
      nameElement(sink, name);
      let longest = 0;
      for (const f of v.fields) {
        if (!NAME_CHARS_RE.test(f) || f.length > 63)
          throw new RangeError(`${what}: invalid field name ${JSON.stringify(f)}`);
        longest = Math.max(longest, f.length);
      }
      const slot = longest + 1;
      int32Element(sink, [slot]);
      const names = new Uint8Array(slot * v.fields.length);
      v.fields.forEach((f, i) => {
        for (let k = 0; k < f.length; k++) names[i * slot + k] = f.charCodeAt(k);
      });
      element(sink, MI.INT8, names);
      v.elements.forEach((row, e) => {
        if (row.length !== v.fields.length)
          throw new RangeError(
            `${what}: element ${e + 1} has ${row.length} values for ${v.fields.length} fields`,
          );
        row.forEach((x, f) => {
          writeMatrix(sink, x, "", `${what}(${e + 1}).${v.fields[f]}`, depth + 1);
        });
      });
      break;
    }
    case "unsupported":
      throw new TypeError(`${what}: cannot write an unsupported ${v.class} value`);
  }
  patch();
}

function writeSparse(
  sink: Sink,
  v: MatSparse,
  name: string,
  what: string,
  flags: (c: number, bits: number, nzmax?: number) => void,
): void {
  const [m, n] = v.dims;
  checkDims(v.dims, m * n, what);
  const nnz = v.jc[n];
  if (v.jc.length !== n + 1 || nnz === undefined || v.ir.length !== nnz || v.real.length !== nnz) {
    throw new RangeError(`${what}: sparse ir/jc/data lengths do not match ${m}x${n}`);
  }
  const logical = v.class === "logical";
  flags(MX.SPARSE, (v.imag ? FLAG_COMPLEX : 0) | (logical ? FLAG_LOGICAL : 0), Math.max(nnz, 1));
  int32Element(sink, v.dims);
  nameElement(sink, name);
  element(sink, MI.INT32, v.ir);
  element(sink, MI.INT32, v.jc);
  if (logical)
    element(
      sink,
      MI.UINT8,
      Uint8Array.from(v.real, (x) => (x ? 1 : 0)),
    );
  else numericPart(sink, "sparse", v.real);
  if (v.imag) numericPart(sink, "sparse", v.imag);
}

/** Serialise variables as a Level 5 MAT file. */
export function writeMat(vars: { name: string; value: MatValue }[], opts: WriteMatOptions = {}): Uint8Array {
  const le = (opts.endian ?? "<") === "<";
  const compress = opts.compress ?? true;
  const text =
    opts.headerText ?? `MATLAB 5.0 MAT-file, Platform: ac1, Created on: ${new Date().toUTCString()}`;
  if (text.length > 116 || /[^\x20-\x7e]/.test(text))
    throw new RangeError("headerText must be at most 116 printable ASCII characters");
  const header = new Uint8Array(128).fill(0x20);
  for (let i = 0; i < text.length; i++) header[i] = text.charCodeAt(i);
  new DataView(header.buffer).setUint16(124, 0x0100, le);
  header[126] = le ? 0x49 : 0x4d;
  header[127] = le ? 0x4d : 0x49;
  const parts: Uint8Array[] = [header];
  for (const { name, value } of vars) {
    if (!NAME_RE.test(name) || name.length > 63)
      throw new RangeError(`invalid variable name ${JSON.stringify(name)}`);
    const sink = new Sink(le);
    writeMatrix(sink, value, name, name, 0);
    if (compress) {
      const z = deflateSync(sink.result());
      const tag = new Uint8Array(8);
      const dv = new DataView(tag.buffer);
      dv.setUint32(0, MI.COMPRESSED, le);
      dv.setUint32(4, z.length, le);
      parts.push(tag, new Uint8Array(z.buffer, z.byteOffset, z.byteLength));
    } else {
      parts.push(sink.result());
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
