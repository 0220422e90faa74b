// MAT-file reader: Level 5 (v6/v7, either byte order, miCOMPRESSED) and
// Level 4; v7.3 (HDF5) files are detected and rejected. Listing variables
// decodes only each variable's header (compressed elements are inflated just
// far enough to see class, dims and name); read(name) decodes one variable.
// Every size read off the file is checked against the bytes present before
// anything is allocated; problems raise a MatError naming the byte offset.

import { readFile } from "node:fs/promises";
import { inflateSync, constants as zlibConstants } from "node:zlib";
import { allocNumeric } from "./build.js";
import { MatError } from "./errors.js";
import {
  CLASS_NAME_BY_ID,
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  HOST_LE,
  MI,
  MX,
  NUMERIC_CLASS_BY_ID,
  numericSize,
  STORAGE_TYPE,
  swapBytes,
} from "./format.js";
import { readLevel4 } from "./level4.js";
import type {
  MatChar,
  MatNumeric,
  MatSparse,
  MatStruct,
  MatValue,
  NumericClass,
  NumericData,
} from "./value.js";

export interface MatHeader {
  /** Header text with trailing spaces/NULs removed ("" for Level 4). */
  text: string;
  /** Raw 16-bit version field (256 for Level 5, 0 for Level 4). */
  version: number;
  endian: "<" | ">";
  level: 4 | 5;
}

export interface VariableInfo {
  name: string;
  /** JSON class: "double", ..., "logical", "char", "cell", "struct", "object", "function_handle", "opaque". */
  class: string;
  dims: number[];
  /** Offset of the variable's top-level element in the file. */
  byteOffset: number;
}

export interface MatFile {
  header: MatHeader;
  variables: VariableInfo[];
  has(name: string): boolean;
  read(name: string): MatValue;
  readAll(): { name: string; value: MatValue }[];
}

/** Deepest nesting of cells/structs accepted. */
export const MAX_DEPTH = 64;
/** Most elements accepted for a struct array without fields (costs no bytes in the file). */
const MAX_FIELDLESS_ELEMENTS = 1 << 24;
/** Deflate cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;
/** Absolute cap on one inflated variable (Level 5 byte counts are 32-bit). */
const MAX_INFLATED_BYTES = 0xffffffff + 8;

// ---- data types ------------------------------------------------------------

type AnyCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

function storageCtor(type: number): AnyCtor {
  switch (type) {
    case MI.INT8:
      return Int8Array;
    case MI.UINT8:
      return Uint8Array;
    case MI.INT16:
      return Int16Array;
    case MI.UINT16:
      return Uint16Array;
    case MI.INT32:
      return Int32Array;
    case MI.UINT32:
      return Uint32Array;
    case MI.SINGLE:
      return Float32Array;
    case MI.DOUBLE:
      return Float64Array;
    case MI.INT64:
      return BigInt64Array;
    default:
      return BigUint64Array;
  }
}

const CLASS_RANGE: Partial<Record<NumericClass, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

// ---- parsing context ---------------------------------------------------------

/** Thrown internally when a partially inflated header needs more bytes. */
class NeedMoreBytes {}
const NEED_MORE = new NeedMoreBytes();

/** A byte region being parsed: the file itself, or one inflated element. */
class Ctx {
  readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly le: boolean,
    readonly label: string,
    /** File offset of the miCOMPRESSED element when buf is its inflated content, else -1. */
    readonly compressedAt: number,
    /** True when buf is a partial inflate: reads past its end ask for more. */
    readonly partial: boolean,
    /** True when buf belongs to the reader (inflated), so values may be views into it. */
    readonly owned: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(pos: number, problem: string): never {
    if (this.compressedAt >= 0) {
      throw new MatError(
        this.label,
        this.compressedAt,
        `in compressed element, inflated byte ${pos}: ${problem}`,
      );
    }
    throw new MatError(this.label, pos, problem);
  }
  /** Ensure [pos, pos+n) is inside `end` (the enclosing element) and present. */
  need(pos: number, n: number, end: number, what: string): void {
    if (pos + n > end)
      this.fail(
        pos,
        `${what} needs ${n} bytes, only ${Math.max(0, end - pos)} left in the enclosing element`,
      );
    if (pos + n > this.buf.length) {
      if (this.partial) throw NEED_MORE;
      this.fail(
        pos,
        `${what} needs ${n} bytes, ${this.dataName()} ends after ${Math.max(0, this.buf.length - pos)}`,
      );
    }
  }
  dataName(): string {
    return this.compressedAt >= 0 ? "the inflated data" : "the file";
  }
  u32(pos: number): number {
    return this.dv.getUint32(pos, this.le);
  }
  i32(pos: number): number {
    return this.dv.getInt32(pos, this.le);
  }
}

interface Tag {
  type: number;
  count: number;
  /** Where the tag starts. */
  pos: number;
  /** Where the data starts. */
  data: number;
  /** Where the next element starts (after padding, clamped to the enclosing end). */
  next: number;
}

function readTag(ctx: Ctx, pos: number, end: number, what: string): Tag {
  if (pos + 8 > end || pos + 8 > ctx.buf.length) ctx.need(pos, 8, end, `${what} tag`);
  const first = ctx.u32(pos);
  const small = first >>> 16;
  if (small !== 0) {
    const type = first & 0xffff;
    if (small > 4) ctx.fail(pos, `${what}: small data element claims ${small} bytes (at most 4)`);
    return { type, count: small, pos, data: pos + 4, next: pos + 8 };
  }
  const count = ctx.u32(pos + 4);
  const data = pos + 8;
  if (data + count > end) {
    const where = end === ctx.buf.length && ctx.compressedAt < 0 ? "the file" : "the enclosing element";
    ctx.fail(pos, `${what}: element of ${count} bytes, only ${Math.max(0, end - data)} left in ${where}`);
  }
  if (data + count > ctx.buf.length && !ctx.partial) {
    ctx.fail(
      pos,
      `${what}: element of ${count} bytes, ${ctx.dataName()} ends after ${ctx.buf.length - data}`,
    );
  }
  const padded = data + Math.ceil(count / 8) * 8;
  return { type: first, count, pos, data, next: Math.min(padded, end) };
}

// ---- numeric decoding -------------------------------------------------------------

/** The stored values of a numeric element as a typed array of the storage type, native byte order. */
function storageView(ctx: Ctx, type: number, pos: number, count: number): NumericData {
  const size = numericSize(type);
  const Ctor = storageCtor(type);
  const n = count / size;
  if (ctx.partial && pos + count > ctx.buf.length) throw NEED_MORE;
  const abs = ctx.buf.byteOffset + pos;
  if (ctx.le === HOST_LE || size === 1) {
    if (ctx.owned && abs % size === 0) return new Ctor(ctx.buf.buffer as ArrayBuffer, abs, n);
    const copy = Uint8Array.prototype.slice.call(ctx.buf, pos, pos + count) as Uint8Array;
    return new Ctor(copy.buffer as ArrayBuffer, 0, n);
  }
  const copy = Uint8Array.prototype.slice.call(ctx.buf, pos, pos + count) as Uint8Array;
  swapBytes(copy, size);
  return new Ctor(copy.buffer as ArrayBuffer, 0, n);
}

function sameArrayType(cls: NumericClass, type: number): boolean {
  return STORAGE_TYPE[cls] === type;
}

/** Decode a numeric data element into the class's typed array of exactly `n` values. */
function decodeNumeric(ctx: Ctx, tag: Tag, cls: NumericClass, n: number, what: string): NumericData {
  const size = numericSize(tag.type);
  if (size === 0) ctx.fail(tag.pos, `${what}: data type ${tag.type} is not numeric`);
  if (tag.count % size !== 0)
    ctx.fail(tag.pos, `${what}: ${tag.count} bytes is not a multiple of the ${size}-byte element`);
  const have = tag.count / size;
  if (have !== n) ctx.fail(tag.pos, `${what}: holds ${have} values, dims say ${n}`);
  if (n <= SMALL_VALUES) return decodeSmall(ctx, tag, cls, n, what);
  const src = storageView(ctx, tag.type, tag.data, tag.count);
  if (sameArrayType(cls, tag.type)) {
    if (src.buffer !== ctx.buf.buffer) return src; // already a private copy
    // A view into the reader's inflated buffer only when it is the bulk of it (the
    // large-array fast path); smaller values are copied so that keeping one of
    // them does not keep the whole inflated variable alive.
    if (ctx.owned && tag.count * 2 >= ctx.buf.length) return src;
    return src.slice();
  }
  return convertValues(ctx, tag, src, cls, n, what);
}

/** Values up to this count are read one by one into a fresh (on-heap) typed array: no views, little garbage. */
const SMALL_VALUES = 16;

function readOne(ctx: Ctx, type: number, pos: number): number | bigint {
  const dv = ctx.dv;
  const le = ctx.le;
  switch (type) {
    case MI.INT8:
      return dv.getInt8(pos);
    case MI.UINT8:
      return dv.getUint8(pos);
    case MI.INT16:
      return dv.getInt16(pos, le);
    case MI.UINT16:
      return dv.getUint16(pos, le);
    case MI.INT32:
      return dv.getInt32(pos, le);
    case MI.UINT32:
      return dv.getUint32(pos, le);
    case MI.SINGLE:
      return dv.getFloat32(pos, le);
    case MI.DOUBLE:
      return dv.getFloat64(pos, le);
    case MI.INT64:
      return dv.getBigInt64(pos, le);
    default:
      return dv.getBigUint64(pos, le);
  }
}

function decodeSmall(ctx: Ctx, tag: Tag, cls: NumericClass, n: number, what: string): NumericData {
  if (ctx.partial && tag.data + tag.count > ctx.buf.length) throw NEED_MORE;
  const size = numericSize(tag.type);
  const out = allocNumeric(cls, n);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const signed = out instanceof BigInt64Array;
    for (let i = 0; i < n; i++) {
      const x = readOne(ctx, tag.type, tag.data + i * size);
      let b: bigint;
      if (typeof x === "bigint") b = x;
      else {
        if (!Number.isInteger(x)) ctx.fail(tag.pos, `${what}: value ${x} is not an integer, class is ${cls}`);
        b = BigInt(x);
      }
      if (signed ? b !== BigInt.asIntN(64, b) : b !== BigInt.asUintN(64, b))
        ctx.fail(tag.pos, `${what}: value ${b} does not fit class ${cls}`);
      out[i] = b;
    }
    return out;
  }
  const range = CLASS_RANGE[cls];
  for (let i = 0; i < n; i++) {
    const r = readOne(ctx, tag.type, tag.data + i * size);
    const x = typeof r === "bigint" ? Number(r) : r;
    if (
      range &&
      (!(x >= range[0] && x <= range[1]) ||
        !Number.isInteger(x) ||
        (typeof r === "bigint" && BigInt(x) !== r))
    ) {
      ctx.fail(tag.pos, `${what}: value ${r} does not fit class ${cls}`);
    }
    out[i] = x;
  }
  return out;
}

function convertValues(
  ctx: Ctx,
  tag: Tag,
  src: NumericData,
  cls: NumericClass,
  n: number,
  what: string,
): NumericData {
  const out = allocNumeric(cls, n);
  const srcBig = src instanceof BigInt64Array || src instanceof BigUint64Array;
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const lo = out instanceof BigInt64Array ? -(1n << 63n) : 0n;
    const hi = out instanceof BigInt64Array ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    for (let i = 0; i < n; i++) {
      const x = src[i] as number | bigint;
      let b: bigint;
      if (typeof x === "bigint") b = x;
      else {
        if (!Number.isInteger(x)) ctx.fail(tag.pos, `${what}: value ${x} is not an integer, class is ${cls}`);
        b = BigInt(x);
      }
      if (b < lo || b > hi) ctx.fail(tag.pos, `${what}: value ${b} does not fit class ${cls}`);
      out[i] = b;
    }
    return out;
  }
  const range = CLASS_RANGE[cls];
  if (srcBig) {
    for (let i = 0; i < n; i++) {
      const x = Number(src[i] as bigint);
      if (range && (x < range[0] || x > range[1]))
        ctx.fail(tag.pos, `${what}: value ${src[i]} does not fit class ${cls}`);
      out[i] = x;
    }
    return out;
  }
  const s = src as Exclude<NumericData, BigInt64Array | BigUint64Array>;
  if (range) {
    const [lo, hi] = range;
    for (let i = 0; i < n; i++) {
      const x = s[i] as number;
      if (!(x >= lo && x <= hi) || !Number.isInteger(x))
        ctx.fail(tag.pos, `${what}: value ${x} does not fit class ${cls}`);
    }
  }
  (out as Float64Array).set(s);
  return out;
}

// ---- miMATRIX ------------------------------------------------------------------------

interface MatrixHead {
  classId: number;
  complex: boolean;
  logical: boolean;
  nzmax: number;
  dims: number[];
  name: string;
  /** Position after the name (class-specific parts start here). */
  body: number;
  /** End of the miMATRIX content. */
  end: number;
  /** Class name for objects/opaque values. */
  classname?: string;
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

function readName(ctx: Ctx, pos: number, end: number, what: string): { name: string; next: number } {
  const tag = readTag(ctx, pos, end, what);
  if (tag.type !== MI.INT8 && tag.type !== MI.UINT8 && tag.type !== MI.UTF8) {
    ctx.fail(pos, `${what}: data type ${tag.type}, expected miINT8`);
  }
  ctx.need(tag.data, tag.count, end, what);
  let name = "";
  for (let i = 0; i < tag.count; i++) {
    const c = ctx.buf[tag.data + i] as number;
    if (c === 0) break;
    if (c >= 128) ctx.fail(pos, `${what}: byte 0x${c.toString(16)} is not ASCII`);
    name += String.fromCharCode(c);
  }
  return { name, next: tag.next };
}

/** Parse flags, dims and name of the miMATRIX whose tag is `tag`. */
function readMatrixHead(ctx: Ctx, tag: Tag): MatrixHead {
  const end = tag.data + tag.count;
  const flagsTag = readTag(ctx, tag.data, end, "array flags");
  if (flagsTag.type !== MI.UINT32 || flagsTag.count !== 8) {
    ctx.fail(
      tag.data,
      `array flags: expected 8 bytes of miUINT32, got type ${flagsTag.type} with ${flagsTag.count} bytes`,
    );
  }
  ctx.need(flagsTag.data, 8, end, "array flags");
  const word = ctx.u32(flagsTag.data);
  const classId = word & 0xff;
  const nzmax = ctx.u32(flagsTag.data + 4);
  const head: MatrixHead = {
    classId,
    complex: (word & FLAG_COMPLEX) !== 0,
    logical: (word & FLAG_LOGICAL) !== 0,
    nzmax,
    dims: [],
    name: "",
    body: flagsTag.next,
    end,
  };
  if (!(classId in CLASS_NAME_BY_ID)) ctx.fail(tag.data, `unknown array class ${classId}`);
  let pos = flagsTag.next;
  if (classId !== MX.OPAQUE) {
    const dimsTag = readTag(ctx, pos, end, "dimensions");
    if (dimsTag.type !== MI.INT32 && dimsTag.type !== MI.UINT32) {
      ctx.fail(pos, `dimensions: data type ${dimsTag.type}, expected miINT32`);
    }
    if (dimsTag.count % 4 !== 0) ctx.fail(pos, `dimensions: ${dimsTag.count} bytes is not a multiple of 4`);
    const ndims = dimsTag.count / 4;
    if (ndims < 2) ctx.fail(pos, `dimensions: ${ndims} dimension(s), at least 2 required`);
    ctx.need(dimsTag.data, dimsTag.count, end, "dimensions");
    for (let i = 0; i < ndims; i++) {
      const d = dimsTag.type === MI.INT32 ? ctx.i32(dimsTag.data + 4 * i) : ctx.u32(dimsTag.data + 4 * i);
      if (d < 0 || d > 0x7fffffff) ctx.fail(dimsTag.data + 4 * i, `dimension ${i + 1} is ${d}, impossible`);
      head.dims.push(d);
    }
    pos = dimsTag.next;
  }
  const nm = readName(ctx, pos, end, "array name");
  if (nm.name !== "" && !NAME_RE.test(nm.name))
    ctx.fail(pos, `array name ${JSON.stringify(nm.name)} is not a MATLAB identifier`);
  head.name = nm.name;
  pos = nm.next;
  if (classId === MX.OPAQUE) {
    const typeSystem = readName(ctx, pos, end, "opaque type system");
    const cn = readName(ctx, typeSystem.next, end, "opaque class name");
    head.classname = cn.name;
    pos = cn.next;
  } else if (classId === MX.OBJECT) {
    const cn = readName(ctx, pos, end, "object class name");
    head.classname = cn.name;
    pos = cn.next;
  }
  head.body = pos;
  return head;
}

function checkedNumel(ctx: Ctx, pos: number, dims: number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  if (!Number.isSafeInteger(n)) ctx.fail(pos, `dims [${dims.join(",")}] hold too many elements`);
  return n;
}

function jsonClass(head: MatrixHead): string {
  if (head.classId === MX.SPARSE) return head.logical ? "logical" : "double";
  if (head.logical && NUMERIC_CLASS_BY_ID[head.classId]) return "logical";
  return CLASS_NAME_BY_ID[head.classId] ?? "unknown";
}

/** Decode the miMATRIX starting at `pos` (its tag). */
function readMatrix(ctx: Ctx, pos: number, end: number, depth: number, what: string): MatValue {
  return readMatrixAt(ctx, readTag(ctx, pos, end, what), depth, what);
}

/** Re-throw a MatError from inside a container with the element's path in front of the problem. */
function withPath(e: unknown, path: string): never {
  if (e instanceof MatError) {
    // keep messages one readable line: deep paths are elided
    const problem =
      e.problem.startsWith("... ") || e.problem.length > 300
        ? e.problem.replace(/^(\.\.\. )?/, "... ")
        : `${path}: ${e.problem}`;
    throw new MatError(e.file, e.offset, problem);
  }
  throw e;
}

function readMatrixAt(ctx: Ctx, tag: Tag, depth: number, what: string): MatValue {
  const pos = tag.pos;
  if (tag.type !== MI.MATRIX) ctx.fail(pos, `${what}: data type ${tag.type}, expected miMATRIX (14)`);
  if (tag.count === 0) return { kind: "numeric", class: "double", dims: [0, 0], real: new Float64Array(0) };
  if (depth > MAX_DEPTH) ctx.fail(pos, `${what}: cells/structs nested deeper than ${MAX_DEPTH} levels`);
  return decodeMatrixBody(ctx, tag, readMatrixHead(ctx, tag), depth);
}

function decodeMatrixBody(ctx: Ctx, tag: Tag, head: MatrixHead, depth: number): MatValue {
  const { end } = head;
  const cls = NUMERIC_CLASS_BY_ID[head.classId];
  if (cls) {
    const n = checkedNumel(ctx, tag.pos, head.dims);
    const realTag = readTag(ctx, head.body, end, "real part");
    if (head.logical) {
      const data = decodeNumeric(ctx, realTag, "uint8", n, "logical data");
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (data as Uint8Array)[i] ? 1 : 0;
      return { kind: "logical", dims: head.dims, data: out };
    }
    const real = decodeNumeric(ctx, realTag, cls, n, "real part");
    const v: MatNumeric = { kind: "numeric", class: cls, dims: head.dims, real };
    if (head.complex) {
      const imagTag = readTag(ctx, realTag.next, end, "imaginary part");
      v.imag = decodeNumeric(ctx, imagTag, cls, n, "imaginary part");
    }
    return v;
  }
  switch (head.classId) {
    case MX.CHAR:
      return decodeChar(ctx, head);
    case MX.SPARSE:
      return decodeSparse(ctx, tag, head);
    case MX.CELL: {
      const n = checkedNumel(ctx, tag.pos, head.dims);
      if (n * 8 > end - head.body)
        ctx.fail(tag.pos, `cell of ${n} elements cannot fit in ${end - head.body} bytes`);
      const cells: MatValue[] = new Array(n);
      let pos = head.body;
      let i = 0;
      try {
        for (; i < n; i++) {
          const t = readTag(ctx, pos, end, "element");
          cells[i] = readMatrixAt(ctx, t, depth + 1, "element");
          pos = t.next;
        }
      } catch (e) {
        withPath(e, `cell element ${i + 1}`);
      }
      return { kind: "cell", dims: head.dims, cells };
    }
    case MX.STRUCT:
      return decodeStruct(ctx, tag, head, head.body, depth);
    case MX.OBJECT:
      return { kind: "unsupported", class: "object", classname: head.classname };
    case MX.FUNCTION_HANDLE:
      return { kind: "unsupported", class: "function_handle" };
    case MX.OPAQUE:
      return { kind: "unsupported", class: "opaque", classname: head.classname };
    default:
      return ctx.fail(tag.pos, `unknown array class ${head.classId}`);
  }
}

function decodeStruct(ctx: Ctx, tag: Tag, head: MatrixHead, pos: number, depth: number): MatStruct {
  const { end } = head;
  const lenTag = readTag(ctx, pos, end, "field name length");
  if (lenTag.type !== MI.INT32 || lenTag.count !== 4)
    ctx.fail(pos, "field name length: expected one miINT32");
  ctx.need(lenTag.data, 4, end, "field name length");
  const slot = ctx.i32(lenTag.data);
  const namesTag = readTag(ctx, lenTag.next, end, "field names");
  if (namesTag.type !== MI.INT8 && namesTag.type !== MI.UINT8)
    ctx.fail(lenTag.next, `field names: data type ${namesTag.type}, expected miINT8`);
  ctx.need(namesTag.data, namesTag.count, end, "field names");
  let nfields = 0;
  if (namesTag.count > 0) {
    if (slot <= 0 || namesTag.count % slot !== 0) {
      ctx.fail(
        lenTag.data,
        `field name length ${slot} does not divide the ${namesTag.count}-byte names element`,
      );
    }
    nfields = namesTag.count / slot;
  }
  const fields: string[] = [];
  for (let f = 0; f < nfields; f++) {
    let name = "";
    const at = namesTag.data + f * slot;
    for (let i = 0; i < slot; i++) {
      const c = ctx.buf[at + i] as number;
      if (c === 0) break;
      if (c >= 128) ctx.fail(at, `field name byte 0x${c.toString(16)} is not ASCII`);
      name += String.fromCharCode(c);
    }
    if (!NAME_RE.test(name)) ctx.fail(at, `field name ${JSON.stringify(name)} is not a MATLAB identifier`);
    fields.push(name);
  }
  const n = checkedNumel(ctx, tag.pos, head.dims);
  if (nfields === 0 && n > MAX_FIELDLESS_ELEMENTS)
    ctx.fail(tag.pos, `struct array without fields claims ${n} elements`);
  if (n * nfields * 8 > end - namesTag.next) {
    ctx.fail(
      tag.pos,
      `struct of ${n} elements x ${nfields} fields cannot fit in ${end - namesTag.next} bytes`,
    );
  }
  const elements: MatValue[][] = new Array(n);
  let p = namesTag.next;
  let e = 0;
  let f = 0;
  try {
    for (; e < n; e++) {
      const row: MatValue[] = new Array(nfields);
      for (f = 0; f < nfields; f++) {
        const t = readTag(ctx, p, end, "value");
        row[f] = readMatrixAt(ctx, t, depth + 1, "value");
        p = t.next;
      }
      elements[e] = row;
    }
  } catch (err) {
    withPath(err, `field ${fields[f]} of element ${e + 1}`);
  }
  return { kind: "struct", dims: head.dims, fields, elements };
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function decodeChar(ctx: Ctx, head: MatrixHead): MatChar {
  const n = checkedNumel(ctx, head.body, head.dims);
  const tag = readTag(ctx, head.body, head.end, "char data");
  ctx.need(tag.data, tag.count, head.end, "char data");
  let codes: Uint16Array;
  if (ctx.partial && tag.data + tag.count > ctx.buf.length) throw NEED_MORE;
  const bytes =
    tag.count <= 64
      ? Uint8Array.prototype.slice.call(ctx.buf, tag.data, tag.data + tag.count)
      : ctx.buf.subarray(tag.data, tag.data + tag.count);
  switch (tag.type) {
    case MI.UTF8: {
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) ascii = false;
      if (ascii) {
        codes = new Uint16Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i] as number;
        break;
      }
      const s = utf8Decoder.decode(bytes);
      codes = new Uint16Array(s.length);
      for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
      break;
    }
    case MI.UINT16:
    case MI.UTF16:
    case MI.INT16: {
      if (tag.count % 2 !== 0) ctx.fail(tag.pos, `char data: ${tag.count} bytes is not a multiple of 2`);
      const src = storageView(ctx, MI.UINT16, tag.data, tag.count) as Uint16Array;
      codes = src.buffer === ctx.buf.buffer ? new Uint16Array(src) : src;
      break;
    }
    case MI.UTF32: {
      if (tag.count % 4 !== 0) ctx.fail(tag.pos, `char data: ${tag.count} bytes is not a multiple of 4`);
      const src = storageView(ctx, MI.UINT32, tag.data, tag.count) as Uint32Array;
      const units: number[] = [];
      for (let i = 0; i < src.length; i++) {
        const cp = src[i] as number;
        if (cp > 0x10ffff) units.push(0xfffd);
        else if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else units.push(cp);
      }
      codes = Uint16Array.from(units);
      break;
    }
    case MI.UINT8:
    case MI.INT8:
      codes = new Uint16Array(bytes);
      break;
    default:
      return ctx.fail(tag.pos, `char data: data type ${tag.type} is not a character type`);
  }
  if (codes.length !== n) {
    if (codes.length === 0) {
      if (n > tag.next - head.body + (1 << 20))
        ctx.fail(tag.pos, `char data: empty, dims say ${n} characters`);
      codes = new Uint16Array(n).fill(0x20);
    } else {
      ctx.fail(tag.pos, `char data: holds ${codes.length} characters, dims say ${n}`);
    }
  }
  return { kind: "char", dims: head.dims, codes };
}

function decodeSparse(ctx: Ctx, tag: Tag, head: MatrixHead): MatSparse {
  const { end } = head;
  if (head.dims.length !== 2) ctx.fail(tag.pos, `sparse array with ${head.dims.length} dims (must be 2)`);
  const [nrows, ncols] = head.dims as [number, number];
  const irTag = readTag(ctx, head.body, end, "sparse ir");
  const irSize = numericSize(irTag.type);
  if (irSize === 0 || irTag.count % irSize !== 0)
    ctx.fail(irTag.pos, "sparse ir: not a whole number of integers");
  const irAll = decodeNumeric(ctx, irTag, "int32", irTag.count / irSize, "sparse ir") as Int32Array;
  const jcTag = readTag(ctx, irTag.next, end, "sparse jc");
  const jcSize = numericSize(jcTag.type);
  if (jcSize === 0 || jcTag.count / jcSize !== ncols + 1) {
    ctx.fail(jcTag.pos, `sparse jc: expected ${ncols + 1} column starts for ${ncols} columns`);
  }
  const jc = decodeNumeric(ctx, jcTag, "int32", ncols + 1, "sparse jc") as Int32Array;
  if (jc[0] !== 0) ctx.fail(jcTag.data, `sparse jc[0] is ${jc[0]}, must be 0`);
  for (let j = 0; j < ncols; j++) {
    if ((jc[j + 1] as number) < (jc[j] as number))
      ctx.fail(jcTag.data, `sparse jc decreases at column ${j + 1}`);
  }
  const nnz = jc[ncols] as number;
  if (nnz > irAll.length) ctx.fail(jcTag.data, `sparse jc claims ${nnz} non-zeros, ir holds ${irAll.length}`);
  const ir = irAll.length === nnz ? irAll : irAll.slice(0, nnz);
  for (let k = 0; k < nnz; k++) {
    const r = ir[k] as number;
    if (r < 0 || r >= nrows) ctx.fail(irTag.data, `sparse row index ${r} outside 0..${nrows - 1}`);
  }
  const readValues = (t: Tag, what: string): Float64Array => {
    let tt = t;
    // MATLAB wrote logical sparse data tagged miDOUBLE but one byte per value (scipy gh-3539).
    if (head.logical && numericSize(t.type) > 1 && t.count === nnz && nnz > 0) tt = { ...t, type: MI.UINT8 };
    const size = numericSize(tt.type);
    if (size === 0 || tt.count % size !== 0) ctx.fail(t.pos, `${what}: not a whole number of values`);
    const have = tt.count / size;
    if (have < nnz) ctx.fail(t.pos, `${what}: holds ${have} values, jc says ${nnz} non-zeros`);
    const all = decodeNumeric(ctx, tt, "double", have, what) as Float64Array;
    return have === nnz ? all : all.slice(0, nnz);
  };
  const prTag = readTag(ctx, jcTag.next, end, "sparse values");
  const real = readValues(prTag, "sparse values");
  const v: MatSparse = {
    kind: "sparse",
    class: head.logical ? "logical" : "double",
    dims: [nrows, ncols],
    ir,
    jc,
    real,
  };
  if (head.logical) for (let k = 0; k < nnz; k++) real[k] = real[k] ? 1 : 0;
  if (head.complex)
    v.imag = readValues(readTag(ctx, prTag.next, end, "sparse imaginary part"), "sparse imaginary part");
  return v;
}

// ---- compressed elements ------------------------------------------------------------

function zlibProblem(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, " ");
}

/**
 * Most bytes inflated while looking for a variable header. Headers are a few
 * hundred bytes; the first 256 compressed bytes inflate to at most ~264 KB.
 */
const HEAD_INFLATE_CAP = 8 << 20;

/** Inflate just enough of a compressed element to parse its variable header. */
function inflateHead(
  label: string,
  at: number,
  comp: Uint8Array,
  le: boolean,
): { ctx: Ctx; tag: Tag; head: MatrixHead } {
  let take = Math.min(comp.length, 256);
  for (;;) {
    let out: Uint8Array;
    try {
      out = inflateSync(comp.subarray(0, take), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: HEAD_INFLATE_CAP,
      });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new MatError(
          label,
          at,
          `variable header not complete within the first ${HEAD_INFLATE_CAP} inflated bytes`,
        );
      }
      throw new MatError(label, at, `corrupt zlib stream in compressed element: ${zlibProblem(e)}`);
    }
    const full = take === comp.length;
    const ctx = new Ctx(
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
      le,
      label,
      at,
      !full,
      false,
    );
    try {
      const tag = readTag(ctx, 0, Number.MAX_SAFE_INTEGER, "compressed variable");
      if (tag.type !== MI.MATRIX) ctx.fail(0, `data type ${tag.type}, expected miMATRIX (14)`);
      if (tag.count === 0) return { ctx, tag, head: emptyHead(tag) };
      const head = readMatrixHead(ctx, { ...tag, count: tag.count });
      return { ctx, tag, head };
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      if (full) throw new MatError(label, at, "compressed element ends inside the variable header");
      take = Math.min(comp.length, take * 4);
    }
  }
}

function emptyHead(tag: Tag): MatrixHead {
  return {
    classId: 6,
    complex: false,
    logical: false,
    nzmax: 0,
    dims: [0, 0],
    name: "",
    body: tag.data,
    end: tag.data,
  };
}

/** Inflate a whole compressed element, checking stream end, Adler-32 and exact length. */
function inflateWhole(label: string, at: number, comp: Uint8Array, innerCount: number): Uint8Array {
  const expected = 8 + innerCount;
  if (expected > MAX_INFLATED_BYTES || expected > (comp.length + 64) * MAX_DEFLATE_RATIO) {
    throw new MatError(
      label,
      at,
      `compressed element of ${comp.length} bytes claims ${expected} inflated bytes (impossible for deflate)`,
    );
  }
  let out: Uint8Array;
  try {
    out = inflateSync(comp, {
      maxOutputLength: expected,
      chunkSize: Math.max(64 * 1024, Math.min(expected + 1024, comp.length * 16, 256 << 20)),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new MatError(
        label,
        at,
        `compressed element inflates to more than the ${expected} bytes its variable claims`,
      );
    }
    throw new MatError(label, at, `corrupt zlib stream in compressed element: ${zlibProblem(e)}`);
  }
  if (out.length !== expected) {
    throw new MatError(
      label,
      at,
      `compressed element inflates to ${out.length} bytes, its variable claims ${expected}`,
    );
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// ---- Level 5 file -------------------------------------------------------------------

interface Entry {
  info: VariableInfo;
  decode: () => MatValue;
}

function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function openLevel5(bytes: Uint8Array, label: string): MatFile {
  const le = bytes[126] === 0x49; // "IM" read in file order means little-endian
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(124, le);
  if (version === 0x0200) {
    throw new MatError(
      label,
      124,
      "MATLAB v7.3 file (HDF5 container): not supported; re-save with save -v7, or read it with an HDF5 library",
    );
  }
  if (version !== 0x0100)
    throw new MatError(label, 124, `unknown MAT-file version 0x${version.toString(16).padStart(4, "0")}`);
  let text = "";
  for (let i = 0; i < 116; i++) text += String.fromCharCode(bytes[i] as number);
  text = text.replace(/[\s\0]+$/, "");
  const header: MatHeader = { text, version, endian: le ? "<" : ">", level: 5 };
  // Subsystem offset: all spaces or all zeros means none.
  let subsys = -1;
  let allBlank = true;
  for (let i = 116; i < 124; i++) if (bytes[i] !== 0x20 && bytes[i] !== 0) allBlank = false;
  if (!allBlank) {
    const off = dv.getBigUint64(116, le);
    if (off < BigInt(Number.MAX_SAFE_INTEGER)) subsys = Number(off);
  }
  const fileCtx = new Ctx(bytes, le, label, -1, false, false);
  const entries: Entry[] = [];
  let pos = 128;
  while (pos < bytes.length) {
    const tag = readTag(fileCtx, pos, bytes.length, "variable");
    const at = pos;
    // Top-level elements are not padded after miCOMPRESSED; miMATRIX counts are already multiples of 8.
    const next = tag.data + tag.count;
    if (tag.type === MI.COMPRESSED) {
      const comp = bytes.subarray(tag.data, next);
      const { tag: inner, head } = inflateHead(label, at, comp, le);
      if (at !== subsys && head.name !== "") {
        const innerCount = inner.count;
        entries.push({
          info: { name: head.name, class: jsonClass(head), dims: head.dims, byteOffset: at },
          decode: () => {
            const buf = inflateWhole(label, at, comp, innerCount);
            const ctx = new Ctx(buf, le, label, at, false, true);
            return readMatrix(ctx, 0, buf.length, 0, "compressed variable");
          },
        });
      }
    } else if (tag.type === MI.MATRIX) {
      if (tag.count === 0) fileCtx.fail(at, "variable with an empty miMATRIX (no name)");
      const head = readMatrixHead(fileCtx, tag);
      if (at !== subsys && head.name !== "") {
        entries.push({
          info: { name: head.name, class: jsonClass(head), dims: head.dims, byteOffset: at },
          decode: () => readMatrix(fileCtx, at, next, 0, "variable"),
        });
      }
    } else {
      fileCtx.fail(
        at,
        `top-level element of data type ${tag.type}, expected miMATRIX (14) or miCOMPRESSED (15)`,
      );
    }
    pos = next;
  }
  return makeFile(header, entries, label);
}

function makeFile(header: MatHeader, entries: Entry[], label: string): MatFile {
  const byName = new Map<string, Entry>();
  for (const e of entries) byName.set(e.info.name, e);
  return {
    header,
    variables: entries.map((e) => e.info),
    has: (name) => byName.has(name),
    read(name) {
      const e = byName.get(name);
      if (!e) throw new MatError(label, 0, `no variable named ${JSON.stringify(name)}`);
      return e.decode();
    },
    readAll: () => entries.map((e) => ({ name: e.info.name, value: e.decode() })),
  };
}

/** Open a MAT file held in memory. `label` names it in error messages (a path or "zip!member"). */
export function openMat(bytes: Uint8Array, label: string): MatFile {
  const b = asPlainBytes(bytes);
  if (b.length >= 128 && ((b[126] === 0x49 && b[127] === 0x4d) || (b[126] === 0x4d && b[127] === 0x49))) {
    return openLevel5(b, label);
  }
  const l4 = readLevel4(b, label);
  if (l4) return makeFile(l4.header, l4.entries, label);
  if (b.length < 128)
    throw new MatError(
      label,
      0,
      `not a MAT file (${b.length} bytes, no Level 5 header and no Level 4 matrix)`,
    );
  throw new MatError(label, 126, "not a MAT file (no MI/IM endian indicator and no Level 4 matrix header)");
}

/** Read a file from disk and open it (the whole file is held in memory). */
export async function openMatFile(path: string): Promise<MatFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : `cannot read file (${code ?? (e as Error).message})`;
    throw new MatError(path, 0, why);
  }
  return openMat(bytes, path);
}

export type { Entry as MatEntry };
