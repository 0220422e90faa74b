// The WebAssembly SIMD kernel of the log-spectrogram, compiled from
// spectrogram-wasm.wat beside this file (read it for the memory layout and
// the arithmetic): power() folds each group of four frames at the window
// centre and multiplies it with a pair of bands' kernel rows at a time (float64x2
// lanes: even and odd samples), leaving |X|^2 per band and frame. The project
// needs no wasm toolchain: the bytes below are `wat2wasm spectrogram-wasm.wat`
// (wabt 1.0.39) in base64, to be regenerated whenever the .wat changes.
// Returns null where WebAssembly SIMD is unavailable (or AC1_NO_WASM=1 is
// set); spectrogram.ts then uses its plain loops.

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

/** spectrogram-wasm.wat compiled by wat2wasm (wabt 1.0.39), base64. */
const MODULE_BASE64 =
  "AGFzbQEAAAABEwJgCX9/f39/f39/fwBgAnt7AXwCDAEDZW52A21lbQIAAQMDAgABBwkBBXBvd2VyAAAKjgsC4QoDFH8MewJ8IAJB" +
  "AXYhEiASQQF2IRAgA0EFdCEaIARBAnQhGyAHIANBB3RqIRwDQEEAIQoDQCAAIAlBAnQgCmogAWxqIQsgCyEMIAsgAkECa0EDdGoh" +
  "DSAHIApBBHRqIQ5BACEPAkADQCAPIBBPDQEgDP0ABAAhHSAN/QAEACEeIB4gHv0NCAkKCwwNDg8AAQIDBAUGByEeIA4gHSAe/fAB" +
  "/QsEACAOIB0gHv3xAf0LBEAgDEEQaiEMIA1BEGshDSAOQYABaiEOIA9BAWohDwwACwsgEEEBdCERAkADQCARIANBAXRPDQFEAAAA" +
  "AAAAAAAhKUQAAAAAAAAAACEqIBEgEkkEQCALIBFBA3RqKwMAISkgCyACQQFrIBFrQQN0aisDACEqBSARIBJGIAJBAXFxBEAgCyAR" +
  "QQN0aisDACEpCwsgByAKQQR0aiARQQF2QQd0IBFBAXFBA3RqaiEOIA4gKSAqoDkDACAOICkgKqE5A0AgEUEBaiERDAALCyAKQQFq" +
  "IQogCkEESQ0AC0EAIRMgBSEUA0AgFCEVIBQgGkEBdGohFiAHIRf9DAAAAAAAAAAAAAAAAAAAAAAhIf0MAAAAAAAAAAAAAAAAAAAA" +
  "ACEi/QwAAAAAAAAAAAAAAAAAAAAAISP9DAAAAAAAAAAAAAAAAAAAAAAhJP0MAAAAAAAAAAAAAAAAAAAAACEl/QwAAAAAAAAAAAAA" +
  "AAAAAAAAISb9DAAAAAAAAAAAAAAAAAAAAAAhJ/0MAAAAAAAAAAAAAAAAAAAAACEoA0AgFf0ABAAhHiAV/QAEECEfIBf9AAQAISAg" +
  "ISAeICD98gH98AEhISAlIB8gIP3yAf3wASElIBf9AAQQISAgIiAeICD98gH98AEhIiAmIB8gIP3yAf3wASEmIBf9AAQgISAgIyAe" +
  "ICD98gH98AEhIyAnIB8gIP3yAf3wASEnIBf9AAQwISAgJCAeICD98gH98AEhJCAoIB8gIP3yAf3wASEoIBVBwABqIRUgF0GAAWoh" +
  "FyAVIBZJDQALIBwgIf0LBAAgHCAi/QsEECAcICP9CwQgIBwgJP0LBDAgHCAl/QsEQCAcICb9CwRQIBwgJ/0LBGAgHCAo/QsEcCAU" +
  "IRUgByEX/QwAAAAAAAAAAAAAAAAAAAAAISH9DAAAAAAAAAAAAAAAAAAAAAAhIv0MAAAAAAAAAAAAAAAAAAAAACEj/QwAAAAAAAAA" +
  "AAAAAAAAAAAAIST9DAAAAAAAAAAAAAAAAAAAAAAhJf0MAAAAAAAAAAAAAAAAAAAAACEm/QwAAAAAAAAAAAAAAAAAAAAAISf9DAAA" +
  "AAAAAAAAAAAAAAAAAAAhKANAIBX9AAQgIR4gFf0ABDAhHyAX/QAEQCEgICEgHiAg/fIB/fABISEgJSAfICD98gH98AEhJSAX/QAE" +
  "UCEgICIgHiAg/fIB/fABISIgJiAfICD98gH98AEhJiAX/QAEYCEgICMgHiAg/fIB/fABISMgJyAfICD98gH98AEhJyAX/QAEcCEg" +
  "ICQgHiAg/fIB/fABISQgKCAfICD98gH98AEhKCAVQcAAaiEVIBdBgAFqIRcgFSAWSQ0ACyAIIBMgG2wgCUECdGpBA3RqIRggGCAb" +
  "QQN0aiEZIBggHP0ABAAgIRABOQMAIBggHP0ABBAgIhABOQMIIBggHP0ABCAgIxABOQMQIBggHP0ABDAgJBABOQMYIBkgHP0ABEAg" +
  "JRABOQMAIBkgHP0ABFAgJhABOQMIIBkgHP0ABGAgJxABOQMQIBkgHP0ABHAgKBABOQMYIBQgGkEBdGohFCATQQJqIRMgEyAGSQ0A" +
  "CyAJQQFqIQkgCSAESQ0ACwspAQJ8IAD9IQAgAP0hAaAhAiAB/SEAIAH9IQGgIQMgAiACoiADIAOioAs=";

let cached: SpectrogramWasm | null | undefined;

/** The instantiated kernel with its (growable) memory, or null without WebAssembly SIMD. */
export function spectrogramWasm(): SpectrogramWasm | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = Uint8Array.from(Buffer.from(MODULE_BASE64, "base64"));
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
