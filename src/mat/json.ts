// The interchange JSON of a MAT file (interchange.md, `ac1 mat`): header plus
// every variable in file order; doubles as JSON numbers or "NaN"/"Infinity"/
// "-Infinity", 64-bit integers as decimal strings, chars as code points.

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
    case "struct":
      return {
        class: "struct",
        dims: v.dims.slice(),
        fields: v.fields.slice(),
        data: v.elements.map((row) => {
          const o: { [k: string]: JsonValue } = {};
          v.fields.forEach((f, i) => {
            o[f] = valueToJson(row[i] as MatValue);
          });
          return o;
        }),
      };
    case "unsupported": {
      const o: { [k: string]: JsonValue } = { class: v.class };
      if (v.classname !== undefined) o.classname = v.classname;
      o.unsupported = true;
      return o;
    }
  }
}

/** The whole file as interchange JSON: {header, variables: {name: VALUE}} in file order. */
export function matToJson(file: MatFile): { header: JsonValue; variables: { [name: string]: JsonValue } } {
  const variables: { [name: string]: JsonValue } = {};
  for (const { name, value } of file.readAll()) variables[name] = valueToJson(value);
  const h = file.header;
  return { header: { text: h.text, version: h.version, endian: h.endian, level: h.level }, variables };
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
      yield `{"class":"struct","dims":${JSON.stringify(v.dims)},"fields":${JSON.stringify(v.fields)},"data":[`;
      // like JSON.stringify of an object: a repeated field name keeps its first position and its last value
      const last = new Map<string, number>();
      for (const [i, f] of v.fields.entries()) last.set(f, i);
      const order = [...last.keys()];
      for (let e = 0; e < v.elements.length; e++) {
        const row = v.elements[e] as MatValue[];
        yield e > 0 ? ",{" : "{";
        for (let k = 0; k < order.length; k++) {
          const f = order[k] as string;
          yield `${k > 0 ? "," : ""}${JSON.stringify(f)}:`;
          yield* valueText(row[last.get(f) as number] as MatValue);
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
    // like an object literal: a repeated variable name keeps its first position and its last value
    const last = new Map<string, MatValue>();
    for (const { name, value } of values) last.set(name, value);
    let first = true;
    for (const [name, value] of last) {
      yield `${first ? "" : ","}${JSON.stringify(name)}:`;
      yield* valueText(value);
      first = false;
    }
    yield "}}";
  })();
}
