// The order-dependent half of a build (pipeline.md section 10): the
// DatasetAssembler takes each cell's outcome in walking order (stim
// registration, first registration wins; neuron indices, tallies,
// provenance, the walk's checks), then finish() cuts stims and blocks to
// Tcanon and returns the checked dataset; and the progress event of a cell
// just assembled.

import type { NeuronMeta } from "../ac1/types.js";
import { bandCentersHz } from "../dsp/index.js";
import { Ac1Error, OptionError } from "../errors.js";
import type { BuildProgress } from "./build.js";
import type { CellOutcome, RepeatStats, StimOutcome, StimSpec } from "./clean.js";
import { heldFirstColumns } from "./deferred.js";
import {
  type CohortSignalType,
  type DatasetOptions,
  type Deferred,
  type LazyDataset,
  type RejectionTally,
  type RepeatProvenance,
  type ResponseRate,
  type SignalType,
  type SkippedFile,
  type Tensor,
  UNITS_OF_SIGNAL,
} from "./model.js";
import { resampleMemoryProblem, spectrogramMemoryProblem, waveformHop } from "./options.js";
import { neuronMetaWithQuality } from "./quality.js";
import { groupRejectedRows, padRows } from "./rejected.js";
import { type ArrayStore, type Held, memoryStore } from "./spill.js";
import { type StimLengths, stimLengths } from "./stim-tensor.js";
import { validateDataset } from "./validate.js";

/**
 * Order-dependent assembly: feed CellOutcomes in walking order with addCell,
 * then call finish with each stim's tensor. Keeps only the first
 * registration's facts per stim (its waveform by reference) and puts the
 * per-pair arrays (blocks, spike counts, rejected repeats) in its store as
 * they come: memory stays bounded by the output in memory, and by one
 * neuron's blocks with a spill file (src/dataset/spill.ts).
 */
export class DatasetAssembler {
  readonly stimIndex = new Map<string, number>();
  /** Registered stims in stim-index order. */
  readonly specs: StimSpec[] = [];
  readonly neuronMeta: NeuronMeta[] = [];
  readonly rejections: RejectionTally = { range: 0, step: 0, xcorr: 0, kept: 0 };
  droppedCellsEmpty = 0;
  cellsWalked = 0;
  readonly skippedFiles: SkippedFile[] = [];
  /** (stim, neuron, block's shape, block, spike counts) in walking order. */
  private readonly blocks: {
    s: number;
    n: number;
    R: number;
    T: number;
    block: Held<Float32Array>;
    counts: Held<Int32Array> | null;
  }[] = [];
  /**
   * Provenance with stim indices resolved at finish (stims may register
   * later); `detached` records belong to no block (see addCell).
   */
  private readonly pending: (RepeatProvenance & { stimKey: string; detached: boolean })[] = [];
  /** With keepRejected: pending[i]'s binned rejected repeat (null for kept repeats). */
  private readonly pendingRejected: (Held<Float32Array> | null)[] = [];
  /** Response sample rates seen so far (each is checked against dtMs once). */
  /** Each response sample rate met, in walking order, with its first cell (DatasetFields.responseRates). */
  private readonly responseRates: ResponseRate[] = [];
  /** Stim sample rates seen so far (each is checked against the spectrogram's memory bound once). */
  private readonly stimRates = new Set<number>();

  constructor(
    readonly options: DatasetOptions,
    /** Where the per-pair arrays wait for finish (and the stim tensors, StimTensors in build-stims.ts). */
    readonly store: ArrayStore = memoryStore(),
  ) {}

  addSkippedFile(path: string, reason: string): void {
    this.skippedFiles.push({ path, reason });
  }

  /**
   * Registers one processed cell; returns its neuron index or -1 when
   * dropped. A cell may hold two stims of one key (two Wehr stimulus files
   * whose stems share an idx, as "1_0.mat" and "10.mat"): as in the
   * reference, each block goes to the same (stim, neuron) pair and the last
   * one stays; the repeats of the cell's other stims of that key are then in
   * no block, and their provenance records get stim -1.
   */
  addCell(outcome: CellOutcome): number {
    this.cellsWalked++;
    const hasData = outcome.stims.some((s) => s.block !== null);
    const n = hasData ? this.neuronMeta.length : -1;
    const lastBlockOf = new Map<string, StimOutcome>();
    for (const st of outcome.stims) if (st.block !== null) lastBlockOf.set(st.key, st);
    for (const st of outcome.stims) {
      this.noteResponseRate(st.sfRespHz, outcome.meta);
      for (const f of st.fates) this.rejections[f]++;
      const owner = lastBlockOf.get(st.key);
      const detached = owner !== undefined && owner !== st;
      let rejectedIndex = 0;
      st.fates.forEach((fate, repeat) => {
        const stats = st.stats[repeat] as RepeatStats;
        this.pending.push({
          session: outcome.meta.session,
          experimenter: outcome.meta.experimenter,
          neuron: n,
          stimKey: st.key,
          stim: -1,
          repeat,
          fate,
          maxAbsMv: stats.maxAbsMv,
          stepFrac: stats.stepFrac,
          r: stats.r,
          samples: st.samples[repeat] as number,
          detached,
        });
        if (this.options.keepRejected)
          this.pendingRejected.push(
            fate === "kept" ? null : this.store.put(st.rejected[rejectedIndex++] ?? NO_BINS),
          );
      });
      if (st.block === null) continue;
      let s = this.stimIndex.get(st.key);
      if (s === undefined) {
        this.checkStimRate(st.spec);
        s = this.specs.length;
        this.stimIndex.set(st.key, s);
        this.specs.push(st.spec);
      }
      const [R, T] = st.block.shape as [number, number];
      this.blocks.push({
        s,
        n,
        R,
        T,
        block: this.store.put(st.block.data),
        counts: st.counts === null ? null : this.store.put(st.counts.data),
      });
    }
    if (hasData)
      this.neuronMeta.push({
        ...outcome.meta,
        signal_type: outcome.signalType,
        units: UNITS_OF_SIGNAL[outcome.signalType],
      });
    else this.droppedCellsEmpty++;
    return n;
  }

  /** Notes a response sample rate the first time a cell has it (walking order, so the same for any number of threads). */
  private noteResponseRate(sfRespHz: number, meta: NeuronMeta): void {
    if (this.responseRates.some((r) => r.sfHz === sfRespHz)) return;
    this.responseRates.push({ sfHz: sfRespHz, firstIn: `${meta.experimenter} cell ${meta.session}` });
  }

  /**
   * The spectrogram's memory bound at a stim sample rate above the one the
   * options were checked at (RELEASE_MAX_STIM_SF_HZ), and in waveform mode
   * the resampling kernel's at a rate other than the release's, before any
   * of its tensors is computed.
   */
  private checkStimRate(spec: StimSpec): void {
    if (this.stimRates.has(spec.sfStimHz)) return;
    this.stimRates.add(spec.sfStimHz);
    const problem = spectrogramMemoryProblem(this.options, spec.sfStimHz);
    if (problem !== undefined)
      throw new OptionError(
        this.options.returnWaveform ? "binsPerOctave" : "windowMs",
        this.options.returnWaveform ? this.options.binsPerOctave : this.options.windowMs,
        `${problem} (stim ${spec.key})`,
      );
    const resampling = resampleMemoryProblem(this.options, spec.sfStimHz);
    if (resampling !== undefined)
      throw new OptionError("audioFs", this.options.audioFs, `${resampling} (stim ${spec.key})`);
  }

  /** Cohort signal type: the single type or "mixed". */
  cohortSignalType(): CohortSignalType {
    const types = new Set(this.neuronMeta.map((m) => m.signal_type));
    return types.size === 1 ? (this.neuronMeta[0]?.signal_type as SignalType) : "mixed";
  }

  /** Shortest block per stim among the cells that heard it. */
  shortestResponse(): number[] {
    const out = new Array<number>(this.specs.length).fill(Number.POSITIVE_INFINITY);
    for (const { s, T } of this.blocks) out[s] = Math.min(out[s] as number, T);
    return out;
  }

  /** Tcanon's ingredients for each registered stim (pipeline.md section 10 step 7). */
  stimLengths(): StimLengths[] {
    const shortest = this.shortestResponse();
    return this.specs.map((spec, s) => stimLengths(spec, this.options.dtMs, shortest[s] as number));
  }

  /**
   * Takes each stim's tensor cut to Tcanon from `stimTensor` (spectrogram
   * or waveform, stimSpectrogram / stimWaveform of its samples), cuts the
   * blocks to Tcanon and returns the checked dataset, its arrays read from
   * the store on demand (the store is its to release). Each neuron's quality
   * is computed from its own blocks, one neuron at a time.
   */
  finish(stimTensor: (spec: StimSpec, Tcanon: number, stimIndex: number) => Deferred): LazyDataset {
    const o = this.options;
    if (this.neuronMeta.length === 0) {
      throw new Ac1Error(
        "NO_NEURONS",
        `no neuron: no cell with usable data matched experimenter=${o.experimenter.join(",")} sites=${o.sites.join(",")} in ${o.path} (${this.cellsWalked} cells walked, ${this.droppedCellsEmpty} dropped with every repeat rejected); try a wider filter, other gating thresholds, or check that the folder holds the CRCNS-AC1 release`,
      );
    }
    const N = this.neuronMeta.length;
    const S = this.specs.length;
    const Tcanon = this.stimLengths().map((l) => l.Tcanon);
    const stims: Deferred[] = [];
    for (let s = 0; s < S; s++) stims.push(stimTensor(this.specs[s] as StimSpec, Tcanon[s] as number, s));
    const responses: (Deferred | null)[][] = [];
    const spikeCounts: (Deferred<Int32Array> | null)[][] = [];
    for (let s = 0; s < S; s++) {
      responses.push(new Array<Deferred | null>(N).fill(null));
      spikeCounts.push(new Array<Deferred<Int32Array> | null>(N).fill(null));
    }
    for (const { s, n, R, T: Tb, block, counts } of this.blocks) {
      const T = Math.min(Tcanon[s] as number, Tb);
      (responses[s] as (Deferred | null)[])[n] = cutBlock(block, R, Tb, T);
      if (counts !== null)
        (spikeCounts[s] as (Deferred<Int32Array> | null)[])[n] = cutBlock(counts, R, Tb, T);
    }
    const provenance: RepeatProvenance[] = this.pending.map(({ detached, ...p }) => ({
      ...p,
      stim: detached ? -1 : (this.stimIndex.get(p.stimKey) ?? -1),
    }));
    const data: LazyDataset = {
      dtMs: o.dtMs,
      F: bandCentersHz(o.fmin, o.fmax, o.binsPerOctave).length,
      freqsHz: bandCentersHz(o.fmin, o.fmax, o.binsPerOctave),
      audioFs: o.returnWaveform ? o.audioFs : null,
      hop: o.returnWaveform ? waveformHop(o) : 1,
      signalType: this.cohortSignalType(),
      hearingRangeHz: [250, 76000],
      species: "rat",
      stims,
      // The source waveform's sample rate joins the reference's stim metadata (interchange.md: sf_hz).
      stimMeta: this.specs.map((sp) => ({ ...sp.meta, sf_hz: sp.sfStimHz })),
      // every build stores each neuron's quality over all its stims (evaluation.md)
      neuronMeta: this.neuronMeta.map((m, n) => neuronMetaWithQuality(m, blocksOfNeuron(responses, n))),
      responses,
      rejections: { ...this.rejections },
      droppedCellsEmpty: this.droppedCellsEmpty,
      skippedFiles: this.skippedFiles.slice(),
      options: o,
      provenance,
      responseRates: this.responseRates.map((r) => ({ ...r })),
      spikeCounts,
      release: () => this.store.close(),
    };
    if (o.keepRejected) data.rejected = rejectedBlocks(provenance, this.pendingRejected, S, N);
    validateDataset(data);
    return data;
  }
}

/** A stored (R, Tb) block cut to its first T columns when read. */
function cutBlock<A extends Float32Array | Int32Array>(
  held: Held<A>,
  R: number,
  Tb: number,
  T: number,
): Deferred<A> {
  return { shape: [R, T], read: () => heldFirstColumns(held, R, Tb, T) };
}

/** Neuron n's blocks in ascending stim order, read now. */
function blocksOfNeuron(responses: readonly (readonly (Deferred | null)[])[], n: number): Tensor[] {
  const out: Tensor[] = [];
  for (const row of responses) {
    const b = row[n];
    if (b) out.push({ shape: b.shape, data: b.read() });
  }
  return out;
}

/** The rejected repeats grouped as groupRejected groups them, each group padded (padRows) when read. */
function rejectedBlocks(
  provenance: readonly RepeatProvenance[],
  rows: readonly (Held<Float32Array> | null)[],
  S: number,
  N: number,
): { blocks: (Deferred | null)[][]; unindexed: Deferred } {
  const grouped = groupRejectedRows(provenance, rows, S, N);
  const padded = (list: readonly Held<Float32Array>[]): Deferred => {
    let T = 0;
    for (const r of list) T = Math.max(T, r.length);
    return { shape: [list.length, T], read: () => padRows(list.map((r) => r.read())).data };
  };
  return {
    blocks: grouped.blocks.map((row) => row.map((list) => (list === null ? null : padded(list)))),
    unindexed: padded(grouped.unindexed),
  };
}

const NO_BINS = new Float32Array(0);

/** The progress event for a cell just assembled. */
export function cellProgress(assembler: DatasetAssembler, cell: Pick<CellOutcome, "meta">): BuildProgress {
  return {
    phase: "cells",
    cells: assembler.cellsWalked,
    neurons: assembler.neuronMeta.length,
    stims: assembler.specs.length,
    session: cell.meta.session,
    experimenter: cell.meta.experimenter,
  };
}
