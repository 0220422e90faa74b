// What one Ac1Dataset shows (dataset.md, "What users do with it"): its
// neuron selection, its stim selection and the selected part of its split,
// and what they make visible: which pairs, which neurons are selected,
// which stims indexing walks. Ac1Dataset (dataset.ts) keeps one and checks
// the indices it is given; the pure helpers it selects with are selection.ts.

import { Ac1Error, OptionError } from "../errors.js";
import type { DatasetSplit, ResponseBlock, SplitPart } from "./model.js";
import { pairHasData } from "./selection.js";
import { SPLIT_PARTS } from "./splits.js";

export class SelectionState {
  /** Neurons selected, in selection order, duplicates kept (null: all). */
  neurons: number[] | null = null;
  /** Stims selected, each once (null: all). */
  stims: number[] | null = null;
  /** The selected part of the split, and each neuron's stims in it (null: every pair visible). */
  part: { name: SplitPart; stims: (Set<number> | null)[] } | null = null;

  /**
   * Over `responses` (rows of blocks; the dataset's own list, whose entries
   * transforms replace) of a dataset of `numStims` stims and `numNeurons` neurons.
   */
  constructor(
    private readonly responses: readonly (readonly (ResponseBlock | null)[])[],
    private readonly numStims: number,
    private readonly numNeurons: number,
  ) {}

  /** 0, 1, ..., count - 1. */
  private static all(count: number): number[] {
    return Array.from({ length: count }, (_, i) => i);
  }

  /** Whether pair (s, n) has data: a block without NaN. */
  hasData(s: number, n: number): boolean {
    return pairHasData(this.responses[s]?.[n]);
  }

  /** Whether pair (s, n) lies in the selected split part (always, without one). */
  inPart(s: number, n: number): boolean {
    return this.part === null || this.part.stims[n]?.has(s) === true;
  }

  /** Whether pair (s, n) has data (a block without NaN) and lies in the selected split part (if any). */
  visible(s: number, n: number): boolean {
    return this.hasData(s, n) && this.inPart(s, n);
  }

  /** The stims neuron `n` has data for, ascending. */
  stimsHeardBy(n: number): number[] {
    return SelectionState.all(this.numStims).filter((s) => this.hasData(s, n));
  }

  /** The neurons with data for at least one of `stims`, ascending. */
  neuronsThatHeard(stims: readonly number[]): number[] {
    return SelectionState.all(this.numNeurons).filter((n) => stims.some((s) => this.hasData(s, n)));
  }

  /**
   * Neurons currently selected, in selection order (a neuron listed twice
   * appears twice); inside a stim selection or a selected split part, those
   * without data there are hidden.
   */
  selectedNeurons(): number[] {
    const candidates = this.neurons ?? SelectionState.all(this.numNeurons);
    if (this.stims === null && this.part === null) return candidates.slice();
    const stims = this.stims ?? SelectionState.all(this.numStims);
    return candidates.filter((n) => stims.some((s) => this.visible(s, n)));
  }

  /**
   * Stims that indexing walks, ascending whatever order the stim selection
   * was given in: inside the stim selection, with data for at least one
   * selected neuron (in the selected split part).
   */
  iterableStims(): number[] {
    const neurons = this.selectedNeurons();
    const allowed = this.stims === null ? null : new Set(this.stims);
    const out: number[] = [];
    for (let s = 0; s < this.numStims; s++) {
      if (allowed !== null && !allowed.has(s)) continue;
      if (neurons.some((n) => this.visible(s, n))) out.push(s);
    }
    return out;
  }

  /** Shows only the pairs in part `name` of `split`: each neuron's stims in that part. */
  selectPart(split: DatasetSplit | null, name: SplitPart): void {
    if (!SPLIT_PARTS.includes(name))
      throw new OptionError("part", name, "an unknown split part: expected train, val or test");
    if (split === null)
      throw new Ac1Error(
        "SPLIT",
        "this dataset has no split: load it with the split option (--split), or call makeSplit first",
      );
    this.part = { name, stims: split.neurons.map((p) => (p === null ? null : new Set(p[name]))) };
  }
}
