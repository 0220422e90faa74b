// The radix-4 FFTs (natural order, to and from bit-reversed order) against a
// brute-force DFT for every power of two up to 4096, round trips, and the
// FFT path of the FIR core against a direct sum across block boundaries.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fft, fftFromBitReversed, fftToBitReversed } from "../../src/dsp/fft.js";
import { correlateValid } from "../../src/dsp/fir.js";
import { mulberry32 } from "../../src/random/index.js";

/** Deterministic uniform in [-1, 1). */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

function randomComplex(n: number, seed: number): { re: Float64Array; im: Float64Array } {
  const next = rng(seed);
  return { re: Float64Array.from({ length: n }, next), im: Float64Array.from({ length: n }, next) };
}

/** X[k] = sum_j x[j] exp(-2 pi i j k / n), angles reduced mod n so they stay exact. */
function naiveDft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const cos = Float64Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * j) / n));
  const sin = Float64Array.from({ length: n }, (_, j) => Math.sin((2 * Math.PI * j) / n));
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0, t = 0; j < n; j++, t = (t + k) % n) {
      // x * exp(-i theta) = (xr cos + xi sin) + i (xi cos - xr sin)
      sr += re[j]! * cos[t]! + im[j]! * sin[t]!;
      si += im[j]! * cos[t]! - re[j]! * sin[t]!;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return { re: outRe, im: outIm };
}

function bitReversed(n: number): Uint32Array {
  const bits = Math.round(Math.log2(n));
  return Uint32Array.from({ length: n }, (_, i) => {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    return r;
  });
}

/** max |a - b| over both parts, relative to the largest magnitude of b (at least 1). */
function maxRelError(aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array): number {
  let scale = 1;
  let err = 0;
  for (let k = 0; k < bRe.length; k++) {
    scale = Math.max(scale, Math.hypot(bRe[k]!, bIm[k]!));
    err = Math.max(err, Math.hypot(aRe[k]! - bRe[k]!, aIm[k]! - bIm[k]!));
  }
  return err / scale;
}

const SIZES = Array.from({ length: 13 }, (_, k) => 1 << k); // 1 .. 4096, odd and even log2

test("fft, fftToBitReversed and fftFromBitReversed agree with the DFT for every size 1 .. 4096", () => {
  for (const n of SIZES) {
    const x = randomComplex(n, n + 17);
    const want = naiveDft(x.re, x.im);
    const rev = bitReversed(n);

    const natRe = x.re.slice();
    const natIm = x.im.slice();
    fft(natRe, natIm);
    assert.ok(maxRelError(natRe, natIm, want.re, want.im) < 1e-13, `fft n=${n}`);

    const difRe = x.re.slice();
    const difIm = x.im.slice();
    fftToBitReversed(difRe, difIm);
    const unRe = Float64Array.from({ length: n }, (_, k) => difRe[rev[k]!]!);
    const unIm = Float64Array.from({ length: n }, (_, k) => difIm[rev[k]!]!);
    assert.ok(maxRelError(unRe, unIm, want.re, want.im) < 1e-13, `fftToBitReversed n=${n}`);

    const ditRe = Float64Array.from({ length: n }, (_, j) => x.re[rev[j]!]!);
    const ditIm = Float64Array.from({ length: n }, (_, j) => x.im[rev[j]!]!);
    fftFromBitReversed(ditRe, ditIm);
    assert.ok(maxRelError(ditRe, ditIm, want.re, want.im) < 1e-13, `fftFromBitReversed n=${n}`);
  }
});

test("inverse by swapped parts: natural and bit-reversed round trips return the input", () => {
  for (const n of SIZES) {
    const x = randomComplex(n, 3 * n + 1);
    const re = x.re.slice();
    const im = x.im.slice();
    fft(re, im);
    fft(im, re);
    for (let k = 0; k < n; k++) {
      re[k] = re[k]! / n;
      im[k] = im[k]! / n;
    }
    assert.ok(maxRelError(re, im, x.re, x.im) < 1e-14, `fft round trip n=${n}`);

    const re2 = x.re.slice();
    const im2 = x.im.slice();
    fftToBitReversed(re2, im2);
    fftFromBitReversed(im2, re2);
    for (let k = 0; k < n; k++) {
      re2[k] = re2[k]! / n;
      im2[k] = im2[k]! / n;
    }
    assert.ok(maxRelError(re2, im2, x.re, x.im) < 1e-14, `bit-reversed round trip n=${n}`);
  }
});

test("fft of arbitrary inputs matches the DFT (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
      (log2n, seed, scale) => {
        const n = 1 << log2n;
        const x = randomComplex(n, seed);
        for (let k = 0; k < n; k++) {
          x.re[k] = x.re[k]! * scale;
          x.im[k] = x.im[k]! * scale;
        }
        const want = naiveDft(x.re, x.im);
        const re = x.re.slice();
        const im = x.im.slice();
        fftToBitReversed(re, im);
        const rev = bitReversed(n);
        const unRe = Float64Array.from({ length: n }, (_, k) => re[rev[k]!]!);
        const unIm = Float64Array.from({ length: n }, (_, k) => im[rev[k]!]!);
        let peak = 0;
        for (let k = 0; k < n; k++) peak = Math.max(peak, Math.hypot(want.re[k]!, want.im[k]!));
        for (let k = 0; k < n; k++) {
          const err = Math.hypot(unRe[k]! - want.re[k]!, unIm[k]! - want.im[k]!);
          assert.ok(err <= 1e-13 * Math.max(peak, scale), `n=${n} bin ${k}: ${err}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test("the FFT entry points reject sizes that are not powers of two and mismatched parts", () => {
  for (const f of [fft, fftToBitReversed, fftFromBitReversed]) {
    assert.throws(() => f(new Float64Array(12), new Float64Array(12)), RangeError);
    assert.throws(() => f(new Float64Array(8), new Float64Array(4)), RangeError);
    const re = Float64Array.of(2.5);
    const im = Float64Array.of(-1);
    f(re, im);
    assert.deepEqual([re[0], im[0]], [2.5, -1]);
  }
});

test("correlateValid's FFT path equals the direct sum across block boundaries", () => {
  // Kernel lengths on the FFT path (>= 48 taps), signals covering one to several
  // block pairs, an odd block count (second packed block past the end) and ragged tails.
  const next = rng(99);
  for (const lh of [48, 63, 200, 801]) {
    const h = Float64Array.from({ length: lh }, next);
    const n = 256 * 2 ** Math.ceil(Math.log2(Math.max(1, (4 * lh) / 256)));
    const step = n - lh + 1;
    for (const nOut of [2 * lh, step, step + 1, 2 * step, 2 * step + 1, 3 * step - 5, 5 * step + 7]) {
      if (nOut < 2 * lh) continue;
      const x = Float64Array.from({ length: nOut + lh - 1 }, () => 1000 * next());
      const got = correlateValid(x, h);
      assert.equal(got.length, nOut);
      let scale = 0;
      for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]!));
      let hNorm = 0;
      for (let m = 0; m < lh; m++) hNorm += Math.abs(h[m]!);
      for (let i = 0; i < nOut; i++) {
        let s = 0;
        for (let m = 0; m < lh; m++) s += h[m]! * x[i + m]!;
        assert.ok(Math.abs(got[i]! - s) <= 1e-13 * scale * hNorm, `lh=${lh} nOut=${nOut} i=${i}`);
      }
    }
  }
});
