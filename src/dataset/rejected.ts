// The rejected repeats of a build (the option keepRejected, interchange.md
// rej_<s>_<n>): the binned rows grouped by (stim, neuron) in provenance
// order, NaN-padded to each group's longest row, and the rows without a stim
// or neuron index (dropped cells, never-registered stims) apart.

import type { RejectedRepeats, RepeatProvenance, Tensor } from "./model.js";

/**
 * The rejected repeats grouped by (stim, neuron) in provenance order, each
 * group NaN-padded on the right to its longest row (an empty repeat is an
 * all-NaN row); repeats without a stim or neuron index go to `unindexed`.
 */
export function groupRejected(
  provenance: readonly RepeatProvenance[],
  rows: readonly (Float32Array | null)[],
  S: number,
  N: number,
): RejectedRepeats {
  const groups = new Map<number, Float32Array[]>();
  const unindexed: Float32Array[] = [];
  provenance.forEach((p, i) => {
    const row = rows[i];
    if (p.fate === "kept" || row === null || row === undefined) return;
    if (p.stim < 0 || p.neuron < 0) {
      unindexed.push(row);
      return;
    }
    const key = p.stim * N + p.neuron;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [row]);
    else list.push(row);
  });
  const blocks: (Tensor | null)[][] = [];
  for (let s = 0; s < S; s++) blocks.push(new Array<Tensor | null>(N).fill(null));
  for (const [key, list] of groups)
    (blocks[Math.floor(key / N)] as (Tensor | null)[])[key % N] = padRows(list);
  return { blocks, unindexed: padRows(unindexed) };
}

/** Rows stacked into (R, T) float32, T the longest row, shorter rows NaN-padded on the right. */
export function padRows(rows: readonly Float32Array[]): Tensor {
  let T = 0;
  for (const r of rows) T = Math.max(T, r.length);
  const data = new Float32Array(rows.length * T);
  rows.forEach((r, i) => {
    data.set(r, i * T);
    if (r.length < T) data.fill(Number.NaN, i * T + r.length, (i + 1) * T);
  });
  return { shape: [rows.length, T], data };
}
