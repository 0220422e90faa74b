// The resampler's loop order is an optimisation only: every output sample must
// be bit-for-bit the one a straightforward loop over output samples computes
// with the same taps, the same tap order and the same summation grouping
// (zero-padded to chunks of eight; chunk = (p0+p1+p2+p3) + (p4+p5+p6+p7),
// output = chunk0 + chunk1 + ...).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type ResamplePrecision, resample, resampleKernel } from "../../src/dsp/resample.js";
import { referenceResample } from "./resample-reference.js";

const RATE_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [97656, 96000],
  [44100, 96000],
  [96000, 44100],
  [10000, 96000],
  [3, 2],
];
const PRECISIONS: readonly ResamplePrecision[] = ["float32", "float64"];

/** Index of the first sample whose bit pattern differs (-0 vs 0 included), or -1. */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function assertBitIdentical(x: Float64Array, orig: number, neu: number, precision: ResamplePrecision): void {
  const got = resample(x, orig, neu, { precision });
  const want = referenceResample(x, orig, neu, precision);
  const at = firstBitDifference(got, want);
  assert.equal(at, -1, `${orig}->${neu} ${precision} L=${x.length}: [${at}] ${got[at]} != ${want[at]}`);
}

/** Deterministic pseudo-random signal (xorshift32) in [-1, 1) with some exact zeros and negative zeros. */
function noise(length: number, seed: number): Float64Array {
  const x = new Float64Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const v = s / 2 ** 31 - 1;
    x[i] = i % 97 === 5 ? 0 : i % 89 === 7 ? -0 : v;
  }
  return x;
}

test("resample is bit-identical to the output-order reference at block-boundary lengths", () => {
  for (const [orig, neu] of RATE_PAIRS) {
    const { o } = resampleKernel(orig, neu);
    const lengths = new Set([0, 1, 2, 7, o - 1, o, o + 1, 2 * o - 1, 2 * o, 3 * o + 17, 5 * o + 3, 1000]);
    for (const precision of PRECISIONS)
      for (const L of lengths) if (L >= 0) assertBitIdentical(noise(L, L * 31 + orig), orig, neu, precision);
  }
});

test("resample is bit-identical to the output-order reference on long signals (many blocks, tiled loop)", () => {
  for (const [orig, neu] of RATE_PAIRS)
    for (const precision of PRECISIONS) assertBitIdentical(noise(200_003, orig + neu), orig, neu, precision);
});

test("resample is bit-identical to the output-order reference on all-zero and sign-mixed inputs", () => {
  for (const [orig, neu] of RATE_PAIRS)
    for (const precision of PRECISIONS) {
      assertBitIdentical(new Float64Array(500).fill(-0), orig, neu, precision);
      assertBitIdentical(new Float64Array(500), orig, neu, precision);
      const alternating = Float64Array.from({ length: 777 }, (_, i) => (i % 2 ? -1e300 : 3e-300));
      assertBitIdentical(alternating, orig, neu, precision);
    }
});

test("resample is bit-identical to the output-order reference on arbitrary signals (fast-check)", () => {
  // A seeded noise signal of arbitrary length and scale, with arbitrary values spliced in.
  const value = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const signal = fc
    .tuple(
      fc.integer({ min: 0, max: 9000 }),
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.array(fc.tuple(fc.nat(), value), { maxLength: 20 }),
    )
    .map(([length, seed, scale, splices]) => {
      const x = noise(length, seed).map((v) => v * scale);
      for (const [at, v] of splices) if (length > 0) x[at % length] = v;
      return x;
    });
  fc.assert(
    fc.property(
      fc.constantFrom(...RATE_PAIRS),
      fc.constantFrom(...PRECISIONS),
      signal,
      ([orig, neu], precision, x) => assertBitIdentical(x, orig, neu, precision),
    ),
    { numRuns: 60 },
  );
});
