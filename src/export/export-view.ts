// An export opened lazily (ExportView), for the viewer, `ac1 info`,
// evaluation and the build cache: the manifest, the zip directory and the
// .npy headers are checked when it opens (every stim's and response's dtype
// and shape against the manifest), the arrays are read on demand, and load()
// reads everything back into a DatasetData. dataset-npz.ts opens one.

import type { NeuronMeta } from "../ac1/types.js";
import type {
  CohortSignalType,
  CountBlock,
  DatasetData,
  RepeatProvenance,
  ResponseBlock,
  Tensor,
} from "../dataset/model.js";
import { qualityFromJson } from "../dataset/quality-keys.js";
import { ExportError } from "./errors.js";
import { type ExportManifest, fromManifestOptions, hopOf, responseRatesOf } from "./manifest.js";
import { ModellerArrays, metadataOf, parseSplit } from "./modeller.js";
import type { NpzReader } from "./npz-reader.js";
import { readProvenance } from "./provenance-columns.js";

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

/** The ExportView of an .npz open in an NpzReader (whose manifest readManifest checked). */
export class NpzExportView implements ExportView {
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

  private checkStim(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s >= this.stimCount)
      throw new ExportError(`${this.path}: stim ${s} out of range 0..${this.stimCount - 1}`);
  }

  private checkPair(s: number, n: number): void {
    this.checkStim(s);
    if (!Number.isInteger(n) || n < 0 || n >= this.neuronCount)
      throw new ExportError(`${this.path}: neuron ${n} out of range 0..${this.neuronCount - 1}`);
  }

  readStim(s: number): Promise<Tensor> {
    this.checkStim(s);
    return this.tensor(`stim_${s}`);
  }

  async readResponse(s: number, n: number): Promise<Tensor | null> {
    this.checkPair(s, n);
    const key = `resp_${s}_${n}`;
    return this.reader.has(key) ? this.tensor(key) : null;
  }

  async readSpikeCounts(s: number, n: number): Promise<CountBlock | null> {
    this.checkPair(s, n);
    return this.extras.readCounts(s, n);
  }

  async readRejected(s: number, n: number): Promise<Tensor | null> {
    this.checkPair(s, n);
    return this.extras.readRejected(s, n);
  }

  provenance(): Promise<RepeatProvenance[]> {
    return readProvenance(this.reader, this.manifest.provenance, this.path);
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
    const rates = responseRatesOf(m);
    if (rates !== undefined) data.responseRates = rates;
    const spikeCounts = await this.extras.loadCounts(m, S, N);
    if (spikeCounts !== undefined) data.spikeCounts = spikeCounts;
    const rejected = await this.extras.loadRejected(m, provenance, S, N);
    if (rejected !== undefined) data.rejected = rejected;
    if (m.splits !== undefined) data.split = parseSplit(m.splits, this.path, S, N);
    return data;
  }
}
