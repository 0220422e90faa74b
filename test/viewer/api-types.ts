// The JSON documents of the viewer's HTTP API (src/viewer/data.ts, ViewerData)
// as the tests read them, and the small part of the browser app's state
// (window.ac1viewer, uPlot instances) that the browser tests inspect. The
// server builds these as plain records; these types only describe them.

import type { Histogram } from "../../src/viewer/data.js";

export interface FateCounts {
  kept: number;
  range: number;
  step: number;
  xcorr: number;
}

export interface GatingJson {
  absMvMax: number;
  stepMv: number;
  maxStepFrac: number;
  minXcorr: number;
}

/** GET /api/summary */
export interface SummaryJson {
  file: string;
  format: string | null;
  version: number | null;
  dtMs: number;
  F: number;
  audioFs: number | null;
  mode: "spectrogram" | "waveform";
  signalType: string;
  freqsHz: number[];
  options: Record<string, unknown>;
  gating: GatingJson | null;
  bandsPerOctave: number | null;
  stimCount: number;
  neuronCount: number;
  pairCount: number;
  keptRepeats: number;
  rejections: FateCounts;
  droppedCellsEmpty: number;
  skippedFiles: { path: string; reason: string }[];
  provenanceAvailable: boolean;
  provenanceTally: FateCounts;
  experimenters: string[];
  sites: string[];
  signalTypes: string[];
  cacheControl?: unknown;
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
  tally: FateCounts | null;
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
  hasData: boolean;
  tally: FateCounts | null;
}

/** GET /api/neurons/:n/stims */
export interface NeuronStimsJson {
  neuron: number;
  label: string;
  signalType: string;
  stims: NeuronStimRowJson[];
  unregistered: { stimKey: string; tally: FateCounts }[];
}

/** GET /api/pair/:s/:n?format=json */
export interface PairJson {
  stim: number;
  neuron: number;
  repeats: number;
  frames: number;
  unit: string;
  arrays: Record<string, { shape: number[]; data: (number | null)[] }>;
  [key: string]: unknown;
}

/** One repeat row of GET /api/provenance */
export interface ProvenanceRowJson {
  repeat: number;
  fate: keyof FateCounts;
  maxAbsMv: number | null;
  stepFrac: number | null;
  r: number | null;
  samples: number;
  session: string;
  stimKey: string;
}

/** GET /api/provenance?neuron=n[&stim=s] */
export interface ProvenanceJson {
  neuron: number;
  stim: number | null;
  available: boolean;
  gating: GatingJson | null;
  tally: FateCounts;
  repeats: ProvenanceRowJson[];
  rejected: ProvenanceRowJson[];
}

/** One cell row of GET /api/cohort */
export interface CohortCellJson extends FateCounts {
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

/** The parts of a uPlot instance the browser tests read inside the page. */
export interface UPlotView {
  series: { label: string; width: number }[];
  axes: { label: string }[];
  width: number;
  over: { style: { left: string }; clientWidth: number };
  scales: { x: { min: number; max: number } };
  ctx: {
    canvas: { width: number; height: number };
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

/** The browser app's global state (src/viewer/web/app.js sets window.ac1viewer). */
export interface ViewerWindow {
  ac1viewer: { plots: { responses: UPlotView } };
}

/** The parts of a canvas element canvasStats reads inside the page. */
export interface CanvasView {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** The parts of `document` the browser helpers use inside the page. */
export interface DocumentView {
  querySelector(selector: string): CanvasView | null;
}
