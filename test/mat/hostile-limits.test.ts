// Hostile input against the memory bounds (src/limits.ts): a compressed
// variable above the one-variable limit, values expanding past a file's
// decode budget, and more variables than a file may hold are refused before
// they are allocated.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { isAc1Error } from "../../src/errors.js";
import { MAX_MAT_VARIABLE_BYTES, MAX_MAT_VARIABLES } from "../../src/limits.js";
import type { MatCell, MatChar, MatNumeric } from "../../src/mat/index.js";
import { double, MatError, openMat, openMatFile, writeMat } from "../../src/mat/index.js";
import { repeatedAfter } from "../support/bombs.js";
import { tempDir } from "../support/cli.js";

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

test("openMatFile on a file it cannot open: an INPUT error with the path and why, not a MatError at byte 0", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const [path, why] of [
      [join(dir, "nope.mat"), "no such file"],
      [dir, "is a folder, not a file"],
    ] as const)
      await assert.rejects(
        openMatFile(path),
        (e: unknown) => isAc1Error(e, "INPUT") && !(e instanceof MatError) && e.message === `${path}: ${why}`,
      );
  } finally {
    await cleanup();
  }
});
