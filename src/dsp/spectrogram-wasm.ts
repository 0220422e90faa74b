// A WebAssembly SIMD micro-kernel for the log-spectrogram product (one band x
// four frames, f64x2 lanes), hand-assembled here so the project needs no wasm
// toolchain. For each frame f it computes re_f = sum_n kRe[n] * P_f[n] and
// im_f = sum_n kIm[n] * Q_f[n] (the folded symmetric form of spectrogram.ts)
// and stores them as lane pairs. Returns null where WebAssembly SIMD
// is unavailable (or AC1_NO_WASM=1 is set); spectrogram.ts then uses its
// plain loops.

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

const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_ADD = 0x6a;
const I32_GE_U = 0x4f;
const I32_CONST = 0x41;
const BR_IF = 0x0d;
const BR = 0x0c;
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const VOID = 0x40;
const SIMD = 0xfd;
const F64X2_ADD = [SIMD, 0xf0, 0x01];
const F64X2_MUL = [SIMD, 0xf2, 0x01];

function v128Store(offset: number): number[] {
  return [SIMD, 0x0b, 0x03, ...uleb(offset)];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Frames per kernel call. */
export const WASM_FRAMES = 4;
/** Unrolling of the sample loop (row padding multiple is 2 * WASM_UNROLL). */
export const WASM_UNROLL = 1;

function v128Load(offset: number): number[] {
  return [SIMD, 0x00, 0x03, ...uleb(offset)];
}

/**
 * The module: k4(kRe, kIm, base, frameBytes, nBytes, out) with frame f's
 * vectors P at base + f*frameBytes and Q right after it (nBytes each):
 * re_f = sum kRe[n] P_f[n], im_f = sum kIm[n] Q_f[n] as f64x2 lane pairs, the
 * n loop unrolled `unroll` times (vectors zero-padded to 2 * unroll doubles).
 */
function moduleBytes(frames: number, unroll: number): Uint8Array {
  // Params 0 kRe, 1 kIm, 2 base, 3 frameBytes, 4 nBytes, 5 out.
  // i32 locals: 6 off, then P pointers of frames 1.., then Q pointers of frames 0..
  const pPtr = (f: number) => (f === 0 ? 2 : 6 + f);
  const qPtr = (f: number) => 6 + frames + f;
  const nI32 = 1 + (frames - 1) + frames;
  const C = 6 + nI32;
  const S = C + 1;
  const X = C + 2;
  const RE = C + 3;
  const IM = RE + frames;
  const get = (i: number) => [LOCAL_GET, i];
  const set = (i: number) => [LOCAL_SET, i];
  const code: number[] = [];
  for (let f = 1; f < frames; f++) code.push(...get(pPtr(f - 1)), ...get(3), I32_ADD, ...set(pPtr(f)));
  for (let f = 0; f < frames; f++) code.push(...get(pPtr(f)), ...get(4), I32_ADD, ...set(qPtr(f)));
  code.push(BLOCK, VOID, LOOP, VOID, ...get(6), ...get(4), I32_GE_U, BR_IF, 1);
  for (let u = 0; u < unroll; u++) {
    const memOff = 16 * u;
    code.push(...get(0), ...get(6), I32_ADD, ...v128Load(memOff), ...set(C));
    code.push(...get(1), ...get(6), I32_ADD, ...v128Load(memOff), ...set(S));
    for (let f = 0; f < frames; f++) {
      code.push(...get(pPtr(f)), ...get(6), I32_ADD, ...v128Load(memOff), ...set(X));
      code.push(...get(RE + f), ...get(C), ...get(X), ...F64X2_MUL, ...F64X2_ADD, ...set(RE + f));
      code.push(...get(qPtr(f)), ...get(6), I32_ADD, ...v128Load(memOff), ...set(X));
      code.push(...get(IM + f), ...get(S), ...get(X), ...F64X2_MUL, ...F64X2_ADD, ...set(IM + f));
    }
  }
  code.push(...get(6), I32_CONST, ...sleb(16 * unroll), I32_ADD, ...set(6), BR, 0, END, END);
  for (let f = 0; f < frames; f++) {
    code.push(...get(5), ...get(RE + f), ...v128Store(32 * f));
    code.push(...get(5), ...get(IM + f), ...v128Store(32 * f + 16));
  }
  code.push(END);
  const body = [2, nI32, 0x7f, 3 + 2 * frames, 0x7b, ...code];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...str("env"), ...str("mem"), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str("k4"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

let cached: SpectrogramWasm | null | undefined;

/** The instantiated kernel with its (growable) memory, or null without WebAssembly SIMD. */
export function spectrogramWasm(): SpectrogramWasm | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = moduleBytes(WASM_FRAMES, WASM_UNROLL);
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
