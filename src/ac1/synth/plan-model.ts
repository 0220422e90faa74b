// What a synthetic release plan is made of: the stimulus files, sessions,
// trial and recording files and triggers it lists, the sample rates, the two
// scales, and the two draws both halves of the plan share (a cell's
// parameters, a pick of distinct items). The plan itself is built by
// plan-wehr.ts and plan-asari.ts, composed in plan.ts.

import type { Rng } from "../../random/index.js";
import type { Site } from "../types.js";
import type { SynthArtifact, SynthCorner, SynthScale } from "./manifest.js";

export const WEHR_STIM_SF_HZ = 44100;
export const WEHR_RESP_SF_HZ = 4000;
export const ASARI_STIM_SF_HZ = 97656;
export const ASARI_RESP_SF_HZ = 10000;

/** What a scale changes: durations, how many stims and extra cells, repeats and recordings. */
export interface ScaleParams {
  stimSec: [number, number];
  segSec: [number, number];
  wehrFragments: number;
  wehrPerCategory: number;
  asariPerClass: number;
  extraWehrCells: number;
  extraAsariCells: number;
  extraRepeats: [number, number];
  extraStimsPerCell: [number, number];
  extraRecordings: [number, number];
  /** Repeats and stims of an extra Asari cell, when they differ from a Wehr cell's (extraRepeats, extraStimsPerCell). */
  asariRepeats?: [number, number];
  asariStimsPerCell?: [number, number];
  /** Segments per sequence of an extra Asari cell (inclusive range). */
  asariSeqSegments: [number, number];
  /** Segment files in an extra Asari cell's param.stimulus list. */
  asariStimulusFiles: number;
  /** Every this-many-th extra Asari cell (0, k, 2k, ...) is an A1 whole-cell cell, the others MGB cell-attached. */
  asariA1Every: number;
}

export const SCALES: Readonly<Record<SynthScale, ScaleParams>> = {
  small: {
    stimSec: [0.3, 0.7],
    segSec: [0.12, 0.3],
    wehrFragments: 4,
    wehrPerCategory: 2,
    asariPerClass: 3,
    extraWehrCells: 0,
    extraAsariCells: 0,
    extraRepeats: [3, 5],
    extraStimsPerCell: [2, 3],
    extraRecordings: [1, 2],
    asariSeqSegments: [1, 4],
    asariStimulusFiles: 6,
    asariA1Every: 2,
  },
  bench: {
    stimSec: [1.5, 3.5],
    segSec: [0.6, 1.6],
    wehrFragments: 12,
    wehrPerCategory: 6,
    asariPerClass: 8,
    extraWehrCells: 20,
    extraAsariCells: 36,
    extraRepeats: [14, 20],
    extraStimsPerCell: [5, 8],
    extraRecordings: [3, 5],
    asariSeqSegments: [1, 4],
    asariStimulusFiles: 6,
    asariA1Every: 2,
  },
  // The other shape of archive (issue #13): long spliced Asari sequences at
  // 97656 Hz, few repeats per stim, mostly cell-attached MGB cells, many Wehr
  // stims: per repeat far more stimulus than in "bench".
  stims: {
    stimSec: [1.5, 4],
    segSec: [1.5, 3.2],
    wehrFragments: 24,
    wehrPerCategory: 12,
    asariPerClass: 6,
    extraWehrCells: 12,
    extraAsariCells: 10,
    extraRepeats: [3, 5],
    extraStimsPerCell: [4, 6],
    extraRecordings: [1, 2],
    asariRepeats: [4, 6],
    asariStimsPerCell: [2, 3],
    asariSeqSegments: [4, 8],
    asariStimulusFiles: 10,
    asariA1Every: 4,
  },
};

/** A scale's parameters with `size` times its extra cells (size 1: the scale itself). */
export function scaleParams(scale: SynthScale, size: number): ScaleParams {
  const P = SCALES[scale];
  if (size === 1) return P;
  return { ...P, extraWehrCells: P.extraWehrCells * size, extraAsariCells: P.extraAsariCells * size };
}

export interface WehrStimFile {
  folder: string;
  /** File stem as written ("3", the non-integer "7b", or one Python's int() reads: "+8", " 7", "1_0"). */
  stem: string;
  /** What the reference's int(stem) gives (the stim's idx), written out by the planner; null: int() refuses. */
  idx: number | null;
  /** Sample rate of the file (default WEHR_STIM_SF_HZ). */
  sfHz?: number;
  path: string;
  description: string;
  durationMs: number;
  wave: Float64Array;
}

export interface WehrTrial {
  file: string;
  kind: "natural" | "tone" | "corrupt";
  typeText: string;
  description: string;
  durationMs: number;
  /** Stim file the description resolves to (undefined: unknown description). */
  stim?: WehrStimFile;
  artifact: SynthArtifact;
  /** Append a second (tone) trigger that the walker must ignore. */
  secondTrigger: boolean;
}

/** Samples a "stub" repeat keeps: fewer than one 5 ms bin at 4 or 10 kHz. */
export const STUB_SAMPLES = 7;

export interface WehrSession {
  name: string;
  cellIdx: number;
  trials: WehrTrial[];
  malformed: boolean;
  cell: CellParams;
}

export interface AsariSegmentFile {
  /** Canonical file text, e.g. "class3/3l.mat". */
  file: string;
  path: string;
  sfHz: number;
  samplesField: "sample" | "samples";
  wave: Float64Array;
}

export interface AsariTrigger {
  typeText: string;
  description: string;
  kind: "repeat" | "tone" | "no-sequence" | "bad-index" | "rate-mismatch" | "missing-segment";
  /** Segment files (canonical) for natural triggers that resolve. */
  segments?: AsariSegmentFile[];
  /** File strings as stored in param.stimulus (the stim key). */
  files?: string[];
  positions?: number[];
  artifact: SynthArtifact;
  /** For "unshared" repeats: which third of the 40 ms slots carries this repeat's own deflections. */
  slot?: number;
  /** For "missing-segment": the first file of the sequence that is not in Stimuli. */
  missingSegment?: string;
}

export interface AsariRecording {
  file: string;
  kind: "normal" | "corrupt" | "no-param" | "no-triggers";
  stimulusFiles: string[];
  recording?: { site?: string; type: string };
  triggers: AsariTrigger[];
}

export interface AsariSession {
  root: "crcns-ac1-asari-results-1/asari-results-1" | "crcns-ac1-asari-results-2/asari-results-2";
  name: string;
  recordings: AsariRecording[];
  site: Site;
  recordingType: string;
  yields: boolean;
  /** Why the walker must not yield the session (default: no usable natural-sound trigger). */
  notYieldedReason?: string;
  cell: CellParams;
}

export interface CellParams {
  seedLabel: string;
  baselineMv: number;
  driftMv: number;
  noiseMv: number;
  pspPeakMv: number;
  /** Spike amplitude in mV for cell-attached cells; 0 for whole-cell. */
  spikeMv: number;
  scale: number;
}

export interface SynthPlan {
  seed: number;
  scale: SynthScale;
  /** Multiple of the scale's extra cells (1: the scale as defined). */
  size: number;
  wehrStims: WehrStimFile[];
  wehrSessions: WehrSession[];
  /** Non-session folders under Results (ignored by the walker). */
  wehrOtherFolders: string[];
  asariSegments: AsariSegmentFile[];
  asariSessions: AsariSession[];
  /** The reference's corners planted on purpose (issue #16), recorded in the manifest. */
  corners: SynthCorner[];
}

/** A cell's recording parameters, drawn in a fixed order (the plan's stream depends on it). */
export function cellParams(rng: Rng, label: string, spikes: boolean): CellParams {
  return {
    seedLabel: label,
    baselineMv: rng.range(-66, -56),
    driftMv: rng.range(0.8, 3),
    noiseMv: rng.range(0.5, 0.9),
    pspPeakMv: spikes ? rng.range(5, 8) : rng.range(5, 11),
    spikeMv: spikes ? rng.range(25, 55) : 0,
    // mV per int16 unit; MATLAB stores these as doubles
    scale: rng.pick([0.0125, 0.01, 0.015625]),
  };
}

/** n distinct items: the first n of a Fisher-Yates shuffle of a copy (all of them when n is larger). */
export function pickDistinct<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, Math.min(n, copy.length));
}
