// Read-side helpers over MatValue trees, for code walking decoded files
// (the release walkers): field lookup, char -> string, numeric -> Float64Array.

import type { MatValue } from "./value.js";

/** Field `name` of struct element `element`; undefined when absent or `v` is not a struct. */
export function getField(v: MatValue | undefined, name: string, element = 0): MatValue | undefined {
  if (v?.kind !== "struct") return undefined;
  if (!Number.isInteger(element) || element < 0 || element >= v.elements.length) return undefined;
  const f = v.fields.indexOf(name);
  if (f < 0) return undefined;
  return v.elements[element]?.[f];
}

/** Field names of a struct (file order); [] when not a struct. */
export function fieldNames(v: MatValue | undefined): string[] {
  return v && v.kind === "struct" ? v.fields.slice() : [];
}

/** Number of elements of a struct array; 0 when not a struct. */
export function structLength(v: MatValue | undefined): number {
  return v && v.kind === "struct" ? v.elements.length : 0;
}

/**
 * A char array as a JS string: a row (or column) vector reads straight; a
 * multi-row char matrix gives its rows joined with "\n". undefined when not char.
 */
export function charToString(v: MatValue | undefined): string | undefined {
  if (v?.kind !== "char") return undefined;
  const codes = v.codes;
  const rows = v.dims.length === 2 ? (v.dims[0] as number) : 1;
  if (codes.length === 0) return "";
  if (v.dims.length !== 2 || rows <= 1 || v.dims[1] === 1) return decodeUnits(codes, 0, 1, codes.length);
  const cols = v.dims[1] as number;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(decodeUnits(codes, r, rows, cols));
  return lines.join("\n");
}

function decodeUnits(codes: Uint16Array, start: number, stride: number, count: number): string {
  let s = "";
  const CHUNK = 8192;
  for (let i = 0; i < count; i += CHUNK) {
    const n = Math.min(CHUNK, count - i);
    const part = new Array<number>(n);
    for (let k = 0; k < n; k++) part[k] = codes[start + (i + k) * stride] as number;
    s += String.fromCharCode(...part);
  }
  return s;
}

/** Numeric, logical or sparse values as a new Float64Array (column-major, real part). */
export function toFloat64(v: MatValue | undefined): Float64Array | undefined {
  if (!v) return undefined;
  if (v.kind === "numeric") {
    const src = v.real;
    const n = src.length;
    const out = new Float64Array(n);
    if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[i] = Number(src[i]);
    } else {
      out.set(src);
    }
    return out;
  }
  if (v.kind === "logical") {
    const out = new Float64Array(v.data.length);
    out.set(v.data);
    return out;
  }
  if (v.kind === "sparse") {
    const [rows, cols] = v.dims;
    const out = new Float64Array(rows * cols);
    for (let c = 0; c < cols; c++) {
      for (let k = v.jc[c] as number; k < (v.jc[c + 1] as number); k++)
        out[c * rows + (v.ir[k] as number)] = v.real[k] as number;
    }
    return out;
  }
  return undefined;
}

/** First element as a number (numeric, logical, sparse); undefined when empty or not numeric. */
export function toNumber(v: MatValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.kind === "numeric") {
    if (v.real.length === 0) return undefined;
    return Number(v.real[0]);
  }
  if (v.kind === "logical") return v.data.length ? (v.data[0] as number) : undefined;
  if (v.kind === "sparse") {
    if (v.dims[0] * v.dims[1] === 0) return undefined;
    return (v.jc[1] as number) > 0 && v.ir[0] === 0 ? (v.real[0] as number) : 0;
  }
  return undefined;
}
