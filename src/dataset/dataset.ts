// The user-facing dataset (dataset.md, "What users do with it"): Ac1Dataset
// wraps a built DatasetData and adds indexing over the iterable stims, neuron
// and stim selection, the stim/response transforms (standardize, smooth,
// normalize), concatenation, batching (collate), the Rançon reproducibility
// constants with a seeded split helper, per-repeat provenance and a summary.
//
// Transforms never write into the arrays they were given: each transformed
// tensor is replaced by a fresh one, so the DatasetData passed in (possibly
// shared with a cache or another dataset) is never modified.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import { Ac1Error } from "../errors.js";
import { mulberry32 } from "../random/index.js";
import type { DatasetData, RepeatProvenance, ResponseBlock, Tensor } from "./model.js";

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

/** The statistics standardizeStims computed and applied. */
export interface StimStandardization {
  perBand: boolean;
  /** Per band (length F) when perBand, else one value. */
  mean: Float64Array;
  /** Sample std (n-1), clamped at eps; same length as mean. */
  std: Float64Array;
  indices: number[];
  eps: number;
}

/** What normalizeResponses computed and applied: x -> (x - offset[n]) / scale[n]. */
export interface ResponseNormalization {
  method: "max" | "zscore";
  scale: Float64Array;
  offset: Float64Array;
  indices: number[];
  eps: number;
}

export interface ResponseSmoothing {
  windowMs: number;
  /** Kernel length in frames (odd). */
  K: number;
  /** The symmetric Hann kernel, not normalised. */
  kernel: Float64Array;
}

/** A batch of items (collate): zero-padded stims, NaN-padded responses, masks. */
export interface Batch {
  /** (B, 1, F, Tstim) or in waveform mode (B, 1, Taudio), zero-padded on the right. */
  stims: Tensor;
  /** Unpadded length (last axis) of each stim. */
  stimLengths: number[];
  /** (B, N, Rmax, Tresp), NaN where there is no data (padding or missing pair). */
  responses: Tensor;
  /** Same shape as responses: 1 where responses holds a value (not NaN). */
  valid: { shape: number[]; data: Uint8Array };
  /** (B, N): 1 where the pair has data. */
  neuronMask: { shape: number[]; data: Uint8Array };
  stimIndices: number[];
}

export interface StimSplit {
  train: number[];
  val: number[];
  test: number[];
}

/** 21 of the 25 Wehr cells used in the Rançon papers (drops the unresponsive 1, 2, 4, 8). */
export const WEHR_VALID_NEURONS: readonly number[] = Object.freeze([
  0, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
]);

/**
 * Per-cell (train, val, test) stim counts of Rançon 2024/2025, indexed by the
 * neuron's `_wehr_cell_idx` (copied from the reference loader).
 */
export const WEHR_NEURONS_SPLIT_NATURAL: readonly (readonly [number, number, number])[] = Object.freeze([
  [7, 2, 2], // 0
  [5, 1, 1], // 1 unresponsive
  [3, 1, 1], // 2 unresponsive
  [7, 1, 1], // 3
  [1, 1, 1], // 4 not enough data
  [6, 1, 1], // 5
  [3, 1, 1], // 6
  [1, 1, 1], // 7
  [4, 1, 1], // 8 unresponsive
  [7, 1, 2], // 9
  [11, 2, 3], // 10
  [25, 4, 7], // 11
  [7, 1, 2], // 12
  [25, 4, 7], // 13
  [7, 1, 1], // 14
  [14, 3, 5], // 15
  [25, 4, 7], // 16
  [17, 3, 5], // 17
  [5, 1, 1], // 18
  [11, 2, 3], // 19
  [5, 1, 1], // 20
  [12, 2, 4], // 21
  [7, 2, 2], // 22
  [44, 6, 13], // 23
  [4, 1, 1], // 24
] as const);

/** The split helpers' PRNG, part of the dataset API (seed taken modulo 2^32). */
export { mulberry32 };

/** Fisher-Yates shuffle (i from the end, j = floor(rand() * (i + 1))) driven by mulberry32(seed); returns a copy. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/**
 * Splits stim indices into (train, val, test) of exactly the given counts
 * after a seeded shuffle; the counts must add up to the number of stims.
 * Each part is returned in ascending stim order.
 */
export function splitStims(
  stims: readonly number[],
  counts: readonly [number, number, number],
  seed = 0,
): StimSplit {
  const [nTrain, nVal, nTest] = counts;
  if (nTrain + nVal + nTest !== stims.length) {
    throw new Ac1Error(
      "SPLIT",
      `split counts (${nTrain}, ${nVal}, ${nTest}) add up to ${nTrain + nVal + nTest} but there are ${stims.length} stims`,
    );
  }
  const shuffled = seededShuffle(stims, seed);
  const asc = (a: number, b: number) => a - b;
  return {
    train: shuffled.slice(0, nTrain).sort(asc),
    val: shuffled.slice(nTrain, nTrain + nVal).sort(asc),
    test: shuffled.slice(nTrain + nVal).sort(asc),
  };
}

/** Structural equality for metadata values (numbers, strings, lists of them). */
export function metaValueEquals(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => metaValueEquals(v, b[i]));
  }
  return a === b;
}

function hasKey(meta: Meta, key: string): boolean {
  return Object.hasOwn(meta, key) && meta[key] !== undefined;
}

function safePredicate<M>(pred: (meta: M, index: number) => boolean, meta: M, index: number): boolean {
  try {
    return pred(meta, index) === true;
  } catch {
    return false;
  }
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

function blockHasNaN(b: ResponseBlock): boolean {
  const d = b.data;
  for (let i = 0; i < d.length; i++) if (Number.isNaN(d[i])) return true;
  return false;
}

/** The symmetric Hann window of M points (M = 1 gives [1]). */
export function symmetricHann(M: number): Float64Array {
  const w = new Float64Array(M);
  if (M === 1) {
    w[0] = 1;
    return w;
  }
  for (let n = 0; n < M; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (M - 1));
  return w;
}

/**
 * A built AC1 dataset with the reference loader's user API. Construct it from
 * buildDataset's result or a read export: `new Ac1Dataset(data)`.
 */
export class Ac1Dataset {
  readonly #base: DatasetData;
  readonly #stims: Tensor[];
  readonly #responses: (ResponseBlock | null)[][];
  readonly #stimMeta: StimMeta[];
  readonly #neuronMeta: NeuronMeta[];
  #neuronSelection: number[] | null = null;
  #stimSelection: number[] | null = null;
  #provenanceIndex: Map<string, RepeatProvenance[]> | null = null;
  /** Statistics of the last standardizeStims call (null before any). */
  stimStandardization: StimStandardization | null = null;
  /** Statistics of the last normalizeResponses call (null before any). */
  responseNormalization: ResponseNormalization | null = null;
  /** Parameters of the last smoothResponses call (null before any). */
  responseSmoothing: ResponseSmoothing | null = null;

  constructor(data: DatasetData) {
    this.#base = data;
    this.#stims = data.stims.slice();
    this.#responses = data.responses.map((row) => row.slice());
    this.#stimMeta = data.stimMeta.slice();
    this.#neuronMeta = data.neuronMeta.slice();
  }

  // ---- cohort facts ----------------------------------------------------
  get dtMs(): number {
    return this.#base.dtMs;
  }
  get F(): number {
    return this.#base.F;
  }
  get freqsHz(): Float64Array {
    return this.#base.freqsHz;
  }
  /** Null in spectrogram mode. */
  get audioFs(): number | null {
    return this.#base.audioFs;
  }
  get hop(): number {
    return this.#base.hop;
  }
  get signalType(): DatasetData["signalType"] {
    return this.#base.signalType;
  }
  get hearingRangeHz(): [number, number] {
    return this.#base.hearingRangeHz;
  }
  get species(): "rat" {
    return this.#base.species;
  }
  get rejections(): DatasetData["rejections"] {
    return this.#base.rejections;
  }
  get droppedCellsEmpty(): number {
    return this.#base.droppedCellsEmpty;
  }
  get skippedFiles(): DatasetData["skippedFiles"] {
    return this.#base.skippedFiles;
  }
  get options(): DatasetData["options"] {
    return this.#base.options;
  }
  /** Every stim (S entries), transformed by any standardizeStims call. */
  get stims(): readonly Tensor[] {
    return this.#stims;
  }
  /** responses[s][n]: the (R, T_s) block or null for a missing pair. */
  get responses(): readonly (readonly (ResponseBlock | null)[])[] {
    return this.#responses;
  }
  get stimMeta(): readonly StimMeta[] {
    return this.#stimMeta;
  }
  get neuronMeta(): readonly NeuronMeta[] {
    return this.#neuronMeta;
  }
  /** S: number of stims in the dataset (all of them, whatever the selection). */
  get numStims(): number {
    return this.#stims.length;
  }
  /** N: number of neurons in the dataset (all of them, whatever the selection). */
  get numNeurons(): number {
    return this.#neuronMeta.length;
  }

  /** (S, N) booleans, true where the pair has data; derived from responses on every call. */
  get nrnMasks(): boolean[][] {
    return this.#responses.map((row) => row.map((b) => b !== null));
  }

  /** The current data (with transforms applied) as a DatasetData, e.g. for writeDatasetNpz. */
  toData(): DatasetData {
    return {
      ...this.#base,
      stims: this.#stims.slice(),
      responses: this.#responses.map((row) => row.slice()),
      stimMeta: this.#stimMeta.slice(),
      neuronMeta: this.#neuronMeta.slice(),
    };
  }

  // ---- selection ---------------------------------------------------------
  #checkNeuron(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n >= this.numNeurons) {
      throw new Ac1Error("INDEX", `neuron index ${n} out of range (dataset has ${this.numNeurons} neurons)`);
    }
    return n;
  }
  #checkStim(s: number): number {
    if (!Number.isInteger(s) || s < 0 || s >= this.numStims) {
      throw new Ac1Error("INDEX", `stim index ${s} out of range (dataset has ${this.numStims} stims)`);
    }
    return s;
  }
  #stimUniverse(): number[] {
    return this.#stimSelection ?? this.#stims.map((_, s) => s);
  }

  /** Neurons currently selected and visible (with data inside the stim selection), in selection order. */
  get selectedNeurons(): number[] {
    const candidates = this.#neuronSelection ?? this.#neuronMeta.map((_, n) => n);
    const stims = this.#stimUniverse();
    return candidates.filter((n) => stims.some((s) => this.#responses[s]?.[n] != null));
  }

  /** Stims that indexing walks: inside the stim selection, with data for at least one selected neuron. */
  get iterableStims(): number[] {
    const neurons = this.selectedNeurons;
    return this.#stimUniverse().filter((s) => neurons.some((n) => this.#responses[s]?.[n] != null));
  }

  /** Selects one neuron or a list of them (order kept, duplicates dropped); replaces any neuron selection. */
  selectNeurons(neurons: number | readonly number[]): this {
    const list = typeof neurons === "number" ? [neurons] : neurons;
    this.#neuronSelection = [...new Set(list.map((n) => this.#checkNeuron(n)))];
    return this;
  }

  /** Selects the neurons whose metadata[key] equals value; neurons lacking the key are skipped. */
  selectNeuronsByMeta(key: string, value: unknown): this {
    this.#neuronSelection = this.#neuronMeta.flatMap((m, n) =>
      hasKey(m as unknown as Meta, key) && metaValueEquals((m as unknown as Meta)[key], value) ? [n] : [],
    );
    return this;
  }

  /** Selects the neurons that heard (have data for) a stim whose metadata[key] equals value. */
  selectNeuronsByStimMeta(key: string, value: unknown): this {
    const stims = this.#stimsWithMeta(key, value);
    this.#neuronSelection = this.#neuronMeta.flatMap((_, n) =>
      stims.some((s) => this.#responses[s]?.[n] != null) ? [n] : [],
    );
    return this;
  }

  /** Selects the neurons for which predicate(meta, index) is true; a throwing predicate means "not selected". */
  selectNeuronsWhere(predicate: (meta: NeuronMeta, index: number) => boolean): this {
    this.#neuronSelection = this.#neuronMeta.flatMap((m, n) => (safePredicate(predicate, m, n) ? [n] : []));
    return this;
  }

  /** Back to all neurons. */
  resetNeurons(): this {
    this.#neuronSelection = null;
    return this;
  }

  /** Selects one stim or a list (order kept, duplicates dropped). An empty list selects nothing. */
  selectStims(stims: number | readonly number[]): this {
    const list = typeof stims === "number" ? [stims] : stims;
    this.#stimSelection = [...new Set(list.map((s) => this.#checkStim(s)))];
    return this;
  }

  /** Selects the stims whose metadata[key] equals value; stims lacking the key are skipped. */
  selectStimsByMeta(key: string, value: unknown): this {
    this.#stimSelection = this.#stimsWithMeta(key, value);
    return this;
  }

  /** All stims (ascending) whose metadata has `key` equal to `value`. */
  #stimsWithMeta(key: string, value: unknown): number[] {
    return this.#stimMeta.flatMap((m, s) =>
      hasKey(m as unknown as Meta, key) && metaValueEquals((m as unknown as Meta)[key], value) ? [s] : [],
    );
  }

  /** Selects the stims for which predicate(meta, index) is true; a throwing predicate means "not selected". */
  selectStimsWhere(predicate: (meta: StimMeta, index: number) => boolean): this {
    this.#stimSelection = this.#stimMeta.flatMap((m, s) => (safePredicate(predicate, m, s) ? [s] : []));
    return this;
  }

  /** Back to all stims. */
  resetStims(): this {
    this.#stimSelection = null;
    return this;
  }

  // ---- indexing ----------------------------------------------------------
  /** Number of iterable stims. */
  get length(): number {
    return this.iterableStims.length;
  }

  #item(s: number, neurons: number[]): DatasetItem {
    const row = this.#responses[s] as (ResponseBlock | null)[];
    const responses = neurons.map((n) => row[n] ?? null);
    return {
      stimIndex: s,
      stim: this.#stims[s] as Tensor,
      responses,
      mask: responses.map((b) => b !== null),
      neurons: neurons.slice(),
      stimMeta: this.#stimMeta[s] as StimMeta,
    };
  }

  /** The i-th iterable item; negative i counts from the end. */
  at(i: number): DatasetItem {
    const stims = this.iterableStims;
    if (!Number.isInteger(i) || i >= stims.length || i < -stims.length) {
      throw new Ac1Error("INDEX", `item index ${i} out of range (${stims.length} iterable stims)`);
    }
    return this.#item(stims[i < 0 ? i + stims.length : i] as number, this.selectedNeurons);
  }

  /** Several items: a list of (possibly negative) positions, or a Python-style range. */
  items(which: readonly number[] | IndexRange): DatasetItem[] {
    const stims = this.iterableStims;
    const neurons = this.selectedNeurons;
    const positions = Array.isArray(which)
      ? (which as readonly number[])
      : sliceIndices(stims.length, which as IndexRange);
    return positions.map((i) => {
      if (!Number.isInteger(i) || i >= stims.length || i < -stims.length) {
        throw new Ac1Error("INDEX", `item index ${i} out of range (${stims.length} iterable stims)`);
      }
      return this.#item(stims[i < 0 ? i + stims.length : i] as number, neurons);
    });
  }

  /** Items start..stop (exclusive) with step, Python slice semantics. */
  slice(start?: number, stop?: number, step?: number): DatasetItem[] {
    return this.items({ start, stop, step });
  }

  *[Symbol.iterator](): IterableIterator<DatasetItem> {
    const neurons = this.selectedNeurons;
    for (const s of this.iterableStims) yield this.#item(s, neurons);
  }

  // ---- transforms --------------------------------------------------------
  #indicesOrAll(indices: readonly number[] | undefined, what: string): number[] {
    if (indices === undefined) return this.#stims.map((_, s) => s);
    if (indices.length === 0)
      throw new Ac1Error(
        "OPTION",
        `${what}: indices is an empty list; give at least one stim index or omit it for all stims`,
      );
    return [...new Set(indices.map((s) => this.#checkStim(s)))];
  }

  /**
   * Z-scores every stim with statistics over the concatenation (along time)
   * of the given stims (default all): per band (reduce every axis but F) or
   * global. std is the sample std (n-1), clamped at eps. Calling it twice
   * standardizes twice. Waveform stims have one band, so perBand is global.
   */
  standardizeStims(indices?: readonly number[], perBand = true, eps = 1e-8): StimStandardization {
    const idx = this.#indicesOrAll(indices, "standardizeStims");
    const bands = (t: Tensor) => (t.shape.length === 3 ? (t.shape[1] as number) : 1);
    const B = perBand ? bands(this.#stims[idx[0] as number] as Tensor) : 1;
    const sum = new Float64Array(B);
    const count = new Float64Array(B);
    for (const s of idx) {
      const t = this.#stims[s] as Tensor;
      const nb = bands(t);
      if (perBand && nb !== B)
        throw new Ac1Error("SHAPE", `standardizeStims: stim ${s} has ${nb} bands, expected ${B}`);
      const T = t.data.length / nb;
      for (let f = 0; f < nb; f++) {
        const k = perBand ? f : 0;
        let acc = 0;
        for (let i = f * T; i < (f + 1) * T; i++) acc += t.data[i] as number;
        sum[k] = (sum[k] as number) + acc;
        count[k] = (count[k] as number) + T;
      }
    }
    const mean = new Float64Array(B);
    for (let k = 0; k < B; k++) mean[k] = (sum[k] as number) / (count[k] as number);
    const ss = new Float64Array(B);
    for (const s of idx) {
      const t = this.#stims[s] as Tensor;
      const nb = bands(t);
      const T = t.data.length / nb;
      for (let f = 0; f < nb; f++) {
        const k = perBand ? f : 0;
        const m = mean[k] as number;
        let acc = 0;
        for (let i = f * T; i < (f + 1) * T; i++) {
          const d = (t.data[i] as number) - m;
          acc += d * d;
        }
        ss[k] = (ss[k] as number) + acc;
      }
    }
    const std = new Float64Array(B);
    for (let k = 0; k < B; k++) {
      const n = count[k] as number;
      if (n < 2)
        throw new Ac1Error(
          "OPTION",
          `standardizeStims: fewer than 2 values${perBand ? ` in band ${k}` : ""} over the given stims; cannot compute a sample std`,
        );
      std[k] = Math.max(Math.sqrt((ss[k] as number) / (n - 1)), eps);
    }
    for (let s = 0; s < this.#stims.length; s++) {
      const t = this.#stims[s] as Tensor;
      const nb = bands(t);
      const T = t.data.length / nb;
      const out = new Float32Array(t.data.length);
      for (let f = 0; f < nb; f++) {
        const k = perBand ? Math.min(f, B - 1) : 0;
        const m = mean[k] as number;
        const sd = std[k] as number;
        for (let i = f * T; i < (f + 1) * T; i++) out[i] = ((t.data[i] as number) - m) / sd;
      }
      this.#stims[s] = { shape: t.shape.slice(), data: out };
    }
    const stats: StimStandardization = { perBand, mean, std, indices: idx, eps };
    this.stimStandardization = stats;
    return stats;
  }

  /**
   * Smooths every response along time: K = max(1, floor(windowMs / dtMs)),
   * plus 1 if even; kernel = symmetric Hann of K points, NOT normalised (the
   * reference's choice); "same" convolution with zeros beyond the edges.
   * Blocks containing NaN and missing pairs are left untouched.
   */
  smoothResponses(windowMs = 21): ResponseSmoothing {
    if (typeof windowMs !== "number" || !(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new Ac1Error("OPTION", `smoothResponses: windowMs must be a finite number > 0, got ${windowMs}`);
    }
    let K = Math.max(1, Math.floor(windowMs / this.dtMs));
    if (K % 2 === 0) K += 1;
    const kernel = symmetricHann(K);
    const c = Math.floor((K - 1) / 2);
    for (const row of this.#responses) {
      for (let n = 0; n < row.length; n++) {
        const b = row[n];
        if (b == null || blockHasNaN(b)) continue;
        const [R, T] = b.shape as [number, number];
        const out = new Float32Array(b.data.length);
        for (let r = 0; r < R; r++) {
          const base = r * T;
          for (let t = 0; t < T; t++) {
            // same[t] = full[t + c] = sum_j x[j] * w[t + c - j], 0 <= t + c - j < K
            const jLo = Math.max(0, t + c - K + 1);
            const jHi = Math.min(T - 1, t + c);
            let acc = 0;
            for (let j = jLo; j <= jHi; j++)
              acc += (b.data[base + j] as number) * (kernel[t + c - j] as number);
            out[base + t] = acc;
          }
        }
        row[n] = { shape: [R, T], data: out };
      }
    }
    const result: ResponseSmoothing = { windowMs, K, kernel };
    this.responseSmoothing = result;
    return result;
  }

  /**
   * Normalizes each neuron over all valid (non-NaN) values of the given stims
   * (default all): "max" divides by max |x|, "zscore" subtracts the mean and
   * divides by the sample std (n-1); scales are clamped at eps. A neuron with
   * fewer than 2 valid values is untouched (scale 1, offset 0). Applied to
   * every stim of the neuron.
   */
  normalizeResponses(
    method: "max" | "zscore",
    indices?: readonly number[],
    eps = 1e-8,
  ): ResponseNormalization {
    if (method !== "max" && method !== "zscore") {
      throw new Ac1Error(
        "OPTION",
        `normalizeResponses: method must be "max" or "zscore", got ${JSON.stringify(method)}`,
      );
    }
    const idx = this.#indicesOrAll(indices, "normalizeResponses");
    const N = this.numNeurons;
    const scale = new Float64Array(N).fill(1);
    const offset = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      let count = 0;
      let sum = 0;
      let maxAbs = 0;
      for (const s of idx) {
        const b = this.#responses[s]?.[n];
        if (b == null) continue;
        for (let i = 0; i < b.data.length; i++) {
          const v = b.data[i] as number;
          if (Number.isNaN(v)) continue;
          count++;
          sum += v;
          const a = Math.abs(v);
          if (a > maxAbs) maxAbs = a;
        }
      }
      if (count < 2) continue;
      if (method === "max") {
        scale[n] = Math.max(maxAbs, eps);
      } else {
        const mean = sum / count;
        let ss = 0;
        for (const s of idx) {
          const b = this.#responses[s]?.[n];
          if (b == null) continue;
          for (let i = 0; i < b.data.length; i++) {
            const v = b.data[i] as number;
            if (Number.isNaN(v)) continue;
            ss += (v - mean) * (v - mean);
          }
        }
        offset[n] = mean;
        scale[n] = Math.max(Math.sqrt(ss / (count - 1)), eps);
      }
      const o = offset[n] as number;
      const sc = scale[n] as number;
      for (const row of this.#responses) {
        const b = row[n];
        if (b == null) continue;
        const out = new Float32Array(b.data.length);
        for (let i = 0; i < out.length; i++) out[i] = ((b.data[i] as number) - o) / sc;
        row[n] = { shape: b.shape.slice(), data: out };
      }
    }
    const result: ResponseNormalization = { method, scale, offset, indices: idx, eps };
    this.responseNormalization = result;
    return result;
  }

  // ---- provenance ----------------------------------------------------------
  /** Every raw repeat of (neuron, stim) with its fate and gating statistics, in walking order. */
  repeatProvenance(neuron: number, stim: number): RepeatProvenance[] {
    if (this.#provenanceIndex === null) {
      const index = new Map<string, RepeatProvenance[]>();
      for (const p of this.#base.provenance) {
        const key = `${p.neuron},${p.stim}`;
        const list = index.get(key);
        if (list === undefined) index.set(key, [p]);
        else list.push(p);
      }
      this.#provenanceIndex = index;
    }
    return (this.#provenanceIndex.get(`${this.#checkNeuron(neuron)},${this.#checkStim(stim)}`) ?? []).slice();
  }

  /** All provenance records (including dropped cells: neuron -1; unregistered stims: stim -1). */
  get provenance(): readonly RepeatProvenance[] {
    return this.#base.provenance;
  }

  // ---- Rançon splits -------------------------------------------------------
  /**
   * Splits the stims a Wehr neuron heard into (train, val, test) with the
   * Rançon counts of WEHR_NEURONS_SPLIT_NATURAL[_wehr_cell_idx], after a
   * seeded Fisher-Yates shuffle (mulberry32(seed)). `neuron` is a neuron
   * index or its metadata object (matched by experimenter and session).
   */
  splitNeuronStims(neuron: number | NeuronMeta, seed = 0): StimSplit {
    const n = typeof neuron === "number" ? this.#checkNeuron(neuron) : this.#findNeuron(neuron);
    const meta = this.#neuronMeta[n] as NeuronMeta;
    const cellIdx = meta._wehr_cell_idx;
    if (cellIdx === undefined)
      throw new Ac1Error(
        "SPLIT",
        `neuron ${n} (${meta.session}) is not a Wehr cell: it has no _wehr_cell_idx`,
      );
    const counts = WEHR_NEURONS_SPLIT_NATURAL[cellIdx];
    if (counts === undefined)
      throw new Ac1Error(
        "SPLIT",
        `neuron ${n} has _wehr_cell_idx ${cellIdx}, outside the 25-entry WEHR_NEURONS_SPLIT_NATURAL table`,
      );
    const heard = this.#stims.flatMap((_, s) => (this.#responses[s]?.[n] != null ? [s] : []));
    try {
      return splitStims(heard, counts, seed);
    } catch (e) {
      if (e instanceof Ac1Error)
        throw new Ac1Error("SPLIT", `neuron ${n} (${meta.session}, _wehr_cell_idx ${cellIdx}): ${e.message}`);
      throw e;
    }
  }

  #findNeuron(meta: NeuronMeta): number {
    const direct = this.#neuronMeta.indexOf(meta);
    if (direct >= 0) return direct;
    const n = this.#neuronMeta.findIndex(
      (m) => m.session === meta.session && m.experimenter === meta.experimenter,
    );
    if (n < 0)
      throw new Ac1Error("INDEX", `no neuron with session ${JSON.stringify(meta.session)} in this dataset`);
    return n;
  }

  // ---- summary -------------------------------------------------------------
  /** One readable line per fact: neurons, selected, stims, dtMs, signal type. */
  toString(): string {
    const mode =
      this.audioFs === null
        ? `spectrogram, F=${this.F} bands`
        : `waveform at ${this.audioFs} Hz (hop ${this.hop})`;
    const r = this.rejections;
    return [
      `${this.constructor.name}: CRCNS-AC1 (${this.species})`,
      `  neurons:     ${this.numNeurons} (${this.selectedNeurons.length} selected)`,
      `  stims:       ${this.numStims} (${this.length} iterable)`,
      `  dtMs:        ${this.dtMs}`,
      `  stims are:   ${mode}`,
      `  signal type: ${this.signalType}`,
      `  repeats:     ${r.kept} kept, ${r.range} range, ${r.step} step, ${r.xcorr} xcorr rejected`,
      `  dropped cells (no usable stim): ${this.droppedCellsEmpty}; skipped files: ${this.skippedFiles.length}`,
    ].join("\n");
  }

  // ---- concatenation and batching ------------------------------------------
  /**
   * Block-diagonal concatenation on both axes: stims and neurons of each input
   * follow those of the previous ones, cross pairs are missing. Needs equal
   * dtMs, F and audioFs. Metadata are copied and tagged with `dataset` (the
   * given name, default the class name). A single input comes back unchanged.
   * Cohort facts: rejections, dropped cells, skipped files and provenance are
   * merged; options and hearing range are the first input's.
   */
  static concat(datasets: readonly Ac1Dataset[], names?: readonly string[]): Ac1Dataset {
    if (datasets.length === 0) throw new Ac1Error("CONCAT", "concat needs at least one dataset");
    if (names !== undefined && names.length !== datasets.length) {
      throw new Ac1Error("CONCAT", `concat got ${datasets.length} datasets but ${names.length} names`);
    }
    if (datasets.length === 1) return datasets[0] as Ac1Dataset;
    const first = datasets[0] as Ac1Dataset;
    datasets.forEach((d, i) => {
      if (d.dtMs !== first.dtMs)
        throw new Ac1Error(
          "CONCAT",
          `cannot concat: dataset ${i} has dtMs ${d.dtMs}, dataset 0 has ${first.dtMs}`,
        );
      if (d.F !== first.F)
        throw new Ac1Error("CONCAT", `cannot concat: dataset ${i} has F ${d.F}, dataset 0 has ${first.F}`);
      if (d.audioFs !== first.audioFs)
        throw new Ac1Error(
          "CONCAT",
          `cannot concat: dataset ${i} has audioFs ${d.audioFs}, dataset 0 has ${first.audioFs}`,
        );
    });
    const N = datasets.reduce((a, d) => a + d.numNeurons, 0);
    const stims: Tensor[] = [];
    const stimMeta: StimMeta[] = [];
    const neuronMeta: NeuronMeta[] = [];
    const responses: (ResponseBlock | null)[][] = [];
    const provenance: RepeatProvenance[] = [];
    const rejections = { range: 0, step: 0, xcorr: 0, kept: 0 };
    let dropped = 0;
    const skipped: DatasetData["skippedFiles"] = [];
    const types = new Set<string>();
    let nOffset = 0;
    let sOffset = 0;
    datasets.forEach((d, i) => {
      const name = names?.[i] ?? d.constructor.name;
      for (const m of d.neuronMeta) neuronMeta.push({ ...m, dataset: name } as unknown as NeuronMeta);
      for (let s = 0; s < d.numStims; s++) {
        stims.push(d.stims[s] as Tensor);
        stimMeta.push({ ...(d.stimMeta[s] as StimMeta), dataset: name } as unknown as StimMeta);
        const row: (ResponseBlock | null)[] = new Array(N).fill(null);
        const src = d.responses[s] as readonly (ResponseBlock | null)[];
        for (let n = 0; n < d.numNeurons; n++) row[nOffset + n] = src[n] ?? null;
        responses.push(row);
      }
      for (const p of d.provenance) {
        provenance.push({
          ...p,
          neuron: p.neuron >= 0 ? p.neuron + nOffset : -1,
          stim: p.stim >= 0 ? p.stim + sOffset : -1,
        });
      }
      for (const k of ["range", "step", "xcorr", "kept"] as const) rejections[k] += d.rejections[k];
      dropped += d.droppedCellsEmpty;
      skipped.push(...d.skippedFiles);
      types.add(d.signalType);
      nOffset += d.numNeurons;
      sOffset += d.numStims;
    });
    const signalType = types.size === 1 ? (first.signalType as DatasetData["signalType"]) : "mixed";
    const base = first.toData();
    return new Ac1Dataset({
      ...base,
      signalType,
      stims,
      stimMeta,
      neuronMeta,
      responses,
      rejections,
      droppedCellsEmpty: dropped,
      skippedFiles: skipped,
      provenance,
    });
  }

  /**
   * Batches items (from one dataset and one neuron selection): stims
   * zero-padded on the right to the longest, responses NaN-padded on repeats
   * and time to (B, N, Rmax, Tmax), a validity mask (not NaN) and the (B, N)
   * neuron mask. Stim and response lengths are padded independently.
   */
  static collate(items: readonly DatasetItem[]): Batch {
    if (items.length === 0) throw new Ac1Error("COLLATE", "collate needs at least one item");
    const B = items.length;
    const first = items[0] as DatasetItem;
    const N = first.responses.length;
    const stimRank = first.stim.shape.length;
    let F = 1;
    if (stimRank === 3) F = first.stim.shape[1] as number;
    let Ts = 0;
    let Rmax = 0;
    let Tr = 0;
    for (const [b, it] of items.entries()) {
      if (it.responses.length !== N)
        throw new Ac1Error("COLLATE", `item ${b} has ${it.responses.length} neurons, item 0 has ${N}`);
      if (it.stim.shape.length !== stimRank || (stimRank === 3 && it.stim.shape[1] !== F)) {
        throw new Ac1Error(
          "COLLATE",
          `item ${b} has stim shape (${it.stim.shape.join(", ")}), item 0 has (${first.stim.shape.join(", ")})`,
        );
      }
      Ts = Math.max(Ts, it.stim.shape[stimRank - 1] as number);
      for (const r of it.responses) {
        if (r === null) continue;
        Rmax = Math.max(Rmax, r.shape[0] as number);
        Tr = Math.max(Tr, r.shape[1] as number);
      }
    }
    const stimShape = stimRank === 3 ? [B, 1, F, Ts] : [B, 1, Ts];
    const stims = new Float32Array(B * F * Ts);
    const stimLengths: number[] = [];
    for (const [b, it] of items.entries()) {
      const T = it.stim.shape[stimRank - 1] as number;
      stimLengths.push(T);
      for (let f = 0; f < F; f++) stims.set(it.stim.data.subarray(f * T, (f + 1) * T), (b * F + f) * Ts);
    }
    const respShape = [B, N, Rmax, Tr];
    const resp = new Float32Array(B * N * Rmax * Tr).fill(Number.NaN);
    const neuronMask = new Uint8Array(B * N);
    for (const [b, it] of items.entries()) {
      for (let n = 0; n < N; n++) {
        const r = it.responses[n];
        if (r == null) continue;
        neuronMask[b * N + n] = 1;
        const [R, T] = r.shape as [number, number];
        for (let k = 0; k < R; k++)
          resp.set(r.data.subarray(k * T, (k + 1) * T), ((b * N + n) * Rmax + k) * Tr);
      }
    }
    const valid = new Uint8Array(resp.length);
    for (let i = 0; i < resp.length; i++) valid[i] = Number.isNaN(resp[i]) ? 0 : 1;
    return {
      stims: { shape: stimShape, data: stims },
      stimLengths,
      responses: { shape: respShape, data: resp },
      valid: { shape: respShape.slice(), data: valid },
      neuronMask: { shape: [B, N], data: neuronMask },
      stimIndices: items.map((it) => it.stimIndex),
    };
  }
}
