// The user-facing dataset (dataset.md, "What users do with it"): Ac1Dataset
// wraps a built DatasetData and keeps the state of one user's view of it:
// the neuron and stim selections, the stims and responses as transformed so
// far, and the statistics of the last transforms. Indexing walks the
// iterable stims. The work itself lives beside it, one job a module:
// selection-state.ts (what the selections and split part show),
// selection.ts (matching, index checks, slices), transforms.ts (standardize,
// smooth, normalize), splits.ts (Rançon constants, seeded splits),
// batching.ts (concat, collate), quality.ts (noise ceilings in the neuron
// metadata) and summary.ts (its toString).
//
// The DatasetData passed in (possibly shared with a cache or another
// dataset) is never modified: the dataset holds its own lists, and a
// transform replaces their entries with fresh tensors.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import { Ac1Error } from "../errors.js";
import type { NeuronQuality } from "../metrics/index.js";
import { type Batch, collate, concatData } from "./batching.js";
import type {
  CountBlock,
  DatasetData,
  DatasetSplit,
  RepeatProvenance,
  ResponseBlock,
  SplitPart,
  SplitSpec,
  Tensor,
} from "./model.js";
import { datasetQuality, withQuality } from "./quality.js";
import {
  atPosition,
  checkedIndex,
  type DatasetItem,
  type IndexRange,
  indicesWhere,
  indicesWithMeta,
  neuronIndexOf,
  pairHasData,
  pairKey,
  provenanceByPair,
  pythonIndices,
  sliceIndices,
} from "./selection.js";
import { SelectionState } from "./selection-state.js";
import { makeSplit, type StimSplit, splitWehrNeuronStims } from "./splits.js";
import { datasetRepr } from "./summary.js";
import {
  checkNormalizeMethod,
  normalizeResponses,
  type ResponseNormalization,
  type ResponseSmoothing,
  type StimStandardization,
  smoothResponses,
  standardizeStims,
} from "./transforms.js";

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
  /** The neuron and stim selections and the selected split part. */
  readonly #selection: SelectionState;
  /** The provenance records of each (neuron, stim), made on first use. */
  #provenanceByPair: Map<string, RepeatProvenance[]> | undefined;
  #split: DatasetSplit | null;
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
    this.#split = data.split ?? null;
    this.#selection = new SelectionState(this.#responses, this.#stims.length, this.#neuronMeta.length);
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

  /**
   * spikeCounts[s][n]: the (R, T) int32 spike counts of a spikes neuron's
   * pair (null elsewhere), or null when the data carries no counts.
   */
  get spikeCounts(): readonly (readonly (CountBlock | null)[])[] | null {
    return this.#base.spikeCounts ?? null;
  }

  /**
   * (S, N) booleans, true where the pair has data: a block without NaN (as
   * deepSTRF's nrn_masks, a block holding any NaN counts as missing);
   * derived from responses on every call.
   */
  get nrnMasks(): boolean[][] {
    return this.#responses.map((row) => row.map((b) => pairHasData(b)));
  }

  /** The current data (with transforms applied) as a DatasetData, e.g. for writeDatasetNpz. */
  toData(): DatasetData {
    return {
      ...this.#base,
      stims: this.#stims.slice(),
      responses: this.#responses.map((row) => row.slice()),
      stimMeta: this.#stimMeta.slice(),
      neuronMeta: this.#neuronMeta.slice(),
      split: this.#split,
    };
  }

  // ---- selection ---------------------------------------------------------
  #checkNeuron(n: number): number {
    return checkedIndex(n, this.numNeurons, "neuron");
  }
  #checkStim(s: number): number {
    return checkedIndex(s, this.numStims, "stim");
  }

  /**
   * Neurons currently selected, in selection order (a neuron listed twice
   * appears twice, as deepSTRF's select_population keeps it); inside a stim
   * selection or a selected split part, those without data there are hidden.
   */
  get selectedNeurons(): number[] {
    return this.#selection.selectedNeurons();
  }

  /**
   * Stims that indexing walks, in ascending index order whatever order the
   * stim selection was given in (deepSTRF's _iter_idx): inside the stim
   * selection, with data for at least one selected neuron (in the selected
   * split part).
   */
  get iterableStims(): number[] {
    return this.#selection.iterableStims();
  }

  /** Selects one neuron or a list of them (order and duplicates kept); replaces any neuron selection. */
  selectNeurons(neurons: number | readonly number[]): this {
    const list = typeof neurons === "number" ? [neurons] : neurons;
    this.#selection.neurons = list.map((n) => this.#checkNeuron(n));
    return this;
  }

  /** Selects the neurons whose metadata[key] equals value; neurons lacking the key are skipped. */
  selectNeuronsByMeta(key: string, value: unknown): this {
    this.#selection.neurons = indicesWithMeta(this.#neuronMeta, key, value);
    return this;
  }

  /** Selects the neurons that heard (have data for) a stim whose metadata[key] equals value. */
  selectNeuronsByStimMeta(key: string, value: unknown): this {
    const stims = indicesWithMeta(this.#stimMeta, key, value);
    this.#selection.neurons = this.#selection.neuronsThatHeard(stims);
    return this;
  }

  /** Selects the neurons for which predicate(meta, index) is true; a throwing predicate means "not selected". */
  selectNeuronsWhere(predicate: (meta: NeuronMeta, index: number) => boolean): this {
    this.#selection.neurons = indicesWhere(this.#neuronMeta, predicate);
    return this;
  }

  /** Back to all neurons. */
  resetNeurons(): this {
    this.#selection.neurons = null;
    return this;
  }

  /** Selects one stim or a list (iterated in ascending order, once each). An empty list selects nothing. */
  selectStims(stims: number | readonly number[]): this {
    const list = typeof stims === "number" ? [stims] : stims;
    this.#selection.stims = [...new Set(list.map((s) => this.#checkStim(s)))];
    return this;
  }

  /** Selects the stims whose metadata[key] equals value; stims lacking the key are skipped. */
  selectStimsByMeta(key: string, value: unknown): this {
    this.#selection.stims = indicesWithMeta(this.#stimMeta, key, value);
    return this;
  }

  /** Selects the stims for which predicate(meta, index) is true; a throwing predicate means "not selected". */
  selectStimsWhere(predicate: (meta: StimMeta, index: number) => boolean): this {
    this.#selection.stims = indicesWhere(this.#stimMeta, predicate);
    return this;
  }

  /** Back to all stims. */
  resetStims(): this {
    this.#selection.stims = null;
    return this;
  }

  // ---- indexing ----------------------------------------------------------
  /** Number of iterable stims. */
  get length(): number {
    return this.iterableStims.length;
  }

  #item(s: number, neurons: number[]): DatasetItem {
    const row = this.#responses[s] as (ResponseBlock | null)[];
    // a block holding a NaN is handed out (as deepSTRF's __getitem__ does) but masked
    const responses = neurons.map((n) => (this.#selection.inPart(s, n) ? (row[n] ?? null) : null));
    return {
      stimIndex: s,
      stim: this.#stims[s] as Tensor,
      responses,
      mask: neurons.map((n) => this.#selection.visible(s, n)),
      neurons: neurons.slice(),
      stimMeta: this.#stimMeta[s] as StimMeta,
    };
  }

  /** The i-th iterable item; negative i counts from the end. */
  at(i: number): DatasetItem {
    return this.#item(atPosition(this.iterableStims, i, "iterable stims"), this.selectedNeurons);
  }

  /** Several items: a list of (possibly negative) positions, or a Python-style range. */
  items(which: readonly number[] | IndexRange): DatasetItem[] {
    const stims = this.iterableStims;
    const neurons = this.selectedNeurons;
    const positions = Array.isArray(which)
      ? (which as readonly number[])
      : sliceIndices(stims.length, which as IndexRange);
    return positions.map((i) => this.#item(atPosition(stims, i, "iterable stims"), neurons));
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
  /** The stims given to a transform `what` (default all), and those it takes statistics from, as Python indexes a list. */
  #statStims(indices: readonly number[] | undefined, what: string): { given: number[]; idx: number[] } {
    const given = indices === undefined ? this.#stims.map((_, s) => s) : indices.slice();
    return { given, idx: pythonIndices(given, this.numStims, what) };
  }

  /**
   * Z-scores every stim with statistics over the concatenation (along time)
   * of the given stims (default all; negative indices count from the end, a
   * repeated index counts twice): per band (reduce every axis but F) or
   * global. std is the sample std (n-1), clamped at eps. Calling it twice
   * standardizes twice. Waveform stims have one band, so perBand is global.
   * The returned `indices` are the ones given.
   */
  standardizeStims(indices?: readonly number[], perBand = true, eps = 1e-8): StimStandardization {
    const { given, idx } = this.#statStims(indices, "standardizeStims");
    this.stimStandardization = { ...standardizeStims(this.#stims, idx, perBand, eps), indices: given };
    return this.stimStandardization;
  }

  /**
   * Smooths every response along time with the unnormalised symmetric Hann
   * window of K = max(1, floor(windowMs / dtMs)) frames (plus 1 if even),
   * "same" convolution with zeros beyond the edges. Blocks containing NaN
   * and missing pairs are left untouched.
   */
  smoothResponses(windowMs = 21): ResponseSmoothing {
    this.responseSmoothing = smoothResponses(this.#responses, windowMs, this.dtMs);
    return this.responseSmoothing;
  }

  /**
   * Normalizes each neuron over all valid (non-NaN) values of the given stims
   * (default all; negative indices count from the end, a repeated index
   * counts twice): "max" divides by max |x|, "zscore" subtracts the mean and
   * divides by the sample std (n-1); scales are clamped at eps. A neuron with
   * fewer than 2 valid values is untouched (scale 1, offset 0), so an empty
   * list leaves every neuron untouched. Applied to every stim of the neuron.
   * The returned `indices` are the ones given.
   */
  normalizeResponses(
    method: "max" | "zscore",
    indices?: readonly number[],
    eps = 1e-8,
  ): ResponseNormalization {
    checkNormalizeMethod(method);
    const { given, idx } = this.#statStims(indices, "normalizeResponses");
    this.responseNormalization = {
      ...normalizeResponses(this.#responses, this.numNeurons, method, idx, eps),
      indices: given,
    };
    return this.responseNormalization;
  }

  // ---- neuron quality --------------------------------------------------------
  /**
   * deepSTRF's compute_neuron_quality: Sahani-Linden signal and noise power,
   * SNR = SP / max(NP, 1e-12) and the Hsu/Spearman-Brown CCmax (1.0 for a
   * neuron without any pair of 2+ repeats) of every neuron over all the stims
   * it heard, whatever the selections (so that selecting by quality is not
   * circular), on the responses as transformed so far. Stores them in this
   * dataset's neuron metadata as `snr`, `ccmax`, `signal_power` and
   * `noise_power` (NaN where undefined; the base data is not modified) and
   * returns them. Every build already stores them for the untransformed
   * responses: call this again after smoothResponses (normalizeResponses
   * rescales SP and NP but leaves SNR and CCmax as they are).
   * `maxIters` caps the CCmax half-splits per pair (default 126).
   */
  computeNeuronQuality(options: { maxIters?: number } = {}): NeuronQuality {
    const q = datasetQuality(this.#responses, this.numNeurons, options);
    for (let n = 0; n < this.numNeurons; n++)
      this.#neuronMeta[n] = withQuality(this.#neuronMeta[n] as NeuronMeta, q, n);
    return q;
  }

  // ---- provenance ----------------------------------------------------------
  /** Every raw repeat of (neuron, stim) with its fate and gating statistics, in walking order. */
  repeatProvenance(neuron: number, stim: number): RepeatProvenance[] {
    this.#provenanceByPair ??= provenanceByPair(this.#base.provenance);
    return (
      this.#provenanceByPair.get(pairKey(this.#checkNeuron(neuron), this.#checkStim(stim))) ?? []
    ).slice();
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
    const n =
      typeof neuron === "number" ? this.#checkNeuron(neuron) : neuronIndexOf(this.#neuronMeta, neuron);
    const heard = this.#selection.stimsHeardBy(n);
    return splitWehrNeuronStims(this.#neuronMeta[n] as NeuronMeta, n, heard, seed);
  }

  // ---- dataset splits ------------------------------------------------------
  /** The train / val / test split (from the load option `split`, an export's manifest.splits or makeSplit), or null. */
  get split(): DatasetSplit | null {
    return this.#split;
  }

  /** The selected split part, or null when every pair is visible. */
  get splitPart(): SplitPart | null {
    return this.#selection.part?.name ?? null;
  }

  /**
   * Makes (and keeps) a split of this dataset: {method: "rancon"},
   * {method: "stims", fractions: [train, val, test]} or their text forms
   * ("rancon", "stims:0.7,0.1,0.2"), seeded (see makeSplit in splits.ts).
   * A selected part is re-applied with the new split.
   */
  makeSplit(spec: SplitSpec | string, seed = 0): DatasetSplit {
    this.#split = makeSplit({ responses: this.#responses, neuronMeta: this.#neuronMeta }, spec, seed);
    const part = this.#selection.part;
    if (part !== null) this.selectSplit(part.name);
    return this.#split;
  }

  /**
   * Shows only the pairs in one part of the split: each neuron's responses
   * to the stims of its `part` (its own stims in that part; with a
   * stim-level split, the same stims for every neuron). Indexing then walks
   * the stims in that part; a neuron without a split shows no pair.
   * Combines with the neuron and stim selections.
   */
  selectSplit(part: SplitPart): this {
    this.#selection.selectPart(this.#split, part);
    return this;
  }

  /** Back to every pair (no split part selected); the split itself is kept. */
  resetSplit(): this {
    this.#selection.part = null;
    return this;
  }

  // ---- rejected repeats ------------------------------------------------------
  /**
   * The rejected repeats of (neuron, stim), detrended (mV) and binned, one
   * row per rejected provenance record in order (NaN-padded), or null when
   * there are none or the data was built without keepRejected.
   */
  rejectedRepeats(neuron: number, stim: number): Tensor | null {
    return this.#base.rejected?.blocks[this.#checkStim(stim)]?.[this.#checkNeuron(neuron)] ?? null;
  }

  // ---- summary -------------------------------------------------------------
  /** One readable line per fact: neurons, selected, stims, dtMs, signal type. */
  toString(): string {
    return datasetRepr(this.#base, {
      className: this.constructor.name,
      selectedNeurons: this.selectedNeurons.length,
      iterableStims: this.length,
      split: this.#split,
      splitPart: this.splitPart,
    });
  }

  // ---- concatenation and batching ------------------------------------------
  /**
   * Block-diagonal concatenation on both axes (see concatData): needs equal
   * dtMs, F and audioFs; metadata are tagged with `dataset` (the given name,
   * default the class name). A single input comes back unchanged.
   */
  static concat(datasets: readonly Ac1Dataset[], names?: readonly string[]): Ac1Dataset {
    if (datasets.length === 0) throw new Ac1Error("CONCAT", "concat needs at least one dataset");
    if (names !== undefined && names.length !== datasets.length) {
      throw new Ac1Error("CONCAT", `concat got ${datasets.length} datasets but ${names.length} names`);
    }
    if (datasets.length === 1) return datasets[0] as Ac1Dataset;
    return new Ac1Dataset(
      concatData(
        datasets.map((d) => d.toData()),
        datasets.map((d, i) => names?.[i] ?? d.constructor.name),
      ),
    );
  }

  /** Batches items into padded tensors with masks (see collate). */
  static collate(items: readonly DatasetItem[]): Batch {
    return collate(items);
  }
}
