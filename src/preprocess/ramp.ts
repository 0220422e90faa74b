// Onset/offset ramp of an Asari stimulus segment (pipeline.md section 8):
// sin^2 fade-in over the first n = round(rampMs*sf/1000) samples (at most
// half the segment) and the mirrored fade-out over the last n.

import { roundHalfEven } from "../dsp/round.js";

/** A ramped copy of x: first n samples times sin(pi/2 * t/n)^2, last n times the reverse. */
export function rampSegment(x: Float64Array, sfHz: number, rampMs = 5): Float64Array {
  const out = Float64Array.from(x);
  const len = x.length;
  let n = Math.max(1, roundHalfEven((rampMs * sfHz) / 1000));
  n = Math.min(n, Math.floor(len / 2));
  if (n <= 0) return out;
  for (let t = 0; t < n; t++) {
    const s = Math.sin(((Math.PI / 2) * t) / n);
    const g = s * s;
    out[t] = out[t]! * g;
    out[len - 1 - t] = out[len - 1 - t]! * g;
  }
  return out;
}
