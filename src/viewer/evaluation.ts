// The viewer's evaluation side: the neurons' noise ceilings and, with
// `ac1 view --pred PRED.npz`, a model's predictions and their scores. All the
// numbers come from src/evaluation, the functions `ac1 quality` and
// `ac1 score` run (nothing is re-implemented here):
// - quality: the manifest's keys when every neuron has them, else
//   exportQuality(view) over the arrays (an export made before builds stored
//   them), computed once on first use;
// - predictions: readPredictions(path, view) at startup, so a bad PRED.npz
//   stops `ac1 view` with one line before anything is served;
// - scores: scorePredictions on the pairs asked for: a pair alone is what
//   `ac1 score` prints for a PRED.npz holding only that pair, a neuron's
//   predicted pairs its row of `ac1 score`. Computed on demand and cached.

import { QUALITY_KEYS } from "../dataset/quality.js";
import {
  exportQuality,
  meanScores,
  type NeuronScore,
  type PairPrediction,
  type PredictionSet,
  readPredictions,
  SCORE_METRICS,
  type ScoreReport,
  scorePredictions,
} from "../evaluation/index.js";
import type { ExportView } from "../export/export-view.js";
import type {
  NeuronScoreJson,
  PredictionsInfoJson,
  QualityJson,
  QualitySource,
  ScoresJson,
  ScoreValuesJson,
} from "./api-types.js";

/** A number JSON can hold, else null (NaN, infinities). */
function finite(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A score's metrics with NaN as null. */
export function scoreValuesJson(s: Record<(typeof SCORE_METRICS)[number], number>): ScoreValuesJson {
  const out = {} as ScoreValuesJson;
  for (const k of SCORE_METRICS) out[k] = finite(s[k]);
  return out;
}

/** A row of `ac1 score --json` (NaN as null). */
export function neuronScoreJson(s: NeuronScore): NeuronScoreJson {
  return { index: s.index, pairs: s.pairs, ...scoreValuesJson(s) };
}

/** Quality when none is known (no manifest keys and nothing to compute it with). */
export const NO_QUALITY: QualityJson = { snr: null, ccmax: null, signal_power: null, noise_power: null };

/** The neuron's quality keys as stored in the manifest, or undefined when any is absent. */
function manifestQuality(meta: Record<string, unknown> | undefined): QualityJson | undefined {
  if (!meta || !QUALITY_KEYS.every((k) => k in meta)) return undefined;
  return {
    snr: finite(meta.snr),
    ccmax: finite(meta.ccmax),
    signal_power: finite(meta.signal_power),
    noise_power: finite(meta.noise_power),
  };
}

/** Quality and predictions of one opened export, for the viewer's routes. */
export class ViewerEvaluation {
  private qualityPromise: Promise<{ source: QualitySource; rows: QualityJson[] }> | undefined;
  private readonly byPair = new Map<string, PairPrediction>();
  private readonly byNeuron = new Map<number, PairPrediction[]>();
  private readonly pairScores = new Map<string, Promise<ScoreValuesJson>>();
  private readonly neuronScores = new Map<number, Promise<NeuronScore>>();

  private constructor(
    private readonly view: ExportView,
    readonly predictions: PredictionSet | null,
    private readonly predFile: string | null,
  ) {
    for (const p of predictions?.pairs ?? []) {
      this.byPair.set(`${p.stim}:${p.neuron}`, p);
      const list = this.byNeuron.get(p.neuron);
      if (list) list.push(p);
      else this.byNeuron.set(p.neuron, [p]);
    }
    for (const list of this.byNeuron.values()) list.sort((a, b) => a.stim - b.stim);
  }

  /**
   * For `view`, with the predictions of `predPath` read and checked whole
   * (readPredictions: a PredictionError naming the key when anything is wrong).
   */
  static async open(view: ExportView, predPath?: string, predFile?: string): Promise<ViewerEvaluation> {
    const predictions = predPath === undefined ? null : await readPredictions(predPath, view);
    return new ViewerEvaluation(view, predictions, predictions ? (predFile ?? predPath ?? null) : null);
  }

  /** Every neuron's quality: from the manifest, else computed from the arrays (once). */
  quality(): Promise<{ source: QualitySource; rows: QualityJson[] }> {
    this.qualityPromise ??= (async () => {
      const stored = this.view.manifest.neurons.map((m) => manifestQuality(m));
      if (stored.every((q) => q !== undefined)) return { source: "manifest", rows: stored as QualityJson[] };
      const rows = await exportQuality(this.view);
      return {
        source: "computed",
        rows: rows.map((r) => ({
          snr: finite(r.snr),
          ccmax: finite(r.ccmax),
          signal_power: finite(r.signal_power),
          noise_power: finite(r.noise_power),
        })),
      };
    })();
    return this.qualityPromise;
  }

  /** What GET /api/summary says of the predictions. */
  info(): PredictionsInfoJson | null {
    if (!this.predictions || this.predFile === null) return null;
    return { file: this.predFile, pairs: this.predictions.pairs.length, neurons: this.byNeuron.size };
  }

  /** The prediction for (s, n), or undefined. */
  prediction(s: number, n: number): PairPrediction | undefined {
    return this.byPair.get(`${s}:${n}`);
  }

  /** Stims of neuron n with a prediction, ascending. */
  predictedStims(n: number): number[] {
    return (this.byNeuron.get(n) ?? []).map((p) => p.stim);
  }

  private subset(pairs: PairPrediction[]): PredictionSet {
    return { path: this.predictions?.path ?? "", pairs };
  }

  /** The pair's score alone (`ac1 score` on a PRED.npz holding only it); undefined without a prediction. */
  pairScore(s: number, n: number): Promise<ScoreValuesJson> | undefined {
    const p = this.prediction(s, n);
    if (!p) return undefined;
    const key = `${s}:${n}`;
    let score = this.pairScores.get(key);
    if (!score) {
      score = scorePredictions(this.view, this.subset([p])).then((r) => scoreValuesJson(only(r)));
      this.pairScores.set(key, score);
    }
    return score;
  }

  /** Neuron n's score over its predicted pairs (its row of `ac1 score`); undefined without one. */
  neuronScore(n: number): Promise<NeuronScore> | undefined {
    const pairs = this.byNeuron.get(n);
    if (!pairs) return undefined;
    let score = this.neuronScores.get(n);
    if (!score) {
      score = scorePredictions(this.view, this.subset(pairs)).then(only);
      this.neuronScores.set(n, score);
    }
    return score;
  }

  /** Every predicted neuron's score and their means: `ac1 score --json`; undefined without `--pred`. */
  async scores(): Promise<ScoresJson | undefined> {
    const info = this.info();
    if (!info) return undefined;
    const neurons: NeuronScore[] = [];
    for (const n of [...this.byNeuron.keys()].sort((a, b) => a - b))
      neurons.push(await (this.neuronScore(n) as Promise<NeuronScore>));
    return {
      file: info.file,
      neurons: neurons.map(neuronScoreJson),
      mean: scoreValuesJson(meanScores(neurons)),
    };
  }
}

/** The one neuron of a report made for one neuron's pairs. */
function only(report: ScoreReport): NeuronScore {
  const s = report.neurons[0];
  if (!s || report.neurons.length !== 1) throw new Error("internal: expected the score of one neuron");
  return s;
}
