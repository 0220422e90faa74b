// Hostile input, crafted: malformed files (truncation, bad tags, impossible
// dims, sizes beyond the bytes present, corrupt zlib, zlib bombs, deep
// nesting, bad names) raise a MatError naming the byte offset.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { deflateRawSync, deflateSync } from "node:zlib";
import { cell, double, MatError, openMat, str, struct, writeMat } from "../../src/mat/index.js";
import { fixture } from "../support/paths.js";
import { assertMatError, decodeAll } from "./hostile-support.js";

/** A little-endian uncompressed file holding x = [1.5; 2.5]; layout documented below. */
function simpleFile(): Uint8Array {
  // 128 miMATRIX tag | 136 flags tag | 144 flags | 152 dims tag | 160 dims |
  // 168 name (small element) | 176 real tag (miDOUBLE, 16) | 184 data | 200 end
  const b = writeMat([{ name: "x", value: double([1.5, 2.5]) }], { compress: false });
  assert.equal(b.length, 200);
  return b;
}

function setU32(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32(at, v, true);
  return c;
}

/** A Level 5 header followed by one miCOMPRESSED element holding `inflated`. */
function compressedFile(inflated: Uint8Array): Uint8Array {
  const header = writeMat([], { compress: false });
  const z = deflateSync(inflated);
  const out = new Uint8Array(128 + 8 + z.length);
  out.set(header);
  const dv = new DataView(out.buffer);
  dv.setUint32(128, 15, true);
  dv.setUint32(132, z.length, true);
  out.set(z, 136);
  return out;
}

test("the crafted base file is valid", () => {
  const j = decodeAll(simpleFile()) as { variables: { x: { data: number[] } } };
  assert.deepEqual(j.variables.x.data, [1.5, 2.5]);
});

test("truncated files name the element that runs past the end", () => {
  const b = simpleFile();
  assertMatError(b.subarray(0, 190), 128, /only 54 left in the file/);
  assertMatError(b.subarray(0, 132), 128, /tag needs 8 bytes/);
  assertMatError(b.subarray(0, 60), 0, /not a MAT file/);
});

test("trailing bytes shorter than a tag are an error", () => {
  const b = simpleFile();
  const c = new Uint8Array(b.length + 3);
  c.set(b);
  assertMatError(c, 200, /tag needs 8 bytes/);
});

test("bad tags: unknown top-level type, non-numeric data, small element over 4 bytes", () => {
  const b = simpleFile();
  assertMatError(setU32(b, 128, 99), 128, /data type 99/);
  assertMatError(setU32(b, 176, 14), 176, /not numeric/);
  assertMatError(setU32(b, 168, (7 << 16) | 1), 168, /small data element claims 7 bytes/);
  assertMatError(setU32(b, 144, 99), 136, /unknown array class 99/);
});

test("impossible dims", () => {
  const b = simpleFile();
  assertMatError(
    setU32(setU32(b, 160, 0x7fffffff), 164, 0x7fffffff),
    undefined,
    /too many elements|dims say/,
  );
  assertMatError(setU32(b, 160, 0xffffffff), 160, /dimension 1 is -1/);
  assertMatError(setU32(b, 160, 3), 176, /holds 2 values, dims say 3/);
  // a cell claiming a million elements in a few bytes is refused before allocating
  const c = writeMat([{ name: "c", value: cell([double([1])], [1, 1]) }], { compress: false });
  assertMatError(setU32(setU32(c, 160, 1000), 164, 1000), 128, /cannot fit/);
});

test("sizes beyond the bytes present", () => {
  const b = simpleFile();
  assertMatError(setU32(b, 132, 0xfffffff0), 128, /element of 4294967280 bytes/);
  assertMatError(setU32(b, 180, 1_000_000_000), 176, /element of 1000000000 bytes/);
});

test("corrupt zlib data and checksum", () => {
  const good = writeMat([{ name: "x", value: double(Array.from({ length: 200 }, (_, i) => Math.sin(i))) }]);
  decodeAll(good);
  const badSum = good.slice();
  badSum[badSum.length - 1] = (badSum[badSum.length - 1] as number) ^ 0xff;
  assertMatError(badSum, 128, /zlib.*(incorrect data check|checksum)/);
  const badData = good.slice();
  for (let i = 200; i < 260; i++) badData[i] = (badData[i] as number) ^ 0x5a;
  assertMatError(badData, 128, /compressed|zlib/);
  const truncated = good.slice();
  new DataView(truncated.buffer).setUint32(132, good.length - 136 - 20, true);
  assertMatError(truncated.subarray(0, good.length - 20), 128, /zlib|compressed/);
});

test("zlib bombs: a small element claiming gigabytes, and one inflating past its claim", () => {
  // inner tag claims 3 GB; the stream holds 16 bytes
  const claim = new Uint8Array(16);
  new DataView(claim.buffer).setUint32(0, 14, true);
  new DataView(claim.buffer).setUint32(4, 3_000_000_000, true);
  const f1 = compressedFile(claim);
  assertMatError(f1, 128, /element of 3000000000 bytes, the inflated data ends after 8/);
  // 64 MB of zeros behind a tag claiming 16 bytes: refused at the cap, not inflated whole
  const big = new Uint8Array(64 << 20);
  const dv = new DataView(big.buffer);
  const inner = writeMat([{ name: "x", value: double([1.5, 2.5]) }], { compress: false }).subarray(128);
  big.set(inner);
  dv.setUint32(4, inner.length - 8, true);
  const f2 = compressedFile(big);
  assert.ok(f2.length < 200_000);
  const before = process.resourceUsage().maxRSS;
  assertMatError(f2, 128, /inflates to more than the \d+ bytes/);
  const grewMb = (process.resourceUsage().maxRSS - before) / 1024;
  assert.ok(grewMb < 48, `peak RSS grew ${grewMb} MB`);
  // listing works (headers only); decoding fails
  const file = openMat(f2, "t.mat");
  assert.deepEqual(
    file.variables.map((v) => v.name),
    ["x"],
  );
  assert.throws(() => file.read("x"), MatError);
});

/** A raw little-endian 1x1 cell miMATRIX around `inner` (named `name`, empty for nested ones). */
function rawCell(inner: Uint8Array, name: string): Uint8Array {
  const nameLen = Math.ceil(name.length / 8) * 8;
  const body = 16 + 16 + 8 + nameLen + inner.length;
  const out = new Uint8Array(8 + body);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 14, true);
  dv.setUint32(4, body, true);
  dv.setUint32(8, 6, true); // flags: miUINT32, 8 bytes
  dv.setUint32(12, 8, true);
  dv.setUint32(16, 1, true); // mxCELL
  dv.setUint32(24, 5, true); // dims: miINT32, 8 bytes
  dv.setUint32(28, 8, true);
  dv.setInt32(32, 1, true);
  dv.setInt32(36, 1, true);
  dv.setUint32(40, 1, true); // name: miINT8
  dv.setUint32(44, name.length, true);
  for (let i = 0; i < name.length; i++) out[48 + i] = name.charCodeAt(i);
  out.set(inner, 48 + nameLen);
  return out;
}

function adler32(b: Uint8Array): number {
  let a = 1;
  let c = 0;
  for (let i = 0; i < b.length; i++) {
    a = (a + (b[i] as number)) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
}

test("listing a hostile header (empty deflate blocks, then a bomb) stops at the header cap", () => {
  // inner element: miMATRIX whose dims element claims 100 MB, followed by 64 MB of zeros
  const inner = new Uint8Array(64 << 20);
  const dv = new DataView(inner.buffer);
  dv.setUint32(0, 14, true);
  dv.setUint32(4, 200 << 20, true);
  dv.setUint32(8, 6, true);
  dv.setUint32(12, 8, true);
  dv.setUint32(16, 6, true);
  dv.setUint32(24, 5, true);
  dv.setUint32(28, 100 << 20, true);
  const emptyBlocks = 20_000;
  const raw = deflateRawSync(inner);
  const z = new Uint8Array(2 + 5 * emptyBlocks + raw.length + 4);
  z.set([0x78, 0x01]);
  for (let i = 0; i < emptyBlocks; i++) z.set([0x00, 0x00, 0x00, 0xff, 0xff], 2 + 5 * i);
  z.set(raw, 2 + 5 * emptyBlocks);
  new DataView(z.buffer).setUint32(z.length - 4, adler32(inner), false);
  const file = new Uint8Array(136 + z.length);
  file.set(writeMat([], { compress: false }));
  new DataView(file.buffer).setUint32(128, 15, true);
  new DataView(file.buffer).setUint32(132, z.length, true);
  file.set(z, 136);
  const before = process.resourceUsage().maxRSS;
  assertMatError(file, 128, /variable header not complete within the first \d+ inflated bytes/);
  const grewMb = (process.resourceUsage().maxRSS - before) / 1024;
  assert.ok(grewMb < 48, `peak RSS grew ${grewMb} MB`);
});

test("nesting deeper than the limit is refused", () => {
  const leaf = writeMat([{ name: "x", value: double([1]) }], { compress: false })
    .subarray(128)
    .slice();
  // blank the leaf's name: nested elements have empty names (name is a small element at +40)
  new DataView(leaf.buffer).setUint32(40, 1, true);
  new DataView(leaf.buffer).setUint32(44, 0, true);
  let inner: Uint8Array = leaf;
  for (let i = 0; i < 200; i++) inner = rawCell(inner, "");
  const header = writeMat([], { compress: false });
  const ok = (depth: number): Uint8Array => {
    let v: Uint8Array = leaf;
    for (let i = 0; i < depth; i++) v = rawCell(v, i === depth - 1 ? "c" : "");
    const f = new Uint8Array(128 + v.length);
    f.set(header);
    f.set(v, 128);
    return f;
  };
  const shallow = decodeAll(ok(10)) as { variables: { c: { class: string } } };
  assert.equal(shallow.variables.c.class, "cell");
  assertMatError(ok(200), undefined, /nested deeper than 64/);
});

test("unsupported values do not derail the rest of the file", () => {
  const bytes = new Uint8Array(readFileSync(fixture("mat", "corpus", "some_functions.mat")));
  const j = decodeAll(bytes) as { variables: Record<string, { class: string; unsupported?: boolean }> };
  assert.deepEqual(Object.keys(j.variables), ["a", "b", "c", "sqr", "parabola", "nCf"]);
  assert.equal(j.variables.sqr?.class, "function_handle");
  assert.equal(j.variables.sqr?.unsupported, true);
  assert.ok(!("__function_workspace__" in j.variables));
});

test("names must be ASCII identifiers", () => {
  const b = writeMat([{ name: "ab", value: double([1]) }], { compress: false });
  const i = b.indexOf(0x61, 160); // 'a' of the name
  const c = b.slice();
  c[i] = 0x2d; // '-'
  assertMatError(c, undefined, /not a MATLAB identifier/);
});

test("struct field-name length must divide the names", () => {
  const b = writeMat([{ name: "s", value: struct({ ab: double([1]), cd: str("x") }) }], { compress: false });
  const dv = new DataView(b.buffer);
  // field-name length is the small element after the name: find value 3 (slot) as SDE (4 bytes, miINT32)
  let at = -1;
  for (let p = 128; p < b.length - 8; p += 8)
    if (dv.getUint32(p, true) === ((4 << 16) | 5) && dv.getInt32(p + 4, true) === 3) at = p;
  assert.ok(at > 0);
  assertMatError(setU32(b, at + 4, 4), at + 4, /does not divide/);
  assertMatError(setU32(b, at + 4, 0), at + 4, /does not divide/);
});
