// Hostile input: crafted malformed files (truncation, bad tags, impossible
// dims, sizes beyond the bytes present, corrupt zlib, zlib bombs, deep
// nesting) raise a MatError naming the byte offset; random mutations and
// truncations of valid files raise nothing but MatError, finish, and keep the
// process's peak memory bounded.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { deflateRawSync, deflateSync } from "node:zlib";
import fc from "fast-check";
import { MAX_MAT_VARIABLE_BYTES, MAX_MAT_VARIABLES } from "../../src/limits.js";
import type { MatCell, MatChar, MatNumeric, MatValue } from "../../src/mat/index.js";
import {
  cell,
  double,
  MatError,
  matToJson,
  numeric,
  openMat,
  str,
  struct,
  structArray,
  writeMat,
} from "../../src/mat/index.js";
import { repeatedAfter } from "../support/bombs.js";
import { fixture } from "../support/paths.js";

function decodeAll(bytes: Uint8Array, label = "t.mat"): unknown {
  return matToJson(openMat(bytes, label));
}

function assertMatError(bytes: Uint8Array, offset: number | undefined, pattern: RegExp): void {
  assert.throws(
    () => decodeAll(bytes),
    (e: unknown) => {
      assert.ok(e instanceof MatError, `expected MatError, got ${String(e)}`);
      assert.match(e.message, /^t\.mat: byte \d+: /);
      if (offset !== undefined) assert.equal(e.offset, offset, e.message);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"));
      return true;
    },
  );
}

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

// ---- random mutations --------------------------------------------------------------

function seedFiles(): Uint8Array[] {
  const rich = [
    {
      name: "trace",
      value: numeric(
        "int16",
        Array.from({ length: 300 }, (_, i) => ((i * 37) % 2000) - 1000),
      ),
    },
    {
      name: "s",
      value: structArray([
        { a: str("hello"), b: cell([double([1, 2]), str("")]) },
        { a: str("w"), b: cell([], [0, 0]) },
      ]),
    },
    { name: "z", value: numeric("double", [1, 2.5], [1, 2], [0.5, -1]) },
    {
      name: "sp",
      value: {
        kind: "sparse",
        class: "double",
        dims: [3, 2],
        ir: Int32Array.of(0, 2),
        jc: Int32Array.of(0, 1, 2),
        real: Float64Array.of(1.5, -2),
      } as MatValue,
    },
    { name: "big", value: numeric("uint64", [1, 2, 3]) },
  ];
  const corpus = [
    "some_functions.mat",
    "teststructnest_6.1_SOL2.mat",
    "testsparsecomplex_7.4_GLNX86.mat",
    "testmulti_4.2c_SOL2.mat",
    "testunicode_7.4_GLNX86.mat",
    "logical_sparse.mat",
  ].map((f) => new Uint8Array(readFileSync(fixture("mat", "corpus", f))));
  return [
    writeMat(rich, { compress: true }),
    writeMat(rich, { compress: false }),
    writeMat(rich, { compress: false, endian: ">" }),
    writeMat(rich, { compress: true, endian: ">" }),
    ...corpus,
  ];
}

const INTERESTING = [0, 1, 4, 7, 8, 14, 15, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8, 0x00050004];

test("random mutations and truncations raise only MatError and stay bounded", { timeout: 300_000 }, () => {
  const seeds = seedFiles();
  const rssBeforeMb = process.resourceUsage().maxRSS / 1024;
  let rejected = 0;
  let accepted = 0;
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant("word" as const),
      at: fc.nat(),
      value: fc.constantFrom(...INTERESTING),
      le: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (seed, muts) => {
        let b = (seeds[seed] as Uint8Array).slice();
        for (const m of muts) {
          const at = m.at % Math.max(1, b.length);
          if (m.kind === "byte") b[at] = m.value;
          else if (m.kind === "word" && at + 4 <= b.length)
            new DataView(b.buffer, b.byteOffset).setUint32(at - (at % 4), m.value, m.le);
          else if (m.kind === "truncate") b = b.subarray(0, at);
        }
        try {
          decodeAll(b);
          accepted++;
        } catch (e) {
          if (!(e instanceof MatError)) throw e;
          assert.match(e.message, /^t\.mat: byte \d+: .+/);
          rejected++;
        }
      },
    ),
    { numRuns: 4000 },
  );
  const grewMb = process.resourceUsage().maxRSS / 1024 - rssBeforeMb;
  assert.ok(rejected > 1000, `only ${rejected} mutated files rejected (${accepted} accepted)`);
  assert.ok(grewMb < 200, `peak RSS grew by ${grewMb.toFixed(0)} MB over the mutation run`);
});

// ---- memory bounds (src/limits.ts): an inflated variable, all decoded values of a file

/** A Level 5 file of one miCOMPRESSED element: zlib around `prefix` then `count` copies of `unit` (built without inflating them). */
function repeatedCompressedFile(prefix: Uint8Array, unit: Uint8Array, count: number): Uint8Array {
  const body = repeatedAfter(prefix, unit, count);
  let a = 1;
  let b = 0;
  const add = (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      a = (a + (bytes[i] as number)) % 65521;
      b = (b + a) % 65521;
    }
  };
  add(prefix);
  for (let k = 0; k < count; k++) add(unit);
  const z = Buffer.concat([Buffer.from([0x78, 0x01]), body.compressed, Buffer.alloc(4)]);
  z.writeUInt32BE(((b << 16) | a) >>> 0, z.length - 4);
  const out = new Uint8Array(136 + z.length);
  out.set(writeMat([], { compress: false }));
  new DataView(out.buffer).setUint32(128, 15, true);
  new DataView(out.buffer).setUint32(132, z.length, true);
  out.set(z, 136);
  return out;
}

/** The head of a miMATRIX named `name` of class `classId` and dims [rows, cols], its content `contentBytes` long after the head. */
function matrixHead(
  classId: number,
  rows: number,
  cols: number,
  name: string,
  contentBytes: number,
): Uint8Array {
  const nameLen = Math.ceil(name.length / 8) * 8;
  const head = new Uint8Array(8 + 16 + 16 + 8 + nameLen);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, 14, true);
  dv.setUint32(4, head.length - 8 + contentBytes, true);
  dv.setUint32(8, 6, true);
  dv.setUint32(12, 8, true);
  dv.setUint32(16, classId, true);
  dv.setUint32(24, 5, true);
  dv.setUint32(28, 8, true);
  dv.setInt32(32, rows, true);
  dv.setInt32(36, cols, true);
  dv.setUint32(40, 1, true);
  dv.setUint32(44, name.length, true);
  for (let i = 0; i < name.length; i++) head[48 + i] = name.charCodeAt(i);
  return head;
}

test("a compressed variable above the one-variable limit is refused before it is inflated", () => {
  // a 300 MiB double array of zeros in ~300 KB: listed, never inflated
  const n = (300 << 20) / 8;
  const data = new Uint8Array(8);
  new DataView(data.buffer).setUint32(0, 9, true); // miDOUBLE
  new DataView(data.buffer).setUint32(4, n * 8, true);
  const f = repeatedCompressedFile(
    Buffer.concat([matrixHead(6, n, 1, "big", 8 + n * 8), data]),
    new Uint8Array(1 << 20),
    300,
  );
  assert.ok(f.length < 400_000);
  const file = openMat(f, "t.mat");
  assert.deepEqual(file.variables[0]?.dims, [n, 1]);
  const before = process.resourceUsage().maxRSS;
  assert.throws(
    () => file.read("big"),
    (e: unknown) =>
      e instanceof MatError &&
      e.offset === 128 &&
      new RegExp(
        `claims ${8 + 56 + n * 8} inflated bytes, more than the ${MAX_MAT_VARIABLE_BYTES} the reader allows one variable`,
      ).test(e.message),
  );
  assert.ok((process.resourceUsage().maxRSS - before) / 1024 < 32);
  // the limit is the reader's option
  const small = writeMat([{ name: "x", value: double([1.5, 2.5, 3.5]) }], { compress: true });
  assert.throws(
    () => openMat(small, "t.mat", { maxVariableBytes: 64 }).read("x"),
    /more than the 64 the reader allows/,
  );
  assert.deepEqual(
    Array.from(
      (openMat(small, "t.mat", { maxVariableBytes: 200 }).read("x") as MatNumeric).real as Float64Array,
    ),
    [1.5, 2.5, 3.5],
  );
});

test("values that expand past the file's decode budget are refused before they are allocated", () => {
  // 200 000 integers stored in one byte each, class double: 1.6 MB once decoded
  const zeros = writeMat([{ name: "x", value: double(new Float64Array(200_000)) }], { compress: false });
  assert.ok(zeros.length < 210_000);
  assertThrowsBudget(() => openMat(zeros, "t.mat", { maxDecodedBytes: 1 << 20 }).read("x"));
  assert.equal(
    (openMat(zeros, "t.mat", { maxDecodedBytes: 2 << 20 }).read("x") as MatNumeric).real.length,
    200_000,
  );
  // each variable counts once, however often it is read; two together must fit
  const two = writeMat([
    { name: "a", value: double(new Float64Array(100_000)) },
    { name: "b", value: double(new Float64Array(100_000)) },
  ]);
  const file = openMat(two, "t.mat", { maxDecodedBytes: 1_200_000 });
  for (let i = 0; i < 10; i++) file.read("a");
  assertThrowsBudget(() => file.read("b"));
  assert.equal(openMat(two, "t.mat", { maxDecodedBytes: 1_700_000 }).readAll().length, 2);
});

function assertThrowsBudget(f: () => unknown): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof MatError, String(e));
    assert.match(
      e.message,
      /^t\.mat: byte \d+: .*decoding would take more than the \d+ bytes the reader allows one file's values/,
    );
    return true;
  });
}

test("millions of empty cells from a few hundred KB stop at the decode budget, memory bounded", () => {
  // a 1 x 4M cell whose elements are empty miMATRIX tags (8 bytes each): 32 MB inflated, 500 KB stored
  const n = 4 << 20;
  const unit = new Uint8Array(1 << 20);
  for (let i = 0; i < unit.length; i += 8) unit[i] = 14;
  const f = repeatedCompressedFile(matrixHead(1, 1, n, "c", n * 8), unit, (n * 8) / unit.length);
  assert.ok(f.length < 600_000, `${f.length}`);
  const before = process.resourceUsage().maxRSS;
  assertThrowsBudget(() => openMat(f, "t.mat").read("c"));
  const grewMb = (process.resourceUsage().maxRSS - before) / 1024;
  assert.ok(grewMb < 600, `peak RSS grew ${grewMb.toFixed(0)} MB`);
  // 1000 empty char arrays each claiming a million characters (as MATLAB writes blank text): 56 KB of file
  const elements = Array.from({ length: 1000 }, () =>
    Buffer.concat([matrixHead(4, 1, 1_000_000, "", 8), Buffer.from([16, 0, 0, 0, 0, 0, 0, 0])]),
  );
  const cellVar = Buffer.concat([matrixHead(1, 1, 1000, "c", 56 * 1000), ...elements]);
  const chars = Buffer.concat([writeMat([], { compress: false }), cellVar]);
  const rssBefore = process.resourceUsage().maxRSS;
  assertThrowsBudget(() => openMat(chars, "t.mat").read("c"));
  assert.ok((process.resourceUsage().maxRSS - rssBefore) / 1024 < 600);
  // a few of them decode: blank text
  const few = Buffer.concat([
    writeMat([], { compress: false }),
    matrixHead(1, 1, 3, "c", 56 * 3),
    ...elements.slice(0, 3),
  ]);
  const c = openMat(few, "t.mat").read("c") as MatCell;
  assert.equal((c.cells[2] as MatChar).codes.length, 1_000_000);
});

test("a file of more variables than the limit is refused while listing them", () => {
  const empty = double([]);
  const vars = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `v${i}`, value: empty }));
  const at = writeMat(vars(MAX_MAT_VARIABLES), { compress: false });
  assert.equal(openMat(at, "t.mat").variables.length, MAX_MAT_VARIABLES);
  const over = writeMat(vars(MAX_MAT_VARIABLES + 1), { compress: false });
  assert.throws(
    () => openMat(over, "t.mat"),
    (e: unknown) =>
      e instanceof MatError &&
      e.offset === at.length &&
      e.message === `t.mat: byte ${at.length}: more than ${MAX_MAT_VARIABLES} variables (corrupt or hostile)`,
  );
});
