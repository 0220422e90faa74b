// A dataset whose large arrays are read on demand (LazyDataset, model.ts):
// what a build assembles (DatasetAssembler.finish), with its arrays in memory
// or in a spill file (spill.ts), and what the export writes array by array.
// The in-memory forms on either side: materialize (the whole DatasetData, for
// loadDataset) and deferredOf (a DatasetData seen lazily, for the writer). And
// the one rule for cutting a stored array to its final length (firstColumns,
// and heldFirstColumns for an array read back from a store).

import type { DatasetData, Deferred, LazyDataset, Tensor } from "./model.js";
import type { Held, StoredArray } from "./spill.js";

/** Whether `d` is a LazyDataset (its arrays read on demand) rather than a DatasetData. */
export function isLazyDataset(d: DatasetData | LazyDataset): d is LazyDataset {
  return typeof (d as LazyDataset).release === "function";
}

/** An in-memory array seen as a Deferred (reads give the array itself). */
export function held<A extends Float32Array | Int32Array>(t: { shape: number[]; data: A }): Deferred<A> {
  return { shape: t.shape, read: () => t.data };
}

function heldOrNull<A extends Float32Array | Int32Array>(
  t: { shape: number[]; data: A } | null,
): Deferred<A> | null {
  return t === null ? null : held(t);
}

/** A DatasetData seen as a LazyDataset (no copy; release() does nothing). */
export function deferredOf(d: DatasetData): LazyDataset {
  const { stims, responses, spikeCounts, rejected, ...fields } = d;
  const lazy: LazyDataset = {
    ...fields,
    stims: stims.map(held),
    responses: responses.map((row) => row.map(heldOrNull)),
    release: () => {},
  };
  if (spikeCounts !== undefined) lazy.spikeCounts = spikeCounts.map((row) => row.map(heldOrNull));
  if (rejected !== undefined)
    lazy.rejected = {
      blocks: rejected.blocks.map((row) => row.map(heldOrNull)),
      unindexed: held(rejected.unindexed),
    };
  return lazy;
}

function readNull<A extends Float32Array | Int32Array>(
  t: Deferred<A> | null,
): { shape: number[]; data: A } | null {
  return t === null ? null : { shape: t.shape, data: t.read() };
}

/** Every array of `lazy` read into memory: the DatasetData; `lazy` is released (even on failure). */
export function materialize(lazy: LazyDataset): DatasetData {
  try {
    return readAll(lazy);
  } finally {
    lazy.release();
  }
}

function readAll(lazy: LazyDataset): DatasetData {
  const { stims, responses, spikeCounts, rejected, release: _release, ...fields } = lazy;
  const data: DatasetData = {
    ...fields,
    stims: stims.map((t): Tensor => ({ shape: t.shape, data: t.read() })),
    responses: responses.map((row) => row.map(readNull)),
  };
  if (spikeCounts !== undefined) data.spikeCounts = spikeCounts.map((row) => row.map(readNull));
  if (rejected !== undefined)
    data.rejected = {
      blocks: rejected.blocks.map((row) => row.map(readNull)),
      unindexed: { shape: rejected.unindexed.shape, data: rejected.unindexed.read() },
    };
  return data;
}

/**
 * The first `keep` columns of a row-major (rows, cols) array: the array
 * itself when keep >= cols, else a copy (a block cut to Tcanon frames, a
 * spectrogram's F rows cut to Tcanon frames, a waveform's one row cut to
 * Tcanon * hop samples).
 */
export function firstColumns<A extends StoredArray>(a: A, rows: number, cols: number, keep: number): A {
  if (keep >= cols) return a;
  const out = new (a.constructor as new (n: number) => A)(rows * keep);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * cols, r * cols + keep), r * keep);
  return out;
}

/**
 * firstColumns of the array `held` reads back: a fresh read (a spill file's)
 * is cut in place, its rows moved up and a view of them returned, rather than
 * copied into new memory; the stored array itself (in memory) is copied.
 */
export function heldFirstColumns<A extends StoredArray>(
  held: Held<A>,
  rows: number,
  cols: number,
  keep: number,
): A {
  const a = held.read();
  if (keep >= cols || !held.fresh) return firstColumns(a, rows, cols, keep);
  // Row r moves from r * cols down to r * keep (< r * cols): copyWithin copies as if through a temporary.
  for (let r = 1; r < rows; r++) a.copyWithin(r * keep, r * cols, r * cols + keep);
  return a.subarray(0, rows * keep) as A;
}
