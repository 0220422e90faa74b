// The WebAssembly plumbing the kernels share (spectrogram-wasm.ts,
// fft-wasm.ts): compiling a kernel's assembled bytes once it is known the
// runtime takes them, and instantiating it over a memory of its own. A
// kernel's memory never grows: growing detaches its old ArrayBuffer, and the
// first detached ArrayBuffer of a thread invalidates V8's "array buffer
// detaching" protector for good, after which every optimised typed-array
// loop of that thread (the medians, the gating) runs with detach checks,
// measured 15-20 % slower. A kernel that needs more memory gets a new
// instance instead (the old one is garbage).

// The few WebAssembly JS-API members used here (the project's lib settings carry no DOM/wasm typings).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;

/**
 * The module of a kernel's bytes, or null where they do not validate (no
 * WebAssembly, or no SIMD) or AC1_NO_WASM=1 is set: the callers then run
 * their plain loops.
 */
export function compileKernel(bytes: Uint8Array): object | null {
  try {
    if (process.env.AC1_NO_WASM === "1" || !wasmApi?.validate(bytes)) return null;
    return new wasmApi.Module(bytes);
  } catch {
    return null;
  }
}

/**
 * An instance of a compiled kernel importing a fresh memory of at least
 * `bytes` as env.mem, or null when it cannot be made (no memory left).
 */
export function instantiateKernel(
  module: object,
  bytes: number,
): { memory: WasmMemory; exports: Record<string, unknown> } | null {
  try {
    const api = wasmApi as WasmApi;
    const memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const { exports } = new api.Instance(module, { env: { mem: memory } });
    return { memory, exports };
  } catch {
    return null;
  }
}
