// Turns either input form (types.ts) into one internal shape: per neuron, the
// list of its (stim, neuron) blocks as views into the caller's arrays (no
// copy). Every shape and mask length is checked here, once, with an Ac1Error
// ("SHAPE") that says which argument, which index and what was expected; the
// kernels then trust their views.

import { Ac1Error } from "../errors.js";
import type {
  FloatArray,
  Mask,
  PredictionBatch,
  Predictions,
  RaggedPredictions,
  RaggedResponses,
  ResponseBatch,
  Responses,
} from "./types.js";

/** One (stim, neuron) block: `repeats` rows of `bins` values from `data[offset]`. */
export interface BlockRef {
  readonly data: FloatArray;
  readonly offset: number;
  readonly repeats: number;
  readonly bins: number;
  /** Replaces ~isnan over the block (same layout), or undefined. */
  readonly mask: Uint8Array | undefined;
  readonly maskOffset: number;
  /** Rows the pair stores (ragged form), or -1 in the batch form where padding and missing repeats look alike. */
  readonly storedRepeats: number;
}

export interface ResponseLayout {
  readonly batch: boolean;
  readonly neurons: number;
  readonly blocks: readonly (readonly BlockRef[])[];
  /**
   * Per neuron, the size of the R axis deepSTRF's normalized_corrcoef tests
   * against 1: the batch's R, or in the ragged form the largest block of that
   * neuron (its pairs as the batch (B = its stims, N = 1)).
   */
  readonly repeatAxis: Int32Array;
  /** Largest repeats x bins and bins of any block (scratch sizes). */
  readonly maxCells: number;
  readonly maxBins: number;
  readonly maxRepeats: number;
}

/** A block of data and the prediction and PSTH mask aligned with it. */
export interface PairRef {
  readonly gt: BlockRef;
  readonly pred: FloatArray;
  readonly predOffset: number;
  /** Replaces ~isnan(psth) over the block's bins, or undefined. */
  readonly mask: Uint8Array | undefined;
  readonly maskOffset: number;
}

export interface ScoringLayout {
  readonly batch: boolean;
  readonly neurons: number;
  readonly pairs: readonly (readonly PairRef[])[];
  /** The responses as a ResponseLayout without mask (SP and CCmax of the normalized correlation). */
  readonly responses: ResponseLayout;
  /** Largest sum of bins over one neuron's pairs (the concatenated valid-position vectors). */
  readonly maxNeuronBins: number;
}

function shapeError(who: string, message: string): Ac1Error {
  return new Ac1Error("SHAPE", `${who}: ${message}`);
}

function checkDim(who: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw shapeError(who, `${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

function isFloatArray(x: unknown): x is FloatArray {
  return x instanceof Float32Array || x instanceof Float64Array;
}

function checkFloat(who: string, name: string, x: unknown): FloatArray {
  if (!isFloatArray(x)) throw shapeError(who, `${name} must be a Float32Array or Float64Array`);
  return x;
}

/** Whether the argument is in the batch form (an object with data) rather than the ragged one (an array). */
export function isBatch(x: Responses | Predictions): x is ResponseBatch | PredictionBatch {
  return !Array.isArray(x);
}

function batchMask(
  who: string,
  mask: Mask | undefined,
  length: number,
  shape: string,
): Uint8Array | undefined {
  if (mask === undefined) return undefined;
  if (!(mask instanceof Uint8Array))
    throw shapeError(who, `the mask of batch-form data must be one Uint8Array of shape ${shape}`);
  if (mask.length !== length)
    throw shapeError(who, `mask has ${mask.length} values, expected ${length} for shape ${shape}`);
  return mask;
}

function raggedMask(
  who: string,
  mask: Mask | undefined,
  neurons: number,
): readonly (readonly Uint8Array[])[] | undefined {
  if (mask === undefined) return undefined;
  if (!Array.isArray(mask))
    throw shapeError(who, "the mask of ragged data must be ragged too: [neuron][k] Uint8Arrays");
  if (mask.length !== neurons) throw shapeError(who, `mask has ${mask.length} neurons, expected ${neurons}`);
  return mask as readonly (readonly Uint8Array[])[];
}

function maskOf(
  who: string,
  masks: readonly (readonly Uint8Array[])[] | undefined,
  n: number,
  k: number,
  count: number,
  length: number,
): Uint8Array | undefined {
  if (masks === undefined) return undefined;
  const row = masks[n];
  if (!Array.isArray(row) || row.length !== count)
    throw shapeError(who, `mask[${n}] must hold ${count} Uint8Arrays (one per block)`);
  const m = row[k];
  if (!(m instanceof Uint8Array)) throw shapeError(who, `mask[${n}][${k}] must be a Uint8Array`);
  if (m.length !== length)
    throw shapeError(who, `mask[${n}][${k}] has ${m.length} values, expected ${length}`);
  return m;
}

function checkBatch(who: string, name: string, b: ResponseBatch): void {
  if (typeof b !== "object" || b === null) throw shapeError(who, `${name} must be a batch or a ragged array`);
  const data = checkFloat(who, `${name}.data`, b.data);
  const B = checkDim(who, `${name}.stims`, b.stims);
  const N = checkDim(who, `${name}.neurons`, b.neurons);
  const R = checkDim(who, `${name}.repeats`, b.repeats);
  const T = checkDim(who, `${name}.bins`, b.bins);
  if (data.length !== B * N * R * T)
    throw shapeError(
      who,
      `${name}.data has ${data.length} values, expected B*N*R*T = ${B}*${N}*${R}*${T} = ${B * N * R * T}`,
    );
}

/** The responses' blocks; with `mask`, each block carries its slice of it. */
export function responseLayout(responses: Responses, mask: Mask | undefined, who: string): ResponseLayout {
  if (isBatch(responses)) {
    const r = responses as ResponseBatch;
    checkBatch(who, "responses", r);
    const { stims: B, neurons: N, repeats: R, bins: T } = r;
    const m = batchMask(who, mask, B * N * R * T, "(B, N, R, T)");
    const blocks: BlockRef[][] = [];
    for (let n = 0; n < N; n++) {
      const list: BlockRef[] = [];
      for (let b = 0; b < B; b++) {
        const offset = (b * N + n) * R * T;
        list.push({
          data: r.data,
          offset,
          repeats: R,
          bins: T,
          mask: m,
          maskOffset: offset,
          storedRepeats: -1,
        });
      }
      blocks.push(list);
    }
    return {
      batch: true,
      neurons: N,
      blocks,
      repeatAxis: new Int32Array(N).fill(R),
      maxCells: R * T,
      maxBins: T,
      maxRepeats: R,
    };
  }
  const ragged = responses as RaggedResponses;
  const N = ragged.length;
  const masks = raggedMask(who, mask, N);
  const blocks: BlockRef[][] = [];
  const repeatAxis = new Int32Array(N);
  let maxCells = 0;
  let maxBins = 0;
  let maxRepeats = 0;
  for (let n = 0; n < N; n++) {
    const row = ragged[n];
    if (!Array.isArray(row)) throw shapeError(who, `responses[${n}] must be an array of blocks`);
    const list: BlockRef[] = [];
    for (let k = 0; k < row.length; k++) {
      const blk = row[k];
      const name = `responses[${n}][${k}]`;
      if (typeof blk !== "object" || blk === null) throw shapeError(who, `${name} must be a block`);
      const data = checkFloat(who, `${name}.data`, blk.data);
      const R = checkDim(who, `${name}.repeats`, blk.repeats);
      const T = checkDim(who, `${name}.bins`, blk.bins);
      if (data.length !== R * T)
        throw shapeError(who, `${name}.data has ${data.length} values, expected repeats*bins = ${R}*${T}`);
      const m = maskOf(who, masks, n, k, row.length, R * T);
      list.push({ data, offset: 0, repeats: R, bins: T, mask: m, maskOffset: 0, storedRepeats: R });
      repeatAxis[n] = Math.max(repeatAxis[n]!, R);
      maxCells = Math.max(maxCells, R * T);
      maxBins = Math.max(maxBins, T);
      maxRepeats = Math.max(maxRepeats, R);
    }
    blocks.push(list);
  }
  return { batch: false, neurons: N, blocks, repeatAxis, maxCells, maxBins, maxRepeats };
}

/** Predictions against responses (or a PSTH: R = 1), with an optional PSTH-shaped mask. */
export function scoringLayout(
  pred: Predictions,
  gt: Responses,
  mask: Mask | undefined,
  who: string,
): ScoringLayout {
  const batch = isBatch(gt);
  if (batch !== isBatch(pred))
    throw shapeError(who, "predictions and responses must both be in the batch form or both ragged");
  const responses = responseLayout(gt, undefined, who);
  const N = responses.neurons;
  const pairs: PairRef[][] = [];
  let maxNeuronBins = 0;
  if (batch) {
    const p = pred as PredictionBatch;
    const g = gt as ResponseBatch;
    checkFloat(who, "pred.data", p.data);
    const B = checkDim(who, "pred.stims", p.stims);
    const Np = checkDim(who, "pred.neurons", p.neurons);
    const T = checkDim(who, "pred.bins", p.bins);
    if (B !== g.stims || Np !== g.neurons || T !== g.bins)
      throw shapeError(
        who,
        `pred (B, N, 1, T) = (${B}, ${Np}, 1, ${T}) and responses (${g.stims}, ${g.neurons}, ${g.repeats}, ${g.bins}) must agree on B, N and T`,
      );
    if (p.data.length !== B * Np * T)
      throw shapeError(who, `pred.data has ${p.data.length} values, expected B*N*T = ${B * Np * T}`);
    const m = batchMask(who, mask, B * N * T, "(B, N, 1, T)");
    for (let n = 0; n < N; n++) {
      const list: PairRef[] = [];
      for (let b = 0; b < B; b++) {
        const off = (b * N + n) * T;
        list.push({ gt: responses.blocks[n]![b]!, pred: p.data, predOffset: off, mask: m, maskOffset: off });
      }
      pairs.push(list);
    }
    maxNeuronBins = B * T;
  } else {
    const p = pred as RaggedPredictions;
    if (p.length !== N) throw shapeError(who, `pred has ${p.length} neurons, responses ${N}`);
    const masks = raggedMask(who, mask, N);
    for (let n = 0; n < N; n++) {
      const blocks = responses.blocks[n]!;
      const row = p[n];
      if (!Array.isArray(row) || row.length !== blocks.length)
        throw shapeError(
          who,
          `pred[${n}] must hold ${blocks.length} arrays, one per block of responses[${n}]`,
        );
      const list: PairRef[] = [];
      let sum = 0;
      for (let k = 0; k < blocks.length; k++) {
        const blk = blocks[k]!;
        const v = checkFloat(who, `pred[${n}][${k}]`, row[k]);
        if (v.length !== blk.bins)
          throw shapeError(
            who,
            `pred[${n}][${k}] has ${v.length} values, expected the block's ${blk.bins} bins`,
          );
        const m = maskOf(who, masks, n, k, blocks.length, blk.bins);
        list.push({ gt: blk, pred: v, predOffset: 0, mask: m, maskOffset: 0 });
        sum += blk.bins;
      }
      pairs.push(list);
      maxNeuronBins = Math.max(maxNeuronBins, sum);
    }
  }
  return { batch, neurons: N, pairs, responses, maxNeuronBins };
}
