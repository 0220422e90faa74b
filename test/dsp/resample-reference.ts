// A plain reference for the resampler: one output sample at a time, with the
// same taps, tap order and summation grouping as resample() (zero-padded to
// chunks of eight; chunk = (p0+p1+p2+p3) + (p4+p5+p6+p7), output = chunk0 +
// chunk1 + ...), so results must agree bit for bit.
import { type ResamplePrecision, resampledLength, resampleKernel } from "../../src/dsp/resample.js";

/**
 * One output sample at a time, in output order; x is zero outside its range.
 * `outputs` samples (default: what resample keeps); more are the blocks' later
 * samples that resample drops.
 */
export function referenceResample(
  x: Float64Array,
  origHz: number,
  newHz: number,
  precision: ResamplePrecision,
  outputs: number = resampledLength(x.length, origHz, newHz),
): Float64Array {
  const { o, n, first, count, offset, taps } = resampleKernel(origHz, newHz, precision);
  let maxCount = 0;
  for (let j = 0; j < n; j++) maxCount = Math.max(maxCount, count[j]!);
  const chunks = Math.max(1, Math.ceil(maxCount / 8));
  const input = (p: number) => {
    if (p < 0 || p >= x.length) return 0;
    return precision === "float32" ? Math.fround(x[p]!) : x[p]!;
  };
  const out = new Float64Array(outputs);
  const prod = new Float64Array(8);
  for (let k = 0; k < out.length; k++) {
    const b = Math.floor(k / n);
    const j = k % n;
    let acc = 0;
    for (let q = 0; q < chunks; q++) {
      for (let r = 0; r < 8; r++) {
        const m = q * 8 + r;
        const tap = m < count[j]! ? taps[offset[j]! + m]! : 0;
        prod[r] = tap * input(b * o + first[j]! + m);
      }
      const chunk = prod[0]! + prod[1]! + prod[2]! + prod[3]! + (prod[4]! + prod[5]! + prod[6]! + prod[7]!);
      acc = q === 0 ? chunk : acc + chunk;
    }
    out[k] = acc;
  }
  return out;
}
