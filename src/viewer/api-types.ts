// The contract between the viewer's server and its browser app: the JSON
// documents of every API route (README.md, "API") and the header of the binary
// AC1P payload (payload.ts). The server builds its answers as these types
// (data.ts), the browser app reads them through JSDoc imports (web/*.js,
// checked by web/tsconfig.json in `npm run lint`) and the tests parse the
// responses as them. Types only: nothing here exists at run time, so the
// browser can import it for its checker without loading anything.

import type { Fate, RejectionTally } from "../dataset/model.js";
import type { ScoreMetric } from "../evaluation/index.js";

/** A repeat's fate in the gating: kept, or the first test it failed. */
export type FateName = Fate;

/** Repeats per fate. */
export type FateTally = RejectionTally;

/** Which stimulus an export holds: log-frequency spectrograms, or audio waveforms. */
export type StimMode = "spectrogram" | "waveform";

/** The gating thresholds of the build. */
export interface GatingJson {
  absMvMax: number;
  stepMv: number;
  maxStepFrac: number;
  minXcorr: number;
}

/** A histogram over fixed bins: counts[i] covers [edges[i], edges[i+1]). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/**
 * A neuron's noise ceilings (evaluation.md): the manifest's keys, or computed
 * from the arrays (exportQuality) for an export made before builds stored
 * them. null where the value is undefined (NaN), e.g. the snr of a neuron
 * with one repeat per stim.
 */
export interface QualityJson {
  snr: number | null;
  ccmax: number | null;
  signal_power: number | null;
  noise_power: number | null;
}

/** Where the neurons' quality comes from: the manifest, computed from the arrays, or not known. */
export type QualitySource = "manifest" | "computed" | "absent";

/** The predictions loaded with `--pred` (GET /api/summary). */
export interface PredictionsInfoJson {
  /** The PRED.npz file name. */
  file: string;
  /** (stim, neuron) pairs with a prediction. */
  pairs: number;
  /** Neurons with at least one prediction. */
  neurons: number;
}

/** Any failed request: the HTTP status and a one-line reason. */
export interface ErrorJson {
  error: string;
  status: number;
}

/** GET /api/summary */
export interface SummaryJson {
  file: string;
  format: string | null;
  version: number | null;
  dtMs: number;
  F: number;
  audioFs: number | null;
  mode: StimMode;
  signalType: string;
  freqsHz: number[];
  options: Record<string, unknown>;
  gating: GatingJson | null;
  bandsPerOctave: number | null;
  stimCount: number;
  neuronCount: number;
  pairCount: number;
  keptRepeats: number;
  rejections: FateTally;
  droppedCellsEmpty: number;
  skippedFiles: { path: string; reason: string }[];
  provenanceAvailable: boolean;
  provenanceTally: FateTally;
  experimenters: string[];
  sites: string[];
  signalTypes: string[];
  /** Where the quality columns of GET /api/neurons come from. */
  qualitySource: QualitySource;
  /** The predictions loaded with `ac1 view --pred`, else null. */
  predictions: PredictionsInfoJson | null;
  /**
   * True when the export holds the rejected repeats' traces (built with
   * `--keep-rejected`: rej_<s>_<n>), served by GET /api/rejected/:s/:n.
   */
  rejectedTraces: boolean;
}

/** One row of GET /api/neurons */
export interface NeuronRowJson {
  neuron: number;
  label: string;
  session: string | null;
  experimenter: string | null;
  site: string | null;
  signalType: string;
  recordingType: string | null;
  animalId: string | null;
  date: string | null;
  stimCount: number;
  repeatCount: number;
  /** Null when the export carries no provenance. */
  tally: FateTally | null;
  /** Noise ceilings (all null when SummaryJson.qualitySource is "absent"). */
  quality: QualityJson;
  /** Pairs of this neuron with a prediction (0 without `--pred`). */
  predictedPairs: number;
  meta: Record<string, unknown>;
}

/** One stim row of GET /api/neurons/:n/stims */
export interface NeuronStimRowJson {
  stim: number;
  label: string;
  category: string | null;
  experimenter: string | null;
  durationS: number | null;
  frames: number;
  lengthS: number;
  repeats: number;
  /** False when every repeat of the pair was rejected (the export holds no responses for it). */
  hasData: boolean;
  /** True when `--pred` holds a prediction for this pair. */
  hasPrediction: boolean;
  tally: FateTally | null;
}

/** GET /api/neurons/:n/stims */
export interface NeuronStimsJson {
  neuron: number;
  label: string;
  signalType: string;
  stims: NeuronStimRowJson[];
  /** Stims this cell heard that no cell kept a repeat of (so never registered). */
  unregistered: { stimKey: string; tally: FateTally }[];
}

/**
 * One repeat row of GET /api/provenance. Statistics that are NaN or were not
 * computed are null: max |Vm| of an empty or all-NaN repeat, the step
 * fraction of a repeat under 3 samples, and r whenever the cross-trial test
 * did not run for the repeat's group (the build stores 1 then).
 */
export interface ProvenanceRowJson {
  repeat: number;
  fate: FateName;
  /** Why the repeat has its fate, in words ("empty repeat (0 samples)", "max |Vm| 198.3 mV > 150 mV"). */
  reason: string;
  maxAbsMv: number | null;
  stepFrac: number | null;
  r: number | null;
  /** Why r is null (not computed, or NaN), else null. */
  rNote: string | null;
  samples: number;
  session: string;
  stimKey: string;
  /**
   * The row of this rejected repeat in GET /api/rejected/:s/:n (its row in
   * rej_<s>_<n>, prov_rej_row); null for a kept repeat, a repeat without a
   * stim or neuron index, or an export without the rejected traces.
   */
  traceRow: number | null;
}

/** GET /api/provenance?neuron=n[&stim=s] */
export interface ProvenanceJson {
  neuron: number;
  stim: number | null;
  available: boolean;
  gating: GatingJson | null;
  tally: FateTally;
  repeats: ProvenanceRowJson[];
  rejected: ProvenanceRowJson[];
  /** True when the export holds the rejected repeats' traces (SummaryJson.rejectedTraces). */
  rejectedTraces: boolean;
}

/** One cell row of GET /api/cohort (dropped cells have neuron -1). */
export interface CohortCellJson extends FateTally {
  neuron: number;
  label: string;
  experimenter: string | null;
  site: string | null;
  dropped: boolean;
}

/** GET /api/cohort */
export interface CohortJson {
  provenanceAvailable: boolean;
  cells: CohortCellJson[];
  responseLengthS: Histogram;
  repeatCount: Histogram;
  pairCount: number;
}

/**
 * The names of the arrays in a payload: "stim" (F, T) in dB in spectrogram
 * mode or "stimMin"/"stimMax" (T) in waveform mode, then for a pair
 * "responses" (R, T), "mean" (T) and, with `--pred` and a prediction for
 * the pair, "prediction" (T); GET /api/rejected/:s/:n sends "rejected"
 * (rows, frames).
 */
export type PayloadArrayName =
  | "stim"
  | "stimMin"
  | "stimMax"
  | "responses"
  | "mean"
  | "prediction"
  | "rejected";

/** Where one array sits in the data section of an AC1P payload. */
export interface PayloadArray {
  name: string;
  shape: number[];
  /** Byte offset from the start of the float32 data section. */
  offset: number;
}

/** GET /api/stim/:s: the header of the AC1P payload of one stim alone. */
export interface StimHeader {
  stim: number;
  stimLabel: string;
  stimMeta: Record<string, unknown>;
  dtMs: number;
  mode: StimMode;
  audioFs: number | null;
  freqsHz: number[];
  bandsPerOctave: number | null;
  frames: number;
}

/** GET /api/pair/:s/:n: the header of the AC1P payload of one pair. */
export interface PairHeader extends StimHeader {
  neuron: number;
  neuronLabel: string;
  neuronMeta: Record<string, unknown>;
  signalType: string;
  /** What a response trace measures ("membrane potential", "spike rate"). */
  quantity: string;
  unit: string;
  repeats: number;
  /** True when the payload carries a "prediction" array (`--pred`). */
  hasPrediction: boolean;
}

/** The fate of a rejected repeat: the first gating test it failed. */
export type RejectedFate = Exclude<FateName, "kept">;

/** One row of GET /api/rejected/:s/:n: a rejected repeat, in provenance order. */
export interface RejectedRowJson {
  /** Its row in the "rejected" array (= ProvenanceRowJson.traceRow). */
  row: number;
  /** 0-based repeat index within (cell, stim), as in GET /api/provenance. */
  repeat: number;
  fate: RejectedFate;
  /** Raw length in samples (0: an empty repeat, an all-NaN row). */
  samples: number;
}

/**
 * GET /api/rejected/:s/:n: the header of the AC1P payload of a pair's
 * rejected repeats (exports built with `--keep-rejected`). The array
 * "rejected" (rows, frames) holds each rejected repeat detrended (MedGauss)
 * and binned like the kept ones, in mV for spikes cells too (the trace the
 * gating judged, not a PSTH), NaN-padded on the right to the longest row.
 */
export interface RejectedHeader {
  stim: number;
  neuron: number;
  stimLabel: string;
  neuronLabel: string;
  signalType: string;
  dtMs: number;
  /** What the rows measure: "detrended membrane potential". */
  quantity: string;
  /** Always "mV". */
  unit: string;
  rows: RejectedRowJson[];
  /** Bins of the longest rejected repeat (the array's second axis). */
  frames: number;
  /** Bins of the pair's kept repeats (0 when every repeat was rejected). */
  keptFrames: number;
}

/** GET /api/rejected/:s/:n?format=json */
export interface RejectedJson extends RejectedHeader {
  arrays: Record<string, JsonArray>;
}

/** A payload header as it travels: the header plus the layout of the arrays. */
export type WireHeader<H> = H & { arrays: PayloadArray[] };

/** A decoded AC1P payload: its header and its arrays by name. */
export interface DecodedPayload<H> {
  header: WireHeader<H>;
  arrays: Map<string, Float32Array>;
}

/** One array of GET /api/pair/:s/:n?format=json (row-major, NaN as null). */
export interface JsonArray {
  shape: number[];
  data: (number | null)[];
}

/** GET /api/pair/:s/:n?format=json */
export interface PairJson extends PairHeader {
  arrays: Record<string, JsonArray>;
}

/** The metrics of a score (ac1 score's keys, in its order); null where NaN. */
export type ScoreValuesJson = Record<ScoreMetric, number | null>;

/** One neuron's score over its predicted pairs: a row of `ac1 score --json`. */
export type NeuronScoreJson = { index: number; pairs: number } & ScoreValuesJson;

/** GET /api/scores: what `ac1 score FILE.npz PRED.npz --json` prints, plus the file name. */
export interface ScoresJson {
  file: string;
  neurons: NeuronScoreJson[];
  mean: ScoreValuesJson;
}

/** GET /api/scores/neuron/:n */
export interface NeuronScoresJson {
  neuron: number;
  /** The stims of this neuron with a prediction, ascending. */
  stims: number[];
  /** Its score over those pairs (null when it has no prediction). */
  score: NeuronScoreJson | null;
}

/**
 * GET /api/scores/pair/:s/:n: the pair's own score (`ac1 score` on a
 * PRED.npz holding only this pair) and its neuron's (over all its predicted
 * pairs).
 */
export interface PairScoresJson extends NeuronScoresJson {
  stim: number;
  /** The PRED.npz key of the pair, null without a prediction. */
  key: string | null;
  /** The pair's score, null without a prediction. */
  pair: ScoreValuesJson | null;
}
