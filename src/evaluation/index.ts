// Public surface of the evaluation layer (evaluation.md, "Contracts"): the
// noise ceilings of an export's neurons (`ac1 quality`), a model's
// predictions read and checked (PRED.npz) and scored against the export
// (`ac1 score`). Above export and metrics; the CLI and the viewer use it.

export {
  type ExportQualityOptions,
  exportQuality,
  type NeuronQualityRow,
  pairsByNeuron,
} from "./export-quality.js";
export { type PairPrediction, type PredictionSet, readPredictions } from "./predictions.js";
export {
  meanScores,
  type NeuronScore,
  SCORE_METRICS,
  type ScoreMetric,
  type ScoreReport,
  scoreNeuron,
  scorePredictions,
} from "./score.js";
