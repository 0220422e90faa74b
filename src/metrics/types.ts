// The input forms the metrics accept (evaluation.md, "Shapes and masks"), the
// reduction rule and the options. Two forms carry the same data and give the
// same numbers:
// - the batch form: one row-major (B, N, R, T) array, NaN-padded on repeats
//   and bins, NaN for a missing (stim, neuron) pair; predictions (B, N, 1, T);
// - the ragged form: per neuron, the list of its (R_b, T_b) blocks, one per
//   stim it heard (missing pairs are simply absent); predictions per neuron,
//   one T_b vector per block. This is what an export holds: the blocks are
//   the `resp_<s>_<n>` arrays themselves, used without copying.
// Masks replace the NaN-derived validity (deepSTRF's resolve_mask): 1 keeps a
// position, 0 drops it, in the shape of what they mask.

/** A float buffer the metrics read (float32 as stored, or float64); all arithmetic is float64. */
export type FloatArray = Float32Array | Float64Array;

/** Responses in the batch form: `data` is row-major (B = stims, N = neurons, R = repeats, T = bins). */
export interface ResponseBatch {
  readonly data: FloatArray;
  readonly stims: number;
  readonly neurons: number;
  readonly repeats: number;
  readonly bins: number;
}

/** Predictions in the batch form: row-major (B, N, 1, T). */
export interface PredictionBatch {
  readonly data: FloatArray;
  readonly stims: number;
  readonly neurons: number;
  readonly bins: number;
}

/** One (stim, neuron) pair of the ragged form: row-major (repeats, bins). */
export interface RaggedBlock {
  readonly data: FloatArray;
  readonly repeats: number;
  readonly bins: number;
}

/** Ragged responses: `[neuron][k]` is neuron's k-th pair (any stim order; missing pairs absent). */
export type RaggedResponses = readonly (readonly RaggedBlock[])[];

/** Ragged predictions: `[neuron][k]` is the prediction for block `[neuron][k]`, of its `bins` length. */
export type RaggedPredictions = readonly (readonly FloatArray[])[];

export type Responses = ResponseBatch | RaggedResponses;
export type Predictions = PredictionBatch | RaggedPredictions;

/**
 * A validity mask that replaces `~isnan`: a Uint8Array over the whole batch
 * (nonzero = valid), or `[neuron][k]` arrays over the ragged blocks. Over
 * responses it has the responses' shape; for the prediction-vs-PSTH metrics it
 * has the PSTH's shape, (B, N, 1, T) or one T_b vector per block.
 */
export type Mask = Uint8Array | readonly (readonly Uint8Array[])[];

/** deepSTRF's reduction over neurons: `none` (N values), `mean` (NaN-aware), `sum` (NaN-aware). */
export type Reduction = "none" | "mean" | "sum";

/** What a metric returns for reduction R: a number for mean/sum, per-neuron values otherwise. */
export type Reduced<R> = [R] extends ["mean" | "sum"]
  ? number
  : [R] extends ["none" | undefined]
    ? Float64Array
    : number | Float64Array;

export interface ReductionOption<R extends Reduction | undefined> {
  /** Default "none" (deepSTRF defaults to "mean"; a TS caller usually wants the per-neuron values). */
  reduction?: R;
}

/** Options of the responses-only metrics (signal/noise power, SNR, CCmax). */
export interface ResponseMetricOptions<R extends Reduction | undefined = undefined>
  extends ReductionOption<R> {
  /** Replaces `~isnan(responses)`; it selects repeats and bins, see evaluation.md. */
  mask?: Mask;
}

export interface CcmaxOptions<R extends Reduction | undefined = undefined> extends ResponseMetricOptions<R> {
  /** Cap on the half-splits per (stim, neuron) (deepSTRF's max_iters / ccmax_iters). Default 126. */
  maxIters?: number;
}

/** Options of the prediction-vs-PSTH metrics. */
export interface ScoreOptions<R extends Reduction | undefined = undefined> extends ReductionOption<R> {
  /** Replaces `~isnan(psth)`; PSTH-shaped: (B, N, 1, T), or one T_b vector per ragged block. */
  mask?: Mask;
}

export interface PoissonOptions<R extends Reduction | undefined = undefined> extends ScoreOptions<R> {
  /** The prediction is a log-rate: the loss is exp(p) - g p. Default false (rate: p - g log(max(p, eps) + eps)). */
  logInput?: boolean;
  /** Default 1e-8. */
  eps?: number;
  /** Rate input only: a negative prediction at a valid position is an error instead of being clamped. */
  validateInput?: boolean;
}

export interface NormalizedOptions<R extends Reduction | undefined = undefined> extends ScoreOptions<R> {
  /** "schoppe" (default): cov / sqrt(var(p) SP); "hsu": corrcoef / CCmax. */
  method?: "schoppe" | "hsu";
  /** CCmax half-split cap for "hsu". Default 126. */
  maxIters?: number;
}

export interface CoherenceOptions<R extends Reduction | undefined = undefined> extends ReductionOption<R> {
  /** Bin width in ms: fs = 1000 / dtMs (it only labels the frequency axis; the values do not depend on it). */
  dtMs: number;
}

export interface QualityOptions {
  /** Replaces `~isnan(responses)` (deepSTRF's compute_neuron_quality has none). */
  mask?: Mask;
  /** Half-split cap, default 126 (deepSTRF's max_ccmax_iters). */
  maxIters?: number;
}

/** Noise ceilings per neuron (deepSTRF's NeuralDataset.compute_neuron_quality, plus SP and NP). */
export interface NeuronQuality {
  /** Sahani-Linden signal power, T_v-weighted over stims; NaN without a stim with 2+ repeats and 2+ bins. */
  readonly signalPower: Float64Array;
  /** Sahani-Linden noise power (TP - SP), same weighting. */
  readonly noisePower: Float64Array;
  /** signalPower / max(noisePower, 1e-12); NaN where SP is. */
  readonly snr: Float64Array;
  /** Hsu / Spearman-Brown noise ceiling; 1.0 for neurons without any pair of 2+ repeats. */
  readonly ccmax: Float64Array;
}

/** deepSTRF's _EPS: the degenerate-denominator threshold and the NP clamp of the SNR. */
export const EPS = 1e-12;
