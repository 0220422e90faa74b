// Decoding numeric data elements (Level 5): the stored type's values as a
// typed array in native byte order, converted to the array's MATLAB class with
// range and integrality checks (a class narrower than its storage type is
// refused value by value), small arrays read one value at a time.

import { allocNumeric } from "./build.js";
import { HOST_LE, MI, numericSize, STORAGE_TYPE, swapBytes } from "./format.js";
import { type Ctx, NEED_MORE, type Tag } from "./tags.js";
import type { NumericClass, NumericData } from "./value.js";

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

/** The stored values of a numeric element as a typed array of the storage type, native byte order. */
export function storageView(ctx: Ctx, type: number, pos: number, count: number): NumericData {
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
export function decodeNumeric(ctx: Ctx, tag: Tag, cls: NumericClass, n: number, what: string): NumericData {
  const size = numericSize(tag.type);
  if (size === 0) ctx.fail(tag.pos, `${what}: data type ${tag.type} is not numeric`);
  if (tag.count % size !== 0)
    ctx.fail(tag.pos, `${what}: ${tag.count} bytes is not a multiple of the ${size}-byte element`);
  const have = tag.count / size;
  if (have !== n) ctx.fail(tag.pos, `${what}: holds ${have} values, dims say ${n}`);
  ctx.charge(tag.pos, n * numericSize(STORAGE_TYPE[cls]), what);
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
