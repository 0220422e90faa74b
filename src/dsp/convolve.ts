// convolve(a, b, "same") as pipeline.md section 3 defines it: the full
// convolution (length La + Lb - 1) cropped to La samples starting at index
// floor((Lb - 1) / 2). This equals np.convolve(a, b, "same") whenever
// La >= Lb; for La < Lb numpy swaps its arguments and returns Lb samples,
// a case the specification (one output per input sample) does not follow.

import { type ConvolveMethod, correlateValid } from "./fir.js";

/**
 * "Same" convolution of a with kernel b: one output per sample of a, zeros
 * beyond a's edges. With method "direct" each output is the plain sum over
 * a's samples in ascending order, x[j] * b[i + off - j].
 */
export function convolveSame(
  a: Float64Array,
  b: Float64Array,
  method: ConvolveMethod = "auto",
): Float64Array {
  const la = a.length;
  const lb = b.length;
  if (la === 0) return new Float64Array(0);
  if (lb === 0) throw new RangeError("convolveSame: empty kernel");
  const off = Math.floor((lb - 1) / 2);
  // out[i] = sum_m brev[m] * aPad[i + m], aPad = [zeros(lb-1-off), a, zeros(off)].
  const aPad = new Float64Array(la + lb - 1);
  aPad.set(a, lb - 1 - off);
  const brev = new Float64Array(lb);
  for (let m = 0; m < lb; m++) brev[m] = b[lb - 1 - m]!;
  return correlateValid(aPad, brev, method);
}
