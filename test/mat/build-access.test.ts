// The value constructors (build.ts) and the reading helpers (access.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cell,
  charToString,
  double,
  fieldNames,
  getField,
  logical,
  numeric,
  openMat,
  scalar,
  str,
  struct,
  structArray,
  structLength,
  toFloat64,
  toNumber,
  writeMat,
} from "../../src/mat/index.js";

test("constructors pick MATLAB's default dims", () => {
  assert.deepEqual(double([1, 2, 3]).dims, [3, 1]);
  assert.deepEqual(double([7]).dims, [1, 1]);
  assert.deepEqual(double([1, 2, 3, 4], [2, 2]).dims, [2, 2]);
  assert.deepEqual(scalar(2.5).dims, [1, 1]);
  assert.deepEqual(str("abc").dims, [1, 3]);
  assert.deepEqual(str("").dims, [0, 0]);
  assert.deepEqual(cell([scalar(1), scalar(2)]).dims, [1, 2]);
  assert.deepEqual(structArray([{ a: scalar(1) }, { a: scalar(2) }]).dims, [1, 2]);
  assert.deepEqual(structArray([], [0, 0], ["a", "b"]).fields, ["a", "b"]);
  assert.throws(() => double([1, 2, 3], [2, 2]), RangeError);
  assert.throws(() => structArray([{ a: scalar(1) }, { b: scalar(2) }]), RangeError);
  assert.throws(() => structArray([]), RangeError);
});

test("numeric converts to the class's typed array", () => {
  assert.ok(numeric("int16", [1, -2]).real instanceof Int16Array);
  const big = numeric("int64", [1, -2]);
  assert.ok(big.real instanceof BigInt64Array);
  assert.equal(big.real[1], -2n);
  const typed = Float32Array.of(1, 2);
  assert.equal(numeric("single", typed).real, typed);
  assert.deepEqual(Array.from(logical([true, 0, 2]).data), [1, 0, 1]);
});

test("access helpers read decoded trees", () => {
  const s = structArray([
    { name: str("one"), x: double([1, 2]) },
    { name: str("two"), x: numeric("int64", [5]) },
  ]);
  const file = openMat(
    writeMat([
      { name: "s", value: s },
      {
        name: "m",
        value: { kind: "char", dims: [2, 3], codes: Uint16Array.from("atbucv", (c) => c.charCodeAt(0)) },
      },
    ]),
    "a.mat",
  );
  const back = file.read("s");
  assert.deepEqual(fieldNames(back), ["name", "x"]);
  assert.equal(structLength(back), 2);
  assert.equal(charToString(getField(back, "name", 1)), "two");
  assert.deepEqual(Array.from(toFloat64(getField(back, "x")) ?? []), [1, 2]);
  assert.equal(toNumber(getField(back, "x", 1)), 5);
  assert.equal(getField(back, "nope"), undefined);
  assert.equal(getField(back, "x", 2), undefined);
  assert.equal(getField(scalar(1), "x"), undefined);
  assert.equal(charToString(scalar(1)), undefined);
  assert.equal(charToString(file.read("m")), "abc\ntuv");
  assert.equal(toNumber(str("a")), undefined);
  assert.equal(structLength(cell([])), 0);
  const sp = {
    kind: "sparse" as const,
    class: "double" as const,
    dims: [2, 2] as [number, number],
    ir: Int32Array.of(1),
    jc: Int32Array.of(0, 0, 1),
    real: Float64Array.of(4),
  };
  assert.deepEqual(Array.from(toFloat64(sp) ?? []), [0, 0, 0, 4]);
  assert.equal(toNumber(sp), 0);
  assert.deepEqual(fieldNames(struct({ b: scalar(1), a: scalar(2) })), ["b", "a"]);
});
