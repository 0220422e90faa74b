// Band-limited resampling between integer rates, equivalent to torchaudio's
// functional.resample with its defaults (sinc_interp_hann, lowpass width 6,
// rolloff 0.99; pipeline.md section 9). The dense polyphase kernel has
// 2*width + o taps per output phase, nearly all of them ~0 (|t| >= 6, where
// the Hann window is cos(pi/2)^2); only the live taps (|t| < 6) are computed.
//
// Precision: torchaudio builds its kernel in the waveform's dtype, and the
// reference resamples float32 tensors. For large reduced rates (97656 ->
// 96000 is 4069/4000) float32 phases i/o - j/n are off by ~1e-7 * base, which
// moves the output by up to ~2e-4 of full scale. The default "float32" kernel
// reproduces that arithmetic step by step (Math.fround after every operation,
// input rounded to float32) so results match the reference to ~1e-6; the
// "float64" kernel is the exact definition. Sums are accumulated in float64.

import { checkRate, gcd, LOWPASS_WIDTH, ROLLOFF } from "./resample-bounds.js";

export type ResamplePrecision = "float32" | "float64";

export interface ResampleKernel {
  o: number; // input samples per block (orig / gcd)
  n: number; // output samples per block (new / gcd)
  width: number;
  /** Phase j's taps apply to x[b*o + first[j] + m], m < count[j]. */
  first: Int32Array;
  count: Int32Array;
  /** Taps of phase j at offset[j] .. offset[j] + count[j]. */
  offset: Int32Array;
  taps: Float64Array;
}

/** Input samples per tile of blocks in resample's loop (a tile's input and output stay in L2). */
const TILE_INPUT_SAMPLES = 65536;
/** Fewest blocks per tile worth tiling for; with fewer (large o) the loop runs untiled. */
const MIN_TILE_BLOCKS = 64;

/** torchaudio's t for tap i of phase j, in float64 or emulated float32 arithmetic. */
function phaseArgument(
  i: number,
  j: number,
  o: number,
  n: number,
  base: number,
  precision: ResamplePrecision,
): number {
  if (precision === "float64") return (i / o - j / n) * base;
  const f = Math.fround;
  // idx = arange(-width, width + o) / o; t = arange(0, -n, -1) / n + idx; t *= base
  return f(f(f(-j / n) + f(i / o)) * f(base));
}

/** Tap value for an unclamped argument |t| < 6 (float64 or emulated float32). */
function tapValue(t: number, o: number, base: number, precision: ResamplePrecision): number {
  if (precision === "float64") {
    const win = Math.cos((t * Math.PI) / LOWPASS_WIDTH / 2) ** 2;
    const pt = t * Math.PI;
    const sinc = pt === 0 ? 1 : Math.sin(pt) / pt;
    return (sinc * win * base) / o;
  }
  const f = Math.fround;
  const pi32 = f(Math.PI);
  const c = f(Math.cos(f(f(f(t * pi32) / LOWPASS_WIDTH) / 2)));
  const win = f(c * c);
  const pt = f(t * pi32);
  const sinc = pt === 0 ? 1 : f(f(Math.sin(pt)) / pt);
  const scale = f(base / o);
  return f(sinc * f(win * scale));
}

const kernels = new Map<string, ResampleKernel>();

/** The live taps of torchaudio's resampling kernel for integer rates origHz -> newHz. */
export function resampleKernel(
  origHz: number,
  newHz: number,
  precision: ResamplePrecision = "float32",
): ResampleKernel {
  checkRate("origHz", origHz);
  checkRate("newHz", newHz);
  const key = `${origHz}/${newHz}/${precision}`;
  const hit = kernels.get(key);
  if (hit) return hit;
  const g = gcd(origHz, newHz);
  const o = origHz / g;
  const n = newHz / g;
  const base = Math.min(o, n) * ROLLOFF;
  const width = Math.ceil((LOWPASS_WIDTH * o) / base);
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const offset = new Int32Array(n);
  const reach = (LOWPASS_WIDTH / base) * o;
  const live = (i: number, j: number) => Math.abs(phaseArgument(i, j, o, n, base, precision)) < LOWPASS_WIDTH;
  let total = 0;
  const tapsPerPhase: number[][] = [];
  for (let j = 0; j < n; j++) {
    // Live taps lie within `reach` of the phase centre j*o/n; scan a margin around it.
    const centre = (j / n) * o;
    const lo = Math.max(-width, Math.floor(centre - reach) - 2);
    const hi = Math.min(width + o - 1, Math.ceil(centre + reach) + 2);
    let s = lo;
    while (s <= hi && !live(s, j)) s++;
    let e = hi;
    while (e >= s && !live(e, j)) e--;
    const taps: number[] = [];
    for (let i = s; i <= e; i++) {
      const t = phaseArgument(i, j, o, n, base, precision);
      // Interior taps are always live for this smooth, monotone argument.
      taps.push(tapValue(t, o, base, precision));
    }
    first[j] = s;
    count[j] = taps.length;
    offset[j] = total;
    total += taps.length;
    tapsPerPhase.push(taps);
  }
  const taps = new Float64Array(total);
  for (let j = 0; j < n; j++) taps.set(tapsPerPhase[j]!, offset[j]!);
  const k: ResampleKernel = { o, n, width, first, count, offset, taps };
  kernels.set(key, k);
  return k;
}

export interface ResampleOptions {
  /** Kernel arithmetic: "float32" reproduces the reference (torchaudio on float32 tensors); default "float32". */
  precision?: ResamplePrecision;
  /**
   * Compute only the first maxLength outputs (the same values as the full
   * result's first ones): a caller that crops the result allocates only what
   * it keeps, however large the rate ratio. Default: all of them.
   */
  maxLength?: number;
}

/**
 * Samples resample() keeps for L input samples (pipeline.md section 9):
 * ceil(f32(n * L / o)) with o, n the rates divided by their gcd, the quotient
 * computed in float64 and rounded to float32 before the ceil, as torchaudio
 * does (its quotient becomes a default-dtype tensor). For some lengths that
 * is one less than the exact ceil (97656 -> 96000 Hz, L = 91110: 89565);
 * L itself when the rates are equal.
 */
export function resampledLength(L: number, origHz: number, newHz: number): number {
  checkRate("origHz", origHz);
  checkRate("newHz", newHz);
  if (origHz === newHz) return L;
  const g = gcd(origHz, newHz);
  return Math.ceil(Math.fround(((newHz / g) * L) / (origHz / g)));
}

/**
 * x resampled from origHz to newHz (integer rates), resampledLength(L)
 * samples (the first of the ceil(n * L / o) that the blocks produce); an
 * identical copy when the rates are equal.
 */
export function resample(
  x: Float64Array,
  origHz: number,
  newHz: number,
  opts: ResampleOptions = {},
): Float64Array {
  checkRate("origHz", origHz);
  checkRate("newHz", newHz);
  if (origHz === newHz)
    return Float64Array.from(opts.maxLength === undefined ? x : x.subarray(0, Math.max(0, opts.maxLength)));
  const precision = opts.precision ?? "float32";
  const { o, n, width, first, count, offset, taps } = resampleKernel(origHz, newHz, precision);
  const L = x.length;
  const outLen = Math.min(
    resampledLength(L, origHz, newHz),
    Math.max(0, opts.maxLength ?? Number.POSITIVE_INFINITY),
  );
  const out = new Float64Array(outLen);
  if (outLen === 0) return out;
  // Zero-padded input: xp[width + p] = x[p]; every live tap index b*o + i lands inside.
  const xp = new Float64Array(L + 2 * width + o + 8 + 8 * Math.ceil(maxCount(count) / 8));
  if (precision === "float32") for (let p = 0; p < L; p++) xp[width + p] = Math.fround(x[p]!);
  else xp.set(x, width);
  // Tiled loop: the blocks are taken in tiles of about TILE_INPUT_SAMPLES
  // input samples, so a tile's input and output stay in the L2 cache; within a
  // tile the loop is phase-major, each phase's taps (zero-padded to a
  // multiple of eight) held in locals eight at a time while it walks the
  // tile's blocks (stride o through the input, stride n through the output).
  // Each output is chunk0 + chunk1 + ..., where chunk = (t0x0 + t1x1 + t2x2 +
  // t3x3) + (t4x4 + t5x5 + t6x6 + t7x7); the tiling does not change that.
  const { c: C, padded } = paddedTaps(count, offset, taps, n);
  const blocks = Math.ceil(outLen / n);
  const lastPhases = outLen - (blocks - 1) * n; // phases present in the last block
  // Tiling pays only when a tile spans many blocks; with long blocks (large o)
  // the sliding windows of consecutive phases already share cache lines.
  const perTile = Math.floor(TILE_INPUT_SAMPLES / o);
  const tileBlocks = perTile >= MIN_TILE_BLOCKS ? perTile : blocks;
  for (let b0 = 0; b0 < blocks; b0 += tileBlocks) {
    const b1 = Math.min(blocks, b0 + tileBlocks);
    for (let j = 0; j < n; j++) {
      const bEnd = b1 < blocks || j < lastPhases ? b1 : b1 - 1;
      for (let q = 0; q < C; q += 8) {
        const off = j * C + q;
        const t0 = padded[off]!;
        const t1 = padded[off + 1]!;
        const t2 = padded[off + 2]!;
        const t3 = padded[off + 3]!;
        const t4 = padded[off + 4]!;
        const t5 = padded[off + 5]!;
        const t6 = padded[off + 6]!;
        const t7 = padded[off + 7]!;
        let st = width + b0 * o + first[j]! + q;
        let oi = b0 * n + j;
        if (q === 0) {
          for (let b = b0; b < bEnd; b++, st += o, oi += n) {
            out[oi] =
              t0 * xp[st]! +
              t1 * xp[st + 1]! +
              t2 * xp[st + 2]! +
              t3 * xp[st + 3]! +
              (t4 * xp[st + 4]! + t5 * xp[st + 5]! + t6 * xp[st + 6]! + t7 * xp[st + 7]!);
          }
        } else {
          for (let b = b0; b < bEnd; b++, st += o, oi += n) {
            out[oi] =
              out[oi]! +
              (t0 * xp[st]! +
                t1 * xp[st + 1]! +
                t2 * xp[st + 2]! +
                t3 * xp[st + 3]! +
                (t4 * xp[st + 4]! + t5 * xp[st + 5]! + t6 * xp[st + 6]! + t7 * xp[st + 7]!));
          }
        }
      }
    }
  }
  return out;
}

function maxCount(count: Int32Array): number {
  let c = 0;
  for (let j = 0; j < count.length; j++) c = Math.max(c, count[j]!);
  return c;
}

const paddedCache = new WeakMap<Float64Array, { c: number; padded: Float64Array }>();

/** The taps laid out with a fixed stride (the largest tap count rounded up to a multiple of 8), zero-padded. */
function paddedTaps(
  count: Int32Array,
  offset: Int32Array,
  taps: Float64Array,
  n: number,
): { c: number; padded: Float64Array } {
  const hit = paddedCache.get(taps);
  if (hit) return hit;
  const c = Math.max(8, Math.ceil(maxCount(count) / 8) * 8);
  const padded = new Float64Array(n * c);
  for (let j = 0; j < n; j++) padded.set(taps.subarray(offset[j]!, offset[j]! + count[j]!), j * c);
  const res = { c, padded };
  paddedCache.set(taps, res);
  return res;
}
