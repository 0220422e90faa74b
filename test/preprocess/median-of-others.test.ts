// The leave-one-out medians of the cross-trial test: the generated rank
// kernels return exactly (Object.is, -0 included) what the insertion-sort
// path returns, for every repeat count, with ties, NaN, infinities, and -0
// anywhere (which sends the whole call to the insertion path).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { medianOfOthers, medianOfOthersByInsertion } from "../../src/preprocess/median-of-others.js";

function insertionRefs(rows: Float64Array[], L: number): Float64Array[] {
  const refs = rows.map(() => new Float64Array(L));
  if (rows.length < 2) for (const ref of refs) ref.fill(Number.NaN);
  else medianOfOthersByInsertion(rows, L, refs);
  return refs;
}

function assertIdentical(got: Float64Array[], want: Float64Array[], what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i]!.length, want[i]!.length, what);
    for (let t = 0; t < want[i]!.length; t++)
      assert.ok(
        Object.is(got[i]![t], want[i]![t]),
        `${what} repeat ${i} column ${t}: ${got[i]![t]} vs ${want[i]![t]}`,
      );
  }
}

const plainValue = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
  },
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 2 }).map((k) => k * 0.5 + 0) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const valueOrNegativeZero = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
  },
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 2 }).map((k) => k * 0.5 + 0) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(-0) },
);

test("rank kernels equal the insertion path bit for bit (R = 1..16, ties, NaN, infinities, -0)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer(),
      fc.boolean(),
      (R, L, extra, seed, negativeZeros) => {
        const value = negativeZeros ? valueOrNegativeZero : plainValue;
        const rows = fc.sample(
          fc.array(value, { minLength: L + extra, maxLength: L + extra }).map((a) => Float64Array.from(a)),
          { numRuns: R, seed },
        );
        assertIdentical(medianOfOthers(rows, L), insertionRefs(rows, L), `R=${R} L=${L}`);
      },
    ),
    { numRuns: 300 },
  );
});

test("medianOfOthers into given arrays (views of one buffer, longer than L, holding garbage) equals fresh", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 14 }),
      fc.integer({ min: 0, max: 120 }),
      fc.integer(),
      (R, L, seed) => {
        const rows = fc.sample(
          fc
            .array(valueOrNegativeZero, { minLength: L + 2, maxLength: L + 2 })
            .map((a) => Float64Array.from(a)),
          { numRuns: R, seed },
        );
        const all = new Float64Array(R * (L + 3)).fill(123.5);
        const into = rows.map((_, i) => all.subarray(i * (L + 3), (i + 1) * (L + 3)));
        const got = medianOfOthers(rows, L, into);
        assert.equal(got, into);
        assertIdentical(
          got.map((a) => a.subarray(0, L)),
          medianOfOthers(rows, L),
          `R=${R} L=${L}`,
        );
      },
    ),
    { numRuns: 150 },
  );
  assert.throws(
    () => medianOfOthers([new Float64Array(4), new Float64Array(4)], 4, [new Float64Array(4)]),
    RangeError,
  );
});

test("a -0 anywhere (even after thousands of columns) gives the insertion path's exact result", () => {
  for (const R of [2, 3, 6, 7, 12]) {
    const L = 3000;
    const rows = Array.from({ length: R }, (_, i) =>
      Float64Array.from({ length: L }, (_, t) => ((t * (i + 3)) % 5) - 2 + 0),
    );
    for (const at of [0, 1234, L - 1]) {
      const withNegZero = rows.map((r) => r.slice());
      withNegZero[R - 1]![at] = -0;
      withNegZero[0]![Math.max(0, at - 1)] = 0;
      assertIdentical(medianOfOthers(withNegZero, L), insertionRefs(withNegZero, L), `R=${R} -0 at ${at}`);
    }
  }
});
