// Putting datasets and items together (dataset.md, "What users do with it"):
// block-diagonal concatenation of datasets, and collate, which batches items
// into zero-padded stims and NaN-padded responses with validity masks.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import { Ac1Error } from "../errors.js";
import type { CountBlock, DatasetData, RepeatProvenance, ResponseBlock, Tensor } from "./model.js";
import type { DatasetItem } from "./selection.js";

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
  /** (B, N): the items' masks, 1 where the pair has data (a block without NaN). */
  neuronMask: { shape: number[]; data: Uint8Array };
  stimIndices: number[];
}

/**
 * Block-diagonal concatenation of two or more datasets on both axes: stims
 * and neurons of each part follow those of the previous ones, cross pairs
 * are missing. Needs equal dtMs, F and audioFs. Metadata are copied and
 * tagged with `dataset` = names[i]. Rejections, dropped cells, skipped
 * files, provenance and response sample rates are merged; options and
 * hearing range are the first part's.
 * Spike counts and rejected repeats follow their pairs when every part has
 * them (the unindexed rejected rows are stacked, NaN-padded to the longest);
 * a split does not carry over (its indices belong to one part).
 */
export function concatData(parts: readonly DatasetData[], names: readonly string[]): DatasetData {
  const first = parts[0] as DatasetData;
  parts.forEach((d, i) => {
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
  const N = parts.reduce((a, d) => a + d.neuronMeta.length, 0);
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
  parts.forEach((d, i) => {
    const name = names[i] as string;
    const numNeurons = d.neuronMeta.length;
    for (const m of d.neuronMeta) neuronMeta.push({ ...m, dataset: name } as unknown as NeuronMeta);
    for (let s = 0; s < d.stims.length; s++) {
      stims.push(d.stims[s] as Tensor);
      stimMeta.push({ ...(d.stimMeta[s] as StimMeta), dataset: name } as unknown as StimMeta);
      const row: (ResponseBlock | null)[] = new Array(N).fill(null);
      const src = d.responses[s] as readonly (ResponseBlock | null)[];
      for (let n = 0; n < numNeurons; n++) row[nOffset + n] = src[n] ?? null;
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
    nOffset += numNeurons;
    sOffset += d.stims.length;
  });
  const signalType = types.size === 1 ? first.signalType : "mixed";
  const { spikeCounts: _c, rejected: _r, split: _s, responseRates: _rates, ...firstRest } = first;
  const out: DatasetData = {
    ...firstRest,
    signalType,
    stims,
    stimMeta,
    neuronMeta,
    responses,
    rejections,
    droppedCellsEmpty: dropped,
    skippedFiles: skipped,
    provenance,
  };
  if (parts.every((d) => d.responseRates !== undefined)) {
    // each rate once, where the parts (in order) met it first
    const rates = parts.flatMap((d) => d.responseRates ?? []);
    out.responseRates = rates.filter((r, i) => rates.findIndex((q) => q.sfHz === r.sfHz) === i);
  }
  if (parts.every((d) => d.spikeCounts !== undefined))
    out.spikeCounts = blockDiagonal(parts, N, (d) => d.spikeCounts as (CountBlock | null)[][]);
  if (parts.every((d) => d.rejected !== undefined)) {
    const unindexed = parts.map((d) => d.rejected?.unindexed as Tensor);
    const T = Math.max(0, ...unindexed.map((u) => u.shape[1] as number));
    const rows = unindexed.reduce((a, u) => a + (u.shape[0] as number), 0);
    const data = new Float32Array(rows * T).fill(Number.NaN);
    let r0 = 0;
    for (const u of unindexed) {
      const [R, Tu] = u.shape as [number, number];
      for (let r = 0; r < R; r++) data.set(u.data.subarray(r * Tu, (r + 1) * Tu), (r0 + r) * T);
      r0 += R;
    }
    out.rejected = {
      blocks: blockDiagonal(parts, N, (d) => d.rejected?.blocks as (Tensor | null)[][]),
      unindexed: { shape: [rows, T], data },
    };
  }
  return out;
}

/** The parts' (S_i x N_i) grids laid out block-diagonally in one (sum S_i) x N grid, nulls elsewhere. */
function blockDiagonal<B>(
  parts: readonly DatasetData[],
  N: number,
  grid: (d: DatasetData) => (B | null)[][],
): (B | null)[][] {
  const out: (B | null)[][] = [];
  let nOffset = 0;
  for (const d of parts) {
    const g = grid(d);
    for (let s = 0; s < d.stims.length; s++) {
      const row: (B | null)[] = new Array(N).fill(null);
      for (let n = 0; n < d.neuronMeta.length; n++) row[nOffset + n] = g[s]?.[n] ?? null;
      out.push(row);
    }
    nOffset += d.neuronMeta.length;
  }
  return out;
}

/**
 * Batches items (from one dataset and one neuron selection): stims
 * zero-padded on the right to the longest, responses NaN-padded on repeats
 * and time to (B, N, Rmax, Tmax), a validity mask (not NaN) and the (B, N)
 * neuron mask. Stim and response lengths are padded independently.
 */
export function collate(items: readonly DatasetItem[]): Batch {
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
      neuronMask[b * N + n] = it.mask[n] === true ? 1 : 0;
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
