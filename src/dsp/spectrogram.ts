// Log-spectrogram: a Hamming-windowed STFT evaluated only at log-spaced band
// centres (pipeline.md section 2). hop = max(round(dt*sf/1000), 1),
// W = max(round(window*sf/1000), 4), T = ceil(L / hop) frames, frame i centred
// on sample i*hop (starting at i*hop - floor(W/2), zeros outside the signal),
// X[k,i] = sum_n w[n] y[start+n] exp(-2 pi j f_k n / sf), S = 20 log10(|X| + 1e-12).
// Only |X| is used, so the phase may be referenced to the window centre
// c = (W-1)/2 instead of the frame start; the symmetric window then folds the
// frame in half: Re = sum_{n<W/2} w[n] cos(w_k (n-c)) (y_n + y_{W-1-n}),
// Im = -sum_{n<W/2} w[n] sin(w_k (n-c)) (y_n - y_{W-1-n}) (plus the centre
// sample for odd W), half the multiply-adds of the direct product. The folded
// kernel is computed once per configuration. Where WebAssembly SIMD is
// available the F x W/2 x T product runs in spectrogram-kernel.wat, a chunk of
// frames per call: it folds groups of four frames and multiplies them with a
// pair of bands at a time, in float64x2 lanes (even and odd samples, summed at
// the end: the arithmetic of the earlier one-band kernel, so the same bits).
// Elsewhere plain register-blocked loops compute the same sums in another
// order. (Float32 lanes would double the throughput, but their rounding
// reaches 0.013 dB on pure tones, past pipeline.md's 0.01 dB.)

import { bandCentersHz } from "./bands.js";
import { roundHalfEven } from "./round.js";
import { FRAME_CHUNK } from "./spectrogram-bounds.js";
import { spectrogramWasm, WASM_FRAMES, WASM_STEP } from "./spectrogram-wasm.js";
import { hamming } from "./windows.js";

export {
  SPECTROGRAM_MAX_WORK_BYTES,
  spectrogramMaxBands,
  spectrogramMaxWindow,
  spectrogramWorkBytes,
} from "./spectrogram-bounds.js";

export interface LogSpectrogramOptions {
  dtMs: number;
  fminHz: number;
  fmaxHz: number;
  binsPerOctave: number;
  /** Analysis window; default 2 * dtMs. */
  windowMs?: number;
  /** Use the WebAssembly SIMD kernel when available (default true); false forces the plain loops. */
  wasm?: boolean;
}

export interface LogSpectrogram {
  /** dB values, row-major (F, T): data[k * T + i]. */
  data: Float32Array;
  F: number;
  T: number;
  freqsHz: Float64Array;
  /** Hop in samples of the input. */
  hop: number;
}

/** Frame geometry for a signal of `length` samples at sfHz (section 2). */
export function spectrogramFrames(
  length: number,
  sfHz: number,
  dtMs: number,
  windowMs: number = 2 * dtMs,
): { hop: number; window: number; T: number } {
  const hop = Math.max(roundHalfEven((dtMs * sfHz) / 1000), 1);
  const window = Math.max(roundHalfEven((windowMs * sfHz) / 1000), 4);
  return { hop, window, T: Math.ceil(length / hop) };
}

interface Kernel {
  /**
   * Row 2k: w[n] cos(w_k (n - c)); row 2k+1: -w[n] sin(w_k (n - c)), for
   * n < Wh = ceil(W/2) (entry Wh-1 of an odd window is the centre: w[c], 0),
   * stride Wp = Wh.
   */
  rows: Float64Array;
  /** The same rows in the layout of spectrogram-kernel.wat (made on first use). */
  wasmRows?: Float64Array;
  freqsHz: Float64Array;
  W: number;
  Wh: number;
  Wp: number;
  key: string;
}

const kernelCache = new Map<string, Kernel>();
const KERNEL_CACHE_MAX = 16;

function kernelFor(sfHz: number, W: number, fminHz: number, fmaxHz: number, binsPerOctave: number): Kernel {
  const key = `${sfHz}|${W}|${fminHz}|${fmaxHz}|${binsPerOctave}`;
  const hit = kernelCache.get(key);
  if (hit) return hit;
  const freqsHz = bandCentersHz(fminHz, fmaxHz, binsPerOctave);
  const F = freqsHz.length;
  const w = hamming(W);
  const Wh = (W + 1) >> 1;
  const Wp = Wh;
  const centre = (W - 1) / 2;
  const rows = new Float64Array(2 * F * Wp);
  for (let k = 0; k < F; k++) {
    const omega = (2 * Math.PI * freqsHz[k]!) / sfHz;
    const re = 2 * k * Wp;
    const im = re + Wp;
    for (let n = 0; n < Wh; n++) {
      const phase = omega * (n - centre);
      rows[re + n] = w[n]! * Math.cos(phase);
      rows[im + n] = -w[n]! * Math.sin(phase);
    }
  }
  const kernel = { rows, freqsHz, W, Wh, Wp, key };
  if (kernelCache.size >= KERNEL_CACHE_MAX) kernelCache.delete(kernelCache.keys().next().value!);
  kernelCache.set(key, kernel);
  return kernel;
}

/** Hamming log-spectrogram at the band centres; float32 (F, T) in dB. */
export function logSpectrogram(y: Float64Array, sfHz: number, opts: LogSpectrogramOptions): LogSpectrogram {
  if (!(sfHz > 0) || !Number.isFinite(sfHz))
    throw new RangeError(`sample rate must be positive, got ${sfHz}`);
  if (!(opts.dtMs > 0)) throw new RangeError(`dtMs must be positive, got ${opts.dtMs}`);
  const windowMs = opts.windowMs ?? 2 * opts.dtMs;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const L = y.length;
  const { hop, window: W, T } = spectrogramFrames(L, sfHz, opts.dtMs, windowMs);
  const kernel = kernelFor(sfHz, W, opts.fminHz, opts.fmaxHz, opts.binsPerOctave);
  const { freqsHz } = kernel;
  const F = freqsHz.length;
  const data = new Float32Array(F * T);
  if (T > 0) {
    if (opts.wasm === false || !productWasm(kernel, y, hop, T, data)) productJs(kernel, y, hop, T, data);
  }
  return { data, F, T, freqsHz: Float64Array.from(freqsHz), hop };
}

function dB(re: number, im: number): number {
  return decibels(re * re + im * im);
}

/** 20 log10(|X| + 1e-12) from |X|^2. */
function decibels(power: number): number {
  return 20 * Math.log10(Math.sqrt(power) + 1e-12);
}

/**
 * Folds frames i0 .. i0+count-1 into dst: frame j's P (Wp values) at
 * dst[dstStart + j * 2Wp], then its Q: P[n] = y_n + y_{W-1-n},
 * Q[n] = y_n - y_{W-1-n} over the frame's samples (zero outside the signal),
 * the centre sample of an odd window in P[Wh-1] (with Q = 0), zeros to Wp.
 * Frame i starts at sample i*hop - floor(W/2).
 */
function foldFrames(
  y: Float64Array,
  hop: number,
  W: number,
  Wh: number,
  Wp: number,
  i0: number,
  count: number,
  dst: Float64Array,
  dstStart: number,
): void {
  const half = W >> 1;
  const L = y.length;
  for (let j = 0; j < count; j++) {
    const s = (i0 + j) * hop - half;
    const p = dstStart + 2 * j * Wp;
    const q = p + Wp;
    if (s >= 0 && s + W <= L) {
      for (let n = 0; n < half; n++) {
        const a = y[s + n]!;
        const b = y[s + W - 1 - n]!;
        dst[p + n] = a + b;
        dst[q + n] = a - b;
      }
      if (Wh > half) dst[p + half] = y[s + half]!;
    } else {
      for (let n = 0; n < half; n++) {
        const ia = s + n;
        const ib = s + W - 1 - n;
        const a = ia >= 0 && ia < L ? y[ia]! : 0;
        const b = ib >= 0 && ib < L ? y[ib]! : 0;
        dst[p + n] = a + b;
        dst[q + n] = a - b;
      }
      if (Wh > half) {
        const ic = s + half;
        dst[p + half] = ic >= 0 && ic < L ? y[ic]! : 0;
      }
    }
    if (Wh > half) dst[q + half] = 0;
    for (let n = Wh; n < Wp; n++) {
      dst[p + n] = 0;
      dst[q + n] = 0;
    }
  }
}

/** Signal samples and frames per wasm call at most: the wasm memory is bounded by the configuration, not the stim. */
const CHUNK_SAMPLES = 1 << 18;
const CHUNK_FRAMES = 1 << 12;

/**
 * spectrogram-kernel.wat's kern: per pair of bands k, k+1 (the last band zero
 * when F is odd) and step t of WASM_STEP samples: C_k, C_k+1, S_k, S_k+1 over
 * samples 2t, 2t+1, zero past Wh.
 */
function wasmRows(kernel: Kernel): Float64Array {
  if (kernel.wasmRows) return kernel.wasmRows;
  const { rows, Wh, Wp, freqsHz } = kernel;
  const F = freqsHz.length;
  const nSteps = Math.ceil(Wh / WASM_STEP);
  const out = new Float64Array((F + (F & 1)) * nSteps * 2 * WASM_STEP);
  for (let k = 0; k < F; k++) {
    const pair = (k >> 1) * nSteps * 4 * WASM_STEP;
    const lane = (k & 1) * WASM_STEP;
    for (let n = 0; n < Wh; n++) {
      const at = pair + Math.floor(n / WASM_STEP) * 4 * WASM_STEP + lane + (n % WASM_STEP);
      out[at] = rows[2 * k * Wp + n]!;
      out[at + 2 * WASM_STEP] = rows[(2 * k + 1) * Wp + n]!;
    }
  }
  kernel.wasmRows = out;
  return out;
}

/** The product on the WebAssembly kernel; false (nothing done) where WebAssembly SIMD is unavailable. */
function productWasm(kernel: Kernel, y: Float64Array, hop: number, T: number, data: Float32Array): boolean {
  const { W, Wh, freqsHz } = kernel;
  const F = freqsHz.length;
  const nBands = F + (F & 1);
  const nSteps = Math.ceil(Wh / WASM_STEP);
  const half = W >> 1;
  const L = y.length;
  const rows = wasmRows(kernel);
  // Frames per call: whole groups, about CHUNK_SAMPLES samples of signal.
  const groups = Math.max(1, Math.floor(Math.min(CHUNK_FRAMES, CHUNK_SAMPLES / hop) / WASM_FRAMES));
  const maxFrames = groups * WASM_FRAMES;
  // Memory (bytes): kernel | fold of one group + scratch | powers | signal.
  const foldAt = rows.byteLength;
  const powerAt = foldAt + nSteps * 2 * WASM_FRAMES * 16 + 128;
  const yAt = powerAt + nBands * maxFrames * 8;
  const wasm = spectrogramWasm(yAt + ((maxFrames - 1) * hop + W) * 8);
  if (wasm === null) return false;
  const buf = wasm.memory.buffer;
  if (wasm.kernelKey !== kernel.key) {
    new Float64Array(buf, 0, rows.length).set(rows);
    wasm.kernelKey = kernel.key;
  }
  for (let i0 = 0; i0 < T; i0 += maxFrames) {
    const count = Math.min(maxFrames, T - i0);
    const nGroups = Math.ceil(count / WASM_FRAMES);
    const nF = nGroups * WASM_FRAMES;
    // The chunk's samples from its first frame's start, zeros outside y.
    const start = i0 * hop - half;
    const n = (nF - 1) * hop + W;
    const seg = new Float64Array(buf, yAt, n);
    const lo = Math.min(n, Math.max(0, -start));
    const hi = Math.max(lo, Math.min(n, L - start));
    seg.fill(0, 0, lo);
    seg.set(y.subarray(start + lo, start + hi), lo);
    seg.fill(0, hi, n);
    wasm.power(yAt, hop * 8, W, nSteps, nGroups, 0, nBands, foldAt, powerAt);
    writeDecibels(new Float64Array(buf, powerAt, nBands * nF), F, nF, count, data, T, i0);
  }
  return true;
}

/**
 * data[k * T + i0 + i] = decibels(power[k * nF + i]) for bands k < F and
 * frames i < count; its own function (CONTRIBUTING.md, "One hot loop per
 * function").
 */
function writeDecibels(
  power: Float64Array,
  F: number,
  nF: number,
  count: number,
  data: Float32Array,
  T: number,
  i0: number,
): void {
  for (let k = 0; k < F; k++) {
    const row = k * nF;
    const out = k * T + i0;
    for (let i = 0; i < count; i++) data[out + i] = decibels(power[row + i]!);
  }
}

function productJs(kernel: Kernel, y: Float64Array, hop: number, T: number, data: Float32Array): void {
  const { rows, W, Wh, Wp, freqsHz } = kernel;
  const F = freqsHz.length;
  const fold = new Float64Array(FRAME_CHUNK * 2 * Wp);
  for (let i0 = 0; i0 < T; i0 += FRAME_CHUNK) {
    const i1 = Math.min(T, i0 + FRAME_CHUNK);
    foldFrames(y, hop, W, Wh, Wp, i0, i1 - i0, fold, 0);
    for (let k = 0; k < F; k++) {
      const rRe = 2 * k * Wp;
      const rIm = rRe + Wp;
      const outRow = k * T;
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        const p0 = (i - i0) * 2 * Wp;
        const p1 = p0 + 2 * Wp;
        const p2 = p1 + 2 * Wp;
        const p3 = p2 + 2 * Wp;
        let a0 = 0;
        let b0 = 0;
        let a1 = 0;
        let b1 = 0;
        let a2 = 0;
        let b2 = 0;
        let a3 = 0;
        let b3 = 0;
        for (let n = 0; n < Wh; n++) {
          const c = rows[rRe + n]!;
          const s = rows[rIm + n]!;
          a0 += c * fold[p0 + n]!;
          b0 += s * fold[p0 + Wp + n]!;
          a1 += c * fold[p1 + n]!;
          b1 += s * fold[p1 + Wp + n]!;
          a2 += c * fold[p2 + n]!;
          b2 += s * fold[p2 + Wp + n]!;
          a3 += c * fold[p3 + n]!;
          b3 += s * fold[p3 + Wp + n]!;
        }
        data[outRow + i] = dB(a0, b0);
        data[outRow + i + 1] = dB(a1, b1);
        data[outRow + i + 2] = dB(a2, b2);
        data[outRow + i + 3] = dB(a3, b3);
      }
      for (; i < i1; i++) {
        const p0 = (i - i0) * 2 * Wp;
        const q0 = p0 + Wp;
        let a = 0;
        let b = 0;
        for (let n = 0; n < Wh; n++) {
          a += rows[rRe + n]! * fold[p0 + n]!;
          b += rows[rIm + n]! * fold[q0 + n]!;
        }
        data[outRow + i] = dB(a, b);
      }
    }
  }
}
