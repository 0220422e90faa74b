// crossTrialCorrelations (pipeline.md section 5.2) against a brute-force
// definition: for every repeat and sample, the np.median of the other
// repeats' values (sorted afresh), then np.mean and np.sum of the product
// arrays in numpy's pairwise order. The fast path must agree bit for bit,
// ties, NaN and every repeat count included.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { pairwiseSum } from "../../src/dsp/stats.js";
import { crossTrialCorrelations } from "../../src/preprocess/gating.js";

function npMedian(values: number[]): number {
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) return Number.NaN;
  const s = values.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function bruteCorrelations(rows: Float64Array[], L: number): Float64Array {
  const R = rows.length;
  const r = new Float64Array(R);
  for (let i = 0; i < R; i++) {
    const x = rows[i]!.subarray(0, L);
    const ref = new Float64Array(L);
    for (let t = 0; t < L; t++) ref[t] = npMedian(rows.filter((_, j) => j !== i).map((row) => row[t]!));
    const ma = pairwiseSum(x) / L;
    const mb = pairwiseSum(ref) / L;
    const a = x.map((v) => v - ma);
    const b = ref.map((v) => v - mb);
    const sab = pairwiseSum(a.map((v, t) => v * b[t]!));
    const saa = pairwiseSum(a.map((v) => v * v));
    const sbb = pairwiseSum(b.map((v) => v * v));
    r[i] = sab / (Math.sqrt(saa) * Math.sqrt(sbb) + 1e-12);
  }
  return r;
}

function assertSameNumbers(got: Float64Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Object.is(got[i], want[i]) || (got[i] === 0 && want[i] === 0),
      `${what} [${i}]: ${got[i]} vs ${want[i]}`,
    );
}

// Values on a coarse grid force ties within columns; lengths cross the
// 128-sample pairwise blocks and their splits.
const gridValue = fc.integer({ min: -6, max: 6 }).map((k) => k * 0.75);
const anyValue = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });

test("crossTrialCorrelations equals the brute-force definition bit for bit (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 14 }),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 5 }),
      (R, L, onGrid, extra) =>
        fc.assert(
          fc.property(
            fc.array(
              fc.array(onGrid ? gridValue : anyValue, { minLength: L + extra, maxLength: L + extra }),
              {
                minLength: R,
                maxLength: R,
              },
            ),
            (rows) => {
              const data = rows.map((row) => Float64Array.from(row));
              assertSameNumbers(crossTrialCorrelations(data, L), bruteCorrelations(data, L), `R=${R} L=${L}`);
            },
          ),
          { numRuns: 2 },
        ),
    ),
    { numRuns: 80 },
  );
});

test("crossTrialCorrelations on long smooth traces and many repeats equals the brute force", () => {
  let s = 12345;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (const [R, L] of [
    [3, 5000],
    [12, 2000],
    [31, 700],
  ] as const) {
    const shared = new Float64Array(L);
    for (let t = 1; t < L; t++) shared[t] = 0.95 * shared[t - 1]! + next();
    const rows = Array.from({ length: R }, () => {
      const row = new Float64Array(L + 3);
      let z = 0;
      for (let t = 0; t < row.length; t++) {
        z = 0.9 * z + next();
        row[t] = (t < L ? shared[t]! : 0) + z;
      }
      return row;
    });
    assertSameNumbers(crossTrialCorrelations(rows, L), bruteCorrelations(rows, L), `R=${R} L=${L}`);
  }
});

test("a NaN sample makes every correlation NaN, as np.median and np.sum do", () => {
  const rows = [
    Float64Array.of(1, 2, 3, 4),
    Float64Array.of(2, 1, 4, 3),
    Float64Array.of(0, 2, Number.NaN, 5),
  ];
  const r = crossTrialCorrelations(rows, 4);
  assert.ok(
    r.every((v) => Number.isNaN(v)),
    `${Array.from(r)}`,
  );
  assertSameNumbers(r, bruteCorrelations(rows, 4), "NaN");
  // Past the common length L the NaN does not count.
  const longer = [
    Float64Array.of(1, 2, 3, 4),
    Float64Array.of(2, 1, 4, 3),
    Float64Array.of(0, 2, 1, 5, Number.NaN),
  ];
  const r2 = crossTrialCorrelations(longer, 4);
  assert.ok(r2.every((v) => Number.isFinite(v)));
  assertSameNumbers(r2, bruteCorrelations(longer, 4), "NaN past L");
});
