// The interchange JSON of a MAT file (interchange.md, `ac1 mat`): header plus
// every variable in file order; doubles as JSON numbers or "NaN"/"Infinity"/
// "-Infinity", 64-bit integers as decimal strings, chars as code points.
// Names that repeat (a struct's field names, the file's variable names; only
// hostile or broken files have them) cannot be keys of one JSON object twice:
// the repeats are renamed as scipy.io.loadmat renames them (uniqueNames), and
// the names as stored are added beside ("file_fields", "file_variables"), so
// nothing is lost and every other struct keeps exactly its shape.

import type { MatFile } from "./file.js";
import type { MatValue, NumericData } from "./value.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function num(x: number): number | string {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

function numbers(data: NumericData | Uint8Array | Uint16Array): JsonValue[] {
  const out: JsonValue[] = new Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = (data[i] as bigint).toString();
  } else if (data instanceof Float64Array || data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) out[i] = num(data[i] as number);
  } else {
    for (let i = 0; i < data.length; i++) out[i] = data[i] as number;
  }
  return out;
}

/**
 * Unique names for `names` (file order), or null when none repeats. The k-th
 * repeat of NAME (k = 1, 2, ...) becomes `_k_NAME`, as scipy.io.loadmat names
 * it; when that name is taken (by another name of the list, or an earlier
 * renaming), k counts on until it is free. Names that do not repeat are kept.
 */
export function uniqueNames(names: readonly string[]): string[] | null {
  const seen = new Set<string>();
  let repeats = false;
  for (const n of names) {
    if (seen.has(n)) repeats = true;
    seen.add(n);
  }
  if (!repeats) return null;
  const taken = new Set(names);
  const count = new Map<string, number>();
  return names.map((n) => {
    const k = count.get(n) ?? 0;
    count.set(n, k + 1);
    if (k === 0) return n;
    let j = k;
    while (taken.has(`_${j}_${n}`)) j++;
    const renamed = `_${j}_${n}`;
    taken.add(renamed);
    return renamed;
  });
}

/** One MatValue as interchange JSON. */
export function valueToJson(v: MatValue): JsonValue {
  switch (v.kind) {
    case "numeric": {
      const o: { [k: string]: JsonValue } = { class: v.class, dims: v.dims.slice(), data: numbers(v.real) };
      if (v.imag) o.imag = numbers(v.imag);
      return o;
    }
    case "logical":
      return { class: "logical", dims: v.dims.slice(), data: numbers(v.data) };
    case "char":
      return { class: "char", dims: v.dims.slice(), data: numbers(v.codes) };
    case "sparse": {
      const o: { [k: string]: JsonValue } = {
        class: v.class,
        sparse: true,
        dims: [v.dims[0], v.dims[1]],
        ir: numbers(v.ir),
        jc: numbers(v.jc),
        data: numbers(v.real),
      };
      if (v.imag) o.imag = numbers(v.imag);
      return o;
    }
    case "cell":
      return { class: "cell", dims: v.dims.slice(), data: v.cells.map(valueToJson) };
    case "struct": {
      const renamed = uniqueNames(v.fields);
      const names = renamed ?? v.fields;
      const o: { [k: string]: JsonValue } = { class: "struct", dims: v.dims.slice(), fields: names.slice() };
      if (renamed) o.file_fields = v.fields.slice();
      o.data = v.elements.map((row) => {
        const e: { [k: string]: JsonValue } = {};
        names.forEach((f, i) => {
          e[f] = valueToJson(row[i] as MatValue);
        });
        return e;
      });
      return o;
    }
    case "unsupported": {
      const o: { [k: string]: JsonValue } = { class: v.class };
      if (v.classname !== undefined) o.classname = v.classname;
      o.unsupported = true;
      return o;
    }
  }
}

/**
 * The whole file as interchange JSON: {header, variables: {name: VALUE}} in
 * file order; with "file_variables" (the names as stored) when a name repeats.
 */
export function matToJson(file: MatFile): {
  header: JsonValue;
  variables: { [name: string]: JsonValue };
  file_variables?: string[];
} {
  const all = file.readAll();
  const stored = all.map((v) => v.name);
  const renamed = uniqueNames(stored);
  const variables: { [name: string]: JsonValue } = {};
  all.forEach(({ value }, i) => {
    variables[(renamed ?? stored)[i] as string] = valueToJson(value);
  });
  const h = file.header;
  const header = { text: h.text, version: h.version, endian: h.endian, level: h.level };
  return renamed ? { header, variables, file_variables: stored } : { header, variables };
}

// ---- streaming form (for large files: no giant JS arrays or strings) ----------

const BATCH = 65536;

function numberText(x: number): string {
  return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

function* numbersText(data: NumericData | Uint8Array | Uint16Array | Int32Array): Generator<string> {
  const n = data.length;
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  const float = data instanceof Float64Array || data instanceof Float32Array;
  yield "[";
  for (let start = 0; start < n; start += BATCH) {
    const end = Math.min(n, start + BATCH);
    const parts = new Array<string>(end - start);
    for (let i = start; i < end; i++) {
      const x = data[i] as number | bigint;
      parts[i - start] = big ? `"${x}"` : float ? numberText(x as number) : String(x);
    }
    yield start === 0 ? parts.join(",") : `,${parts.join(",")}`;
  }
  yield "]";
}

function* valueText(v: MatValue): Generator<string> {
  switch (v.kind) {
    case "numeric":
      yield `{"class":"${v.class}","dims":${JSON.stringify(v.dims)},"data":`;
      yield* numbersText(v.real);
      if (v.imag) {
        yield ',"imag":';
        yield* numbersText(v.imag);
      }
      yield "}";
      return;
    case "logical":
      yield `{"class":"logical","dims":${JSON.stringify(v.dims)},"data":`;
      yield* numbersText(v.data);
      yield "}";
      return;
    case "char":
      yield `{"class":"char","dims":${JSON.stringify(v.dims)},"data":`;
      yield* numbersText(v.codes);
      yield "}";
      return;
    case "sparse":
      yield `{"class":"${v.class}","sparse":true,"dims":${JSON.stringify(v.dims)},"ir":`;
      yield* numbersText(v.ir);
      yield ',"jc":';
      yield* numbersText(v.jc);
      yield ',"data":';
      yield* numbersText(v.real);
      if (v.imag) {
        yield ',"imag":';
        yield* numbersText(v.imag);
      }
      yield "}";
      return;
    case "cell":
      yield `{"class":"cell","dims":${JSON.stringify(v.dims)},"data":[`;
      for (let i = 0; i < v.cells.length; i++) {
        if (i > 0) yield ",";
        yield* valueText(v.cells[i] as MatValue);
      }
      yield "]}";
      return;
    case "struct": {
      const renamed = uniqueNames(v.fields);
      const names = renamed ?? v.fields;
      const stored = renamed ? `,"file_fields":${JSON.stringify(v.fields)}` : "";
      yield `{"class":"struct","dims":${JSON.stringify(v.dims)},"fields":${JSON.stringify(names)}${stored},"data":[`;
      for (let e = 0; e < v.elements.length; e++) {
        const row = v.elements[e] as MatValue[];
        yield e > 0 ? ",{" : "{";
        for (let k = 0; k < names.length; k++) {
          yield `${k > 0 ? "," : ""}${JSON.stringify(names[k])}:`;
          yield* valueText(row[k] as MatValue);
        }
        yield "}";
      }
      yield "]}";
      return;
    }
    case "unsupported":
      yield JSON.stringify(valueToJson(v));
      return;
  }
}

/**
 * The same JSON as matToJson, as a sequence of text chunks. Every variable is
 * decoded (and so validated) before the first chunk is produced, so a bad file
 * fails before anything is written.
 */
export function matJsonChunks(file: MatFile): Generator<string> {
  const values = file.readAll();
  const h = file.header;
  const header = JSON.stringify({ text: h.text, version: h.version, endian: h.endian, level: h.level });
  return (function* () {
    yield `{"header":${header},"variables":{`;
    const stored = values.map((v) => v.name);
    const renamed = uniqueNames(stored);
    const names = renamed ?? stored;
    for (let i = 0; i < values.length; i++) {
      yield `${i > 0 ? "," : ""}${JSON.stringify(names[i])}:`;
      yield* valueText((values[i] as { value: MatValue }).value);
    }
    yield renamed ? `},"file_variables":${JSON.stringify(stored)}}` : "}}";
  })();
}
