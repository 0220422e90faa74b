// The one-local returns of the hot loops: count pairs (count-pair.ts) and
// the strided min/max scan (rangeInto, stats.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { firstOfPair, MAX_PAIRED_COUNT, secondOfPair } from "../../src/dsp/count-pair.js";
import { rangeInto } from "../../src/dsp/stats.js";

test("a count pair unpacks exactly up to MAX_PAIRED_COUNT elements", () => {
  const base = MAX_PAIRED_COUNT + 1;
  for (const [first, second] of [
    [0, 0],
    [MAX_PAIRED_COUNT, MAX_PAIRED_COUNT],
    [MAX_PAIRED_COUNT, 0],
    [0, MAX_PAIRED_COUNT],
    [12345678, 87654321],
  ] as const) {
    const packed = first * base + second;
    assert.equal(firstOfPair(packed, base), first);
    assert.equal(secondOfPair(packed, base), second);
  }
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_PAIRED_COUNT }), fc.nat(), fc.nat(), (n, a, b) => {
      const first = a % (n + 1);
      const second = b % (n + 1);
      const packed = first * (n + 1) + second;
      return firstOfPair(packed, n + 1) === first && secondOfPair(packed, n + 1) === second;
    }),
  );
});

test("rangeInto finds the strided min and max, and refuses NaN", () => {
  const a = Float64Array.from([5, -1, 7, 3, -9, 2, 8, 0]);
  const r = new Float64Array(2);
  assert.equal(rangeInto(a, r, 0, a.length, 1), true);
  assert.deepEqual([...r], [-9, 8]);
  assert.equal(rangeInto(a, r, 1, a.length, 2), true); // -1, 3, 2, 0
  assert.deepEqual([...r], [-1, 3]);
  assert.equal(rangeInto(a, r, 2, 5, 1), true); // 7, 3, -9
  assert.deepEqual([...r], [-9, 7]);
  assert.equal(rangeInto(Float64Array.from([1, Number.NaN, 2]), r, 0, 3, 1), false);
  assert.equal(rangeInto(Float64Array.from([Number.NaN, 1]), r, 0, 2, 1), false);
  assert.equal(rangeInto(Float64Array.from([1, Number.NaN, 2]), r, 0, 3, 2), true); // the NaN is not visited
  assert.deepEqual([...r], [1, 2]);
});
