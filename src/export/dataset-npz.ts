// The dataset export ("ac1-npz", version 1, ../shared/spec/interchange.md):
// writing a DatasetData as a NumPy .npz (manifest, stim_<s>, resp_<s>_<n>,
// plus per-repeat provenance as parallel prov_* arrays, and the modeller
// keys of modeller.ts: spk_<s>_<n>, rej_<s>_<n>, units, time, splits, ...),
// loading it back in full (readDatasetNpz) and opening it lazily for the
// viewer (openDatasetExport).

import type { NeuronMeta } from "../ac1/types.js";
import type {
  CohortSignalType,
  CountBlock,
  DatasetData,
  DatasetOptions,
  Fate,
  RejectionTally,
  RepeatProvenance,
  ResponseBlock,
  SkippedFile,
  Tensor,
} from "../dataset/model.js";
import { qualityFromJson, qualityToJson } from "../dataset/quality.js";
import { ExportError } from "./errors.js";
import { addModellerKeys, ModellerArrays, metadataOf, modellerArrays, parseSplit } from "./modeller.js";
import { encodeUnicodeScalar } from "./npy.js";
import { NpzReader, type NpzReaderOptions } from "./npz-reader.js";
import { NpzWriter } from "./npz-writer.js";

export const EXPORT_FORMAT = "ac1-npz";
export const EXPORT_VERSION = 1;
/** Code table of prov_fate (manifest.provenance.fates). */
export const FATE_CODES: readonly Fate[] = ["range", "step", "xcorr", "kept"];

/** The options block of the manifest: every effective option, reference-style snake_case keys. */
export interface ManifestOptions {
  path: string;
  experimenter: string[];
  sites: string[];
  dt_ms: number;
  fmin: number;
  fmax: number;
  bins_per_octave: number;
  window_ms: number;
  detrend_med_ms: number;
  detrend_gauss_ms: number;
  gating: { abs_mv_max: number; step_mv: number; max_step_frac: number; min_xcorr: number };
  return_waveform: boolean;
  audio_fs: number;
  keep_rejected?: boolean;
}

export interface ExportManifest {
  format: string;
  version: number;
  dt_ms: number;
  F: number;
  audio_fs: number | null;
  signal_type: string;
  freqs_hz: number[];
  options: ManifestOptions;
  stims: Record<string, unknown>[];
  neurons: Record<string, unknown>[];
  rejections: RejectionTally;
  dropped_cells_empty: number;
  skipped_files: SkippedFile[];
  // beyond the spec (optional for readers)
  hop?: number;
  species?: string;
  hearing_range_hz?: [number, number];
  provenance?: {
    count: number;
    fates: string[];
    sessions: string[];
    experimenters: string[];
    stim_keys: string[];
  };
  [key: string]: unknown;
}

export interface WriteDatasetOptions {
  /** Deflate members (default true). The build cache stores them uncompressed. */
  compress?: boolean;
  /** Deflate level 1..9 when compressing (default 6). */
  compressionLevel?: number;
  /** Called after each array with payload bytes written so far and in total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Extra top-level manifest fields (e.g. the build cache's own record); must not clash with the spec's keys. */
  manifestExtra?: Record<string, unknown>;
}

function toManifestOptions(o: DatasetOptions): ManifestOptions {
  return {
    path: o.path,
    experimenter: [...o.experimenter],
    sites: [...o.sites],
    dt_ms: o.dtMs,
    fmin: o.fmin,
    fmax: o.fmax,
    bins_per_octave: o.binsPerOctave,
    window_ms: o.windowMs,
    detrend_med_ms: o.detrendMedMs,
    detrend_gauss_ms: o.detrendGaussMs,
    gating: {
      abs_mv_max: o.gating.absMvMax,
      step_mv: o.gating.stepMv,
      max_step_frac: o.gating.maxStepFrac,
      min_xcorr: o.gating.minXcorr,
    },
    return_waveform: o.returnWaveform,
    audio_fs: o.audioFs,
    keep_rejected: o.keepRejected,
  };
}

/** JSON text of the manifest; refuses values JSON cannot hold instead of silently turning them into null. */
function manifestJson(m: ExportManifest): string {
  const check = (v: unknown, at: string): void => {
    if (typeof v === "number") {
      if (!Number.isFinite(v))
        throw new ExportError(`cannot export: manifest value ${at} is ${v}, which JSON cannot hold`);
    } else if (typeof v === "bigint" || typeof v === "function" || typeof v === "symbol") {
      throw new ExportError(`cannot export: manifest value ${at} is a ${typeof v}`);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) check(v[i], `${at}[${i}]`);
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) if (x !== undefined) check(x, `${at}.${k}`);
    }
  };
  check(m, "manifest");
  return JSON.stringify(m);
}

interface ProvenanceColumns {
  table: NonNullable<ExportManifest["provenance"]>;
  neuron: Int32Array;
  stim: Int32Array;
  repeat: Int32Array;
  fate: Uint8Array;
  session: Int32Array;
  stimKey: Int32Array;
  maxAbsMv: Float64Array;
  stepFrac: Float64Array;
  r: Float64Array;
  samples: Int32Array;
}

function provenanceColumns(rows: RepeatProvenance[]): ProvenanceColumns {
  const n = rows.length;
  const sessions: string[] = [];
  const experimenters: string[] = [];
  const sessionIndex = new Map<string, number>();
  const stimKeys: string[] = [];
  const stimKeyIndex = new Map<string, number>();
  const c: ProvenanceColumns = {
    table: { count: n, fates: [...FATE_CODES], sessions, experimenters, stim_keys: stimKeys },
    neuron: new Int32Array(n),
    stim: new Int32Array(n),
    repeat: new Int32Array(n),
    fate: new Uint8Array(n),
    session: new Int32Array(n),
    stimKey: new Int32Array(n),
    maxAbsMv: new Float64Array(n),
    stepFrac: new Float64Array(n),
    r: new Float64Array(n),
    samples: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = rows[i]!;
    const sessionId = JSON.stringify([p.session, p.experimenter]);
    let si = sessionIndex.get(sessionId);
    if (si === undefined) {
      si = sessions.length;
      sessions.push(p.session);
      experimenters.push(p.experimenter);
      sessionIndex.set(sessionId, si);
    }
    let ki = stimKeyIndex.get(p.stimKey);
    if (ki === undefined) {
      ki = stimKeys.length;
      stimKeys.push(p.stimKey);
      stimKeyIndex.set(p.stimKey, ki);
    }
    const fate = FATE_CODES.indexOf(p.fate);
    if (fate < 0)
      throw new ExportError(`cannot export: provenance row ${i} has unknown fate ${JSON.stringify(p.fate)}`);
    for (const [name, v] of [
      ["neuron", p.neuron],
      ["stim", p.stim],
      ["repeat", p.repeat],
      ["samples", p.samples],
    ] as const) {
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
        throw new ExportError(`cannot export: provenance row ${i} has ${name}=${v}, not a 32-bit integer`);
      }
    }
    c.neuron[i] = p.neuron;
    c.stim[i] = p.stim;
    c.repeat[i] = p.repeat;
    c.fate[i] = fate;
    c.session[i] = si;
    c.stimKey[i] = ki;
    c.maxAbsMv[i] = p.maxAbsMv;
    c.stepFrac[i] = p.stepFrac;
    c.r[i] = p.r;
    c.samples[i] = p.samples;
  }
  return c;
}

function checkTensor(t: Tensor, what: string): void {
  let count = 1;
  for (const d of t.shape) count *= d;
  if (count !== t.data.length) {
    throw new ExportError(
      `cannot export: ${what} has shape (${t.shape.join(", ")}) but ${t.data.length} values`,
    );
  }
}

/** The manifest object of an export of `data` (also used by the build cache and `ac1 info`). */
export function buildManifest(data: DatasetData): ExportManifest {
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    dt_ms: data.dtMs,
    F: data.F,
    audio_fs: data.audioFs,
    signal_type: data.signalType,
    freqs_hz: Array.from(data.freqsHz),
    options: toManifestOptions(data.options),
    stims: data.stimMeta.map((m) => ({ ...m }) as Record<string, unknown>),
    neurons: data.neuronMeta.map((m) => qualityToJson(m as unknown as Record<string, unknown>)),
    rejections: {
      range: data.rejections.range,
      step: data.rejections.step,
      xcorr: data.rejections.xcorr,
      kept: data.rejections.kept,
    },
    dropped_cells_empty: data.droppedCellsEmpty,
    skipped_files: data.skippedFiles.map((f) => ({ path: f.path, reason: f.reason })),
    hop: data.hop,
    species: data.species,
    hearing_range_hz: [data.hearingRangeHz[0], data.hearingRangeHz[1]],
  };
  addModellerKeys(manifest, data);
  return manifest;
}

/**
 * Writes `data` as an ac1-npz export at `path` (atomically: through a temp
 * file renamed into place). Arrays are streamed from the dataset's own
 * buffers; nothing is concatenated.
 */
export async function writeDatasetNpz(
  data: DatasetData,
  path: string,
  opts: WriteDatasetOptions = {},
): Promise<void> {
  const S = data.stims.length;
  const N = data.neuronMeta.length;
  if (data.stimMeta.length !== S || data.responses.length !== S) {
    throw new ExportError(
      `cannot export to ${path}: ${S} stims but ${data.stimMeta.length} stim metadata and ${data.responses.length} response rows`,
    );
  }
  const manifest = buildManifest(data);
  const modeller = modellerArrays(data, path);
  const prov = provenanceColumns(data.provenance);
  manifest.provenance = prov.table;
  for (const [k, v] of Object.entries(opts.manifestExtra ?? {})) {
    if (Object.hasOwn(manifest, k))
      throw new ExportError(
        `cannot export to ${path}: extra manifest field ${JSON.stringify(k)} clashes with a standard one`,
      );
    manifest[k] = v;
  }
  const text = encodeUnicodeScalar(manifestJson(manifest));

  const arrays: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[] = [];
  arrays.push({ name: "manifest", dtype: text.dtype, shape: [], data: text.data });
  for (let s = 0; s < S; s++) {
    const t = data.stims[s]!;
    checkTensor(t, `stim ${s}`);
    arrays.push({ name: `stim_${s}`, dtype: "<f4", shape: t.shape, data: t.data });
  }
  for (let s = 0; s < S; s++) {
    const row = data.responses[s]!;
    if (row.length !== N)
      throw new ExportError(
        `cannot export to ${path}: response row ${s} has ${row.length} entries for ${N} neurons`,
      );
    for (let n = 0; n < N; n++) {
      const block = row[n];
      if (!block) continue;
      checkTensor(block, `response (${s}, ${n})`);
      arrays.push({ name: `resp_${s}_${n}`, dtype: "<f4", shape: block.shape, data: block.data });
    }
  }
  arrays.push(...modeller.afterResponses);
  arrays.push(
    { name: "prov_neuron", dtype: "<i4", shape: [prov.neuron.length], data: prov.neuron },
    { name: "prov_stim", dtype: "<i4", shape: [prov.stim.length], data: prov.stim },
    { name: "prov_repeat", dtype: "<i4", shape: [prov.repeat.length], data: prov.repeat },
    { name: "prov_fate", dtype: "|u1", shape: [prov.fate.length], data: prov.fate },
    { name: "prov_session", dtype: "<i4", shape: [prov.session.length], data: prov.session },
    { name: "prov_stim_key", dtype: "<i4", shape: [prov.stimKey.length], data: prov.stimKey },
    { name: "prov_max_abs_mv", dtype: "<f8", shape: [prov.maxAbsMv.length], data: prov.maxAbsMv },
    { name: "prov_step_frac", dtype: "<f8", shape: [prov.stepFrac.length], data: prov.stepFrac },
    { name: "prov_r", dtype: "<f8", shape: [prov.r.length], data: prov.r },
    { name: "prov_samples", dtype: "<i4", shape: [prov.samples.length], data: prov.samples },
    ...modeller.afterProvenance,
  );
  const total = arrays.reduce((a, x) => a + x.data.byteLength, 0);
  const writer = NpzWriter.create(path, {
    compress: opts.compress ?? true,
    compressionLevel: opts.compressionLevel,
  });
  let done = 0;
  try {
    for (const a of arrays) {
      await writer.add(a.name, a.dtype, a.shape, a.data);
      done += a.data.byteLength;
      opts.onProgress?.(done, total);
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

// ---------------------------------------------------------------- reading

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function num(v: unknown, what: string, path: string): number {
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new ExportError(`${path}: manifest ${what} is not a number (${JSON.stringify(v)})`);
  return v;
}

function count(v: unknown, what: string, path: string): number {
  const n = num(v, what, path);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ExportError(`${path}: manifest ${what} is not a non-negative integer (${n})`);
  return n;
}

/** Parses and validates the manifest text of an export. */
export function parseManifest(text: string, path: string): ExportManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new ExportError(
      `${path}: manifest is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (!isObj(m)) throw new ExportError(`${path}: manifest is not a JSON object`);
  if (m.format !== EXPORT_FORMAT)
    throw new ExportError(`${path}: not an ac1 export (manifest format ${JSON.stringify(m.format)})`);
  if (m.version !== EXPORT_VERSION) {
    throw new ExportError(
      `${path}: unsupported ac1-npz version ${JSON.stringify(m.version)} (this ac1 reads version ${EXPORT_VERSION})`,
    );
  }
  num(m.dt_ms, "dt_ms", path);
  count(m.F, "F", path);
  if (m.audio_fs !== null) num(m.audio_fs, "audio_fs", path);
  if (typeof m.signal_type !== "string")
    throw new ExportError(`${path}: manifest signal_type is not a string`);
  if (!Array.isArray(m.freqs_hz) || m.freqs_hz.length !== m.F)
    throw new ExportError(`${path}: manifest freqs_hz does not hold F=${m.F} numbers`);
  for (let i = 0; i < m.freqs_hz.length; i++) num(m.freqs_hz[i], `freqs_hz[${i}]`, path);
  if (!Array.isArray(m.stims) || !m.stims.every(isObj))
    throw new ExportError(`${path}: manifest stims is not a list of objects`);
  if (!Array.isArray(m.neurons) || !m.neurons.every(isObj))
    throw new ExportError(`${path}: manifest neurons is not a list of objects`);
  if (!isObj(m.options)) throw new ExportError(`${path}: manifest options is not an object`);
  if (!isObj(m.rejections)) throw new ExportError(`${path}: manifest rejections is not an object`);
  for (const k of FATE_CODES) count(m.rejections[k], `rejections.${k}`, path);
  count(m.dropped_cells_empty, "dropped_cells_empty", path);
  if (!Array.isArray(m.skipped_files) || !m.skipped_files.every(isObj)) {
    throw new ExportError(`${path}: manifest skipped_files is not a list of objects`);
  }
  if (m.provenance !== undefined) {
    const p = m.provenance;
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (
      !isObj(p) ||
      !strings(p.fates) ||
      !strings(p.sessions) ||
      !strings(p.experimenters) ||
      !strings(p.stim_keys)
    ) {
      throw new ExportError(
        `${path}: manifest provenance is not {count, fates, sessions, experimenters, stim_keys}`,
      );
    }
    count(p.count, "provenance.count", path);
  }
  if (m.splits !== undefined) parseSplit(m.splits, path, m.stims.length, m.neurons.length);
  return m as ExportManifest;
}

function fromManifestOptions(o: Record<string, unknown>, path: string): DatasetOptions {
  const g = isObj(o.gating) ? o.gating : {};
  const n = (v: unknown, what: string) => num(v, `options.${what}`, path);
  return {
    path: typeof o.path === "string" ? o.path : "",
    experimenter: (Array.isArray(o.experimenter) ? o.experimenter : []) as DatasetOptions["experimenter"],
    sites: (Array.isArray(o.sites) ? o.sites : []) as DatasetOptions["sites"],
    dtMs: n(o.dt_ms, "dt_ms"),
    fmin: n(o.fmin, "fmin"),
    fmax: n(o.fmax, "fmax"),
    binsPerOctave: n(o.bins_per_octave, "bins_per_octave"),
    windowMs: n(o.window_ms, "window_ms"),
    detrendMedMs: n(o.detrend_med_ms, "detrend_med_ms"),
    detrendGaussMs: n(o.detrend_gauss_ms, "detrend_gauss_ms"),
    gating: {
      absMvMax: n(g.abs_mv_max, "gating.abs_mv_max"),
      stepMv: n(g.step_mv, "gating.step_mv"),
      maxStepFrac: n(g.max_step_frac, "gating.max_step_frac"),
      minXcorr: n(g.min_xcorr, "gating.min_xcorr"),
    },
    returnWaveform: o.return_waveform === true,
    audioFs: n(o.audio_fs, "audio_fs"),
    keepRejected: o.keep_rejected === true,
  };
}

function hopOf(m: ExportManifest): number {
  if (typeof m.hop === "number") return m.hop;
  if (m.audio_fs === null) return 1;
  return Math.round((m.audio_fs * m.dt_ms) / 1000);
}

/** A lazily read export, for the viewer and `ac1 info`. */
export interface ExportView {
  readonly path: string;
  readonly manifest: ExportManifest;
  readonly stimCount: number;
  readonly neuronCount: number;
  /** Every (stim, neuron) pair with data, with its shape, from the zip directory and .npy headers. */
  pairs(): { stim: number; neuron: number; repeats: number; frames: number }[];
  readStim(s: number): Promise<Tensor>;
  readResponse(s: number, n: number): Promise<Tensor | null>;
  /** Spike counts of a spikes neuron's pair (spk_<s>_<n>), or null. */
  readSpikeCounts(s: number, n: number): Promise<CountBlock | null>;
  /** The rejected repeats of a pair (rej_<s>_<n>, exports built with keepRejected), or null. */
  readRejected(s: number, n: number): Promise<Tensor | null>;
  provenance(): Promise<RepeatProvenance[]>;
  /** Reads everything into a DatasetData (what readDatasetNpz returns). */
  load(): Promise<DatasetData>;
  close(): Promise<void>;
}

class NpzExportView implements ExportView {
  readonly stimCount: number;
  readonly neuronCount: number;
  private readonly pairList: { stim: number; neuron: number; repeats: number; frames: number }[] = [];
  private readonly stimFrames: number[] = [];
  private readonly extras: ModellerArrays;
  readonly hop: number;

  constructor(
    readonly path: string,
    readonly manifest: ExportManifest,
    readonly reader: NpzReader,
  ) {
    this.stimCount = manifest.stims.length;
    this.neuronCount = manifest.neurons.length;
    this.hop = hopOf(manifest);
    const waveform = manifest.audio_fs !== null;
    for (let s = 0; s < this.stimCount; s++) {
      const key = `stim_${s}`;
      if (!reader.has(key))
        throw new ExportError(`${path}: missing array ${key} (the manifest lists ${this.stimCount} stims)`);
      const info = reader.info(key);
      this.checkFloat(key, info);
      const ok = waveform
        ? info.shape.length === 2 && info.shape[0] === 1
        : info.shape.length === 3 && info.shape[0] === 1 && info.shape[1] === manifest.F;
      if (!ok) {
        throw new ExportError(
          `${path}: ${key} has shape (${info.shape.join(", ")}), expected ${waveform ? "(1, T*hop)" : `(1, ${manifest.F}, T)`}`,
        );
      }
      const frames = waveform ? info.shape[1]! / this.hop : info.shape[2]!;
      if (!Number.isInteger(frames))
        throw new ExportError(
          `${path}: ${key} has ${info.shape[1]} samples, not a multiple of hop ${this.hop}`,
        );
      this.stimFrames.push(frames);
    }
    for (const key of reader.keys()) {
      const m = /^resp_(\d+)_(\d+)$/.exec(key);
      if (!m) continue;
      const s = Number(m[1]);
      const n = Number(m[2]);
      if (s >= this.stimCount || n >= this.neuronCount) {
        throw new ExportError(
          `${path}: ${key} is outside the ${this.stimCount} stims x ${this.neuronCount} neurons of the manifest`,
        );
      }
      const info = reader.info(key);
      this.checkFloat(key, info);
      if (info.shape.length !== 2 || info.shape[1] !== this.stimFrames[s]) {
        throw new ExportError(
          `${path}: ${key} has shape (${info.shape.join(", ")}), expected (R, ${this.stimFrames[s]})`,
        );
      }
      this.pairList.push({ stim: s, neuron: n, repeats: info.shape[0]!, frames: info.shape[1]! });
    }
    this.pairList.sort((a, b) => a.stim - b.stim || a.neuron - b.neuron);
    const shapes = new Map(this.pairList.map((p) => [`${p.stim},${p.neuron}`, [p.repeats, p.frames]]));
    this.extras = new ModellerArrays(path, reader, this.stimCount, this.neuronCount, (s, n) =>
      shapes.get(`${s},${n}`),
    );
  }

  private checkFloat(key: string, info: { dtype: string; fortranOrder: boolean }): void {
    if (info.dtype !== "<f4")
      throw new ExportError(`${this.path}: ${key} has dtype ${info.dtype}, expected float32 (<f4)`);
    if (info.fortranOrder)
      throw new ExportError(`${this.path}: ${key} is stored in Fortran order, expected C order`);
  }

  pairs() {
    return this.pairList.map((p) => ({ ...p }));
  }

  private async tensor(key: string): Promise<Tensor> {
    const a = await this.reader.read(key);
    return { shape: a.shape, data: a.data as Float32Array };
  }

  readStim(s: number): Promise<Tensor> {
    if (!Number.isInteger(s) || s < 0 || s >= this.stimCount)
      throw new ExportError(`${this.path}: stim ${s} out of range 0..${this.stimCount - 1}`);
    return this.tensor(`stim_${s}`);
  }

  async readResponse(s: number, n: number): Promise<Tensor | null> {
    if (!Number.isInteger(s) || s < 0 || s >= this.stimCount)
      throw new ExportError(`${this.path}: stim ${s} out of range 0..${this.stimCount - 1}`);
    if (!Number.isInteger(n) || n < 0 || n >= this.neuronCount)
      throw new ExportError(`${this.path}: neuron ${n} out of range 0..${this.neuronCount - 1}`);
    const key = `resp_${s}_${n}`;
    return this.reader.has(key) ? this.tensor(key) : null;
  }

  private checkPair(s: number, n: number): void {
    if (!Number.isInteger(s) || s < 0 || s >= this.stimCount)
      throw new ExportError(`${this.path}: stim ${s} out of range 0..${this.stimCount - 1}`);
    if (!Number.isInteger(n) || n < 0 || n >= this.neuronCount)
      throw new ExportError(`${this.path}: neuron ${n} out of range 0..${this.neuronCount - 1}`);
  }

  async readSpikeCounts(s: number, n: number): Promise<CountBlock | null> {
    this.checkPair(s, n);
    return this.extras.readCounts(s, n);
  }

  async readRejected(s: number, n: number): Promise<Tensor | null> {
    this.checkPair(s, n);
    return this.extras.readRejected(s, n);
  }

  async provenance(): Promise<RepeatProvenance[]> {
    const table = this.manifest.provenance;
    if (!table || !this.reader.has("prov_fate")) return [];
    const col = async (name: string, dtype: string) => {
      if (!this.reader.has(name)) throw new ExportError(`${this.path}: missing provenance array ${name}`);
      const a = await this.reader.read(name);
      if (a.dtype !== dtype || a.shape.length !== 1 || a.shape[0] !== table.count) {
        throw new ExportError(
          `${this.path}: ${name} is ${a.dtype} (${a.shape.join(", ")}), expected ${dtype} (${table.count},)`,
        );
      }
      return a.data;
    };
    const neuron = (await col("prov_neuron", "<i4")) as Int32Array;
    const stim = (await col("prov_stim", "<i4")) as Int32Array;
    const repeat = (await col("prov_repeat", "<i4")) as Int32Array;
    const fate = (await col("prov_fate", "|u1")) as Uint8Array;
    const session = (await col("prov_session", "<i4")) as Int32Array;
    const stimKey = (await col("prov_stim_key", "<i4")) as Int32Array;
    const maxAbsMv = (await col("prov_max_abs_mv", "<f8")) as Float64Array;
    const stepFrac = (await col("prov_step_frac", "<f8")) as Float64Array;
    const r = (await col("prov_r", "<f8")) as Float64Array;
    const samples = (await col("prov_samples", "<i4")) as Int32Array;
    const fates = table.fates as Fate[];
    const rows: RepeatProvenance[] = new Array(table.count);
    for (let i = 0; i < table.count; i++) {
      const f = fates[fate[i]!];
      const sess = table.sessions[session[i]!];
      const exp = table.experimenters[session[i]!];
      const sk = table.stim_keys[stimKey[i]!];
      if (f === undefined || sess === undefined || exp === undefined || sk === undefined) {
        throw new ExportError(
          `${this.path}: provenance row ${i} refers to a code missing from manifest.provenance`,
        );
      }
      rows[i] = {
        session: sess,
        experimenter: exp as RepeatProvenance["experimenter"],
        neuron: neuron[i]!,
        stimKey: sk,
        stim: stim[i]!,
        repeat: repeat[i]!,
        fate: f,
        maxAbsMv: maxAbsMv[i]!,
        stepFrac: stepFrac[i]!,
        r: r[i]!,
        samples: samples[i]!,
      };
    }
    return rows;
  }

  close(): Promise<void> {
    return this.reader.close();
  }

  /** Loads everything into a DatasetData. */
  async load(): Promise<DatasetData> {
    const m = this.manifest;
    const stims: Tensor[] = [];
    for (let s = 0; s < this.stimCount; s++) stims.push(await this.readStim(s));
    const responses: (ResponseBlock | null)[][] = [];
    for (let s = 0; s < this.stimCount; s++)
      responses.push(new Array<ResponseBlock | null>(this.neuronCount).fill(null));
    for (const p of this.pairList)
      responses[p.stim]![p.neuron] = await this.tensor(`resp_${p.stim}_${p.neuron}`);
    const hr = m.hearing_range_hz;
    const S = this.stimCount;
    const N = this.neuronCount;
    const { stimMeta, neuronMeta } = metadataOf(m, this.stimFrames, this.pairList, this.path);
    const provenance = await this.provenance();
    const data: DatasetData = {
      dtMs: m.dt_ms,
      F: m.F,
      freqsHz: Float64Array.from(m.freqs_hz),
      audioFs: m.audio_fs,
      hop: this.hop,
      signalType: m.signal_type as CohortSignalType,
      hearingRangeHz: Array.isArray(hr) && hr.length === 2 ? [hr[0], hr[1]] : [250, 76000],
      species: "rat",
      stims,
      stimMeta,
      neuronMeta: neuronMeta.map((m) =>
        qualityFromJson(m as unknown as Record<string, unknown>),
      ) as unknown as NeuronMeta[],
      responses,
      rejections: {
        range: m.rejections.range,
        step: m.rejections.step,
        xcorr: m.rejections.xcorr,
        kept: m.rejections.kept,
      },
      droppedCellsEmpty: m.dropped_cells_empty,
      skippedFiles: m.skipped_files.map((f) => ({ path: String(f.path), reason: String(f.reason) })),
      options: fromManifestOptions(m.options as unknown as Record<string, unknown>, this.path),
      provenance,
    };
    const spikeCounts = await this.extras.loadCounts(m, S, N);
    if (spikeCounts !== undefined) data.spikeCounts = spikeCounts;
    const rejected = await this.extras.loadRejected(m, provenance, S, N);
    if (rejected !== undefined) data.rejected = rejected;
    if (m.splits !== undefined) data.split = parseSplit(m.splits, this.path, S, N);
    return data;
  }
}

async function viewOf(reader: NpzReader, path: string): Promise<NpzExportView> {
  try {
    if (!reader.has("manifest")) throw new ExportError(`${path}: no manifest array: not an ac1-npz export`);
    const manifest = parseManifest(await reader.readString("manifest"), path);
    return new NpzExportView(path, manifest, reader);
  } catch (e) {
    await reader.close();
    throw e;
  }
}

/** Opens an export lazily: manifest, zip directory and .npy headers now, arrays on demand. */
export async function openDatasetExport(path: string, readerOptions?: NpzReaderOptions): Promise<ExportView> {
  return viewOf(await NpzReader.open(path, readerOptions), path);
}

/**
 * Loads a whole export into memory: one sequential read of the file, then
 * every array copied into its own typed array (CRC-checked by default).
 */
export async function readDatasetNpz(path: string, readerOptions?: NpzReaderOptions): Promise<DatasetData> {
  const view = await viewOf(await NpzReader.load(path, readerOptions), path);
  try {
    return await view.load();
  } finally {
    await view.close();
  }
}

/** Like openDatasetExport, but reads the whole file first (for callers that will read everything, e.g. the build cache). */
export async function loadDatasetExport(path: string, readerOptions?: NpzReaderOptions): Promise<ExportView> {
  return viewOf(await NpzReader.load(path, readerOptions), path);
}
