// Model evaluation and noise ceilings (evaluation.md): deepSTRF's metrics as
// pure functions over typed arrays, in float64, for the batch form
// ((B, N, R, T) NaN-padded) and the ragged per-neuron form (an export's
// blocks). No dataset import: the dataset, export and CLI layers feed these.
//
// Where evaluation.md is silent or loose, deepSTRF's source (urancon/deepSTRF:
// deepSTRF/metrics/performance.py, losses.py, _masking.py and
// NeuralDataset.compute_neuron_quality) was followed:
// - masks: for SP, NP, SNR and CCmax a mask only picks rows (repeats with any
//   valid bin) and columns (bins with any valid repeat); the sub-block is then
//   used whole, so a masked-out finite value inside it counts and a NaN inside
//   it (repeats of unequal length, a mask keeping a NaN) makes the neuron's
//   SP, NP and CCmax NaN. For the prediction metrics the mask is PSTH-shaped
//   and only picks positions: the PSTH is the NaN-aware mean over all repeats.
//   normalizedCorrcoef applies its mask to the correlation only; SP and CCmax
//   come from ~isnan(responses). Masks must have the full shape (deepSTRF
//   also broadcasts).
// - a NaN rho makes the neuron's CCmax NaN whatever its cause: silent stims,
//   a half-PSTH flat over time although its repeats are not, NaN in the block.
// - the CCmax fallback to 1.0 looks at the pairs' stored row counts (ragged
//   form); the batch form counts repeats with a valid bin instead.
// - the "R axis of size 1" rule of normalizedCorrcoef is the batch's R in the
//   batch form (shared by all its neurons), the neuron's own largest block in
//   the ragged form (its pairs as the batch (B = its stims, N = 1)).
// - SNR is SP / max(NP, 1e-12): finite for noiseless cells (the docstring's
//   "+inf" is not what the code does); SP and NP are T_v-weighted (the
//   signal_power docstring's "nanmean" is not either).
// - coherence compares one row with the prediction (no PSTH collapse) and
//   refuses NaN anywhere, so a batch must hold equal-length stims; the ragged
//   form takes the mean over all (stim, frequency) values of the neuron, which
//   is deepSTRF's mean over (B, F) for equal lengths. Below 384 bins Welch has
//   one segment and the coherence is identically 1 (or NaN).
// - reductions default to "none" (deepSTRF: "mean"); "mean" and "sum" are
//   NaN-aware as in deepSTRF (mean of nothing NaN, sum of nothing 0).
// - not ported: compute_CCmax / compute_TTRC (per-stim helpers for deepSTRF's
//   Wehr dataset).

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
  RaggedBlock,
  RaggedPredictions,
  RaggedResponses,
  Reduced,
  Reduction,
  ResponseBatch,
  ResponseMetricOptions,
  Responses,
  ScoreOptions,
} from "./types.js";
