// Format features that MATLAB-written fixtures do not cover, built byte by
// byte: UTF-32 and big-endian UTF-16 char data, non-BMP characters, zero-byte
// miMATRIX elements, opaque values nested in containers, storage types wider
// than the class, values that do not fit their class, Level 4 byte orders.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  charToString,
  double,
  getField,
  MatError,
  matToJson,
  numeric,
  openMat,
  struct,
  toFloat64,
  writeMat,
} from "../../src/mat/index.js";

type Endian = "<" | ">";

/** Byte-level builder of Level 5 elements in one byte order. */
function builder(endian: Endian) {
  const le = endian === "<";
  const u32s = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => {
      dv.setUint32(4 * i, x >>> 0, le);
    });
    return b;
  };
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const el = (type: number, data: Uint8Array): Uint8Array =>
    cat(u32s(type, data.length), data, new Uint8Array((8 - (data.length % 8)) % 8));
  const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const matrix = (
    classId: number,
    flagBits: number,
    dims: number[] | null,
    name: string,
    ...body: Uint8Array[]
  ): Uint8Array => {
    const parts = [el(6, u32s(classId | flagBits, 0))];
    if (dims) parts.push(el(5, u32s(...dims)));
    parts.push(el(1, ascii(name)), ...body);
    return el(14, cat(...parts));
  };
  const file = (...vars: Uint8Array[]): Uint8Array => {
    const h = new Uint8Array(128).fill(0x20);
    h.set(ascii("MATLAB 5.0 MAT-file, crafted"));
    new DataView(h.buffer).setUint16(124, 0x0100, le);
    h.set(ascii(le ? "IM" : "MI"), 126);
    return cat(h, ...vars);
  };
  const f64 = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(8 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => {
      dv.setFloat64(8 * i, x, le);
    });
    return b;
  };
  const u16 = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(2 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => {
      dv.setUint16(2 * i, x, le);
    });
    return b;
  };
  const i64 = (x: bigint): Uint8Array => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, x, le);
    return out;
  };
  return { u32s, cat, el, ascii, matrix, file, f64, u16, i64 };
}

for (const endian of ["<", ">"] as const) {
  const b = builder(endian);
  test(`char data in UTF-32, UTF-16, UTF-8 and Latin-1 (${endian})`, () => {
    const smile = 0x1f600; // outside the BMP: two UTF-16 units in MATLAB
    const f = b.file(
      b.matrix(4, 0, [1, 4], "u32", b.el(18, b.u32s(0x41, 0xe9, smile))),
      b.matrix(4, 0, [1, 3], "u16", b.el(17, b.u16(0x3b1, 0x3b2, 0x20))),
      b.matrix(4, 0, [1, 4], "u8", b.el(16, new TextEncoder().encode("a\u00e9\u4e2d"))),
      b.matrix(4, 0, [1, 2], "lat", b.el(2, Uint8Array.of(0xe9, 0x41))),
    );
    const file = openMat(f, "c.mat");
    assert.equal(charToString(file.read("u32")), "A\u00e9\u{1f600}");
    assert.equal(charToString(file.read("u16")), "\u03b1\u03b2 ");
    assert.equal(charToString(file.read("lat")), "\u00e9A");
    assert.throws(
      () => file.read("u8"),
      (e: unknown) => e instanceof MatError && /holds 3 characters, dims say 4/.test(e.message),
    );
  });

  test(`zero-byte miMATRIX, nested opaque values and wide storage (${endian})`, () => {
    const opaque = b.matrix(
      17,
      0,
      null,
      "",
      b.el(1, b.ascii("MCOS")),
      b.el(1, b.ascii("string")),
      b.matrix(13, 0, [1, 1], "", b.el(6, b.u32s(0xdd000000))),
    );
    const f = b.file(
      b.matrix(
        1,
        0,
        [1, 3],
        "c",
        b.el(14, new Uint8Array(0)),
        opaque,
        b.matrix(6, 0, [1, 1], "", b.el(12, b.i64(7n))),
      ),
      b.matrix(6, 0, [1, 1], "after", b.el(9, b.f64(2.5))),
    );
    const j = matToJson(openMat(f, "o.mat")) as unknown as { variables: Record<string, { data: unknown[] }> };
    const cellData = j.variables.c?.data as { class: string; dims?: number[]; data?: unknown[] }[];
    assert.deepEqual(cellData[0], { class: "double", dims: [0, 0], data: [] });
    assert.deepEqual(cellData[1], { class: "opaque", classname: "string", unsupported: true });
    assert.deepEqual(cellData[2], { class: "double", dims: [1, 1], data: [7] });
    assert.deepEqual(j.variables.after?.data, [2.5]);
  });

  test(`values that do not fit their class are refused (${endian})`, () => {
    const f = b.file(b.matrix(8, 0, [1, 1], "i8", b.el(3, b.u16(300))));
    assert.throws(
      () => openMat(f, "v.mat").read("i8"),
      (e: unknown) => e instanceof MatError && /300 does not fit class int8/.test(e.message),
    );
    const g = b.file(b.matrix(10, 0, [1, 1], "frac", b.el(9, b.f64(1.5))));
    assert.throws(
      () => openMat(g, "v.mat").read("frac"),
      (e: unknown) => e instanceof MatError && /1.5 does not fit class int16/.test(e.message),
    );
  });

  test(`sparse validation (${endian})`, () => {
    const sparse = (ir: number[], jc: number[]): Uint8Array =>
      b.file(
        b.matrix(
          5,
          0,
          [3, 2],
          "s",
          b.el(5, b.u32s(...ir)),
          b.el(5, b.u32s(...jc)),
          b.el(9, b.f64(...ir.map(() => 1))),
        ),
      );
    assert.deepEqual(
      Array.from(toFloat64(openMat(sparse([0, 2], [0, 1, 2]), "s.mat").read("s")) ?? []),
      [1, 0, 0, 0, 0, 1],
    );
    assert.throws(() => openMat(sparse([0, 3], [0, 1, 2]), "s.mat").read("s"), /row index 3 outside/);
    assert.throws(() => openMat(sparse([0, 1], [0, 2, 1]), "s.mat").read("s"), /jc decreases/);
    assert.throws(() => openMat(sparse([0, 1], [0, 1, 5]), "s.mat").read("s"), /claims 5 non-zeros/);
  });
}

test("Level 4 files in both byte orders, with text and complex matrices", () => {
  for (const le of [true, false]) {
    const parts: number[] = [];
    const push32 = (v: number): void => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, v, le);
      parts.push(...b);
    };
    const pushF64 = (v: number): void => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, le);
      parts.push(...b);
    };
    const m = le ? 0 : 1000;
    // x: 1x2 complex double
    [m + 0, 1, 2, 1, 2].forEach(push32);
    parts.push(0x78, 0);
    [1, 2, -1, 0.5].forEach(pushF64);
    // t: 1x2 text stored as doubles
    [m + 1, 1, 2, 0, 2].forEach(push32);
    parts.push(0x74, 0);
    [104, 105].forEach(pushF64);
    const j = matToJson(openMat(Uint8Array.from(parts), "l4.mat")) as {
      header: unknown;
      variables: Record<string, unknown>;
    };
    assert.deepEqual(j.header, { text: "", version: 0, endian: le ? "<" : ">", level: 4 });
    assert.deepEqual(j.variables.x, { class: "double", dims: [1, 2], data: [1, 2], imag: [-1, 0.5] });
    assert.deepEqual(j.variables.t, { class: "char", dims: [1, 2], data: [104, 105] });
  }
});

test("small arrays never keep the whole inflated variable alive; the bulk array is not copied", () => {
  const small = double(Array.from({ length: 100 }, (_, i) => i + 0.5));
  const big = numeric(
    "int16",
    Int16Array.from({ length: 100_000 }, (_, i) => i % 3000),
  );
  const file = openMat(writeMat([{ name: "s", value: struct({ small, big }) }]), "r.mat");
  const s = file.read("s");
  const smallBack = getField(s, "small");
  const bigBack = getField(s, "big");
  assert.ok(smallBack?.kind === "numeric" && bigBack?.kind === "numeric");
  assert.equal(smallBack.real.buffer.byteLength, 800);
  assert.deepEqual(Array.from(bigBack.real as Int16Array), Array.from(big.real as Int16Array));
  assert.ok(bigBack.real.buffer.byteLength >= 200_000);
});
