// The WebAssembly SIMD kernel of the log-spectrogram. Its source is
// spectrogram-kernel.wat beside this file (read it for the memory layout and
// the arithmetic): power() folds each group of four frames at the window
// centre and multiplies it with a pair of bands' kernel rows at a time (float64x2
// lanes: even and odd samples), leaving |X|^2 per band and frame. The bytes
// loaded here, spectrogram-kernel-bytes.ts, are assembled from the WAT by
// `npm run wasm` and checked against it by test/dsp/wasm-kernel.test.ts, so
// the library needs no wasm toolchain at run time.
// Returns null where WebAssembly SIMD is unavailable (or AC1_NO_WASM=1 is
// set); spectrogram.ts then uses its plain loops.

import { SPECTROGRAM_KERNEL_BYTES } from "./spectrogram-kernel-bytes.js";

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

// The few WebAssembly JS-API members used here (the project's lib settings carry no DOM/wasm typings).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export interface SpectrogramWasm {
  memory: WasmMemory;
  power: PowerKernel;
}

/** Frames per group of power(). */
export const WASM_FRAMES = 4;
/** Samples per step of the kernel rows (one float64x2). */
export const WASM_STEP = 2;

let cached: SpectrogramWasm | null | undefined;

/** The instantiated kernel with its (growable) memory, or null without WebAssembly SIMD. */
export function spectrogramWasm(): SpectrogramWasm | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = SPECTROGRAM_KERNEL_BYTES;
    if (!wasmApi?.validate(bytes) || process.env.AC1_NO_WASM === "1") {
      cached = null;
      return cached;
    }
    const api = wasmApi as WasmApi;
    const memory = new api.Memory({ initial: 1 });
    const { exports } = new api.Instance(new api.Module(bytes), { env: { mem: memory } });
    cached = { memory, power: exports.power as PowerKernel };
  } catch {
    cached = null;
  }
  return cached;
}

/** Grows the memory to at least `bytes` and returns its current buffer. */
export function wasmBuffer(w: SpectrogramWasm, bytes: number): ArrayBuffer {
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / 65536));
  return w.memory.buffer;
}
