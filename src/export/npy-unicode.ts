// The 0-d NumPy unicode (<U…) scalar that carries the export manifest:
// a string encoded as its UTF-32LE payload, and such a payload decoded back
// (strictly: an invalid code point is an error, never replaced).

import { ExportError } from "./errors.js";
import { HOST_LITTLE_ENDIAN, parseDtype } from "./npy-dtype.js";

/** A UTF-16 surrogate code unit (half of an astral character, or a lone one). */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * A string as the payload of a 0-d NumPy unicode scalar: UTF-32LE code
 * points, dtype "<U{n}" with n the number of code points (at least 1).
 */
export function encodeUnicodeScalar(s: string): { dtype: string; data: Uint8Array } {
  // Without surrogates every UTF-16 unit is one code point: the units, written
  // natively (Buffer.write) and widened to 32 bits natively (TypedArray set),
  // are the payload. A loop over the characters costs ~10 ms on a 100K-char
  // manifest in a fresh process (one `ac1 build` cache hit), this ~0.5 ms.
  if (HOST_LITTLE_ENDIAN && !SURROGATE.test(s)) {
    const n = s.length;
    const count = Math.max(1, n);
    const units = Buffer.allocUnsafeSlow(2 * n); // not pooled: offset 0, aligned for the Uint16Array
    units.write(s, 0, "utf16le");
    const points = new Uint32Array(count);
    points.set(new Uint16Array(units.buffer, units.byteOffset, n));
    return { dtype: `<U${count}`, data: new Uint8Array(points.buffer) };
  }
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff)
      throw new ExportError(`unicode scalar: lone surrogate U+${cp.toString(16)} at code point ${n}`);
    n++;
  }
  const count = Math.max(1, n);
  const data = new Uint8Array(4 * count);
  const view = new DataView(data.buffer);
  let i = 0;
  for (const ch of s) {
    view.setUint32(4 * i, ch.codePointAt(0)!, true);
    i++;
  }
  return { dtype: `<U${count}`, data };
}

/** Decodes a <U/>U payload (one or more items concatenated) to a string; trailing NULs of the item are dropped, as numpy does. */
export function decodeUnicodeScalar(
  parsed: { dtype: string; shape: number[]; data: Uint8Array },
  label: string,
): string {
  const dt = parseDtype(parsed.dtype);
  if (dt?.kind !== "U")
    throw new ExportError(`${label}: expected a unicode (<U) array, found dtype ${parsed.dtype}`);
  if (parsed.shape.length !== 0)
    throw new ExportError(
      `${label}: expected a 0-d unicode scalar, found shape (${parsed.shape.join(", ")})`,
    );
  const { data } = parsed;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = dt.byteOrder !== ">";
  let end = data.byteLength / 4;
  while (end > 0 && view.getUint32(4 * (end - 1), little) === 0) end--;
  const fast = little && HOST_LITTLE_ENDIAN ? bmpText(data, end) : undefined;
  if (fast !== undefined) return fast;
  // UTF-32 to UTF-16 units in one typed array, decoded once: no per-character garbage
  let astral = 0;
  for (let i = 0; i < end; i++) {
    const cp = view.getUint32(4 * i, little);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw new ExportError(`${label}: invalid code point 0x${cp.toString(16)} at item byte ${4 * i}`);
    if (cp > 0xffff) astral++;
  }
  const units = new Uint16Array(end + astral);
  for (let i = 0, u = 0; i < end; i++) {
    const cp = view.getUint32(4 * i, little);
    if (cp > 0xffff) {
      units[u++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[u++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else units[u++] = cp;
  }
  return utf16.decode(units);
}

// ignoreBOM: a leading U+FEFF is content, not a byte-order mark
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });
const utf16Strict = new TextDecoder("utf-16le", { ignoreBOM: true, fatal: true });

/**
 * The first `count` little-endian code points of `data` as a string when
 * all are in the Basic Multilingual Plane and none is a surrogate (the
 * usual manifest), with native passes only: narrowed to 16 bits and widened
 * back (equal: none above U+FFFF), decoded strictly (a lone surrogate
 * throws), searched for the surrogates a pair decodes to. Undefined
 * otherwise: the caller's loop decodes astral code points and names an
 * invalid one.
 */
function bmpText(data: Uint8Array, count: number): string | undefined {
  const bytes = 4 * count;
  const points =
    data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, count)
      : new Uint32Array(data.slice(0, bytes).buffer);
  const units = new Uint16Array(count);
  units.set(points);
  const widened = new Uint32Array(count);
  widened.set(units);
  const same = Buffer.from(widened.buffer).equals(Buffer.from(points.buffer, points.byteOffset, bytes));
  if (!same) return undefined;
  let text: string;
  try {
    text = utf16Strict.decode(units);
  } catch {
    return undefined;
  }
  return SURROGATE.test(text) ? undefined : text;
}
