// Model evaluation and noise ceilings (evaluation.md): deepSTRF's metrics as
// pure functions over typed arrays, in float64, for the batch form
// ((B, N, R, T) NaN-padded) and the ragged per-neuron form (an export's
// blocks). No dataset import: the dataset, export and CLI layers feed these.

export { ccmax } from "./ccmax.js";
export { coherence } from "./coherence.js";
export { normalizedCorrcoef } from "./normalized.js";
export { neuronQuality } from "./quality.js";
export { reduceOverNeurons } from "./reduce.js";
export { noisePower, signalPower, snr } from "./sahani-linden.js";
export { corrcoef, fve, mse, poisson } from "./scoring.js";
export type {
  CcmaxOptions,
  CoherenceOptions,
  FloatArray,
  Mask,
  NeuronQuality,
  NormalizedOptions,
  PoissonOptions,
  PredictionBatch,
  Predictions,
  QualityOptions,
  RaggedPredictions,
  RaggedResponses,
  Reduced,
  Reduction,
  ResponseBatch,
  ResponseBlock,
  ResponseMetricOptions,
  Responses,
  ScoreOptions,
} from "./types.js";
