// The viewer's data layer: turns an opened .npz export (read lazily through
// the export reader) into the small JSON documents and binary payloads the
// browser app asks for, one view at a time. Nothing here reads the whole
// export: listings come from the manifest and the zip directory (pairs()),
// arrays are read per request and kept in a small LRU cache, and the
// per-repeat provenance table is read once on first use.

import type { Fate, RepeatProvenance, Tensor } from "../dataset/model.js";

/** One (stim, neuron) pair present in the export, from the zip directory. */
export interface PairInfo {
  stim: number;
  neuron: number;
  repeats: number;
  frames: number;
}

/** The parts of the export manifest (interchange.md) the viewer reads. */
export interface ViewerManifest {
  dt_ms: number;
  F: number;
  audio_fs: number | null;
  signal_type: string;
  freqs_hz: number[];
  options?: object;
  stims: Record<string, unknown>[];
  neurons: Record<string, unknown>[];
  rejections?: Partial<Record<Fate, number>>;
  dropped_cells_empty?: number;
  skipped_files?: { path: string; reason: string }[];
  [key: string]: unknown;
}

/**
 * What the viewer needs from an opened export: the subset of the export
 * reader's ExportView (src/export) it calls. Any object of this shape works,
 * which keeps the viewer testable and independent of the reader's internals.
 */
export interface ViewerSource {
  manifest: ViewerManifest;
  stimCount: number;
  neuronCount: number;
  pairs(): PairInfo[];
  readStim(stim: number): Promise<Tensor>;
  readResponse(stim: number, neuron: number): Promise<Tensor | null>;
  provenance(): Promise<RepeatProvenance[]>;
  close(): Promise<void> | void;
}

export interface FateTally {
  kept: number;
  range: number;
  step: number;
  xcorr: number;
}

const FATES: readonly Fate[] = ["kept", "range", "step", "xcorr"];

function emptyTally(): FateTally {
  return { kept: 0, range: 0, step: 0, xcorr: 0 };
}

/** Unit of a response trace for a neuron's signal type. */
export function responseUnit(signalType: string | undefined): { quantity: string; unit: string } {
  return signalType === "spikes"
    ? { quantity: "spike rate", unit: "a.u." }
    : { quantity: "membrane potential", unit: "mV" };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A short human label for a stim from its metadata. */
export function stimLabel(meta: Record<string, unknown> | undefined, stim: number): string {
  const description = str(meta?.description);
  if (description && description.length > 0) return description;
  const sequence = str(meta?.sequence);
  if (sequence) return sequence;
  return `stim ${stim}`;
}

/** A short human label for a neuron from its metadata. */
export function neuronLabel(meta: Record<string, unknown> | undefined, neuron: number): string {
  return str(meta?.session) ?? `neuron ${neuron}`;
}

/** A histogram over fixed bins: counts[i] covers [edges[i], edges[i+1]). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Upper bound on histogram bins, whatever the values. */
const MAX_HISTOGRAM_BINS = 1000;

/** "Nice" step (1, 2, 5 x 10^k) giving roughly `target` bins over `span`. */
function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / target;
  if (!(raw >= Number.MIN_VALUE * 1e20)) return span; // subnormal spans: one bin
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return nice * pow;
}

/**
 * Histogram of `values` with nice bin edges starting at 0 (the quantities
 * here are lengths and counts). With `integer`, bins have whole-number widths
 * so that small counts get one bin per value.
 */
export function histogram(
  values: readonly number[],
  opts: { integer?: boolean; targetBins?: number } = {},
): Histogram {
  const target = opts.targetBins ?? 20;
  let max = 0;
  for (const v of values) if (v > max) max = v;
  let step = niceStep(max, target);
  if (opts.integer) step = Math.max(1, Math.round(step));
  const nBins = Math.min(MAX_HISTOGRAM_BINS, Math.max(1, Math.floor(max / step) + 1));
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) edges.push(Number((i * step).toPrecision(12)));
  const counts = new Array<number>(nBins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) continue;
    const i = Math.min(nBins - 1, Math.floor(v / step));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { edges, counts };
}

/** Keeps at most `capacity` entries (and at most `maxBytes` in total), least recently used out first. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    while (this.map.size > this.capacity || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const entry = this.map.get(oldest.value);
      this.map.delete(oldest.value);
      this.bytes -= entry?.bytes ?? 0;
    }
  }

  get size(): number {
    return this.map.size;
  }
}

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

/** One binary array inside a pair payload. */
export interface PayloadArray {
  name: string;
  shape: number[];
  /** Byte offset from the start of the float32 data section. */
  offset: number;
}

/** One array to put in a payload. */
export interface PayloadInput {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Largest number of values GET /api/pair/:s/:n?format=json returns. */
export const MAX_JSON_VALUES = 2_000_000;

/** Magic at the start of a binary pair payload ("AC1P"). */
export const PAIR_MAGIC = 0x50314341;

/**
 * Encodes a JSON header plus float32 arrays as one buffer:
 * magic u32 LE "AC1P" | header byte length u32 LE | UTF-8 JSON header padded
 * with spaces to a multiple of 4 | the arrays, float32 little-endian, in the
 * order of header.arrays (offsets relative to the start of the data).
 */
export function encodePayload(
  header: Record<string, unknown>,
  arrays: { name: string; shape: number[]; data: Float32Array }[],
): Buffer {
  const layout: PayloadArray[] = [];
  let offset = 0;
  for (const a of arrays) {
    layout.push({ name: a.name, shape: a.shape, offset });
    offset += a.data.length * 4;
  }
  let json = Buffer.from(JSON.stringify({ ...header, arrays: layout }), "utf8");
  const pad = (4 - (json.length % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeUInt32LE(PAIR_MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const a of arrays) {
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    if (isLittleEndian) bytes.copy(out, at);
    else for (let i = 0; i < a.data.length; i++) out.writeFloatLE(a.data[i] as number, at + i * 4);
    at += a.data.length * 4;
  }
  return out;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes what encodePayload wrote (used by tests and tools). */
export function decodePayload(buf: Uint8Array): {
  header: Record<string, unknown> & { arrays: PayloadArray[] };
  arrays: Map<string, Float32Array>;
} {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 8 || view.getUint32(0, true) !== PAIR_MAGIC) throw new Error("not an AC1P payload");
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > buf.byteLength) throw new Error("AC1P header runs past the end");
  const header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLength).toString("utf8"));
  const base = 8 + headerLength;
  const arrays = new Map<string, Float32Array>();
  for (const a of header.arrays as PayloadArray[]) {
    const n = a.shape.reduce((p, q) => p * q, 1);
    if (base + a.offset + n * 4 > buf.byteLength) throw new Error(`AC1P array ${a.name} runs past the end`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(base + a.offset + i * 4, true);
    arrays.set(a.name, out);
  }
  return { header, arrays };
}

/** Per-frame min and max of a waveform-mode stim (T frames of `hop` samples). */
export function frameEnvelope(
  wave: Float32Array,
  hop: number,
  frames: number,
): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(frames);
  const max = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const end = Math.min(wave.length, (t + 1) * hop);
    for (let i = t * hop; i < end; i++) {
      const v = wave[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[t] = lo === Number.POSITIVE_INFINITY ? 0 : lo;
    max[t] = hi === Number.NEGATIVE_INFINITY ? 0 : hi;
  }
  return { min, max };
}

/** NaN-ignoring mean over the rows of an (R, T) block. */
export function meanOverRepeats(block: Tensor): Float32Array {
  const [R = 0, T = 0] = block.shape;
  const sum = new Float64Array(T);
  const count = new Uint32Array(T);
  for (let r = 0; r < R; r++) {
    const base = r * T;
    for (let t = 0; t < T; t++) {
      const v = block.data[base + t] as number;
      if (!Number.isNaN(v)) {
        sum[t] = (sum[t] as number) + v;
        count[t] = (count[t] as number) + 1;
      }
    }
  }
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++)
    out[t] = (count[t] as number) > 0 ? (sum[t] as number) / (count[t] as number) : Number.NaN;
  return out;
}

/** Serialisable provenance row (NaN statistics become null in JSON). */
export interface ProvenanceRow {
  repeat: number;
  fate: Fate;
  maxAbsMv: number | null;
  stepFrac: number | null;
  r: number | null;
  samples: number;
  session: string;
  stimKey: string;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function toRow(p: RepeatProvenance): ProvenanceRow {
  return {
    repeat: p.repeat,
    fate: p.fate,
    maxAbsMv: finiteOrNull(p.maxAbsMv),
    stepFrac: finiteOrNull(p.stepFrac),
    r: finiteOrNull(p.r),
    samples: p.samples,
    session: p.session,
    stimKey: p.stimKey,
  };
}

function addFate(t: FateTally, fate: Fate): void {
  if (FATES.includes(fate)) t[fate] += 1;
}

/**
 * Everything the viewer serves, computed lazily from a ViewerSource. Indices
 * are validated here; bad ones raise ViewerRequestError (400 malformed, 404
 * out of range or no data).
 */
export class ViewerData {
  private provenancePromise: Promise<RepeatProvenance[]> | undefined;
  private pairList: PairInfo[] | undefined;
  private pairIndex: Map<string, PairInfo> | undefined;
  private readonly cache = new LruCache<Buffer>(48, 64 * 1024 * 1024);

  constructor(
    readonly source: ViewerSource,
    readonly fileName: string,
  ) {}

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

  private neuronSignalType(n: number): string {
    return str(this.source.manifest.neurons[n]?.signal_type) ?? this.source.manifest.signal_type;
  }

  /** The gating thresholds of the build (manifest options use snake_case keys). */
  gating(): { absMvMax: number; stepMv: number; maxStepFrac: number; minXcorr: number } | null {
    const g = (this.source.manifest.options as { gating?: Record<string, unknown> } | undefined)?.gating;
    if (!g) return null;
    const pick = (snake: string, camel: string) => num(g[snake]) ?? num(g[camel]);
    const absMvMax = pick("abs_mv_max", "absMvMax");
    const stepMv = pick("step_mv", "stepMv");
    const maxStepFrac = pick("max_step_frac", "maxStepFrac");
    const minXcorr = pick("min_xcorr", "minXcorr");
    if (absMvMax === undefined || stepMv === undefined || maxStepFrac === undefined || minXcorr === undefined)
      return null;
    return { absMvMax, stepMv, maxStepFrac, minXcorr };
  }

  /** Bands per octave of the spectrogram (from the options, else from the band centres). */
  bandsPerOctave(): number | null {
    const o = this.source.manifest.options as Record<string, unknown> | undefined;
    const b = num(o?.bins_per_octave) ?? num(o?.binsPerOctave);
    if (b !== undefined) return b;
    const f = this.source.manifest.freqs_hz;
    if (f.length > 1 && (f[0] as number) > 0)
      return Math.max(1, Math.round(1 / Math.log2((f[1] as number) / (f[0] as number))));
    return null;
  }

  /** GET /api/summary */
  async summary(): Promise<Record<string, unknown>> {
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
      options: m.options ?? {},
      gating: this.gating(),
      bandsPerOctave: this.bandsPerOctave(),
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
    };
  }

  /** GET /api/neurons */
  async neurons(): Promise<Record<string, unknown>[]> {
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
      stimCounts[p.neuron] = (stimCounts[p.neuron] as number) + 1;
      repeatCounts[p.neuron] = (repeatCounts[p.neuron] as number) + p.repeats;
    }
    const out: Record<string, unknown>[] = [];
    for (let n = 0; n < N; n++) {
      const meta = m.neurons[n] ?? {};
      out.push({
        neuron: n,
        label: neuronLabel(meta, n),
        session: str(meta.session) ?? null,
        experimenter: str(meta.experimenter) ?? null,
        site: str(meta.site) ?? null,
        signalType: this.neuronSignalType(n),
        recordingType: str(meta.recording_type) ?? null,
        animalId: str(meta.animal_id) ?? null,
        date: str(meta.date) ?? null,
        stimCount: stimCounts[n],
        repeatCount: repeatCounts[n],
        tally: prov.length > 0 ? tallies[n] : null,
        meta,
      });
    }
    return out;
  }

  /** GET /api/neurons/:n/stims */
  async neuronStims(n: number): Promise<Record<string, unknown>> {
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
    const rows = new Map<number, Record<string, unknown>>();
    const dtMs = m.dt_ms;
    const row = (s: number, pair: PairInfo | undefined): Record<string, unknown> => {
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
        tally: prov.length > 0 ? (byStim.get(s) ?? emptyTally()) : null,
      };
    };
    for (const p of this.pairsAll()) if (p.neuron === n) rows.set(p.stim, row(p.stim, p));
    for (const s of byStim.keys())
      if (!rows.has(s) && s < this.source.stimCount) rows.set(s, row(s, undefined));
    const stims = [...rows.values()].sort((a, b) => (a.stim as number) - (b.stim as number));
    return {
      neuron: n,
      label: neuronLabel(m.neurons[n], n),
      signalType: this.neuronSignalType(n),
      stims,
      unregistered: [...unregistered.entries()].map(([stimKey, tally]) => ({ stimKey, tally })),
    };
  }

  /** GET /api/provenance?neuron=n[&stim=s] */
  async provenanceFor(n: number, s: number | undefined): Promise<Record<string, unknown>> {
    this.checkNeuron(n);
    if (s !== undefined) this.checkStim(s);
    const prov = await this.provenance();
    const rows = prov.filter((p) => p.neuron === n && (s === undefined || p.stim === s)).map(toRow);
    const tally = emptyTally();
    for (const r of rows) addFate(tally, r.fate);
    return {
      neuron: n,
      stim: s ?? null,
      available: prov.length > 0,
      gating: this.gating(),
      tally,
      repeats: rows,
      rejected: rows.filter((r) => r.fate !== "kept"),
    };
  }

  /** GET /api/cohort */
  async cohort(): Promise<Record<string, unknown>> {
    const m = this.source.manifest;
    const prov = await this.provenance();
    const pairs = this.pairsAll();
    // One row per recorded cell, dropped ones included (keyed by experimenter + session).
    const cells = new Map<
      string,
      { neuron: number; session: string; experimenter: string; tally: FateTally }
    >();
    for (const p of prov) {
      const key = `${p.experimenter}\u0000${p.session}`;
      const c = cells.get(key) ?? {
        neuron: p.neuron,
        session: p.session,
        experimenter: p.experimenter,
        tally: emptyTally(),
      };
      cells.set(key, c);
      if (p.neuron >= 0) c.neuron = p.neuron;
      addFate(c.tally, p.fate);
    }
    let cellRows: Record<string, unknown>[];
    if (prov.length > 0) {
      cellRows = [...cells.values()]
        .sort(
          (a, b) =>
            (a.neuron < 0 ? 1e9 : a.neuron) - (b.neuron < 0 ? 1e9 : b.neuron) ||
            a.session.localeCompare(b.session),
        )
        .map((c) => ({
          neuron: c.neuron,
          label: c.session,
          experimenter: c.experimenter,
          site: c.neuron >= 0 ? (str(m.neurons[c.neuron]?.site) ?? null) : null,
          dropped: c.neuron < 0,
          ...c.tally,
        }));
    } else {
      // Without provenance only kept repeats are known (from the export itself).
      const kept = new Array<number>(this.source.neuronCount).fill(0);
      for (const p of pairs)
        if (p.neuron >= 0 && p.neuron < kept.length) kept[p.neuron] = (kept[p.neuron] as number) + p.repeats;
      cellRows = kept.map((k, n) => ({
        neuron: n,
        label: neuronLabel(m.neurons[n], n),
        experimenter: str(m.neurons[n]?.experimenter) ?? null,
        site: str(m.neurons[n]?.site) ?? null,
        dropped: false,
        kept: k,
        range: 0,
        step: 0,
        xcorr: 0,
      }));
    }
    const dtMs = m.dt_ms;
    return {
      provenanceAvailable: prov.length > 0,
      cells: cellRows,
      responseLengthS: histogram(pairs.map((p) => (p.frames * dtMs) / 1000)),
      repeatCount: histogram(
        pairs.map((p) => p.repeats),
        { integer: true },
      ),
      pairCount: pairs.length,
    };
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

  private stimHeader(s: number): Record<string, unknown> {
    const m = this.source.manifest;
    return {
      stim: s,
      stimLabel: stimLabel(m.stims[s], s),
      stimMeta: m.stims[s] ?? {},
      dtMs: m.dt_ms,
      mode: m.audio_fs != null ? "waveform" : "spectrogram",
      audioFs: m.audio_fs ?? null,
      freqsHz: m.freqs_hz,
      bandsPerOctave: this.bandsPerOctave(),
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
    const buf = encodePayload({ ...this.stimHeader(s), frames }, arrays);
    this.cache.set(key, buf, buf.length);
    return buf;
  }

  /** Header and arrays of one pair (see pairPayload). */
  async pairParts(
    s: number,
    n: number,
  ): Promise<{ header: Record<string, unknown>; arrays: PayloadInput[] }> {
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
    const signalType = this.neuronSignalType(n);
    const header = {
      ...this.stimHeader(s),
      neuron: n,
      neuronLabel: neuronLabel(m.neurons[n], n),
      neuronMeta: m.neurons[n] ?? {},
      signalType,
      ...responseUnit(signalType),
      repeats: R,
      frames: T,
    };
    return { header, arrays };
  }

  /**
   * GET /api/pair/:s/:n — the stim and every kept repeat of one pair, plus
   * their mean, as an AC1P binary payload (see encodePayload). In
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
  async pairJson(s: number, n: number): Promise<Record<string, unknown>> {
    const { header, arrays } = await this.pairParts(s, n);
    const total = arrays.reduce((a, x) => a + x.data.length, 0);
    if (total > MAX_JSON_VALUES) {
      throw new ViewerRequestError(
        400,
        `pair (${s}, ${n}) has ${total} values, too many for JSON (max ${MAX_JSON_VALUES}); use the binary form`,
      );
    }
    const out: Record<string, { shape: number[]; data: (number | null)[] }> = {};
    for (const a of arrays)
      out[a.name] = { shape: a.shape, data: Array.from(a.data, (v) => (Number.isFinite(v) ? v : null)) };
    return { ...header, arrays: out };
  }
}
