// The arrays of a pair view computed from the export's tensors: the
// per-frame min/max envelope of a waveform-mode stim (so a pair payload stays
// small) and the NaN-ignoring mean over the kept repeats. Pure functions over
// typed arrays.

import type { Tensor } from "../dataset/model.js";

/** Per-frame min and max of a waveform-mode stim (T frames of `hop` samples). */
export function frameEnvelope(
  wave: Float32Array,
  hop: number,
  frames: number,
): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(frames);
  const max = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const end = Math.min(wave.length, (t + 1) * hop);
    for (let i = t * hop; i < end; i++) {
      const v = wave[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[t] = lo === Number.POSITIVE_INFINITY ? 0 : lo;
    max[t] = hi === Number.NEGATIVE_INFINITY ? 0 : hi;
  }
  return { min, max };
}

/** NaN-ignoring mean over the rows of an (R, T) block. */
export function meanOverRepeats(block: Tensor): Float32Array {
  const [R = 0, T = 0] = block.shape;
  const sum = new Float64Array(T);
  const count = new Uint32Array(T);
  for (let r = 0; r < R; r++) {
    const base = r * T;
    for (let t = 0; t < T; t++) {
      const v = block.data[base + t] as number;
      if (!Number.isNaN(v)) {
        sum[t] = (sum[t] as number) + v;
        count[t] = (count[t] as number) + 1;
      }
    }
  }
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++)
    out[t] = (count[t] as number) > 0 ? (sum[t] as number) / (count[t] as number) : Number.NaN;
  return out;
}
