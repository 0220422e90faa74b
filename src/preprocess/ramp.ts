// Onset/offset ramp of an Asari stimulus segment (pipeline.md section 8):
// sin^2 fade-in over the first n = round(rampMs*sf/1000) samples (at most
// half the segment) and the mirrored fade-out over the last n. The in-place
// form touches only those 2n samples, so splicing segments costs one copy
// plus the ramp edges.

import { roundHalfEven } from "../dsp/round.js";

/** A ramped copy of x: first n samples times sin(pi/2 * t/n)^2, last n times the reverse. */
export function rampSegment(x: Float64Array, sfHz: number, rampMs = 5): Float64Array {
  return rampInPlace(Float64Array.from(x), sfHz, rampMs);
}

/** rampSegment applied in place to x (a segment, possibly a subarray of a longer signal); returns x. */
export function rampInPlace(x: Float64Array, sfHz: number, rampMs = 5): Float64Array {
  const len = x.length;
  let n = Math.max(1, roundHalfEven((rampMs * sfHz) / 1000));
  n = Math.min(n, Math.floor(len / 2));
  for (let t = 0; t < n; t++) {
    const s = Math.sin(((Math.PI / 2) * t) / n);
    const g = s * s;
    x[t] = x[t]! * g;
    x[len - 1 - t] = x[len - 1 - t]! * g;
  }
  return x;
}
