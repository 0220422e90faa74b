// The format of an intermediate entry (src/store/intermediates.ts stores
// them): encoded, decoded whole, or read through a stream into a sink, the
// seal checked either way. Little-endian: "AC1IMD\0\1", u32 format, u32 header
// length H, the header (UTF-8 JSON: kind, key, array dtypes and lengths, the
// caller's data, with NaN, +-Infinity and -0 spelled out), padding to 8, each
// array's bytes padded to 8, then 32 bytes of SHA-256.

import { createHash } from "node:crypto";
import { endianness } from "node:os";
import { CacheError } from "../errors.js";
import { readFullySync } from "../file-reads.js";

export const INTERMEDIATE_KINDS = ["index", "clean", "stim", "deflated"] as const;
export type IntermediateKind = (typeof INTERMEDIATE_KINDS)[number];

/** Bumped whenever the layout of an intermediate entry (or of what the dataset stores in it) changes. */
export const INTERMEDIATE_FORMAT_VERSION = 1;

export type IntermediateArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** What an entry holds: the caller's JSON-able header (non-finite numbers allowed) and its arrays. */
export interface IntermediateBlob {
  header: unknown;
  arrays: IntermediateArray[];
}

const MAGIC = Uint8Array.from([0x41, 0x43, 0x31, 0x49, 0x4d, 0x44, 0x00, 0x01]); // "AC1IMD\0\1"
const SEAL_BYTES = 32;
const DTYPES = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array } as const;
type Dtype = keyof typeof DTYPES;

/** How an entry's header names the dtype of an array it holds. */
export function intermediateDtypeOf(a: IntermediateArray): Dtype {
  if (a instanceof Float32Array) return "f4";
  if (a instanceof Float64Array) return "f8";
  if (a instanceof Int32Array) return "i4";
  return "u1";
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** JSON with NaN, +-Infinity and -0 kept (as {"$n": "..."}), so numbers come back bit for bit. */
function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== "number") return v;
    if (Number.isNaN(v)) return { $n: "NaN" };
    if (v === Number.POSITIVE_INFINITY) return { $n: "Infinity" };
    if (v === Number.NEGATIVE_INFINITY) return { $n: "-Infinity" };
    if (Object.is(v, -0)) return { $n: "-0" };
    return v;
  });
}

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-0": -0,
};

function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const n = (v as { $n?: unknown }).$n;
      if (keys.length === 1 && typeof n === "string" && n in SPECIAL) return SPECIAL[n];
    }
    return v;
  });
}

/** The bytes of an entry: header, arrays, seal. */
export function encodeIntermediate(
  kind: IntermediateKind,
  key: string,
  blob: IntermediateBlob,
): Uint8Array[] {
  const header = new TextEncoder().encode(
    encodeJson({
      kind,
      key,
      arrays: blob.arrays.map((a) => [intermediateDtypeOf(a), a.length]),
      data: blob.header,
    }),
  );
  const head = new Uint8Array(16 + header.length + pad8(16 + header.length));
  head.set(MAGIC, 0);
  const dv = new DataView(head.buffer);
  dv.setUint32(8, INTERMEDIATE_FORMAT_VERSION, true);
  dv.setUint32(12, header.length, true);
  head.set(header, 16);
  const parts: Uint8Array[] = [head];
  for (const a of blob.arrays) {
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const p = pad8(a.byteLength);
    if (p > 0) parts.push(new Uint8Array(p));
  }
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  parts.push(new Uint8Array(hash.digest()));
  return parts;
}

/** The blob of an entry's bytes (`bytes` must start 8-byte aligned); throws a CacheError saying what is wrong. */
export function decodeIntermediate(bytes: Uint8Array, kind: IntermediateKind, key: string): IntermediateBlob {
  if (bytes.byteOffset % 8 !== 0) throw new Error("decodeIntermediate: bytes must be 8-byte aligned");
  if (bytes.length < 16 + SEAL_BYTES) throw new CacheError(`entry too short (${bytes.length} bytes)`);
  checkMagic(bytes);
  const body = bytes.subarray(0, bytes.length - SEAL_BYTES);
  checkSeal(createHash("sha256").update(body).digest(), bytes.subarray(bytes.length - SEAL_BYTES));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const H = headerLength(dv, body.length);
  const { data, specs } = parseHeader(bytes.subarray(16, 16 + H), kind, key);
  const offsets = arrayOffsets(specs, 16 + H + pad8(16 + H), body.length);
  const arrays = specs.map(
    ({ Ctor, length }, i): IntermediateArray =>
      new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + (offsets[i] as number), length),
  );
  return { header: data, arrays };
}

function checkMagic(head: Uint8Array): void {
  for (let i = 0; i < MAGIC.length; i++)
    if (head[i] !== MAGIC[i]) throw new CacheError("not an ac1 intermediate entry (bad magic)");
}

/** Throws unless the body's SHA-256 `digest` is the entry's `seal`. */
function checkSeal(digest: Uint8Array, seal: Uint8Array): void {
  if (!Buffer.from(digest).equals(seal))
    throw new CacheError("entry content does not match its seal (SHA-256): damaged since it was stored");
}

/**
 * Where each array of `specs` starts, laid out from `start` (each padded to
 * 8 bytes); they must end exactly at `bodyEnd`.
 */
function arrayOffsets(specs: readonly ArraySpec[], start: number, bodyEnd: number): number[] {
  const offsets: number[] = [];
  let at = start;
  for (const { Ctor, length } of specs) {
    const n = length * Ctor.BYTES_PER_ELEMENT;
    if (at + n > bodyEnd) throw new CacheError("entry arrays run past its end");
    offsets.push(at);
    at += n + pad8(n);
  }
  if (at !== bodyEnd) throw new CacheError("entry has bytes beyond its arrays");
  return offsets;
}

/** The header's length H, from an entry's first 16 bytes (magic checked before); checks the format and that the header fits. */
function headerLength(dv: DataView, bodyBytes: number): number {
  const version = dv.getUint32(8, true);
  if (version !== INTERMEDIATE_FORMAT_VERSION)
    throw new CacheError(`entry has format ${version}, expected ${INTERMEDIATE_FORMAT_VERSION}`);
  const H = dv.getUint32(12, true);
  if (16 + H > bodyBytes) throw new CacheError("entry header runs past its end");
  return H;
}

/** An array as an entry's header lists it. */
interface ArraySpec {
  dtype: Dtype;
  Ctor: (typeof DTYPES)[Dtype];
  length: number;
}

/** The caller's data and the arrays an entry's header lists, checked against the entry's place. */
function parseHeader(
  text: Uint8Array,
  kind: IntermediateKind,
  key: string,
): { data: unknown; specs: ArraySpec[] } {
  const parsed = decodeJson(new TextDecoder().decode(text)) as {
    kind?: unknown;
    key?: unknown;
    arrays?: unknown;
    data?: unknown;
  };
  if (parsed === null || typeof parsed !== "object") throw new CacheError("entry header is not an object");
  if (parsed.kind !== kind || parsed.key !== key)
    throw new CacheError(`entry records ${String(parsed.kind)} ${String(parsed.key)}, not its place`);
  if (!Array.isArray(parsed.arrays)) throw new CacheError("entry header lists no arrays");
  const specs: ArraySpec[] = [];
  for (const spec of parsed.arrays as unknown[]) {
    const [dtype, length] = Array.isArray(spec) ? spec : [];
    const Ctor = typeof dtype === "string" && dtype in DTYPES ? DTYPES[dtype as Dtype] : undefined;
    if (Ctor === undefined || !Number.isSafeInteger(length) || (length as number) < 0)
      throw new CacheError("entry header has a malformed array");
    specs.push({ dtype: dtype as Dtype, Ctor, length: length as number });
  }
  return { data: parsed.data, specs };
}

/** What reading an entry through a stream (IntermediateCache.readStreamed) does with it. */
export interface EntrySink {
  /**
   * The entry's header data and its arrays' dtypes and lengths, before any
   * of their bytes; throws a CacheError if they are not what the caller
   * stored (the entry is then removed as damaged).
   */
  header(data: unknown, arrays: readonly { dtype: string; length: number }[]): void;
  /** The next bytes of array `index`, in order: a view of a reused buffer (copy what is kept). */
  bytes(index: number, chunk: Uint8Array): void;
}

/** Bytes read at a time by readStreamed: its one buffer, reused from entry to entry. */
const STREAM_CHUNK = 1 << 20;
let streamBuffer: Uint8Array | undefined;

/** Why the sink failed (not the entry): rethrown as it is. */
export class SinkFailure {
  constructor(readonly error: unknown) {}
}

/** readStreamed's reading of an open entry of `size` bytes (within the bound: withEntry checks it): throws a CacheError for a bad entry, a SinkFailure for the sink's own. */
export function streamEntry(
  fd: number,
  size: number,
  kind: IntermediateKind,
  key: string,
  sink: EntrySink,
): void {
  if (size < 16 + SEAL_BYTES) throw new CacheError(`entry too short (${size} bytes)`);
  if (streamBuffer === undefined) streamBuffer = new Uint8Array(STREAM_CHUNK);
  const buf = streamBuffer;
  const bodyEnd = size - SEAL_BYTES;
  const hash = createHash("sha256");
  let at = 0;
  /** The next n <= STREAM_CHUNK bytes, hashed. */
  const next = (n: number): Uint8Array => {
    const got = readFullySync(fd, buf, 0, n, at);
    if (got < n) throw new CacheError(`entry shrank while read (${at + got} of ${size} bytes)`);
    at += n;
    const chunk = buf.subarray(0, n);
    hash.update(chunk);
    return chunk;
  };
  const head = next(16);
  checkMagic(head);
  const H = headerLength(new DataView(head.buffer, head.byteOffset, 16), bodyEnd);
  const text = new Uint8Array(H);
  if (readFullySync(fd, text, 0, H, at) < H) throw new CacheError("entry shrank while read");
  hash.update(text);
  at += H;
  const { data, specs } = parseHeader(text, kind, key);
  next(pad8(at));
  arrayOffsets(specs, at, bodyEnd);
  try {
    sink.header(
      data,
      specs.map(({ dtype, length }) => ({ dtype, length })),
    );
  } catch (e) {
    // A CacheError says the entry is not what the caller stored; anything else is the sink's own.
    throw e instanceof CacheError ? e : new SinkFailure(e);
  }
  for (let i = 0; i < specs.length; i++) {
    const { Ctor, length } = specs[i] as ArraySpec;
    const n = length * Ctor.BYTES_PER_ELEMENT;
    for (let done = 0; done < n; ) {
      const chunk = next(Math.min(STREAM_CHUNK, n - done));
      done += chunk.length;
      try {
        sink.bytes(i, chunk);
      } catch (e) {
        throw new SinkFailure(e);
      }
    }
    next(pad8(n));
  }
  const seal = new Uint8Array(SEAL_BYTES);
  if (readFullySync(fd, seal, 0, SEAL_BYTES, at) < SEAL_BYTES)
    throw new CacheError("entry shrank while read");
  checkSeal(hash.digest(), seal);
}

/** Whether typed arrays here are little-endian, as entries store them (else the caches stay off). */
export const INTERMEDIATES_SUPPORTED = endianness() === "LE";
