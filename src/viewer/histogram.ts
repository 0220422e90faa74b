// Histograms for the cohort view (GET /api/cohort): fixed bins with "nice"
// edges from 0 (1, 2, 5 x 10^k wide), whole-number bins for counts, and a
// bounded number of bins whatever the values.

import type { Histogram } from "./api-types.js";

/** Upper bound on histogram bins, whatever the values. */
const MAX_HISTOGRAM_BINS = 1000;

/** "Nice" step (1, 2, 5 x 10^k) giving roughly `target` bins over `span`. */
function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / target;
  if (!(raw >= Number.MIN_VALUE * 1e20)) return span; // subnormal spans: one bin
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return nice * pow;
}

/**
 * Histogram of `values` with nice bin edges starting at 0 (the quantities
 * here are lengths and counts). With `integer`, bins have whole-number widths
 * so that small counts get one bin per value.
 */
export function histogram(
  values: readonly number[],
  opts: { integer?: boolean; targetBins?: number } = {},
): Histogram {
  const target = opts.targetBins ?? 20;
  let max = 0;
  for (const v of values) if (v > max) max = v;
  let step = niceStep(max, target);
  if (opts.integer) step = Math.max(1, Math.round(step));
  const nBins = Math.min(MAX_HISTOGRAM_BINS, Math.max(1, Math.floor(max / step) + 1));
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) edges.push(Number((i * step).toPrecision(12)));
  const counts = new Array<number>(nBins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) continue;
    const i = Math.min(nBins - 1, Math.floor(v / step));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { edges, counts };
}
