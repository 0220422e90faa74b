// fast-check generators of random MATLAB values (every MatValue kind the
// writer supports) and a canonical form that compares them exactly
// (typed-array class, -0, NaN, dims, field order).

import fc from "fast-check";
import type { MatNumeric, MatSparse, MatValue, NumericClass, NumericData } from "../../src/mat/index.js";
import { numel } from "../../src/mat/index.js";

const dimsArb: fc.Arbitrary<number[]> = fc.oneof<fc.Arbitrary<number[]>[]>(
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 })).map(([a, b]) => [a, b]),
  fc
    .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 3 }))
    .map(([a, b, c]) => [a, b, c]),
  fc.constant<number[]>([1, 1]),
);

const CLASSES: NumericClass[] = [
  "double",
  "single",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
];

function valuesFor(cls: NumericClass, n: number): fc.Arbitrary<NumericData> {
  const len = { minLength: n, maxLength: n };
  switch (cls) {
    case "double":
      return fc
        .oneof(
          fc.array(fc.double(), len),
          fc.array(fc.integer({ min: -70000, max: 70000 }), len),
          fc.array(fc.integer({ min: 0, max: 255 }), len),
        )
        .map((a) => Float64Array.from(a));
    case "single":
      return fc.array(fc.float(), len).map((a) => Float32Array.from(a));
    case "int8":
      return fc.array(fc.integer({ min: -128, max: 127 }), len).map((a) => Int8Array.from(a));
    case "uint8":
      return fc.array(fc.integer({ min: 0, max: 255 }), len).map((a) => Uint8Array.from(a));
    case "int16":
      return fc.array(fc.integer({ min: -32768, max: 32767 }), len).map((a) => Int16Array.from(a));
    case "uint16":
      return fc.array(fc.integer({ min: 0, max: 65535 }), len).map((a) => Uint16Array.from(a));
    case "int32":
      return fc.array(fc.integer(), len).map((a) => Int32Array.from(a));
    case "uint32":
      return fc.array(fc.integer({ min: 0, max: 0xffffffff }), len).map((a) => Uint32Array.from(a));
    case "int64":
      return fc
        .array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), len)
        .map((a) => BigInt64Array.from(a));
    case "uint64":
      return fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), len).map((a) => BigUint64Array.from(a));
  }
}

const numericArb: fc.Arbitrary<MatValue> = fc
  .tuple(fc.constantFrom(...CLASSES), dimsArb, fc.boolean())
  .chain(([cls, dims, complex]) => {
    const n = numel(dims);
    return fc
      .tuple(valuesFor(cls, n), complex ? valuesFor(cls, n) : fc.constant(undefined))
      .map(([real, imag]) => {
        const v: MatNumeric = { kind: "numeric", class: cls, dims, real };
        if (imag) v.imag = imag;
        return v;
      });
  });

const logicalArb: fc.Arbitrary<MatValue> = dimsArb.chain((dims) =>
  fc
    .array(fc.boolean(), { minLength: numel(dims), maxLength: numel(dims) })
    .map((a): MatValue => ({ kind: "logical", dims, data: Uint8Array.from(a, (b) => (b ? 1 : 0)) })),
);

const charArb: fc.Arbitrary<MatValue> = fc.tuple(dimsArb, fc.boolean()).chain(([dims, ascii]) =>
  fc
    .array(ascii ? fc.integer({ min: 0, max: 127 }) : fc.integer({ min: 0, max: 0xffff }), {
      minLength: numel(dims),
      maxLength: numel(dims),
    })
    .map((a): MatValue => ({ kind: "char", dims, codes: Uint16Array.from(a) })),
);

const sparseArb: fc.Arbitrary<MatValue> = fc
  .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), fc.boolean())
  .chain(([m, n, logical, complex]) =>
    fc
      .array(fc.subarray(Array.from({ length: m }, (_, i) => i)), { minLength: n, maxLength: n })
      .chain((cols) => {
        const ir = cols.flat();
        const jc = [0];
        for (const c of cols) jc.push((jc[jc.length - 1] as number) + c.length);
        const nnz = ir.length;
        const val = fc.array(
          fc.double({ noNaN: true }).filter((x) => x !== 0),
          { minLength: nnz, maxLength: nnz },
        );
        return fc.tuple(val, val).map(([re, im]) => {
          const v: MatSparse = {
            kind: "sparse",
            class: logical ? "logical" : "double",
            dims: [m, n],
            ir: Int32Array.from(ir),
            jc: Int32Array.from(jc),
            real: logical ? new Float64Array(nnz).fill(1) : Float64Array.from(re),
          };
          if (complex && !logical) v.imag = Float64Array.from(im);
          return v;
        });
      }),
  );

const FIELD_NAMES = ["a", "b2", "name", "x_y", "_private", "LongFieldName_with_digits123"];

export const matValueArb: fc.Arbitrary<MatValue> = fc.letrec<{ value: MatValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    numericArb,
    logicalArb,
    charArb,
    sparseArb,
    dimsArb.chain((dims) =>
      fc
        .array(tie("value"), { minLength: numel(dims), maxLength: numel(dims) })
        .map((cells): MatValue => ({ kind: "cell", dims, cells })),
    ),
    fc.tuple(dimsArb, fc.subarray(FIELD_NAMES, { maxLength: 3 })).chain(([dims, fields]) =>
      fc
        .array(fc.array(tie("value"), { minLength: fields.length, maxLength: fields.length }), {
          minLength: numel(dims),
          maxLength: numel(dims),
        })
        .map((elements): MatValue => ({ kind: "struct", dims, fields, elements })),
    ),
  ),
})).value;

function canonNumbers(a: ArrayLike<number | bigint>): unknown[] {
  return Array.from(a as ArrayLike<number | bigint>, (x) =>
    typeof x === "bigint" ? `${x}n` : Object.is(x, -0) ? "-0" : Number.isNaN(x) ? "NaN" : x,
  );
}

/** A plain, exactly comparable form of a MatValue. */
export function canon(v: MatValue): unknown {
  switch (v.kind) {
    case "numeric":
      return {
        k: v.kind,
        c: v.class,
        t: v.real.constructor.name,
        d: v.dims,
        r: canonNumbers(v.real),
        i: v.imag ? canonNumbers(v.imag) : null,
      };
    case "logical":
      return { k: v.kind, d: v.dims, r: canonNumbers(v.data) };
    case "char":
      return { k: v.kind, d: v.dims, r: canonNumbers(v.codes) };
    case "sparse":
      return {
        k: v.kind,
        c: v.class,
        d: v.dims,
        ir: canonNumbers(v.ir),
        jc: canonNumbers(v.jc),
        r: canonNumbers(v.real),
        i: v.imag ? canonNumbers(v.imag) : null,
      };
    case "cell":
      return { k: v.kind, d: v.dims, c: v.cells.map(canon) };
    case "struct":
      return { k: v.kind, d: v.dims, f: v.fields, e: v.elements.map((row) => row.map(canon)) };
    case "unsupported":
      return { k: v.kind, c: v.class, n: v.classname ?? null };
  }
}
