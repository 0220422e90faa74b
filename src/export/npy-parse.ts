// Strictly parsing untrusted .npy files (format versions 1.0, 2.0 and 3.0):
// the header (magic, version, length, and the dict a minimal reader of
// Python literals takes apart) and the payload's extent. Every size read off
// a file is checked against the bytes present.

import { ExportError } from "./errors.js";
import { MAGIC } from "./npy.js";
import { npyDataLength, parseDtype } from "./npy-dtype.js";

/** Largest header text accepted when parsing (numpy itself caps it at 10000 by default). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;

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
