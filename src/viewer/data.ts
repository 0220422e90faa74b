// The viewer's documents: what each API route returns (README.md, "API"),
// computed per request from an opened export (a ViewerSource, source.ts).
// Nothing here reads the whole export: listings come from the manifest and
// the zip directory (pairs()), arrays are read per request and their
// payloads kept in a small LRU cache (lru.ts), and the per-repeat provenance
// table is read once on first use. The listing documents are built by
// listings.ts and the cohort by cohort.ts; this class gathers their inputs,
// validates indices and serves the pair, stim, rejected and score documents.
// The documents are typed by the server/browser contract (api-types.ts); the
// binary form is payload.ts.

import type { RepeatProvenance } from "../dataset/model.js";
import type {
  CohortJson,
  JsonArray,
  NeuronRowJson,
  NeuronScoresJson,
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
import { neuronScoreJson, type ViewerEvaluation } from "./evaluation.js";
import { type ListingInputs, neuronRows, neuronStimsDocument, summaryDocument } from "./listings.js";
import { LruCache } from "./lru.js";
import {
  bandsPerOctaveOf,
  gatingOf,
  neuronLabel,
  neuronSignalType,
  responseUnit,
  stimLabel,
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

  /** The inputs of the listing documents (listings.ts). */
  private async listingInputs(): Promise<ListingInputs> {
    const prov = await this.provenance();
    return { source: this.source, prov, pairs: this.pairsAll(), evaluation: this.evaluation };
  }

  /** GET /api/summary */
  async summary(): Promise<SummaryJson> {
    const inputs = await this.listingInputs();
    return summaryDocument(inputs, this.fileName, (await this.quality()).source);
  }

  /** GET /api/neurons */
  async neurons(): Promise<NeuronRowJson[]> {
    const inputs = await this.listingInputs();
    return neuronRows(inputs, (await this.quality()).rows);
  }

  /** GET /api/neurons/:n/stims */
  async neuronStims(n: number): Promise<NeuronStimsJson> {
    this.checkNeuron(n);
    return neuronStimsDocument(await this.listingInputs(), n);
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
    return this.cachedPayload(`stim:${s}`, async () => {
      const { frames, arrays } = await this.stimArrays(s);
      const header: StimHeader = { ...this.stimHeader(s), frames };
      return { header, arrays };
    });
  }

  /** The AC1P payload cached under `key`, else encoded from `parts()` and cached. */
  private async cachedPayload(
    key: string,
    parts: () => Promise<{ header: object; arrays: PayloadInput[] }>,
  ): Promise<Buffer> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { header, arrays } = await parts();
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
    return this.cachedPayload(`${s}:${n}`, () => this.pairParts(s, n));
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
    return this.cachedPayload(`rej:${s}:${n}`, () => this.rejectedPartsOf(s, n));
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
