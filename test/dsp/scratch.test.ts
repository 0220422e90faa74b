// Scratch arrays: exact lengths, one buffer reused per slot, slots apart,
// huge requests not kept; and filters that use them give the same values
// call after call (nothing leaks from one input to the next).
import assert from "node:assert/strict";
import { test } from "node:test";
import { gaussianFilter1d } from "../../src/dsp/gaussian.js";
import { medianFilter } from "../../src/dsp/median-filter.js";
import { reflectExtend, reflectExtendInto } from "../../src/dsp/reflect.js";
import {
  MAX_KEPT_TOTAL_BYTES,
  scratchFloat64,
  scratchInt32,
  scratchKeptBytes,
  scratchUint8,
} from "../../src/dsp/scratch.js";
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

test("a slot's buffer serves longer requests without being replaced (its pages are written once)", () => {
  const short = scratchFloat64("psth", 10);
  const long = scratchFloat64("psth", 1 << 20);
  assert.equal(long.buffer, short.buffer);
  assert.equal(scratchFloat64("psth", 5).buffer, short.buffer);
  const bytes = scratchUint8("spike-mask", 3);
  assert.ok(bytes instanceof Uint8Array && bytes.length === 3);
  assert.equal(scratchUint8("spike-mask", 1 << 20).buffer, bytes.buffer);
  // the limits count each slot's longest request: a longer one adds the difference, a shorter nothing
  const before = scratchKeptBytes();
  scratchFloat64("stim-splice", 1000);
  assert.equal(scratchKeptBytes(), before + 8000);
  scratchFloat64("stim-splice", 10);
  assert.equal(scratchKeptBytes(), before + 8000);
  scratchFloat64("stim-splice", 3000);
  assert.equal(scratchKeptBytes(), before + 24000);
});

test("the slots of a thread keep at most MAX_KEPT_TOTAL_BYTES together; past it, requests get buffers of their own", () => {
  const slots = ["spike-y", "spike-h", "detrended", "xcorr-refs", "medgauss-median"] as const;
  const n = (60 << 20) / 8; // 60 MiB each: under the per-slot bound, over the total with four
  const arrays = slots.map((slot) => scratchFloat64(slot, n));
  assert.ok(scratchKeptBytes() <= MAX_KEPT_TOTAL_BYTES, `${scratchKeptBytes()}`);
  // kept slots give back their buffer; the others a new one each time
  const kept = slots.filter((slot, i) => scratchFloat64(slot, n).buffer === arrays[i]!.buffer);
  assert.ok(kept.length >= 1 && kept.length <= Math.floor(MAX_KEPT_TOTAL_BYTES / (n * 8)), kept.join());
  for (const slot of slots.filter((x) => !kept.includes(x)))
    assert.notEqual(scratchFloat64(slot, n).buffer, scratchFloat64(slot, n).buffer);
  assert.ok(scratchKeptBytes() <= MAX_KEPT_TOTAL_BYTES);
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

test("filters write into a given output: the values of a fresh result, whatever it held, x itself allowed", () => {
  const next = mulberry32(11);
  const grid = Float64Array.from({ length: 5000 }, () => Math.round(next() * 200) * 0.25); // the counting path
  const smooth = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i / 40) * 3 + next()); // sorted blocks
  const withNaN = smooth.map((v, i) => (i % 997 === 0 ? Number.NaN : v)); // the heaps
  for (const x of [grid, smooth, withNaN]) {
    for (const k of [1, 5, 12, 101]) {
      const fresh = medianFilter(x, k);
      const garbage = Float64Array.from(x, () => next() * 1e9);
      assert.equal(medianFilter(x, k, garbage), garbage);
      assert.deepEqual(garbage, fresh, `median k=${k} into a used array`);
      const self = Float64Array.from(x);
      assert.deepEqual(medianFilter(self, k, self), fresh, `median k=${k} over its input`);
    }
    for (const sigma of [0.1, 3, 100]) {
      const fresh = gaussianFilter1d(x, sigma);
      const out = Float64Array.from(x, () => -7);
      assert.equal(gaussianFilter1d(x, sigma, out), out);
      assert.deepEqual(out, fresh, `gaussian sigma=${sigma} into a used array`);
      const self = Float64Array.from(x);
      assert.deepEqual(gaussianFilter1d(self, sigma, self), fresh, `gaussian sigma=${sigma} over its input`);
    }
  }
  const flat = new Float64Array(300).fill(2.5);
  assert.deepEqual(gaussianFilter1d(flat, 10, new Float64Array(300)), gaussianFilter1d(flat, 10));
  assert.throws(() => medianFilter(smooth, 5, new Float64Array(4999)), RangeError);
  assert.throws(() => gaussianFilter1d(smooth, 5, new Float64Array(5001)), RangeError);
});
