// The Rançon reproducibility constants (dataset.md, "What users do with it")
// and the seeded split helpers: which Wehr cells the papers kept, each cell's
// (train, val, test) stim counts, and the Fisher-Yates shuffle driven by
// mulberry32 that turns counts into a split, identical on every platform.

import type { NeuronMeta } from "../ac1/types.js";
import { Ac1Error } from "../errors.js";
import { mulberry32 } from "../random/index.js";

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

/**
 * The Rançon split of the stims a Wehr neuron heard: the counts of
 * WEHR_NEURONS_SPLIT_NATURAL[_wehr_cell_idx] after a seeded shuffle. `n` is
 * the neuron's dataset index (for messages); throws SPLIT for a neuron that is
 * not a Wehr cell of the table or whose stims do not add up.
 */
export function splitWehrNeuronStims(
  meta: NeuronMeta,
  n: number,
  heard: readonly number[],
  seed: number,
): StimSplit {
  const cellIdx = meta._wehr_cell_idx;
  if (cellIdx === undefined)
    throw new Ac1Error("SPLIT", `neuron ${n} (${meta.session}) is not a Wehr cell: it has no _wehr_cell_idx`);
  const counts = WEHR_NEURONS_SPLIT_NATURAL[cellIdx];
  if (counts === undefined)
    throw new Ac1Error(
      "SPLIT",
      `neuron ${n} has _wehr_cell_idx ${cellIdx}, outside the 25-entry WEHR_NEURONS_SPLIT_NATURAL table`,
    );
  try {
    return splitStims(heard, counts, seed);
  } catch (e) {
    if (e instanceof Ac1Error)
      throw new Ac1Error("SPLIT", `neuron ${n} (${meta.session}, _wehr_cell_idx ${cellIdx}): ${e.message}`);
    throw e;
  }
}
