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
  const grouped = groupRejectedRows(provenance, rows, S, N);
  return {
    blocks: grouped.blocks.map((row) => row.map((list) => (list === null ? null : padRows(list)))),
    unindexed: padRows(grouped.unindexed),
  };
}

/**
 * The grouping of groupRejected without the padding, for rows of any kind
 * (the build's rows may wait in a spill file): blocks[s][n] lists the
 * rejected rows of (stim s, neuron n) in provenance order, null for none.
 */
export function groupRejectedRows<R>(
  provenance: readonly RepeatProvenance[],
  rows: readonly (R | null)[],
  S: number,
  N: number,
): { blocks: (R[] | null)[][]; unindexed: R[] } {
  const blocks: (R[] | null)[][] = [];
  for (let s = 0; s < S; s++) blocks.push(new Array<R[] | null>(N).fill(null));
  const unindexed: R[] = [];
  provenance.forEach((p, i) => {
    const row = rows[i];
    if (p.fate === "kept" || row === null || row === undefined) return;
    if (p.stim < 0 || p.neuron < 0) {
      unindexed.push(row);
      return;
    }
    const line = blocks[p.stim] as (R[] | null)[];
    const list = line[p.neuron];
    if (list === null || list === undefined) line[p.neuron] = [row];
    else list.push(row);
  });
  return { blocks, unindexed };
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
