// Selecting and indexing a dataset (dataset.md, "What users do with it"):
// metadata matching, predicate selectors that treat a throwing predicate as
// "not selected", Python slice and negative-index semantics, index checks,
// the provenance records of each pair, and the item that indexing returns.
// Pure helpers over lists; Ac1Dataset and its SelectionState keep the state.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import { Ac1Error } from "../errors.js";
import type { RepeatProvenance, ResponseBlock, Tensor } from "./model.js";

/** Whether each block holds a NaN, computed once per block (blocks are never written to once made). */
const nanBlocks = new WeakMap<ResponseBlock, boolean>();

/** True when the block holds at least one NaN. */
export function blockHasNaN(b: ResponseBlock): boolean {
  let has = nanBlocks.get(b);
  if (has === undefined) {
    has = false;
    const d = b.data;
    for (let i = 0; i < d.length; i++) {
      if (Number.isNaN(d[i])) {
        has = true;
        break;
      }
    }
    nanBlocks.set(b, has);
  }
  return has;
}

/**
 * Whether a (stim, neuron) pair counts as having data in the masks: a block
 * without any NaN. deepSTRF derives nrn_masks as "no NaN anywhere in the
 * tensor", so a block holding a NaN counts as missing there too (it is still
 * handed out by indexing, like deepSTRF's __getitem__ does).
 */
export function pairHasData(b: ResponseBlock | null | undefined): boolean {
  return b != null && !blockHasNaN(b);
}

/** Any metadata record, read by key (the reference's key names). */
export type Meta = Readonly<Record<string, unknown>>;

/** A Python-style range over the iterable stims: negative bounds count from the end. */
export interface IndexRange {
  start?: number;
  stop?: number;
  step?: number;
}

/** What indexing returns for one iterable stim. */
export interface DatasetItem {
  /** Index of the stim in the whole dataset (stims[stimIndex]). */
  stimIndex: number;
  /** (1, F, T) spectrogram or (1, T * hop) waveform, float32. */
  stim: Tensor;
  /** One entry per selected neuron (same order as `neurons`): its (R, T) block, or null when missing. */
  responses: (ResponseBlock | null)[];
  /** mask[i] is true where responses[i] has data. */
  mask: boolean[];
  /** Dataset indices of the selected neurons. */
  neurons: number[];
  stimMeta: StimMeta;
}

/** Structural equality for metadata values (numbers, strings, lists of them). */
export function metaValueEquals(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => metaValueEquals(v, b[i]));
  }
  return a === b;
}

/** Indices (ascending) of the records whose `key` is present and equals `value`; records lacking it are skipped. */
export function indicesWithMeta(metas: readonly object[], key: string, value: unknown): number[] {
  return metas.flatMap((m, i) => {
    const meta = m as Meta;
    return Object.hasOwn(meta, key) && meta[key] !== undefined && metaValueEquals(meta[key], value)
      ? [i]
      : [];
  });
}

/** Indices (ascending) of the records for which predicate(meta, index) is true; a throwing predicate means "not selected". */
export function indicesWhere<M>(
  metas: readonly M[],
  predicate: (meta: M, index: number) => boolean,
): number[] {
  return metas.flatMap((m, i) => {
    try {
      return predicate(m, i) === true ? [i] : [];
    } catch {
      return [];
    }
  });
}

/** Python slice semantics: the indices of range(len)[start:stop:step]. */
export function sliceIndices(length: number, range: IndexRange): number[] {
  const step = range.step ?? 1;
  if (!Number.isInteger(step) || step === 0)
    throw new Ac1Error("INDEX", `slice step must be a non-zero integer, got ${step}`);
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new Ac1Error("INDEX", `slice bounds must be integers, got ${v}`);
    const x = v < 0 ? v + length : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = norm(range.start, 0, 0, length);
    const stop = norm(range.stop, length, 0, length);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = norm(range.start, length - 1, -1, length - 1);
    const stop = norm(range.stop, -1, -1, length - 1);
    // An explicit negative stop that normalises below 0 means "before the start".
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}

/**
 * Indices into a list of `length` as Python indexes a list: a negative index
 * counts from the end, a repeated one stays repeated (deepSTRF:
 * [self.stims[i] for i in stim_indices]); throws INDEX, naming `what`, outside it.
 */
export function pythonIndices(indices: readonly number[], length: number, what: string): number[] {
  return indices.map((i) => {
    if (!Number.isInteger(i) || i < -length || i >= length)
      throw new Ac1Error("INDEX", `${what}: stim index ${i} out of range (dataset has ${length} stims)`);
    return i < 0 ? i + length : i;
  });
}

/** `i` when it is a valid index into `count` entries (no negative indices); throws INDEX naming `what`. */
export function checkedIndex(i: number, count: number, what: "neuron" | "stim"): number {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new Ac1Error("INDEX", `${what} index ${i} out of range (dataset has ${count} ${what}s)`);
  }
  return i;
}

/** The index of a neuron's metadata: the object itself, else the neuron of the same experimenter and session. */
export function neuronIndexOf(metas: readonly NeuronMeta[], meta: NeuronMeta): number {
  const direct = metas.indexOf(meta);
  if (direct >= 0) return direct;
  const n = metas.findIndex((m) => m.session === meta.session && m.experimenter === meta.experimenter);
  if (n < 0)
    throw new Ac1Error("INDEX", `no neuron with session ${JSON.stringify(meta.session)} in this dataset`);
  return n;
}

/** The key of a (neuron, stim) pair in provenanceByPair. */
export function pairKey(neuron: number, stim: number): string {
  return `${neuron},${stim}`;
}

/** The provenance records of each (neuron, stim) pair (pairKey), in their order. */
export function provenanceByPair(rows: readonly RepeatProvenance[]): Map<string, RepeatProvenance[]> {
  const index = new Map<string, RepeatProvenance[]>();
  for (const p of rows) {
    const key = pairKey(p.neuron, p.stim);
    const list = index.get(key);
    if (list === undefined) index.set(key, [p]);
    else list.push(p);
  }
  return index;
}

/** The entry at a Python-style position (negative counts from the end); throws INDEX outside the list. */
export function atPosition<T>(list: readonly T[], i: number, what: string): T {
  if (!Number.isInteger(i) || i >= list.length || i < -list.length) {
    throw new Ac1Error("INDEX", `item index ${i} out of range (${list.length} ${what})`);
  }
  return list[i < 0 ? i + list.length : i] as T;
}
