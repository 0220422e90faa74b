// The manifest of an ac1-npz export (../shared/spec/interchange.md): its
// type, the manifest of a DatasetData (buildManifest), its JSON text
// (manifestJson), and reading it back: parsed and checked (parseManifest,
// readManifest, bounded by src/limits.ts), the build options it records
// (fromManifestOptions) and the hop it implies (hopOf). The one place that
// knows the manifest's keys; the arrays beside it are written by
// dataset-npz.ts and read by export-view.ts.

import type {
  DatasetOptions,
  DatasetShapes,
  Fate,
  RejectionTally,
  ResponseRate,
  SkippedFile,
} from "../dataset/model.js";
import { qualityToJson } from "../dataset/quality-keys.js";
import { MAX_RESPONSE_GRID, manifestByteCap } from "../limits.js";
import { ExportError } from "./errors.js";
import { addModellerKeys, parseSplit } from "./modeller.js";
import type { NpzReader } from "./npz-reader.js";

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
  /** Each response sample rate the build's walk met, in walking order, with the first cell at it (DatasetFields.responseRates). */
  response_rates?: { sf_hz: number; first_in: string }[];
  [key: string]: unknown;
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
export function manifestJson(m: ExportManifest): string {
  const keys: (string | number)[] = [];
  // The path of a value is spelt only for the error: a manifest has ~100K values.
  const at = () => `manifest${keys.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("")}`;
  const check = (v: unknown): void => {
    if (typeof v === "number") {
      if (!Number.isFinite(v))
        throw new ExportError(`cannot export: manifest value ${at()} is ${v}, which JSON cannot hold`);
    } else if (typeof v === "bigint" || typeof v === "function" || typeof v === "symbol") {
      throw new ExportError(`cannot export: manifest value ${at()} is a ${typeof v}`);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        keys.push(i);
        check(v[i]);
        keys.pop();
      }
    } else if (v !== null && typeof v === "object") {
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        keys.push(k);
        check(x);
        keys.pop();
      }
    }
  };
  check(m);
  return JSON.stringify(m);
}

/** The manifest object of an export of `data` (also used by the build cache and `ac1 info`). */
export function buildManifest(data: DatasetShapes): ExportManifest {
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
  if (data.responseRates !== undefined)
    manifest.response_rates = data.responseRates.map((r) => ({ sf_hz: r.sfHz, first_in: r.firstIn }));
  addModellerKeys(manifest, data);
  return manifest;
}

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
  if (m.response_rates !== undefined) {
    const rates = m.response_rates;
    if (
      !Array.isArray(rates) ||
      !rates.every(
        (r) => isObj(r) && typeof r.first_in === "string" && typeof r.sf_hz === "number" && r.sf_hz > 0,
      )
    )
      throw new ExportError(`${path}: manifest response_rates is not a list of {sf_hz > 0, first_in}`);
  }
  return m as ExportManifest;
}

/** The response sample rates a manifest records (response_rates), or undefined for an export without them. */
export function responseRatesOf(m: ExportManifest): ResponseRate[] | undefined {
  return m.response_rates?.map((r) => ({ sfHz: r.sf_hz, firstIn: r.first_in }));
}

/** The build options a manifest records (its `options` block), as DatasetOptions. */
export function fromManifestOptions(o: Record<string, unknown>, path: string): DatasetOptions {
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

/** Audio samples per time bin: the manifest's own `hop`, else derived from audio_fs and dt_ms (1 for spectrograms). */
export function hopOf(m: ExportManifest): number {
  if (typeof m.hop === "number") return m.hop;
  if (m.audio_fs === null) return 1;
  return Math.round((m.audio_fs * m.dt_ms) / 1000);
}

/**
 * The checked manifest of an .npz open in `reader`, bounded before it is
 * read: its size against the members the file has (src/limits.ts); then the
 * stims x neurons table it calls for (each stim's array is checked by the
 * view, one by one).
 */
export async function readManifest(reader: NpzReader, path: string): Promise<ExportManifest> {
  return (await readManifestAndText(reader, path)).manifest;
}

/** readManifest's manifest and the JSON text it was parsed from (as stored). */
export async function readManifestAndText(
  reader: NpzReader,
  path: string,
): Promise<{ manifest: ExportManifest; text: string }> {
  if (!reader.has("manifest")) throw new ExportError(`${path}: no manifest array: not an ac1-npz export`);
  const members = reader.keys().length;
  const text = await reader.readString("manifest", {
    maxBytes: manifestByteCap(members),
    what: `the manifest of an .npz of ${members} members`,
  });
  const manifest = parseManifest(text, path);
  const S = manifest.stims.length;
  const N = manifest.neurons.length;
  if (S * N > MAX_RESPONSE_GRID)
    throw new ExportError(
      `${path}: the manifest lists ${S} stims x ${N} neurons, more than the ${MAX_RESPONSE_GRID} pairs a reader allows`,
    );
  return { manifest, text };
}
