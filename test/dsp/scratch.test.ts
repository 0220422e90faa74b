// Scratch arrays: exact lengths, one buffer reused per slot, slots apart,
// huge requests not kept; and filters that use them give the same values
// call after call (nothing leaks from one input to the next).
import assert from "node:assert/strict";
import { test } from "node:test";
import { gaussianFilter1d } from "../../src/dsp/gaussian.js";
import { medianFilter } from "../../src/dsp/median-filter.js";
import { reflectExtend, reflectExtendInto } from "../../src/dsp/reflect.js";
import { scratchFloat64, scratchInt32 } from "../../src/dsp/scratch.js";
import { mulberry32 } from "../../src/random/index.js";

test("scratch arrays have the asked length, reuse one buffer per slot, keep slots apart", () => {
  const a = scratchFloat64("median-ext", 1000);
  assert.equal(a.length, 1000);
  const b = scratchFloat64("median-ext", 10);
  assert.equal(b.length, 10);
  assert.equal(b.buffer, a.buffer);
  const c = scratchFloat64("gauss-ext", 10);
  assert.notEqual(c.buffer, a.buffer);
  const levels = scratchInt32("grid-levels", 7);
  assert.equal(levels.length, 7);
  // a request over the kept size gets its own buffer, not kept for the slot
  const huge = scratchFloat64("bounds-ext", (64 << 20) / 8 + 1);
  assert.equal(huge.length, (64 << 20) / 8 + 1);
  assert.notEqual(scratchFloat64("bounds-ext", 1).buffer, huge.buffer);
});

test("reflectExtendInto equals reflectExtend (short and long pads) and checks the output length", () => {
  const x = Float64Array.of(1, 2, 3, 4, 5);
  for (const [before, after] of [
    [0, 0],
    [2, 3],
    [5, 5],
    [12, 7],
  ] as const) {
    const out = new Float64Array(before + x.length + after).fill(Number.NaN);
    assert.deepEqual(reflectExtendInto(x, before, after, out), reflectExtend(x, before, after));
  }
  assert.throws(() => reflectExtendInto(x, 1, 1, new Float64Array(6)), RangeError);
  assert.throws(() => reflectExtendInto(new Float64Array(0), 1, 1, new Float64Array(2)), RangeError);
});

test("filters through scratch give the same values whatever was filtered before", () => {
  const next = mulberry32(4);
  const signals = [30000, 50, 7, 20000, 1].map((n) =>
    Float64Array.from({ length: n }, () => next() * 10 - 5),
  );
  const first = signals.map((x) => [medianFilter(x, 101), medianFilter(x, 12), gaussianFilter1d(x, 20)]);
  // again, in reverse order: the scratch now holds other contents and sizes
  for (let i = signals.length - 1; i >= 0; i--) {
    const x = signals[i]!;
    assert.deepEqual([medianFilter(x, 101), medianFilter(x, 12), gaussianFilter1d(x, 20)], first[i]);
  }
});
