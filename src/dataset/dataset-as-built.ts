// What an Ac1Dataset shows of its DatasetData as built (dataset.md): the
// cohort facts (dtMs, F, band centres, audio rate, signal type, ...), the
// tallies of the build, the spike counts and the provenance records, read
// straight from the data: no selection or transform changes them. Ac1Dataset
// (dataset.ts) extends it with one user's view of the data.

import type { CountBlock, DatasetData, RepeatProvenance } from "./model.js";

/** The facts of a built dataset that no selection or transform changes: Ac1Dataset's base. */
export class DatasetAsBuilt {
  readonly #base: DatasetData;

  constructor(data: DatasetData) {
    this.#base = data;
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

  /**
   * spikeCounts[s][n]: the (R, T) int32 spike counts of a spikes neuron's
   * pair (null elsewhere), or null when the data carries no counts.
   */
  get spikeCounts(): readonly (readonly (CountBlock | null)[])[] | null {
    return this.#base.spikeCounts ?? null;
  }

  /** All provenance records (including dropped cells: neuron -1; unregistered stims: stim -1). */
  get provenance(): readonly RepeatProvenance[] {
    return this.#base.provenance;
  }
}
