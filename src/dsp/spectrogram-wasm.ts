// The WebAssembly SIMD kernel of the log-spectrogram. Its source is
// spectrogram-kernel.wat beside this file (read it for the memory layout and
// the arithmetic): power() folds each group of four frames at the window
// centre and multiplies it with a pair of bands' kernel rows at a time (float64x2
// lanes: even and odd samples), leaving |X|^2 per band and frame. The bytes
// loaded here, spectrogram-kernel-bytes.ts, are assembled from the WAT by
// `npm run wasm` and checked against it by test/dsp/wasm-kernel.test.ts, so
// the library needs no wasm toolchain at run time.
// Returns null where WebAssembly SIMD is unavailable (or AC1_NO_WASM=1 is
// set); spectrogram.ts then uses its plain loops. The memory never grows
// (wasm-kernels.ts says why): a larger one is a new instance.

import { SPECTROGRAM_KERNEL_BYTES } from "./spectrogram-kernel-bytes.js";
import { compileKernel, instantiateKernel, type WasmMemory } from "./wasm-kernels.js";

/** power(y, hopB, W, nSteps, nGroups, kern, nBands, fold, power), byte offsets into memory. */
export type PowerKernel = (
  y: number,
  hopB: number,
  W: number,
  nSteps: number,
  nGroups: number,
  kern: number,
  nBands: number,
  fold: number,
  power: number,
) => void;

export interface SpectrogramWasm {
  memory: WasmMemory;
  power: PowerKernel;
  /** Which kernel rows the caller left at offset 0 of this memory ("" for none). */
  kernelKey: string;
}

/** Frames per group of power(). */
export const WASM_FRAMES = 4;
/** Samples per step of the kernel rows (one float64x2). */
export const WASM_STEP = 2;

/** Memory of the first instance: enough for the usual configurations (a 977-sample window at 97656 Hz takes ~5 MB). */
const INITIAL_BYTES = 8 << 20;

let module: object | null | undefined;
let cached: SpectrogramWasm | undefined;

/**
 * The instantiated kernel with a memory of at least `bytes` (a new, larger
 * instance when the current one is too small: its memory never grows), or
 * null without WebAssembly SIMD.
 */
export function spectrogramWasm(bytes = 0): SpectrogramWasm | null {
  if (cached !== undefined && cached.memory.buffer.byteLength >= bytes) return cached;
  if (module === undefined) module = compileKernel(SPECTROGRAM_KERNEL_BYTES);
  if (module === null) return null;
  const have = cached?.memory.buffer.byteLength ?? 0;
  const made = instantiateKernel(module, Math.max(bytes, 2 * have, INITIAL_BYTES));
  if (made === null) return null;
  cached = { memory: made.memory, power: made.exports.power as PowerKernel, kernelKey: "" };
  return cached;
}
