// What the synthetic release planted, written beside the zips as
// synth-manifest.json: per cell (in walking order) its metadata and expected
// stims, per repeat where it comes from, its exact length and checksum, which
// artifact it carries and which gating fate that artifact must produce; plus
// the sessions the walkers must not yield, and every expected warning and
// skipped file in walking order. Tests of the walkers and of the dataset
// builder assert against it.

import type { Fate } from "../../preprocess/gating.js";
import type { NeuronMeta, StimMeta, WalkWarningCode } from "../types.js";

/** "small" (tests, demo), "bench" (many repeats per stim), "stims" (long stims, few repeats each). */
export type SynthScale = "small" | "bench" | "stims";

/** The scales, in the order `ac1 synth --help` lists them. */
export const SYNTH_SCALES: readonly SynthScale[] = ["small", "bench", "stims"];

/** Largest --size (multiple of a scale's extra cells). */
export const MAX_SYNTH_SIZE = 64;

/** Version of the generator's output: bump whenever the bytes for a seed change, so cached archives are rewritten. */
export const SYNTH_GENERATOR = "ac1-synth/2";

/** Artifact planted in one repeat. */
export type SynthArtifact =
  /** a clean repeat */
  | "none"
  /** 5 ms railed at the int16 maximum (hundreds of mV) -> "range" */
  | "saturation"
  /** +40 mV held for 30 ms -> "step" */
  | "step"
  /** white noise without the stimulus-locked response (weakly anti-correlated with it) -> "xcorr" */
  | "uncorrelated"
  /** the recording stops during the stimulus: a shorter repeat, otherwise clean -> "kept" */
  | "clipped"
  /** the trigger lies past the end of the trace: an empty repeat -> "range" */
  | "empty"
  /** the trigger's duration is 0 ms: an empty repeat -> "range" */
  | "zero-duration"
  /** the recording stops STUB_SAMPLES samples after the onset: shorter than one bin, otherwise clean -> "kept" */
  | "stub"
  /** the whole trial trace flat at the int16 rail: detrended exactly flat, r = 0 (planted with R >= 3) -> "xcorr" */
  | "flat-rail"
  /** deflections at times no other repeat of the stim shares (R = 3): anti-correlated with the others -> "xcorr" */
  | "unshared";

/** A repeat's gating fate (pipeline.md section 5): the preprocessing's Fate. */
export type GateFate = Fate;

/** The fate each artifact leads to with the default gating thresholds. */
export const FATE_OF_ARTIFACT: Readonly<Record<SynthArtifact, GateFate>> = {
  none: "kept",
  clipped: "kept",
  saturation: "range",
  empty: "range",
  step: "step",
  uncorrelated: "xcorr",
  "zero-duration": "range",
  stub: "kept",
  "flat-rail": "xcorr",
  unshared: "xcorr",
};

/** One of the reference's corners planted on purpose (issue #16), and where. */
export interface SynthCorner {
  /** Stable name tests look corners up by, e.g. "short-repeat-one-bin". */
  id: string;
  /** What is planted and what the reference does with it. */
  what: string;
  /** Sessions involved, in walking order. */
  sessions: string[];
  /** Stim keys involved. */
  stimKeys: (string | number)[][];
  /** Numbers the corner is built on (lengths, rates, ...). */
  facts?: Record<string, number | string>;
}

export interface SynthRepeat {
  /** Release-relative path of the trial/recording file. */
  file: string;
  /** 0-based trigger index in that file. */
  trigger: number;
  /** 0-based onset sample in the trace. */
  onsetSample: number;
  /** Samples in the repeat (after clipping to the trace). */
  length: number;
  artifact: SynthArtifact;
  expectedFate: GateFate;
  /** Sum of the repeat's mV values, added in order (float64): an exact checksum. */
  sum: number;
  /** The first (up to) three mV values. */
  head: number[];
}

export interface SynthStim {
  key: (string | number)[];
  meta: StimMeta;
  sfStimHz: number;
  sfRespHz: number;
  durationMs: number;
  waveformLength: number;
  /** Exact samples of the waveform the walker must produce (Asari: after ramping). */
  waveformProbes: { index: number; value: number }[];
  repeats: SynthRepeat[];
}

export interface SynthCell {
  /** Neuron metadata as the walker yields it (no signal_type). */
  meta: NeuronMeta;
  /** "spikes" for cell-attached cells, else "subthresh". */
  expectedSignalType: "spikes" | "subthresh";
  /** Every repeat of every stim fails the gating: the dataset counts the cell as dropped. */
  expectDropped: boolean;
  stims: SynthStim[];
}

export interface SynthManifest {
  format: "ac1-synth-manifest";
  version: 1;
  /** SYNTH_GENERATOR of the code that wrote the archive. */
  generator: string;
  seed: number;
  scale: SynthScale;
  /** Multiple of the scale's extra cells (absent in manifests written before sizes existed: 1). */
  size: number;
  zips: { name: string; bytes: number; files: number }[];
  /** Cells the walkers yield, Wehr first, then Asari results-1 then results-2 (all sites). */
  cells: SynthCell[];
  /** Session folders the walkers walk but must not yield, and why. */
  notYielded: { experimenter: "wehr" | "asari"; session: string; reason: string; wehrCellIdx?: number }[];
  /** Expected warnings, in walking order (Wehr walk, then Asari walk with both sites). */
  warnings: { code: WalkWarningCode; path: string }[];
  /** Files the walkers must report as skipped (unreadable), in walking order. */
  skippedFiles: string[];
  /** The reference's corners planted on purpose (issue #16). */
  corners: SynthCorner[];
}
