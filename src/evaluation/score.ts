// `ac1 score`'s numbers (evaluation.md, "Contracts"): a model's predictions
// against an export, per neuron with at least one scored pair, each metric on
// that neuron's scored pairs only, as the batch (B = its scored stims, N = 1):
// the metrics' ragged form with one neuron (src/metrics/index.ts says why that
// is the same thing), the export's float32 blocks used as read.
// - corrcoef, fve, mse against the PSTH (NaN-aware mean over repeats);
// - ccnorm_schoppe, ccnorm_hsu: normalizedCorrcoef (plain corrcoef when every
//   scored pair of the neuron has one repeat); the Hsu one divides by CCmax
//   without the 1.0 fallback, as deepSTRF does;
// - snr, ccmax: the neuron quality of the scored pairs (ccmax with deepSTRF's
//   1.0 fallback), so scoring every pair gives `ac1 quality`'s values;
// - mean: the NaN-aware mean of each over the scored neurons.

import { raggedBlock } from "../dataset/quality.js";
import type { ExportView } from "../export/export-view.js";
import {
  corrcoef,
  type FloatArray,
  fve,
  mse,
  neuronQuality,
  normalizedCorrcoef,
  type RaggedBlock,
  reduceOverNeurons,
} from "../metrics/index.js";
import type { PredictionSet } from "./predictions.js";

/** The metrics of a score, in the order `ac1 score` prints them. */
export const SCORE_METRICS = [
  "corrcoef",
  "fve",
  "mse",
  "ccnorm_schoppe",
  "ccnorm_hsu",
  "snr",
  "ccmax",
] as const;
export type ScoreMetric = (typeof SCORE_METRICS)[number];

/** One neuron's score (the JSON keys of the contract; NaN where undefined, null in JSON). */
export type NeuronScore = { index: number; pairs: number } & Record<ScoreMetric, number>;

/** What `ac1 score --json` prints. */
export interface ScoreReport {
  /** Neurons with at least one scored pair, ascending. */
  neurons: NeuronScore[];
  /** NaN-aware mean of each metric over those neurons. */
  mean: Record<ScoreMetric, number>;
}

/**
 * The metrics of one neuron's scored pairs: `blocks[k]` its (R, T) responses
 * to a stim, `preds[k]` the prediction for it (T values).
 */
export function scoreNeuron(
  blocks: readonly RaggedBlock[],
  preds: readonly FloatArray[],
  options: { maxIters?: number } = {},
): Record<ScoreMetric, number> {
  const gt = [blocks];
  const p = [preds];
  const q = neuronQuality(gt, { maxIters: options.maxIters });
  return {
    corrcoef: corrcoef(p, gt)[0]!,
    fve: fve(p, gt)[0]!,
    mse: mse(p, gt)[0]!,
    ccnorm_schoppe: normalizedCorrcoef(p, gt, { method: "schoppe" })[0]!,
    ccnorm_hsu: normalizedCorrcoef(p, gt, { method: "hsu", maxIters: options.maxIters })[0]!,
    snr: q.snr[0]!,
    ccmax: q.ccmax[0]!,
  };
}

/** The NaN-aware mean of each metric over the scored neurons. */
export function meanScores(neurons: readonly NeuronScore[]): Record<ScoreMetric, number> {
  const mean = {} as Record<ScoreMetric, number>;
  for (const k of SCORE_METRICS)
    mean[k] = reduceOverNeurons(
      Float64Array.from(neurons, (s) => s[k]),
      "mean",
    );
  return mean;
}

/**
 * Scores validated predictions (readPredictions) against the export they were
 * checked against, reading each scored neuron's blocks from it.
 */
export async function scorePredictions(
  view: ExportView,
  predictions: PredictionSet,
  options: { maxIters?: number; onNeuron?: (done: number, total: number) => void } = {},
): Promise<ScoreReport> {
  const byNeuron = new Map<number, PredictionSet["pairs"]>();
  for (const p of predictions.pairs) {
    const list = byNeuron.get(p.neuron);
    if (list) list.push(p);
    else byNeuron.set(p.neuron, [p]);
  }
  const order = [...byNeuron.keys()].sort((a, b) => a - b);
  const neurons: NeuronScore[] = [];
  for (const n of order) {
    const pairs = byNeuron
      .get(n)!
      .slice()
      .sort((a, b) => a.stim - b.stim);
    const blocks: RaggedBlock[] = [];
    for (const p of pairs) {
      const t = await view.readResponse(p.stim, n);
      // readPredictions let only pairs with data through
      if (t === null) throw new Error(`internal: no resp_${p.stim}_${n} for a validated prediction`);
      blocks.push(raggedBlock(t));
    }
    neurons.push({
      index: n,
      pairs: pairs.length,
      ...scoreNeuron(
        blocks,
        pairs.map((p) => p.data),
        options,
      ),
    });
    options.onNeuron?.(neurons.length, order.length);
  }
  return { neurons, mean: meanScores(neurons) };
}
