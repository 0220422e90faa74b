// The viewer's listing documents: GET /api/summary (the export at a
// glance), /api/neurons (a row per neuron) and /api/neurons/:n/stims (one
// neuron's stims). Pure functions of the opened export's manifest, its
// provenance and pair list, and the optional evaluation (quality,
// predictions); ViewerData (data.ts) gathers those and validates indices.

import type { RepeatProvenance } from "../dataset/model.js";
import type {
  FateTally,
  NeuronRowJson,
  NeuronStimRowJson,
  NeuronStimsJson,
  QualityJson,
  QualitySource,
  SummaryJson,
} from "./api-types.js";
import { NO_QUALITY, type ViewerEvaluation } from "./evaluation.js";
import {
  bandsPerOctaveOf,
  gatingOf,
  neuronLabel,
  neuronSignalType,
  num,
  stimLabel,
  str,
} from "./manifest.js";
import { addFate, emptyTally } from "./provenance.js";
import { hasRejectedTraces } from "./rejected.js";
import type { PairInfo, ViewerSource } from "./source.js";

/** What the listings are made of: the opened export, its provenance and pairs, and the evaluation if any. */
export interface ListingInputs {
  source: ViewerSource;
  prov: readonly RepeatProvenance[];
  /** Every pair with data, by neuron then stim. */
  pairs: readonly PairInfo[];
  evaluation: ViewerEvaluation | undefined;
}

/** GET /api/summary: the export's facts and tallies, and where its quality and predictions come from. */
export function summaryDocument(
  { source, prov, pairs, evaluation }: ListingInputs,
  fileName: string,
  qualitySource: QualitySource,
): SummaryJson {
  const m = source.manifest;
  const provTally = emptyTally();
  for (const p of prov) addFate(provTally, p.fate);
  let keptRepeats = 0;
  for (const p of pairs) keptRepeats += p.repeats;
  const experimenters = new Set<string>();
  const sites = new Set<string>();
  const signalTypes = new Set<string>();
  for (const n of m.neurons) {
    const e = str(n.experimenter);
    const s = str(n.site);
    const t = str(n.signal_type);
    if (e) experimenters.add(e);
    if (s) sites.add(s);
    if (t) signalTypes.add(t);
  }
  return {
    file: fileName,
    format: m.format ?? null,
    version: m.version ?? null,
    dtMs: m.dt_ms,
    F: m.F,
    audioFs: m.audio_fs ?? null,
    mode: m.audio_fs == null ? "spectrogram" : "waveform",
    signalType: m.signal_type,
    freqsHz: m.freqs_hz,
    options: (m.options ?? {}) as Record<string, unknown>,
    gating: gatingOf(m),
    bandsPerOctave: bandsPerOctaveOf(m),
    stimCount: source.stimCount,
    neuronCount: source.neuronCount,
    pairCount: pairs.length,
    keptRepeats,
    rejections: { ...emptyTally(), ...(m.rejections ?? {}) },
    droppedCellsEmpty: m.dropped_cells_empty ?? 0,
    skippedFiles: m.skipped_files ?? [],
    provenanceAvailable: prov.length > 0,
    provenanceTally: provTally,
    experimenters: [...experimenters].sort(),
    sites: [...sites].sort(),
    signalTypes: [...signalTypes].sort(),
    qualitySource,
    predictions: evaluation?.info() ?? null,
    rejectedTraces: hasRejectedTraces(source),
  };
}

/** GET /api/neurons: a row per neuron (labels, counts, fate tally, quality, predicted pairs). */
export function neuronRows(
  { source, prov, pairs, evaluation }: ListingInputs,
  quality: readonly QualityJson[],
): NeuronRowJson[] {
  const m = source.manifest;
  const N = source.neuronCount;
  const tallies = Array.from({ length: N }, emptyTally);
  for (const p of prov) {
    const t = p.neuron >= 0 ? tallies[p.neuron] : undefined;
    if (t) addFate(t, p.fate);
  }
  const stimCounts = new Array<number>(N).fill(0);
  const repeatCounts = new Array<number>(N).fill(0);
  for (const p of pairs) {
    if (p.neuron < 0 || p.neuron >= N) continue;
    stimCounts[p.neuron] = (stimCounts[p.neuron] ?? 0) + 1;
    repeatCounts[p.neuron] = (repeatCounts[p.neuron] ?? 0) + p.repeats;
  }
  const out: NeuronRowJson[] = [];
  for (let n = 0; n < N; n++) {
    const meta = m.neurons[n] ?? {};
    out.push({
      neuron: n,
      label: neuronLabel(meta, n),
      session: str(meta.session) ?? null,
      experimenter: str(meta.experimenter) ?? null,
      site: str(meta.site) ?? null,
      signalType: neuronSignalType(m, n),
      recordingType: str(meta.recording_type) ?? null,
      animalId: str(meta.animal_id) ?? null,
      date: str(meta.date) ?? null,
      stimCount: stimCounts[n] ?? 0,
      repeatCount: repeatCounts[n] ?? 0,
      tally: prov.length > 0 ? (tallies[n] ?? null) : null,
      quality: quality[n] ?? NO_QUALITY,
      predictedPairs: evaluation?.predictedStims(n).length ?? 0,
      meta,
    });
  }
  return out;
}

/** GET /api/neurons/:n/stims: neuron n's stims (with data or with provenance) and its unregistered stims. */
export function neuronStimsDocument(
  { source, prov, pairs, evaluation }: ListingInputs,
  n: number,
): NeuronStimsJson {
  const m = source.manifest;
  const byStim = new Map<number, FateTally>();
  const unregistered = new Map<string, FateTally>();
  for (const p of prov) {
    if (p.neuron !== n) continue;
    if (p.stim >= 0) {
      const t = byStim.get(p.stim) ?? emptyTally();
      byStim.set(p.stim, t);
      addFate(t, p.fate);
    } else {
      const t = unregistered.get(p.stimKey) ?? emptyTally();
      unregistered.set(p.stimKey, t);
      addFate(t, p.fate);
    }
  }
  const rows = new Map<number, NeuronStimRowJson>();
  const dtMs = m.dt_ms;
  const row = (s: number, pair: PairInfo | undefined): NeuronStimRowJson => {
    const meta = m.stims[s] ?? {};
    return {
      stim: s,
      label: stimLabel(meta, s),
      category: str(meta.category) ?? null,
      experimenter: str(meta.experimenter) ?? null,
      durationS: num(meta.duration_s) ?? null,
      frames: pair?.frames ?? 0,
      lengthS: pair ? (pair.frames * dtMs) / 1000 : 0,
      repeats: pair?.repeats ?? 0,
      hasData: pair !== undefined,
      hasPrediction: evaluation?.prediction(s, n) !== undefined,
      tally: prov.length > 0 ? (byStim.get(s) ?? emptyTally()) : null,
    };
  };
  for (const p of pairs) if (p.neuron === n) rows.set(p.stim, row(p.stim, p));
  for (const s of byStim.keys()) if (!rows.has(s) && s < source.stimCount) rows.set(s, row(s, undefined));
  const stims = [...rows.values()].sort((a, b) => a.stim - b.stim);
  return {
    neuron: n,
    label: neuronLabel(m.neurons[n], n),
    signalType: neuronSignalType(m, n),
    stims,
    unregistered: [...unregistered.entries()].map(([stimKey, tally]) => ({ stimKey, tally })),
  };
}
