// The invariants every built (or loaded) dataset satisfies (dataset.md,
// "Invariants checked after every build"), plus the shape facts the model
// promises: stims (1, F, T_s) or (1, T_s * hop), blocks (R, T_s) with R >= 1,
// stims without NaN, missing pairs null. A violation is a bug (or a corrupt
// export), reported as one Ac1Error line naming the first broken rule.

import { DatasetInvariantError } from "../errors.js";
import type { DatasetData, LazyDataset, Shaped } from "./model.js";

/** A broken invariant; defined in src/errors.ts. */
export { DatasetInvariantError };

function fail(message: string): never {
  throw new DatasetInvariantError(message);
}

/** An array of either form: in memory (`data`) or read on demand (`read`, see Deferred). */
type AnyArray = Shaped & ({ data: ArrayLike<number> } | { read(): ArrayLike<number> });

/** An array's values: its data, or (a Deferred) read now. */
function valuesOf(t: AnyArray): ArrayLike<number> {
  return "data" in t ? t.data : t.read();
}

/** The index of the first NaN in `values`, or -1 when there is none. */
export function firstNaN(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return i;
  return -1;
}

/**
 * How many values an array holds without reading it: a Deferred's read()
 * gives exactly its shape's count (the spill store reads back what was put).
 */
function countOf(t: AnyArray): number {
  return "data" in t ? t.data.length : t.shape.reduce((a, b) => a * b, 1);
}

/**
 * Throws a DatasetInvariantError for the first violated invariant. A
 * LazyDataset's stims are read (one at a time) for the NaN check, but for
 * those already found free of NaN (Deferred.nanFree); its other arrays are
 * checked by their shapes.
 */
export function validateDataset(d: DatasetData | LazyDataset): void {
  if (typeof d.options?.path !== "string") fail("options.path is not a string");
  if (!(d.dtMs > 0)) fail(`dtMs must be > 0, got ${d.dtMs}`);
  const S = d.stims.length;
  const N = d.neuronMeta.length;
  if (N <= 0) fail("no neuron (N = 0)");
  if (S <= 0) fail("no stim (S = 0)");
  if (d.stimMeta.length !== S) fail(`${d.stimMeta.length} stim metadata for ${S} stims`);
  if (d.responses.length !== S) fail(`${d.responses.length} response rows for ${S} stims`);
  if (!Number.isInteger(d.F) || d.F <= 0) fail(`F must be a positive integer, got ${d.F}`);
  if (d.freqsHz.length !== d.F) fail(`${d.freqsHz.length} band centres for F = ${d.F}`);
  const [lo, hi] = d.hearingRangeHz;
  if (!(lo < hi)) fail(`hearing range [${lo}, ${hi}] is not increasing`);
  const waveform = d.audioFs !== null;
  if (waveform) {
    if (!Number.isInteger(d.audioFs) || (d.audioFs as number) <= 0)
      fail(`audioFs must be a positive integer, got ${d.audioFs}`);
    if (!Number.isInteger(d.hop) || d.hop < 1)
      fail(`hop must be a positive integer in waveform mode, got ${d.hop}`);
  }
  for (let s = 0; s < S; s++) {
    const stim = d.stims[s];
    const row = d.responses[s];
    if (!stim || !row) fail(`stim ${s} or its response row is missing`);
    if (row.length !== N) fail(`response row ${s} has ${row.length} entries for ${N} neurons`);
    let Ts: number;
    if (waveform) {
      if (stim.shape.length !== 2 || stim.shape[0] !== 1)
        fail(`stim ${s} has shape (${stim.shape.join(", ")}), expected (1, T) in waveform mode`);
      const Ta = stim.shape[1] as number;
      if (Ta % d.hop !== 0) fail(`stim ${s} has ${Ta} samples, not a multiple of hop ${d.hop}`);
      Ts = Ta / d.hop;
    } else {
      if (stim.shape.length !== 3 || stim.shape[0] !== 1 || stim.shape[1] !== d.F) {
        fail(`stim ${s} has shape (${stim.shape.join(", ")}), expected (1, ${d.F}, T)`);
      }
      Ts = stim.shape[2] as number;
    }
    // A stim found free of NaN as it was made is not read back (a Deferred's
    // read() gives exactly its shape's count: nothing else to check).
    if (!("nanFree" in stim && stim.nanFree === true)) {
      const values = valuesOf(stim);
      if (values.length !== stim.shape.reduce((a, b) => a * b, 1))
        fail(`stim ${s} holds ${values.length} values for shape (${stim.shape.join(", ")})`);
      const nan = firstNaN(values);
      if (nan >= 0) fail(`stim ${s} contains NaN at flat index ${nan}`);
    }
    let any = false;
    for (let n = 0; n < N; n++) {
      const b = row[n];
      if (b === null || b === undefined) continue;
      any = true;
      if (b.shape.length !== 2 || (b.shape[0] as number) < 1)
        fail(`response (${s}, ${n}) has shape (${b.shape.join(", ")}), expected (R >= 1, T)`);
      if (b.shape[1] !== Ts) fail(`response (${s}, ${n}) has ${b.shape[1]} frames, stim ${s} has ${Ts}`);
      if (countOf(b) !== (b.shape[0] as number) * Ts)
        fail(`response (${s}, ${n}) holds ${countOf(b)} values for shape (${b.shape.join(", ")})`);
    }
    if (!any) fail(`stim ${s} has no response from any neuron`);
  }
  validateExtras(d, S, N);
}

function checkTensor2d(t: AnyArray, what: string): void {
  if (t.shape.length !== 2 || countOf(t) !== (t.shape[0] as number) * (t.shape[1] as number))
    fail(`${what} has shape (${t.shape.join(", ")}) and ${countOf(t)} values, expected (R, T)`);
}

/** Spike counts, rejected repeats and split: shapes, and where they may be. */
function validateExtras(d: DatasetData | LazyDataset, S: number, N: number): void {
  if (d.spikeCounts !== undefined) {
    if (d.spikeCounts.length !== S) fail(`${d.spikeCounts.length} spike-count rows for ${S} stims`);
    d.spikeCounts.forEach((row, s) => {
      if (row.length !== N) fail(`spike-count row ${s} has ${row.length} entries for ${N} neurons`);
      row.forEach((c, n) => {
        if (c === null) return;
        const r = d.responses[s]?.[n];
        if (!r) fail(`spike counts (${s}, ${n}) for a pair without a response`);
        checkTensor2d(c, `spike counts (${s}, ${n})`);
        if (c.shape[0] !== r.shape[0] || c.shape[1] !== r.shape[1])
          fail(
            `spike counts (${s}, ${n}) have shape (${c.shape.join(", ")}), the response (${r.shape.join(", ")})`,
          );
      });
    });
  }
  if (d.rejected !== undefined) {
    const { blocks, unindexed } = d.rejected;
    if (blocks.length !== S) fail(`${blocks.length} rejected-repeat rows for ${S} stims`);
    const rows = new Map<string, number>();
    let unindexedRows = 0;
    for (const p of d.provenance) {
      if (p.fate === "kept") continue;
      if (p.stim < 0 || p.neuron < 0) unindexedRows++;
      else rows.set(`${p.stim},${p.neuron}`, (rows.get(`${p.stim},${p.neuron}`) ?? 0) + 1);
    }
    blocks.forEach((row, s) => {
      if (row.length !== N) fail(`rejected-repeat row ${s} has ${row.length} entries for ${N} neurons`);
      row.forEach((b, n) => {
        const want = rows.get(`${s},${n}`) ?? 0;
        const got = b === null ? 0 : (b.shape[0] as number);
        if (b !== null) checkTensor2d(b, `rejected repeats (${s}, ${n})`);
        if (got !== want || (b !== null && got === 0))
          fail(`rejected repeats (${s}, ${n}) hold ${got} rows, provenance has ${want} rejected repeats`);
      });
    });
    checkTensor2d(unindexed, "unindexed rejected repeats");
    if (unindexed.shape[0] !== unindexedRows)
      fail(`${unindexed.shape[0]} unindexed rejected rows, provenance has ${unindexedRows}`);
  }
  if (d.split) {
    if (d.split.neurons.length !== N)
      fail(`split covers ${d.split.neurons.length} neurons, dataset has ${N}`);
    const parts = [d.split.stims, ...d.split.neurons];
    for (const p of parts) {
      if (!p) continue;
      for (const s of [...p.train, ...p.val, ...p.test])
        if (!Number.isInteger(s) || s < 0 || s >= S) fail(`split names stim ${s}, outside 0..${S - 1}`);
    }
  }
}
