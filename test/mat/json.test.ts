// The interchange JSON encoding (interchange.md, `ac1 mat`) of each value kind,
// and lazy listing: variables are listed from their headers only.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  cell,
  double,
  logical,
  MatError,
  matToJson,
  numeric,
  openMat,
  str,
  structArray,
  writeMat,
} from "../../src/mat/index.js";
import { fixture } from "../support/paths.js";

test("numbers, special values, 64-bit integers, chars and logicals", () => {
  const bytes = writeMat([
    {
      name: "d",
      value: double([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], [1, 4]),
    },
    { name: "s", value: numeric("single", [0.1]) },
    { name: "i", value: numeric("int64", BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n), [2, 1]) },
    { name: "u", value: numeric("uint64", BigUint64Array.of(2n ** 64n - 1n)) },
    { name: "z", value: numeric("int8", [1, -2], [1, 2], [3, 4]) },
    { name: "c", value: str("h\u00e9") },
    { name: "l", value: logical([true, false], [1, 2]) },
  ]);
  const j = matToJson(openMat(bytes, "j.mat"));
  assert.deepEqual(j.variables, {
    d: { class: "double", dims: [1, 4], data: [1.5, "NaN", "Infinity", "-Infinity"] },
    s: { class: "single", dims: [1, 1], data: [Math.fround(0.1)] },
    i: { class: "int64", dims: [2, 1], data: ["-9223372036854775808", "9223372036854775807"] },
    u: { class: "uint64", dims: [1, 1], data: ["18446744073709551615"] },
    z: { class: "int8", dims: [1, 2], data: [1, -2], imag: [3, 4] },
    c: { class: "char", dims: [1, 2], data: [104, 233] },
    l: { class: "logical", dims: [1, 2], data: [1, 0] },
  });
});

test("containers, sparse and empties", () => {
  const bytes = writeMat([
    {
      name: "st",
      value: structArray(
        [
          { a: double([1]), b: cell([]) },
          { a: str(""), b: cell([double([], [0, 3])]) },
        ],
        [2, 1],
      ),
    },
    { name: "e", value: structArray([], [0, 1], ["x"]) },
    {
      name: "sp",
      value: {
        kind: "sparse",
        class: "double",
        dims: [2, 3],
        ir: Int32Array.of(1, 0),
        jc: Int32Array.of(0, 0, 1, 2),
        real: Float64Array.of(5, 6),
        imag: Float64Array.of(0, -1),
      },
    },
  ]);
  const j = matToJson(openMat(bytes, "j.mat"));
  assert.deepEqual(j.variables, {
    st: {
      class: "struct",
      dims: [2, 1],
      fields: ["a", "b"],
      data: [
        { a: { class: "double", dims: [1, 1], data: [1] }, b: { class: "cell", dims: [1, 0], data: [] } },
        {
          a: { class: "char", dims: [0, 0], data: [] },
          b: { class: "cell", dims: [1, 1], data: [{ class: "double", dims: [0, 3], data: [] }] },
        },
      ],
    },
    e: { class: "struct", dims: [0, 1], fields: ["x"], data: [] },
    sp: {
      class: "double",
      sparse: true,
      dims: [2, 3],
      ir: [1, 0],
      jc: [0, 0, 1, 2],
      data: [5, 6],
      imag: [0, -1],
    },
  });
});

test("listing reads headers only: a variable whose data is corrupt is still listed", () => {
  const bytes = new Uint8Array(readFileSync(fixture("mat", "corpus", "corrupted_zlib_data.mat")));
  const file = openMat(bytes, "c.mat");
  assert.ok(file.variables.length >= 3);
  for (const v of file.variables) assert.ok(v.byteOffset >= 128 && v.dims.length >= 2 && v.class.length > 0);
  const bad = file.variables.find((v) => {
    try {
      file.read(v.name);
      return false;
    } catch (e) {
      assert.ok(e instanceof MatError);
      return true;
    }
  });
  assert.ok(bad, "one variable fails to decode");
  assert.equal(file.has(bad.name), true);
  assert.equal(file.has("nope"), false);
  assert.throws(() => file.read("nope"), /no variable named "nope"/);
});
