// The viewer's documents: what each API route returns (README.md, "API"),
// computed per request from an opened export (a ViewerSource, source.ts).
// Nothing here reads the whole export: listings come from the manifest and
// the zip directory (pairs()), arrays are read per request and their
// payloads kept in a small LRU cache (lru.ts), and the per-repeat provenance
// table is read once on first use. The documents are typed by the
// server/browser contract (api-types.ts); the binary form is payload.ts.

import type { RepeatProvenance } from "../dataset/model.js";
import type {
  CohortJson,
  FateTally,
  JsonArray,
  NeuronRowJson,
  NeuronScoresJson,
  NeuronStimRowJson,
  NeuronStimsJson,
  PairHeader,
  PairJson,
  PairScoresJson,
  ProvenanceJson,
  QualityJson,
  QualitySource,
  RejectedJson,
  ScoresJson,
  StimHeader,
  SummaryJson,
} from "./api-types.js";
import { cohortDocument } from "./cohort.js";
import { NO_QUALITY, neuronScoreJson, type ViewerEvaluation } from "./evaluation.js";
import { LruCache } from "./lru.js";
import {
  bandsPerOctaveOf,
  gatingOf,
  neuronLabel,
  neuronSignalType,
  num,
  responseUnit,
  stimLabel,
  str,
} from "./manifest.js";
import { frameEnvelope, meanOverRepeats } from "./pair-arrays.js";
import { encodePayload, type PayloadInput, payloadJson } from "./payload.js";
import { addFate, emptyTally, provenanceRows } from "./provenance.js";
import { hasRejectedTraces, noRejectedTraces, rejectedParts, rejectedRows, traceRowsOf } from "./rejected.js";
import type { PairInfo, ViewerSource } from "./source.js";

/** A view-specific failure the server maps to an HTTP status. */
export class ViewerRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = "ViewerRequestError";
  }
}

/** Largest number of values GET /api/pair/:s/:n?format=json (or /api/rejected) returns. */
export const MAX_JSON_VALUES = 2_000_000;

/** Payload arrays as JSON (payloadJson), refused (400) above MAX_JSON_VALUES values. */
function jsonArrays(arrays: readonly PayloadInput[], what: string): Record<string, JsonArray> {
  const total = arrays.reduce((a, x) => a + x.data.length, 0);
  if (total > MAX_JSON_VALUES)
    throw new ViewerRequestError(
      400,
      `${what} has ${total} values, too many for JSON (max ${MAX_JSON_VALUES}); use the binary form`,
    );
  return payloadJson(arrays);
}

/**
 * Everything the viewer serves, computed lazily from a ViewerSource. Indices
 * are validated here; bad ones raise ViewerRequestError (400 malformed, 404
 * out of range or no data).
 */
export class ViewerData {
  private provenancePromise: Promise<RepeatProvenance[]> | undefined;
  private traceRows: (number | null)[] | undefined;
  private pairList: PairInfo[] | undefined;
  private pairIndex: Map<string, PairInfo> | undefined;
  private readonly cache = new LruCache<Buffer>(48, 64 * 1024 * 1024);

  /**
   * `evaluation` (evaluation.ts) supplies the quality of an export without
   * stored quality and the predictions of `--pred`; without it the quality
   * comes from the manifest alone and there are no predictions.
   */
  constructor(
    readonly source: ViewerSource,
    readonly fileName: string,
    readonly evaluation?: ViewerEvaluation,
  ) {}

  /** Every neuron's quality and where it comes from. */
  private async quality(): Promise<{ source: QualitySource; rows: QualityJson[] }> {
    if (this.evaluation) return this.evaluation.quality();
    return { source: "absent", rows: [] };
  }

  private requireEvaluation(): ViewerEvaluation {
    const e = this.evaluation;
    if (!e?.predictions)
      throw new ViewerRequestError(404, "no predictions loaded: start the viewer with --pred PRED.npz");
    return e;
  }

  private pairsAll(): PairInfo[] {
    if (!this.pairList) {
      this.pairList = this.source
        .pairs()
        .slice()
        .sort((a, b) => a.neuron - b.neuron || a.stim - b.stim);
      this.pairIndex = new Map(this.pairList.map((p) => [`${p.stim}:${p.neuron}`, p]));
    }
    return this.pairList;
  }

  private pair(stim: number, neuron: number): PairInfo | undefined {
    this.pairsAll();
    return this.pairIndex?.get(`${stim}:${neuron}`);
  }

  /** The per-repeat provenance (empty when the export has none); read once. */
  provenance(): Promise<RepeatProvenance[]> {
    this.provenancePromise ??= this.source.provenance().catch(() => []);
    return this.provenancePromise;
  }

  /** Each provenance record's row in GET /api/rejected (null where none); computed once. */
  private async traceRowsAll(): Promise<(number | null)[]> {
    const prov = await this.provenance();
    this.traceRows ??= traceRowsOf(prov, this.source.neuronCount, hasRejectedTraces(this.source));
    return this.traceRows;
  }

  checkNeuron(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ViewerRequestError(400, `bad neuron index ${n}`);
    if (n >= this.source.neuronCount)
      throw new ViewerRequestError(404, `no neuron ${n} (the export has ${this.source.neuronCount})`);
  }

  checkStim(s: number): void {
    if (!Number.isInteger(s) || s < 0) throw new ViewerRequestError(400, `bad stim index ${s}`);
    if (s >= this.source.stimCount)
      throw new ViewerRequestError(404, `no stim ${s} (the export has ${this.source.stimCount})`);
  }

  /** GET /api/summary */
  async summary(): Promise<SummaryJson> {
    const m = this.source.manifest;
    const prov = await this.provenance();
    const pairs = this.pairsAll();
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
      file: this.fileName,
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
      stimCount: this.source.stimCount,
      neuronCount: this.source.neuronCount,
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
      qualitySource: (await this.quality()).source,
      predictions: this.evaluation?.info() ?? null,
      rejectedTraces: hasRejectedTraces(this.source),
    };
  }

  /** GET /api/neurons */
  async neurons(): Promise<NeuronRowJson[]> {
    const m = this.source.manifest;
    const prov = await this.provenance();
    const N = this.source.neuronCount;
    const tallies = Array.from({ length: N }, emptyTally);
    for (const p of prov) {
      const t = p.neuron >= 0 ? tallies[p.neuron] : undefined;
      if (t) addFate(t, p.fate);
    }
    const stimCounts = new Array<number>(N).fill(0);
    const repeatCounts = new Array<number>(N).fill(0);
    for (const p of this.pairsAll()) {
      if (p.neuron < 0 || p.neuron >= N) continue;
      stimCounts[p.neuron] = (stimCounts[p.neuron] ?? 0) + 1;
      repeatCounts[p.neuron] = (repeatCounts[p.neuron] ?? 0) + p.repeats;
    }
    const quality = (await this.quality()).rows;
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
        predictedPairs: this.evaluation?.predictedStims(n).length ?? 0,
        meta,
      });
    }
    return out;
  }

  /** GET /api/neurons/:n/stims */
  async neuronStims(n: number): Promise<NeuronStimsJson> {
    this.checkNeuron(n);
    const m = this.source.manifest;
    const prov = await this.provenance();
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
        hasPrediction: this.evaluation?.prediction(s, n) !== undefined,
        tally: prov.length > 0 ? (byStim.get(s) ?? emptyTally()) : null,
      };
    };
    for (const p of this.pairsAll()) if (p.neuron === n) rows.set(p.stim, row(p.stim, p));
    for (const s of byStim.keys())
      if (!rows.has(s) && s < this.source.stimCount) rows.set(s, row(s, undefined));
    const stims = [...rows.values()].sort((a, b) => a.stim - b.stim);
    return {
      neuron: n,
      label: neuronLabel(m.neurons[n], n),
      signalType: neuronSignalType(m, n),
      stims,
      unregistered: [...unregistered.entries()].map(([stimKey, tally]) => ({ stimKey, tally })),
    };
  }

  /** GET /api/provenance?neuron=n[&stim=s] */
  async provenanceFor(n: number, s: number | undefined): Promise<ProvenanceJson> {
    this.checkNeuron(n);
    if (s !== undefined) this.checkStim(s);
    const prov = await this.provenance();
    const traceRows = await this.traceRowsAll();
    const gating = gatingOf(this.source.manifest);
    const picked: RepeatProvenance[] = [];
    const pickedRows: (number | null)[] = [];
    prov.forEach((p, i) => {
      if (p.neuron !== n || (s !== undefined && p.stim !== s)) return;
      picked.push(p);
      pickedRows.push(traceRows[i] ?? null);
    });
    const rows = provenanceRows(picked, gating, pickedRows);
    const tally = emptyTally();
    for (const r of rows) addFate(tally, r.fate);
    return {
      neuron: n,
      stim: s ?? null,
      available: prov.length > 0,
      gating,
      tally,
      repeats: rows,
      rejected: rows.filter((r) => r.fate !== "kept"),
      rejectedTraces: hasRejectedTraces(this.source),
    };
  }

  /** GET /api/cohort */
  async cohort(): Promise<CohortJson> {
    return cohortDocument(
      this.source.manifest,
      await this.provenance(),
      this.pairsAll(),
      this.source.neuronCount,
    );
  }

  /** The stim of `s` as payload arrays: (F, T) dB, or per-frame min/max in waveform mode. */
  private async stimArrays(s: number): Promise<{ frames: number; arrays: PayloadInput[] }> {
    const m = this.source.manifest;
    const stim = await this.source.readStim(s);
    if (m.audio_fs != null) {
      const hop = Math.max(1, Math.round((m.audio_fs * m.dt_ms) / 1000));
      const frames = Math.floor(stim.data.length / hop);
      const env = frameEnvelope(stim.data, hop, frames);
      return {
        frames,
        arrays: [
          { name: "stimMin", shape: [frames], data: env.min },
          { name: "stimMax", shape: [frames], data: env.max },
        ],
      };
    }
    const F = stim.shape[stim.shape.length - 2] ?? m.F;
    const frames = stim.shape[stim.shape.length - 1] ?? 0;
    return { frames, arrays: [{ name: "stim", shape: [F, frames], data: stim.data }] };
  }

  private stimHeader(s: number): Omit<StimHeader, "frames"> {
    const m = this.source.manifest;
    return {
      stim: s,
      stimLabel: stimLabel(m.stims[s], s),
      stimMeta: m.stims[s] ?? {},
      dtMs: m.dt_ms,
      mode: m.audio_fs != null ? "waveform" : "spectrogram",
      audioFs: m.audio_fs ?? null,
      freqsHz: m.freqs_hz,
      bandsPerOctave: bandsPerOctaveOf(m),
    };
  }

  /**
   * GET /api/stim/:s — one stim alone (for pairs whose repeats were all
   * rejected), as an AC1P payload with "stim" or "stimMin"/"stimMax".
   */
  async stimPayload(s: number): Promise<Buffer> {
    this.checkStim(s);
    const key = `stim:${s}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { frames, arrays } = await this.stimArrays(s);
    const header: StimHeader = { ...this.stimHeader(s), frames };
    const buf = encodePayload(header, arrays);
    this.cache.set(key, buf, buf.length);
    return buf;
  }

  /** Header and arrays of one pair (see pairPayload). */
  async pairParts(s: number, n: number): Promise<{ header: PairHeader; arrays: PayloadInput[] }> {
    this.checkStim(s);
    this.checkNeuron(n);
    if (!this.pair(s, n)) throw new ViewerRequestError(404, `no data for stim ${s} and neuron ${n}`);
    const m = this.source.manifest;
    const [stim, resp] = await Promise.all([this.stimArrays(s), this.source.readResponse(s, n)]);
    if (!resp) throw new ViewerRequestError(404, `no data for stim ${s} and neuron ${n}`);
    const [R = 0, T = 0] = resp.shape;
    const arrays: PayloadInput[] = [
      ...stim.arrays,
      { name: "responses", shape: [R, T], data: resp.data },
      { name: "mean", shape: [T], data: meanOverRepeats(resp) },
    ];
    // readPredictions checked its length against this pair's T.
    const pred = this.evaluation?.prediction(s, n);
    if (pred) arrays.push({ name: "prediction", shape: [T], data: Float32Array.from(pred.data) });
    const signalType = neuronSignalType(m, n);
    const header: PairHeader = {
      ...this.stimHeader(s),
      neuron: n,
      neuronLabel: neuronLabel(m.neurons[n], n),
      neuronMeta: m.neurons[n] ?? {},
      signalType,
      ...responseUnit(signalType),
      repeats: R,
      frames: T,
      hasPrediction: pred !== undefined,
    };
    return { header, arrays };
  }

  /**
   * GET /api/pair/:s/:n — the stim and every kept repeat of one pair, plus
   * their mean, as an AC1P binary payload (see payload.ts). In
   * spectrogram mode the stim is "stim" (F, T) in dB; in waveform mode it is
   * summarised per frame as "stimMin"/"stimMax" (T) so the payload stays small.
   */
  async pairPayload(s: number, n: number): Promise<Buffer> {
    const key = `${s}:${n}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { header, arrays } = await this.pairParts(s, n);
    const buf = encodePayload(header, arrays);
    this.cache.set(key, buf, buf.length);
    return buf;
  }

  /**
   * GET /api/pair/:s/:n?format=json — the same as plain JSON (arrays as
   * {shape, data} with row-major numbers, NaN as null), for scripts and
   * small pairs; refused above MAX_JSON_VALUES values.
   */
  async pairJson(s: number, n: number): Promise<PairJson> {
    const { header, arrays } = await this.pairParts(s, n);
    return { ...header, arrays: jsonArrays(arrays, `pair (${s}, ${n})`) };
  }

  /** Header and arrays of a pair's rejected repeats (see rejectedPayload). */
  private async rejectedPartsOf(s: number, n: number) {
    this.checkStim(s);
    this.checkNeuron(n);
    const rows = rejectedRows(await this.provenance(), s, n);
    const why = noRejectedTraces(this.source, rows, s, n);
    if (why) throw new ViewerRequestError(404, why);
    return rejectedParts(this.source, rows, s, n, this.pair(s, n)?.frames ?? 0);
  }

  /**
   * GET /api/rejected/:s/:n — the rejected repeats of one pair (exports built
   * with `--keep-rejected`; 404 otherwise, saying so), detrended and binned,
   * in mV, as an AC1P payload with the array "rejected" (rows, frames). Also
   * for a pair whose every repeat was rejected.
   */
  async rejectedPayload(s: number, n: number): Promise<Buffer> {
    const key = `rej:${s}:${n}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { header, arrays } = await this.rejectedPartsOf(s, n);
    const buf = encodePayload(header, arrays);
    this.cache.set(key, buf, buf.length);
    return buf;
  }

  /** GET /api/rejected/:s/:n?format=json — the same as plain JSON (NaN as null). */
  async rejectedJson(s: number, n: number): Promise<RejectedJson> {
    const { header, arrays } = await this.rejectedPartsOf(s, n);
    return { ...header, arrays: jsonArrays(arrays, `the rejected repeats of (${s}, ${n})`) };
  }

  /** GET /api/scores — `ac1 score --json` for the loaded predictions (404 without `--pred`). */
  async scores(): Promise<ScoresJson> {
    return (await this.requireEvaluation().scores()) as ScoresJson;
  }

  /** GET /api/scores/neuron/:n — neuron n's score over its predicted pairs (null without one). */
  async neuronScores(n: number): Promise<NeuronScoresJson> {
    this.checkNeuron(n);
    const e = this.requireEvaluation();
    const score = e.neuronScore(n);
    return { neuron: n, stims: e.predictedStims(n), score: score ? neuronScoreJson(await score) : null };
  }

  /** GET /api/scores/pair/:s/:n — the pair's own score and its neuron's (404 for a pair without data). */
  async pairScores(s: number, n: number): Promise<PairScoresJson> {
    this.checkStim(s);
    this.checkNeuron(n);
    if (!this.pair(s, n)) throw new ViewerRequestError(404, `no data for stim ${s} and neuron ${n}`);
    const e = this.requireEvaluation();
    const pairScore = e.pairScore(s, n);
    const neuronScore = e.neuronScore(n);
    return {
      stim: s,
      neuron: n,
      key: e.prediction(s, n)?.key ?? null,
      pair: pairScore ? await pairScore : null,
      stims: e.predictedStims(n),
      score: neuronScore ? neuronScoreJson(await neuronScore) : null,
    };
  }
}
