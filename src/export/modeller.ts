// The keys interchange.md added for modellers ("Added keys for modellers"),
// written and read beside the original ones (dataset-npz.ts):
//   manifest   per neuron `units`, `stims`, `repeats`; per stim `T`, `sf_hz`;
//              `time` (bin alignment, the spectrogram floor); `spike_counts`
//              and `rejected` (what those arrays are); `splits`;
//   arrays     spk_<s>_<n> (int32 spike counts), rej_<s>_<n> and
//              rej_unindexed (rejected repeats, float32), prov_rej_row (the
//              provenance record -> row link).
// `T`, `stims` and `repeats` are read off the arrays when writing and checked
// against them (then dropped) when reading, so the metadata of a loaded
// dataset never carries a stale copy; `units` and `sf_hz` are metadata the
// build fills in.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import {
  type CountBlock,
  type DatasetShapes,
  type DatasetSplit,
  type Deferred,
  type LazyDataset,
  type RejectedRepeats,
  type RepeatProvenance,
  type SignalType,
  type StimSplit,
  type Tensor,
  UNITS_OF_SIGNAL,
} from "../dataset/model.js";
import { SPLIT_PARTS, WEHR_VALID_NEURONS } from "../dataset/splits.js";
import { ExportError } from "./errors.js";
import type { NpzReader } from "./npz-reader.js";

/** The value of silent spectrogram frames: 20 * log10(1e-12). */
export const SPECTROGRAM_FLOOR_DB = -240;

/** Name of the array holding the rejected repeats without a stim or neuron index. */
export const REJECTED_UNINDEXED_KEY = "rej_unindexed";

/** Derived per-stim and per-neuron keys: written from the arrays, checked and dropped when reading. */
const DERIVED_STIM_KEYS = ["T"] as const;
const DERIVED_NEURON_KEYS = ["stims", "repeats"] as const;

/** An array to write: its name, npy dtype, shape, and its values read when the writer comes to it. */
export interface NamedArray {
  name: string;
  dtype: string;
  shape: number[];
  read(): ArrayBufferView;
  /** Deferred.memoKey: an identity of the values, when they have one. */
  memoKey?: string;
}

/** Frames of stim s (its last axis, divided by hop in waveform mode). */
function framesOf(data: DatasetShapes, s: number): number {
  const t = data.stims[s] as { shape: number[] };
  return data.audioFs === null ? (t.shape[2] ?? 0) : (t.shape[1] ?? 0) / data.hop;
}

/** manifest.time: how bins and frames align with the stimulus. */
export function timeBlock(
  data: Pick<DatasetShapes, "audioFs" | "dtMs" | "options">,
): Record<string, unknown> {
  const waveform = data.audioFs !== null;
  return {
    dt_ms: data.dtMs,
    origin: "stimulus onset",
    response_bin: "response bin i averages the response over [i*dt_ms, (i+1)*dt_ms) ms after stimulus onset",
    response_bin_start_ms: 0,
    ...(waveform
      ? {
          stim_frame: `stim frame i is the audio samples [i*hop, (i+1)*hop) at audio_fs (${data.audioFs} Hz); sample 0 is at stimulus onset`,
          stim_frame_start_ms: 0,
        }
      : {
          stim_frame: `spectrogram frame i is centred at i*dt_ms ms after stimulus onset (a Hamming window of window_ms = ${data.options.windowMs} ms around it), half a bin before the centre of response bin i`,
          stim_frame_centre_ms: 0,
        }),
    spectrogram_db: "20*log10(|X| + 1e-12): a silent frame is spectrogram_floor_db",
    spectrogram_floor_db: SPECTROGRAM_FLOOR_DB,
  };
}

function splitToJson(split: DatasetSplit): Record<string, unknown> {
  const part = (p: StimSplit) => ({ train: [...p.train], val: [...p.val], test: [...p.test] });
  const out: Record<string, unknown> = { method: split.method, seed: split.seed };
  if (split.method === "stims") {
    out.fractions = split.fractions ? [...split.fractions] : undefined;
    out.counts = split.counts ? [...split.counts] : undefined;
    out.rounding =
      "counts: floor(fraction * S) each, the stims left over one each to the largest remainders (ties to train, then val, then test)";
    out.stims = split.stims ? part(split.stims) : undefined;
  } else {
    out.counts_table = "WEHR_NEURONS_SPLIT_NATURAL[_wehr_cell_idx] (Rançon 2024/2025)";
    out.wehr_valid_neurons = [...WEHR_VALID_NEURONS];
  }
  out.shuffle =
    "Fisher-Yates (i from the end, j = floor(u * (i + 1))) driven by mulberry32(seed), over the ascending stim indices" +
    (split.method === "rancon" ? " each neuron heard (every neuron with the same seed)" : " of the dataset");
  out.neurons = split.neurons.map((p) => (p === null ? null : part(p)));
  out.unsplit = split.unsplit.map((u) => ({ neuron: u.neuron, reason: u.reason }));
  return out;
}

/**
 * Adds the modeller keys to a manifest built from `data` (buildManifest):
 * per neuron units / stims / repeats, per stim T (sf_hz comes with the
 * metadata), time, and the spike_counts / rejected / splits blocks when the
 * data has them.
 */
export function addModellerKeys(manifest: Record<string, unknown>, data: DatasetShapes): void {
  const S = data.stims.length;
  const stims = manifest.stims as Record<string, unknown>[];
  for (let s = 0; s < S; s++) (stims[s] as Record<string, unknown>).T = framesOf(data, s);
  const neurons = manifest.neurons as Record<string, unknown>[];
  neurons.forEach((m, n) => {
    const heard: number[] = [];
    const repeats: number[] = [];
    for (let s = 0; s < S; s++) {
      const b = data.responses[s]?.[n];
      if (!b) continue;
      heard.push(s);
      repeats.push(b.shape[0] as number);
    }
    const type = m.signal_type as SignalType | undefined;
    if (m.units === undefined && type !== undefined && type in UNITS_OF_SIGNAL)
      m.units = UNITS_OF_SIGNAL[type];
    m.stims = heard;
    m.repeats = repeats;
  });
  manifest.time = timeBlock(data);
  if (data.spikeCounts !== undefined) {
    manifest.spike_counts = {
      key: "spk_<s>_<n>",
      dtype: "int32",
      definition:
        "spikes per response bin, (R, T) like resp_<s>_<n>, for spikes neurons: a spike is one run of consecutive samples of the supra-threshold mask (2.5 sigma of the high-passed trace) the PSTH is smoothed from, counted in the bin where the run starts",
    };
  }
  if (data.rejected !== undefined) {
    const rows = data.provenance.filter((p) => p.fate !== "kept").length;
    manifest.rejected = {
      key: "rej_<s>_<n>",
      unindexed_key: REJECTED_UNINDEXED_KEY,
      units: "mV",
      rows,
      unindexed_rows: data.rejected.unindexed.shape[0],
      definition:
        "each rejected repeat detrended (MedGauss: the mV trace the gating judged, for subthresh and spikes neurons alike) and binned like resp_<s>_<n>, at its own length; rows in provenance order, NaN-padded on the right to the longest row of the array, an empty repeat all NaN; rej_unindexed holds those of dropped cells and never-registered stims",
      link: "prov_rej_row: the row of a provenance record in rej_<prov_stim>_<prov_neuron> (rej_unindexed when either is -1), -1 for kept repeats",
    };
  }
  if (data.split) manifest.splits = splitToJson(data.split);
}

/**
 * A manifest with `split` as its splits block, or without any: where
 * writeDatasetNpz puts it (after the other modeller keys, before the
 * provenance table), so the text is the one a fresh export of the split
 * data would carry.
 */
export function withManifestSplit(
  manifest: Record<string, unknown>,
  split: DatasetSplit | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const block = split === null ? undefined : splitToJson(split);
  for (const [k, v] of Object.entries(manifest)) {
    if (k === "splits") continue;
    if (k === "provenance" && block !== undefined) out.splits = block;
    out[k] = v;
  }
  if (block !== undefined && !("splits" in out)) out.splits = block;
  return out;
}

/** prov_rej_row: each rejected record's row in its group, -1 for kept repeats. */
export function rejectedRowLinks(provenance: readonly RepeatProvenance[], N: number): Int32Array {
  const next = new Map<number, number>();
  let unindexed = 0;
  const out = new Int32Array(provenance.length);
  provenance.forEach((p, i) => {
    if (p.fate === "kept") out[i] = -1;
    else if (p.stim < 0 || p.neuron < 0) out[i] = unindexed++;
    else {
      const key = p.stim * N + p.neuron;
      const r = next.get(key) ?? 0;
      next.set(key, r + 1);
      out[i] = r;
    }
  });
  return out;
}

/** A member read from a Deferred, its values checked against its shape when read. */
export function memberOf(
  name: string,
  dtype: string,
  t: Deferred<Float32Array | Int32Array>,
  what: string,
  path: string,
): NamedArray {
  return {
    name,
    dtype,
    shape: t.shape,
    ...(t.memoKey === undefined ? {} : { memoKey: t.memoKey }),
    read: () => {
      const data = t.read();
      let count = 1;
      for (const d of t.shape) count *= d;
      if (count !== data.length)
        throw new ExportError(
          `cannot export to ${path}: ${what} has shape (${t.shape.join(", ")}) but ${data.length} values`,
        );
      return data;
    },
  };
}

/** The spk_ arrays (after the responses), and with rejected repeats the rej_ arrays and prov_rej_row (after the provenance). */
export function modellerArrays(
  data: LazyDataset,
  path: string,
): { afterResponses: NamedArray[]; afterProvenance: NamedArray[] } {
  const afterResponses: NamedArray[] = [];
  const afterProvenance: NamedArray[] = [];
  const S = data.stims.length;
  const N = data.neuronMeta.length;
  if (data.spikeCounts !== undefined) {
    for (let s = 0; s < S; s++) {
      for (let n = 0; n < N; n++) {
        const c = data.spikeCounts[s]?.[n];
        if (!c) continue;
        afterResponses.push(memberOf(`spk_${s}_${n}`, "<i4", c, `spike counts (${s}, ${n})`, path));
      }
    }
  }
  if (data.rejected !== undefined) {
    const links = rejectedRowLinks(data.provenance, N);
    afterProvenance.push({ name: "prov_rej_row", dtype: "<i4", shape: [links.length], read: () => links });
    for (let s = 0; s < S; s++) {
      for (let n = 0; n < N; n++) {
        const b = data.rejected.blocks[s]?.[n];
        if (!b) continue;
        afterProvenance.push(memberOf(`rej_${s}_${n}`, "<f4", b, `rejected repeats (${s}, ${n})`, path));
      }
    }
    const u = data.rejected.unindexed;
    afterProvenance.push(memberOf(REJECTED_UNINDEXED_KEY, "<f4", u, "unindexed rejected repeats", path));
  }
  return { afterResponses, afterProvenance };
}

// ---------------------------------------------------------------- reading

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function indexList(v: unknown, what: string, path: string, bound: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && x >= 0 && x < bound))
    throw new ExportError(`${path}: manifest ${what} is not a list of indices below ${bound}`);
  return v as number[];
}

function stimSplitOf(v: unknown, what: string, path: string, S: number): StimSplit {
  if (!isObj(v)) throw new ExportError(`${path}: manifest ${what} is not {train, val, test}`);
  const [train, val, test] = SPLIT_PARTS.map((p) => indexList(v[p], `${what}.${p}`, path, S)) as [
    number[],
    number[],
    number[],
  ];
  return { train: [...train], val: [...val], test: [...test] };
}

/** manifest.splits as a DatasetSplit (checked: every index in range, one entry per neuron). */
export function parseSplit(v: unknown, path: string, S: number, N: number): DatasetSplit {
  if (!isObj(v) || (v.method !== "rancon" && v.method !== "stims"))
    throw new ExportError(`${path}: manifest splits has no method "rancon" or "stims"`);
  if (!Number.isSafeInteger(v.seed) || (v.seed as number) < 0)
    throw new ExportError(`${path}: manifest splits.seed is not a whole number >= 0`);
  if (!Array.isArray(v.neurons) || v.neurons.length !== N)
    throw new ExportError(`${path}: manifest splits.neurons does not hold one entry per neuron (${N})`);
  const neurons = v.neurons.map((p, n) =>
    p === null ? null : stimSplitOf(p, `splits.neurons[${n}]`, path, S),
  );
  const unsplit = Array.isArray(v.unsplit)
    ? v.unsplit.map((u, i) => {
        if (!isObj(u) || !Number.isSafeInteger(u.neuron) || typeof u.reason !== "string")
          throw new ExportError(`${path}: manifest splits.unsplit[${i}] is not {neuron, reason}`);
        return { neuron: u.neuron as number, reason: u.reason };
      })
    : [];
  const split: DatasetSplit = { method: v.method, seed: v.seed as number, neurons, unsplit };
  if (v.method === "stims") {
    const triple = (x: unknown, what: string) => {
      if (!Array.isArray(x) || x.length !== 3 || !x.every((y) => typeof y === "number" && Number.isFinite(y)))
        throw new ExportError(`${path}: manifest splits.${what} is not three numbers`);
      return [x[0], x[1], x[2]] as [number, number, number];
    };
    split.fractions = triple(v.fractions, "fractions");
    split.counts = triple(v.counts, "counts");
    split.stims = stimSplitOf(v.stims, "splits.stims", path, S);
  }
  return split;
}

/** The spk_ / rej_ members of an export, checked against the manifest and the responses. */
export class ModellerArrays {
  /** "s,n" -> (R, T) of each spk_ member. */
  private readonly counts = new Map<string, number[]>();
  private readonly rejected = new Map<string, number[]>();

  constructor(
    private readonly path: string,
    private readonly reader: NpzReader,
    S: number,
    N: number,
    responseShape: (s: number, n: number) => number[] | undefined,
  ) {
    for (const key of reader.keys()) {
      const m = /^(spk|rej)_(\d+)_(\d+)$/.exec(key);
      if (!m) continue;
      const s = Number(m[2]);
      const n = Number(m[3]);
      if (s >= S || n >= N)
        throw new ExportError(`${path}: ${key} is outside the ${S} stims x ${N} neurons of the manifest`);
      const info = reader.info(key);
      const want = m[1] === "spk" ? "<i4" : "<f4";
      if (info.dtype !== want || info.fortranOrder || info.shape.length !== 2)
        throw new ExportError(
          `${path}: ${key} is ${info.dtype} (${info.shape.join(", ")})${info.fortranOrder ? " in Fortran order" : ""}, expected ${want} (R, T) in C order`,
        );
      if (m[1] === "spk") {
        const r = responseShape(s, n);
        if (!r || r[0] !== info.shape[0] || r[1] !== info.shape[1])
          throw new ExportError(
            `${path}: ${key} has shape (${info.shape.join(", ")}), its response ${r ? `(${r.join(", ")})` : "is missing"}`,
          );
        this.counts.set(`${s},${n}`, info.shape);
      } else this.rejected.set(`${s},${n}`, info.shape);
    }
  }

  async readCounts(s: number, n: number): Promise<CountBlock | null> {
    if (!this.counts.has(`${s},${n}`)) return null;
    const a = await this.reader.read(`spk_${s}_${n}`);
    return { shape: a.shape, data: a.data as Int32Array };
  }

  async readRejected(s: number, n: number): Promise<Tensor | null> {
    if (!this.rejected.has(`${s},${n}`)) return null;
    const a = await this.reader.read(`rej_${s}_${n}`);
    return { shape: a.shape, data: a.data as Float32Array };
  }

  /** Every spike-count block (null where there is none), when the manifest says the export has them. */
  async loadCounts(
    manifest: Record<string, unknown>,
    S: number,
    N: number,
  ): Promise<(CountBlock | null)[][] | undefined> {
    if (manifest.spike_counts === undefined) {
      if (this.counts.size > 0)
        throw new ExportError(`${this.path}: spk_ arrays but no manifest spike_counts`);
      return undefined;
    }
    const out: (CountBlock | null)[][] = [];
    for (let s = 0; s < S; s++) {
      const row: (CountBlock | null)[] = [];
      for (let n = 0; n < N; n++) row.push(await this.readCounts(s, n));
      out.push(row);
    }
    return out;
  }

  /** The rejected repeats, when the manifest says the export has them; their rows checked against the provenance. */
  async loadRejected(
    manifest: Record<string, unknown>,
    provenance: readonly RepeatProvenance[],
    S: number,
    N: number,
  ): Promise<RejectedRepeats | undefined> {
    if (manifest.rejected === undefined) {
      if (this.rejected.size > 0 || this.reader.has(REJECTED_UNINDEXED_KEY))
        throw new ExportError(`${this.path}: rej_ arrays but no manifest rejected`);
      return undefined;
    }
    if (!this.reader.has(REJECTED_UNINDEXED_KEY) || !this.reader.has("prov_rej_row"))
      throw new ExportError(
        `${this.path}: manifest rejected but no ${REJECTED_UNINDEXED_KEY} or prov_rej_row`,
      );
    const blocks: (Tensor | null)[][] = [];
    for (let s = 0; s < S; s++) {
      const row: (Tensor | null)[] = [];
      for (let n = 0; n < N; n++) row.push(await this.readRejected(s, n));
      blocks.push(row);
    }
    const u = await this.reader.read(REJECTED_UNINDEXED_KEY);
    if (u.dtype !== "<f4" || u.shape.length !== 2)
      throw new ExportError(
        `${this.path}: ${REJECTED_UNINDEXED_KEY} is ${u.dtype} (${u.shape.join(", ")}), expected <f4 (R, T)`,
      );
    const link = await this.reader.read("prov_rej_row");
    const want = rejectedRowLinks(provenance, N);
    const got = link.data as Int32Array;
    if (link.dtype !== "<i4" || got.length !== want.length || got.some((v, i) => v !== want[i]))
      throw new ExportError(
        `${this.path}: prov_rej_row does not link the provenance records to the rejected rows in order`,
      );
    const rejected = { blocks, unindexed: { shape: u.shape, data: u.data as Float32Array } };
    const rows = new Map<string, number>();
    let unindexed = 0;
    for (const p of provenance) {
      if (p.fate === "kept") continue;
      if (p.stim < 0 || p.neuron < 0) unindexed++;
      else rows.set(`${p.stim},${p.neuron}`, (rows.get(`${p.stim},${p.neuron}`) ?? 0) + 1);
    }
    if (unindexed !== u.shape[0])
      throw new ExportError(
        `${this.path}: ${REJECTED_UNINDEXED_KEY} holds ${u.shape[0]} rows, the provenance ${unindexed}`,
      );
    for (let s = 0; s < S; s++)
      for (let n = 0; n < N; n++) {
        const have = blocks[s]?.[n]?.shape[0] ?? 0;
        if (have !== (rows.get(`${s},${n}`) ?? 0))
          throw new ExportError(
            `${this.path}: rej_${s}_${n} holds ${have} rows, the provenance has ${rows.get(`${s},${n}`) ?? 0} rejected repeats of (stim ${s}, neuron ${n})`,
          );
      }
    return rejected;
  }
}

/**
 * The stim and neuron metadata of an export without the derived keys
 * (T, stims, repeats), after checking those against the arrays.
 */
export function metadataOf(
  manifest: { stims: Record<string, unknown>[]; neurons: Record<string, unknown>[] },
  frames: readonly number[],
  pairs: readonly { stim: number; neuron: number; repeats: number }[],
  path: string,
): { stimMeta: StimMeta[]; neuronMeta: NeuronMeta[] } {
  const stimMeta = manifest.stims.map((m, s) => {
    if (m.T !== undefined && m.T !== frames[s])
      throw new ExportError(
        `${path}: manifest stims[${s}].T is ${JSON.stringify(m.T)}, stim_${s} has ${frames[s]} frames`,
      );
    const out = { ...m };
    for (const k of DERIVED_STIM_KEYS) delete out[k];
    return out as unknown as StimMeta;
  });
  const heard = manifest.neurons.map(() => ({ stims: [] as number[], repeats: [] as number[] }));
  for (const p of pairs) {
    heard[p.neuron]?.stims.push(p.stim);
    heard[p.neuron]?.repeats.push(p.repeats);
  }
  const neuronMeta = manifest.neurons.map((m, n) => {
    for (const k of DERIVED_NEURON_KEYS) {
      if (m[k] === undefined) continue;
      const want = heard[n]?.[k] ?? [];
      const got = m[k];
      if (!Array.isArray(got) || got.length !== want.length || got.some((v, i) => v !== want[i]))
        throw new ExportError(
          `${path}: manifest neurons[${n}].${k} is ${JSON.stringify(got)}, the resp_<s>_${n} arrays give ${JSON.stringify(want)}`,
        );
    }
    const out = { ...m };
    for (const k of DERIVED_NEURON_KEYS) delete out[k];
    return out as unknown as NeuronMeta;
  });
  return { stimMeta, neuronMeta };
}
