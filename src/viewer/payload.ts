// The AC1P binary payload of GET /api/pair and GET /api/stim: a JSON header
// and float32 arrays in one buffer, so the browser gets a pair's stim,
// repeats and mean in one request without JSON number parsing. The browser's
// decoder is web/api.js decodePair; the header types are in api-types.ts.
//
// Layout: magic u32 LE "AC1P" | header byte length u32 LE | UTF-8 JSON header
// padded with spaces to a multiple of 4 | the arrays, float32 little-endian,
// in the order of header.arrays (offsets relative to the start of the data).

import type { DecodedPayload, JsonArray, PayloadArray } from "./api-types.js";

/** Magic at the start of a binary payload ("AC1P" read as u32 LE). */
export const PAIR_MAGIC = 0x50314341;

/** One array to put in a payload. */
export interface PayloadInput {
  name: string;
  shape: number[];
  data: Float32Array;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes `header` (plus the layout of `arrays` as header.arrays) and the arrays as one buffer. */
export function encodePayload(header: object, arrays: readonly PayloadInput[]): Buffer {
  const layout: PayloadArray[] = [];
  let offset = 0;
  for (const a of arrays) {
    layout.push({ name: a.name, shape: a.shape, offset });
    offset += a.data.length * 4;
  }
  let json = Buffer.from(JSON.stringify({ ...header, arrays: layout }), "utf8");
  const pad = (4 - (json.length % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeUInt32LE(PAIR_MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const a of arrays) {
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    if (isLittleEndian) bytes.copy(out, at);
    else for (let i = 0; i < a.data.length; i++) out.writeFloatLE(a.data[i] as number, at + i * 4);
    at += a.data.length * 4;
  }
  return out;
}

/** The arrays as JSON (the `?format=json` routes): {shape, data} row-major, NaN as null. */
export function payloadJson(arrays: readonly PayloadInput[]): Record<string, JsonArray> {
  const out: Record<string, JsonArray> = {};
  for (const a of arrays)
    out[a.name] = { shape: a.shape, data: Array.from(a.data, (v) => (Number.isFinite(v) ? v : null)) };
  return out;
}

/**
 * Decodes what encodePayload wrote (used by tests and tools). `H` is the
 * header the caller expects (StimHeader, PairHeader); it is not validated.
 */
export function decodePayload<H = Record<string, unknown>>(buf: Uint8Array): DecodedPayload<H> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 8 || view.getUint32(0, true) !== PAIR_MAGIC) throw new Error("not an AC1P payload");
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > buf.byteLength) throw new Error("AC1P header runs past the end");
  const header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLength).toString("utf8"));
  const base = 8 + headerLength;
  const arrays = new Map<string, Float32Array>();
  for (const a of header.arrays as PayloadArray[]) {
    const n = a.shape.reduce((p, q) => p * q, 1);
    if (base + a.offset + n * 4 > buf.byteLength) throw new Error(`AC1P array ${a.name} runs past the end`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(base + a.offset + i * 4, true);
    arrays.set(a.name, out);
  }
  return { header, arrays };
}
