// A WebAssembly SIMD micro-kernel for the log-spectrogram product (one band x
// four frames, f64x2 lanes). For each frame f it computes
// re_f = sum_n kRe[n] * P_f[n] and im_f = sum_n kIm[n] * Q_f[n] (the folded
// symmetric form of spectrogram.ts) and stores them as lane pairs. Its source
// is spectrogram-kernel.wat (read it first; it says how to change the kernel);
// the bytes loaded here, spectrogram-kernel-bytes.ts, are assembled from it
// by `npm run wasm` and checked against it by test/dsp/wasm-kernel.test.ts, so
// the library needs no wasm toolchain at run time. Returns null where
// WebAssembly SIMD is unavailable (or AC1_NO_WASM=1 is set); spectrogram.ts
// then uses its plain loops.

import { SPECTROGRAM_KERNEL_BYTES } from "./spectrogram-kernel-bytes.js";

/** Exported function: k4(kRe, kIm, base, frameBytes, nBytes, out), all byte offsets into memory. */
export type K4 = (
  kRe: number,
  kIm: number,
  base: number,
  frameBytes: number,
  nBytes: number,
  out: number,
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
  k4: K4;
}

/** Frames per kernel call (as written in spectrogram-kernel.wat). */
export const WASM_FRAMES = 4;
/** Unrolling of the sample loop (row padding multiple is 2 * WASM_UNROLL; as in spectrogram-kernel.wat). */
export const WASM_UNROLL = 1;

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
    const instance = new api.Instance(new api.Module(bytes), { env: { mem: memory } });
    cached = { memory, k4: instance.exports.k4 as K4 };
  } catch {
    cached = null;
  }
  return cached;
}

/** Grows the memory to at least `bytes` and returns a fresh Float64Array view of it. */
export function wasmView(w: SpectrogramWasm, bytes: number): Float64Array {
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Float64Array(w.memory.buffer);
}
