// The WebAssembly SIMD kernel of fir.ts's FFT overlap-save correlation. Its
// source is fft-kernel.wat beside this file (read it for the memory layout
// and the arithmetic): correlateBlock transforms one packed block, multiplies
// it with the kernel spectrum and transforms it back, with the operations of
// fft.ts's plain passes in the same order (two butterflies per float64x2), so
// its results are bit-identical to the plain path. The bytes loaded here,
// fft-kernel-bytes.ts, are assembled from the WAT by `npm run wasm` and
// checked against it by test/dsp/wasm-kernel.test.ts.
// Returns null where WebAssembly SIMD is unavailable (or AC1_NO_WASM=1 is
// set); fir.ts then uses the plain passes. The memory never grows
// (wasm-kernels.ts says why): a larger transform gets a new instance.

import { radix4Twiddles } from "./fft.js";
import { FFT_KERNEL_BYTES } from "./fft-kernel-bytes.js";
import { compileKernel, instantiateKernel, type WasmMemory } from "./wasm-kernels.js";

type CorrelateBlock = (
  re: number,
  im: number,
  hr: number,
  hi: number,
  n: number,
  odd: number,
  tw: number,
) => void;

/** A block correlator for one transform size and one kernel spectrum. */
export interface FftBlockKernel {
  /** The block: fill re (first real block) and im (second), then run(); the results replace them. */
  re: Float64Array;
  im: Float64Array;
  run(): void;
}

/** Smallest and largest transform the kernel takes (above, the plain passes: 48 n bytes of memory). */
export const WASM_FFT_MIN = 16;
export const WASM_FFT_MAX = 1 << 18;

interface Instance {
  memory: WasmMemory;
  correlateBlock: CorrelateBlock;
  /** Transform size whose twiddles are loaded (0: none). */
  n: number;
  /** The kernel spectrum loaded (by identity). */
  spectrum: Float64Array | null;
}

let module: object | null | undefined;
let current: Instance | undefined;

function instanceFor(bytes: number): Instance | null {
  if (current !== undefined && current.memory.buffer.byteLength >= bytes) return current;
  if (module === undefined) module = compileKernel(FFT_KERNEL_BYTES);
  if (module === null) return null;
  const made = instantiateKernel(module, bytes);
  if (made === null) return null;
  current = {
    memory: made.memory,
    correlateBlock: made.exports.correlateBlock as CorrelateBlock,
    n: 0,
    spectrum: null,
  };
  return current;
}

/**
 * The kernel set up for n-point blocks and the kernel spectrum (hr, hi)
 * (bit-reversed order, as fir.ts keeps it), or null without WebAssembly SIMD
 * or for n outside [WASM_FFT_MIN, WASM_FFT_MAX]. The views stay valid until
 * the next call.
 */
export function fftBlockKernel(n: number, hr: Float64Array, hi: Float64Array): FftBlockKernel | null {
  if (n < WASM_FFT_MIN || n > WASM_FFT_MAX || (n & (n - 1)) !== 0) return null;
  const inst = instanceFor(48 * n);
  if (inst === null) return null;
  const buf = inst.memory.buffer;
  const nB = 8 * n;
  const odd = Math.round(Math.log2(n)) % 2;
  if (inst.n !== n) {
    // Each pass's twiddles as six arrays of h values (fft-kernel.wat), passes in increasing h.
    const tw = new Float64Array(buf, 4 * nB);
    let at = 0;
    for (const { h, tw: pairs } of radix4Twiddles(n)) {
      for (let j = 0; j < 6; j++) for (let k = 0; k < h; k++) tw[at + j * h + k] = pairs[6 * k + j]!;
      at += 6 * h;
    }
    inst.n = n;
    inst.spectrum = null;
  }
  if (inst.spectrum !== hr) {
    new Float64Array(buf, 2 * nB, n).set(hr);
    new Float64Array(buf, 3 * nB, n).set(hi);
    inst.spectrum = hr;
  }
  const run = inst.correlateBlock;
  return {
    re: new Float64Array(buf, 0, n),
    im: new Float64Array(buf, nB, n),
    run: () => run(0, nB, 2 * nB, 3 * nB, n, odd, 4 * nB),
  };
}
