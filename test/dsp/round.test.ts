// roundHalfEven matches Python's round() on ties and ordinary values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { roundHalfEven } from "../../src/dsp/round.js";

test("ties go to the even neighbour like Python", () => {
  // Expected values from python3: [round(x) for x in ...]
  const cases: [number, number][] = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [220.5, 220],
    [6000.5, 6000],
    [488.28, 488],
    [2.4999999999999996, 2],
    [1e15 + 0.5, 1e15],
  ];
  for (const [x, want] of cases) assert.equal(roundHalfEven(x), want, `round(${x})`);
});

test("non-ties round to nearest", () => {
  assert.equal(roundHalfEven(2.6), 3);
  assert.equal(roundHalfEven(-2.6), -3);
  assert.equal(roundHalfEven(7), 7);
});
