// The Rançon reproducibility constants (dataset.md, "What users do with it")
// and the seeded split helpers: which Wehr cells the papers kept, each cell's
// (train, val, test) stim counts, and the Fisher-Yates shuffle driven by
// mulberry32 that turns counts into a split, identical on every platform;
// then the dataset splits (the load option `split`, manifest.splits): the
// Rançon split of every Wehr neuron, or one stim-level split by fractions.

import type { NeuronMeta } from "../ac1/types.js";
import { Ac1Error, OptionError } from "../errors.js";
import { mulberry32 } from "../random/index.js";
import type { DatasetSplit, SplitPart, SplitSpec, StimSplit } from "./model.js";

export type { DatasetSplit, SplitPart, SplitSpec, StimSplit };

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

// ---------------------------------------------------------------- dataset splits

/** The parts of a split, in order. */
export const SPLIT_PARTS: readonly SplitPart[] = ["train", "val", "test"];

/** Largest seed: mulberry32 keeps 32 bits, so larger seeds would repeat smaller ones. */
export const MAX_SPLIT_SEED = 0xffffffff;

const SPLIT_FORMS =
  "rancon or stims:TRAIN,VAL,TEST (three fractions >= 0 summing to 1, e.g. stims:0.7,0.1,0.2; as an object {method, fractions})";

/**
 * Checks a split option (a SplitSpec, or its text form "rancon" /
 * "stims:TRAIN,VAL,TEST") and its seed, before any work. Throws an
 * OptionError naming `split` or `splitSeed`.
 */
export function resolveSplit(split: unknown, seed: unknown = 0): { spec: SplitSpec; seed: number } {
  let spec: SplitSpec;
  if (typeof split === "string") {
    const text = split.trim();
    if (text.toLowerCase() === "rancon") spec = { method: "rancon" };
    else {
      const m = /^stims:(.*)$/i.exec(text);
      if (!m) throw new OptionError("split", split, `unknown split method: expected ${SPLIT_FORMS}`);
      const parts = (m[1] as string).split(",").map((x) => x.trim());
      const nums = parts.map((x) => (x === "" ? Number.NaN : Number(x)));
      spec = { method: "stims", fractions: nums as unknown as [number, number, number] };
    }
  } else if (split !== null && typeof split === "object" && "method" in split) {
    const method = (split as { method: unknown }).method;
    if (method === "rancon") spec = { method: "rancon" };
    else if (method === "stims") {
      const fr = (split as { fractions?: unknown }).fractions;
      if (!Array.isArray(fr))
        throw new OptionError("split", split, `fractions missing: expected ${SPLIT_FORMS}`);
      spec = { method: "stims", fractions: fr as unknown as [number, number, number] };
    } else
      throw new OptionError(
        "split",
        split,
        `unknown split method ${JSON.stringify(method)}: expected ${SPLIT_FORMS}`,
      );
  } else throw new OptionError("split", split, `expected ${SPLIT_FORMS}`);
  if (spec.method === "stims") {
    const f = spec.fractions as readonly unknown[];
    if (f.length !== 3 || !f.every((x) => typeof x === "number" && Number.isFinite(x)))
      throw new OptionError(
        "split",
        split,
        "needs exactly three fractions (train, val, test), e.g. stims:0.7,0.1,0.2",
      );
    const fr = f as number[];
    if (fr.some((x) => x < 0 || x > 1))
      throw new OptionError("split", split, "each fraction must lie between 0 and 1");
    const sum = fr[0]! + fr[1]! + fr[2]!;
    if (Math.abs(sum - 1) > 1e-6)
      throw new OptionError(
        "split",
        split,
        `the fractions must sum to 1 (they sum to ${+sum.toPrecision(12)})`,
      );
    spec = { method: "stims", fractions: [fr[0]!, fr[1]!, fr[2]!] };
  }
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > MAX_SPLIT_SEED)
    throw new OptionError("splitSeed", seed, `a whole number from 0 to ${MAX_SPLIT_SEED}`);
  return { spec, seed };
}

/**
 * Stim counts of a stim-level split: largest-remainder rounding of
 * fractions * S (fractions normalised to sum 1). Each part first gets
 * floor(f * S) (up to 1e-9 below an integer counts as that integer), then the
 * stims left over go one each to the parts with the largest remainders
 * f * S - floor(f * S), ties to the earlier part (train, val, test). The
 * counts always sum to S.
 */
export function splitCounts(
  fractions: readonly [number, number, number],
  S: number,
): [number, number, number] {
  const total = fractions[0] + fractions[1] + fractions[2];
  const quota = fractions.map((f) => (f / total) * S);
  const counts = quota.map((q) => Math.floor(q + 1e-9));
  let left = S - counts.reduce((a, b) => a + b, 0);
  const order = [0, 1, 2].sort((a, b) => quota[b]! - counts[b]! - (quota[a]! - counts[a]!) || a - b);
  // The quotas sum to S, so the floors leave 0, 1 or 2 stims over (never fewer than 0).
  for (let k = 0; left > 0; k++, left--) counts[order[k]!]!++;
  return counts as [number, number, number];
}

/** What makeSplit needs of a dataset: which pairs hold data, and the neurons' metadata. */
export interface SplitSource {
  responses: readonly (readonly (unknown | null)[])[];
  neuronMeta: readonly NeuronMeta[];
}

/** Stims (ascending) neuron n has data for. */
function heardBy(src: SplitSource, n: number): number[] {
  const out: number[] = [];
  src.responses.forEach((row, s) => {
    if (row[n] != null) out.push(s);
  });
  return out;
}

function intersect(sorted: readonly number[], members: ReadonlySet<number>): number[] {
  return sorted.filter((s) => members.has(s));
}

/**
 * Splits a dataset's stims (the load option `split`, `Ac1Dataset.makeSplit`):
 * - "rancon": per Wehr neuron, splitStims over the stims it heard with the
 *   counts WEHR_NEURONS_SPLIT_NATURAL[_wehr_cell_idx], every neuron
 *   shuffled by mulberry32(seed) (as splitNeuronStims). A neuron that is not
 *   a Wehr cell of the table, or whose counts do not add up to its stims,
 *   gets no split (null, with the reason in `unsplit`), never an error.
 * - "stims": every stim of the dataset shuffled once by mulberry32(seed),
 *   cut into parts of splitCounts(fractions, S); each neuron's parts are the
 *   stims it heard in each, so every neuron has the same test stims.
 * The result depends only on the data (neurons' metadata, which pairs hold
 * data), the spec and the seed: the same on every machine, for any jobs,
 * built or loaded from the cache.
 */
export function makeSplit(src: SplitSource, specIn: SplitSpec | string, seedIn = 0): DatasetSplit {
  const { spec, seed } = resolveSplit(specIn, seedIn);
  const N = src.neuronMeta.length;
  const S = src.responses.length;
  const neurons: (StimSplit | null)[] = [];
  const unsplit: { neuron: number; reason: string }[] = [];
  if (spec.method === "rancon") {
    for (let n = 0; n < N; n++) {
      const meta = src.neuronMeta[n] as NeuronMeta;
      const heard = heardBy(src, n);
      const cellIdx = meta._wehr_cell_idx;
      const counts = cellIdx === undefined ? undefined : WEHR_NEURONS_SPLIT_NATURAL[cellIdx];
      let reason: string | undefined;
      if (cellIdx === undefined) reason = `${meta.experimenter} neuron, not a Wehr cell: no Rançon counts`;
      else if (counts === undefined)
        reason = `_wehr_cell_idx ${cellIdx} is outside the 25-entry WEHR_NEURONS_SPLIT_NATURAL table`;
      else if (counts[0] + counts[1] + counts[2] !== heard.length)
        reason = `its Rançon counts (${counts.join(", ")}) add up to ${counts[0] + counts[1] + counts[2]} stims but it has data for ${heard.length}`;
      if (reason !== undefined || counts === undefined) {
        neurons.push(null);
        unsplit.push({ neuron: n, reason: reason as string });
        continue;
      }
      neurons.push(splitStims(heard, counts, seed));
    }
    return { method: "rancon", seed, neurons, unsplit };
  }
  const counts = splitCounts(spec.fractions, S);
  const all = Array.from({ length: S }, (_, s) => s);
  const stims = splitStims(all, counts, seed);
  const sets = SPLIT_PARTS.map((p) => new Set(stims[p]));
  for (let n = 0; n < N; n++) {
    const heard = heardBy(src, n);
    neurons.push({
      train: intersect(heard, sets[0] as Set<number>),
      val: intersect(heard, sets[1] as Set<number>),
      test: intersect(heard, sets[2] as Set<number>),
    });
  }
  return {
    method: "stims",
    seed,
    fractions: [spec.fractions[0], spec.fractions[1], spec.fractions[2]],
    counts,
    stims,
    neurons,
    unsplit,
  };
}

/** A split's text form, as the command line takes it ("rancon", "stims:0.7,0.1,0.2"). */
export function splitLabel(split: Pick<DatasetSplit, "method" | "fractions">): string {
  return split.method === "stims" && split.fractions ? `stims:${split.fractions.join(",")}` : split.method;
}

/**
 * What a split leaves out, as warnings that say what the output is: the
 * neurons without a split (each Wehr cell whose counts do not fit by name,
 * the others counted), parts with no stim although their fraction is > 0,
 * neurons with no stim in such a part.
 */
export function splitWarnings(split: DatasetSplit, neuronMeta: readonly NeuronMeta[]): string[] {
  const out: string[] = [];
  const label = `split ${splitLabel(split)} (seed ${split.seed})`;
  const N = split.neurons.length;
  if (split.method === "rancon") {
    const notWehr = split.unsplit.filter((u) => neuronMeta[u.neuron]?._wehr_cell_idx === undefined);
    for (const u of split.unsplit) {
      if (neuronMeta[u.neuron]?._wehr_cell_idx === undefined) continue;
      out.push(`${label}: neuron ${u.neuron} (${neuronMeta[u.neuron]?.session}) gets no split: ${u.reason}`);
    }
    if (notWehr.length > 0)
      out.push(
        `${label}: ${notWehr.length} of ${N} neurons are not Wehr cells and get no split (the Rançon counts exist for Wehr cells only); a stims split ("stims:TRAIN,VAL,TEST") splits every neuron`,
      );
    if (split.unsplit.length === N) out.push(`${label}: no neuron got a split`);
    return out;
  }
  const fractions = split.fractions ?? [0, 0, 0];
  SPLIT_PARTS.forEach((part, i) => {
    if (!((fractions[i] as number) > 0)) return;
    const S = split.stims ? split.stims.train.length + split.stims.val.length + split.stims.test.length : 0;
    if ((split.counts?.[i] ?? 0) === 0) {
      out.push(
        `${label}: the ${part} part gets 0 of the ${S} stims (fraction ${fractions[i]}); every neuron's ${part} part is empty`,
      );
      return;
    }
    const empty = split.neurons.filter((x) => x !== null && x[part].length === 0).length;
    if (empty > 0)
      out.push(
        `${label}: ${empty} of ${N} neurons have no ${part} stim (they heard none of the ${split.counts?.[i]} ${part} stims): their ${part} part is empty`,
      );
  });
  return out;
}
