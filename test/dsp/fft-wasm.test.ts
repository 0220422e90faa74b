// The WebAssembly SIMD kernel of the FFT correlation (src/dsp/fft-wasm.ts,
// fft-kernel.wat) against the plain passes of fft.ts: bit for bit, for every
// transform size the FIR core picks (even and odd log2 n), across block
// boundaries, with kernels and sizes alternating (the kernel's spectrum and
// twiddles are reloaded), and on inputs with zeros, huge and tiny values.
// The golden Gaussian vectors (golden.test.ts) run through this kernel too.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fftBlockKernel, WASM_FFT_MAX } from "../../src/dsp/fft-wasm.js";
import { correlateValid } from "../../src/dsp/fir.js";
import { mulberry32 } from "../../src/random/index.js";

const available = fftBlockKernel(256, new Float64Array(256), new Float64Array(256)) !== null;
const skip = available ? false : "WebAssembly SIMD is not available here (the plain passes are used)";

function signal(n: number, seed: number, scale = 1): Float64Array {
  const next = mulberry32(seed);
  return Float64Array.from({ length: n }, (_, i) => scale * (Math.sin(i * 0.003) * 40 + (next() - 0.5) * 6));
}

function gaussianTaps(lh: number): Float64Array {
  const c = (lh - 1) / 2;
  const s = Math.max(1, lh / 8);
  const h = Float64Array.from({ length: lh }, (_, m) => Math.exp(-0.5 * ((m - c) / s) ** 2));
  const sum = h.reduce((a, b) => a + b, 0);
  return h.map((v) => v / sum);
}

/** First index where the two differ as float64 bit patterns (Object.is), or -1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function assertSameBits(x: Float64Array, h: Float64Array, what: string): void {
  const simd = correlateValid(x, h, "auto", { wasm: true });
  const plain = correlateValid(x, h, "auto", { wasm: false });
  const at = firstDifference(simd, plain);
  assert.equal(at, -1, `${what}: differs at ${at}: ${simd[at]} vs ${plain[at]}`);
}

test("the kernel computes the plain passes' bits for every transform size the FIR core picks", {
  skip,
}, () => {
  // Taps -> transform size (the smallest power of two >= 4 taps, at least 256): 256, 512 (odd log2),
  // 1024, 2048 (odd), 4096 (the Gaussian of 10 ms at 10 kHz), 8192 (odd), 16384, 32768 (odd).
  const taps = [48, 64, 65, 100, 200, 257, 511, 801, 1025, 1601, 3001, 7813];
  for (const [i, lh] of taps.entries()) {
    const h = gaussianTaps(lh);
    // One block, a partial second block, and many blocks with a ragged end.
    for (const lx of [2 * lh, 4 * lh + 3, 37 * lh + 11])
      assertSameBits(signal(lx, 10 * i + lx), h, `${lh} taps over ${lx}`);
  }
});

test("alternating kernels and sizes reload the spectrum and twiddles (same bits each time)", { skip }, () => {
  const a = gaussianTaps(801);
  const b = gaussianTaps(100);
  const c = signal(801, 1).map((v) => v / 1e3); // arbitrary taps, not symmetric
  const x = signal(50_000, 2);
  for (let round = 0; round < 3; round++)
    for (const [h, name] of [
      [a, "801 taps"],
      [b, "100 taps"],
      [c, "arbitrary 801 taps"],
    ] as const)
      assertSameBits(x, h, `round ${round}, ${name}`);
});

test("zeros, huge, tiny and mixed-scale inputs give the plain passes' bits", { skip }, () => {
  const h = gaussianTaps(801);
  const n = 20_000;
  const zeros = new Float64Array(n);
  const spikes = new Float64Array(n);
  for (let i = 0; i < n; i += 997) spikes[i] = 1e300;
  const tiny = signal(n, 3, 1e-300);
  const mixed = signal(n, 4).map((v, i) => (i % 5000 < 2500 ? v * 1e12 : v * 1e-12));
  for (const [x, name] of [
    [zeros, "zeros"],
    [spikes, "huge spikes"],
    [tiny, "tiny values"],
    [mixed, "mixed scales"],
  ] as const)
    assertSameBits(x, h, name);
});

test("arbitrary signals and kernels: the kernel's bits are the plain passes' (property)", { skip }, () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 48, max: 700 }),
      fc.integer({ min: 0, max: 6000 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (lh, extra, seed) => {
        const next = mulberry32(seed);
        const h = Float64Array.from({ length: lh }, () => next() - 0.25);
        const x = Float64Array.from({ length: 2 * lh + extra }, () => (next() - 0.5) * 100);
        const simd = correlateValid(x, h, "auto", { wasm: true });
        const plain = correlateValid(x, h, "auto", { wasm: false });
        return firstDifference(simd, plain) === -1;
      },
    ),
    { numRuns: 60 },
  );
});

test("fftBlockKernel declines sizes it does not take (the plain passes run instead)", () => {
  const none = new Float64Array(0);
  assert.equal(fftBlockKernel(8, none, none), null);
  assert.equal(fftBlockKernel(3 * 256, none, none), null);
  assert.equal(fftBlockKernel(2 * WASM_FFT_MAX, none, none), null);
});
