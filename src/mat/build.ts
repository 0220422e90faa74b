// Constructors for MatValue trees: the convenient way for tests, the synthetic
// archive generator and the writer's callers to build MATLAB values without
// spelling out typed arrays and dims by hand.

import type {
  MatCell,
  MatChar,
  MatLogical,
  MatNumeric,
  MatStruct,
  MatValue,
  NumericClass,
  NumericData,
} from "./value.js";
import { numel } from "./value.js";

/** Default dims for a 1-D list: a column [n,1], except one element -> [1,1]. */
function columnDims(n: number): number[] {
  return n === 1 ? [1, 1] : [n, 1];
}

function checkDims(dims: number[], n: number, what: string): number[] {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${what}: invalid dimension ${d} in [${dims.join(",")}]`);
  }
  if (dims.length < 2) throw new RangeError(`${what}: dims need at least 2 entries, got [${dims.join(",")}]`);
  if (numel(dims) !== n)
    throw new RangeError(`${what}: dims [${dims.join(",")}] hold ${numel(dims)} elements, data has ${n}`);
  return dims.slice();
}

/** Allocate the typed array of a numeric class. */
export function allocNumeric(cls: NumericClass, n: number): NumericData {
  switch (cls) {
    case "double":
      return new Float64Array(n);
    case "single":
      return new Float32Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
      return new Uint8Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "uint64":
      return new BigUint64Array(n);
  }
}

/** Whether `data` already is the typed array used for class `cls`. */
export function isClassArray(cls: NumericClass, data: unknown): data is NumericData {
  switch (cls) {
    case "double":
      return data instanceof Float64Array;
    case "single":
      return data instanceof Float32Array;
    case "int8":
      return data instanceof Int8Array;
    case "uint8":
      return data instanceof Uint8Array;
    case "int16":
      return data instanceof Int16Array;
    case "uint16":
      return data instanceof Uint16Array;
    case "int32":
      return data instanceof Int32Array;
    case "uint32":
      return data instanceof Uint32Array;
    case "int64":
      return data instanceof BigInt64Array;
    case "uint64":
      return data instanceof BigUint64Array;
  }
}

/** Convert numbers (or any typed array) to the class's typed array (copy). */
function toClassArray(cls: NumericClass, data: ArrayLike<number> | NumericData): NumericData {
  const n = data.length;
  const out = allocNumeric(cls, n);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const x = (data as ArrayLike<number | bigint>)[i] as number | bigint;
      out[i] = typeof x === "bigint" ? x : BigInt(Math.trunc(x));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = (data as ArrayLike<number | bigint>)[i] as number | bigint;
      out[i] = typeof x === "bigint" ? Number(x) : x;
    }
  }
  return out;
}

/** A numeric array of class `cls`. `data` is column-major; a matching typed array is used as is. */
export function numeric(
  cls: NumericClass,
  data: ArrayLike<number> | NumericData,
  dims?: number[],
  imag?: ArrayLike<number> | NumericData,
): MatNumeric {
  const real = isClassArray(cls, data) ? data : toClassArray(cls, data);
  const d = dims ? checkDims(dims, real.length, `numeric(${cls})`) : columnDims(real.length);
  const v: MatNumeric = { kind: "numeric", class: cls, dims: d, real };
  if (imag !== undefined) {
    const im = isClassArray(cls, imag) ? imag : toClassArray(cls, imag);
    if (im.length !== real.length)
      throw new RangeError(`numeric(${cls}): imag has ${im.length} elements, real ${real.length}`);
    v.imag = im;
  }
  return v;
}

/** A double array (column [n,1] by default; [1,1] for one element). */
export function double(data: ArrayLike<number>, dims?: number[]): MatNumeric {
  return numeric("double", data, dims);
}

/** A 1x1 double. */
export function scalar(x: number): MatNumeric {
  return { kind: "numeric", class: "double", dims: [1, 1], real: Float64Array.of(x) };
}

/** A 1xN char row holding the UTF-16 code units of `s` (empty string -> 0x0). */
export function str(s: string): MatChar {
  const codes = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
  return { kind: "char", dims: s.length === 0 ? [0, 0] : [1, s.length], codes };
}

/** A logical array (non-zero / true -> 1). */
export function logical(data: ArrayLike<number | boolean>, dims?: number[]): MatLogical {
  const n = data.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0;
  return { kind: "logical", dims: dims ? checkDims(dims, n, "logical") : columnDims(n), data: out };
}

/** A 1x1 struct; field order is the key order of `fields`. */
export function struct(fields: Record<string, MatValue>): MatStruct {
  const names = Object.keys(fields);
  return { kind: "struct", dims: [1, 1], fields: names, elements: [names.map((k) => fields[k] as MatValue)] };
}

/**
 * A struct array (default 1xN). Every element must have the same field names;
 * an empty list needs `fields`. Field order is that of `fields` or the first element.
 */
export function structArray(
  elements: Record<string, MatValue>[],
  dims?: number[],
  fields?: string[],
): MatStruct {
  const first = elements[0];
  const names = fields ? fields.slice() : first ? Object.keys(first) : undefined;
  if (!names) throw new RangeError("structArray: an empty element list needs a fields argument");
  const rows: MatValue[][] = [];
  for (let e = 0; e < elements.length; e++) {
    const el = elements[e] as Record<string, MatValue>;
    const keys = Object.keys(el);
    if (keys.length !== names.length || names.some((k) => !Object.hasOwn(el, k))) {
      throw new RangeError(
        `structArray: element ${e} has fields [${keys.join(",")}], expected [${names.join(",")}]`,
      );
    }
    rows.push(names.map((k) => el[k] as MatValue));
  }
  const d = dims ? checkDims(dims, rows.length, "structArray") : [1, rows.length];
  return { kind: "struct", dims: d, fields: names, elements: rows };
}

/** A cell array (default 1xN). */
export function cell(values: MatValue[], dims?: number[]): MatCell {
  return {
    kind: "cell",
    dims: dims ? checkDims(dims, values.length, "cell") : [1, values.length],
    cells: values.slice(),
  };
}
