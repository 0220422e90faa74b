// The parallel dataset build: the same composition as buildDataset
// (src/dataset/build.ts, pipeline.md section 10) with the per-cell work and
// the stim tensors spread over worker threads. The walk (zip reads and MAT
// decoding) stays on this thread and feeds the pool through an ordered,
// bounded window (ordered.ts): at most 2 x jobs cells (by default) are in
// flight, their raw repeats moved to the workers, and the CellOutcomes come
// back in walking order to the same DatasetAssembler, so neuron and stim
// order, tallies, provenance, warnings and every float are identical to the
// serial build.
// Each stim's tensor starts on the pool as soon as the stim registers, its
// waveform handed over by the assembler (DatasetAssembler.releaseWaveform),
// so memory follows the work in flight and the output, not every stim
// waveform of the release.

import { availableParallelism } from "node:os";
import type { CellRecord } from "../ac1/types.js";
import {
  type BuildOptions,
  buildDataset,
  type CellOutcome,
  cellProgress,
  DatasetAssembler,
  releaseCells,
  type StimSpec,
  startBuild,
  stimLengthsOfSamples,
  stimSpectrogram,
  stimWaveform,
  warnAboutCohort,
} from "../dataset/build.js";
import type { DatasetData, DatasetOptions, Tensor } from "../dataset/model.js";
import { waveformHop } from "../dataset/options.js";
import { OptionError } from "../errors.js";
import { orderedMap } from "./ordered.js";
import { WorkerPool } from "./pool.js";
import {
  type BuildResult,
  type BuildTask,
  type BuildWorkerData,
  packCell,
  packStim,
  unpackCellOutcome,
} from "./tasks.js";

export interface ParallelBuildOptions extends BuildOptions {
  /** Worker threads; 1 runs the serial build on this thread. Default: the machine's available parallelism. */
  jobs?: number;
  /** Most cells walked but not yet assembled (raw repeats held in flight); default 2 x jobs. */
  maxCellsInFlight?: number;
  /** Receives the build's flow figures and stage timings when it succeeds. */
  onStats?: (stats: ParallelBuildStats) => void;
}

/** What a parallel build did and where its time went. */
export interface ParallelBuildStats {
  jobs: number;
  /** Cells sent to the workers (cells of other sites are skipped before). */
  cells: number;
  /** Stim tensors computed by the workers. */
  stims: number;
  /** Most cells pulled from the walk and not yet assembled at any moment (<= the maxCellsInFlight option). */
  maxCellsInFlight: number;
  /** Stim tensors computed on this thread (stims with an empty waveform). */
  stimsOnMainThread: number;
  /** Time this thread spent inside the walkers (zip reads, inflate, MAT decoding), ms. */
  walkMs: number;
  /** Wall time the workers spent on cells and on stims, summed over workers, ms (stretched when other processes share the cores). */
  cellWorkMs: number;
  stimWorkMs: number;
  /** Wall time of the walk + cells phase and of the stims phase, ms. */
  cellsPhaseMs: number;
  stimsPhaseMs: number;
}

/** Default number of worker threads: the machine's available parallelism. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Checks a jobs value (an integer >= 1) and fills in the default. */
export function resolveJobs(jobs: number | undefined): number {
  if (jobs === undefined) return defaultJobs();
  if (typeof jobs !== "number" || !Number.isInteger(jobs) || jobs < 1) {
    throw new OptionError(
      "jobs",
      jobs,
      "a whole number of worker threads >= 1 (1 builds on the calling thread)",
    );
  }
  return jobs;
}

const WORKER_SCRIPT = new URL("./worker.js", import.meta.url);

/**
 * Builds the dataset like buildDataset, with `jobs` worker threads. The
 * result is identical to the serial build's, bit for bit and in the same
 * order; jobs = 1 is the serial build itself.
 */
export async function buildDatasetParallel(input: ParallelBuildOptions = {}): Promise<DatasetData> {
  const { jobs: jobsIn, onStats, maxCellsInFlight, ...serialInput } = input;
  const jobs = resolveJobs(jobsIn);
  const maxInFlight = maxCellsInFlight ?? 2 * jobs;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new OptionError("maxCellsInFlight", maxCellsInFlight, "a whole number of cells >= 1");
  }
  if (jobs === 1) return buildDataset(serialInput);
  const setup = await startBuild(serialInput);
  const { options, source, onProgress, onWarning } = setup;
  const stats: ParallelBuildStats = {
    jobs,
    cells: 0,
    stims: 0,
    maxCellsInFlight: 0,
    stimsOnMainThread: 0,
    walkMs: 0,
    cellWorkMs: 0,
    stimWorkMs: 0,
    cellsPhaseMs: 0,
    stimsPhaseMs: 0,
  };
  const workerData: BuildWorkerData = { options };
  const pool = new WorkerPool<BuildTask, BuildResult>({
    size: jobs,
    script: WORKER_SCRIPT,
    workerData,
    name: "dataset build",
  });
  let data: DatasetData;
  try {
    const assembler = new DatasetAssembler(options, onWarning);
    /** The requested cells, timing this thread's share of the walk (zip reads, inflate, MAT decoding). */
    async function* cells(): AsyncGenerator<CellRecord> {
      const it = releaseCells(setup, assembler);
      try {
        for (;;) {
          const t0 = performance.now();
          const next = await it.next();
          stats.walkMs += performance.now() - t0;
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await it.return(undefined);
      }
    }
    const stims = new StimPrecompute(pool, assembler, options, stats);
    let inFlight = 0;
    const t0 = performance.now();
    try {
      await orderedMap(
        cells(),
        (cell) => {
          inFlight++;
          stats.maxCellsInFlight = Math.max(stats.maxCellsInFlight, inFlight);
          stats.cells++;
          const { task, transfer } = packCell(cell);
          // The repeats now belong to the worker (as in the serial build, they are not needed here again).
          for (const st of cell.stims) st.repeats = [];
          return pool.run(task, transfer, `cell ${cell.meta.session}`);
        },
        {
          maxInFlight,
          onResult: (result, cell) => {
            inFlight--;
            if (result.kind !== "cell")
              throw new Error("dataset build: a worker answered a cell with a stim");
            stats.cellWorkMs += result.busyMs;
            assembler.addCell(unpackCellOutcome(cell, result.outcome as CellOutcome));
            // Stims this cell registered start now, on the same pool.
            stims.startNew();
            onProgress?.(cellProgress(assembler, cell));
          },
        },
      );
    } finally {
      if (setup.ownsSource) await source.close();
    }
    stats.cellsPhaseMs = performance.now() - t0;
    const t1 = performance.now();
    await stims.drain((done, total) => onProgress?.({ phase: "stims", done, total }));
    data = assembler.finish({ stimTensor: (spec, Tcanon, s) => stims.tensorFor(spec, Tcanon, s) });
    stats.stimsPhaseMs = performance.now() - t1;
  } finally {
    await pool.close();
  }
  warnAboutCohort(data, onWarning);
  onStats?.(stats);
  return data;
}

type Settled = { ok: true } | { ok: false; error: unknown };

/**
 * Computes each stim's tensor on the pool as soon as the stim registers, at
 * the longest length it can be cut to (Tspec frames: Tcanon never exceeds it
 * when the waveform is not empty), taking the waveform from the assembler
 * with releaseWaveform (the assembler keeps its sample count, all finish()
 * needs for Tcanon, and the pending task holds the waveform only until the
 * pool copies it to a worker). finish() then gets each tensor from
 * tensorFor, which cuts the stored one to Tcanon exactly as stimSpectrogram /
 * stimWaveform cut theirs. So the main thread never holds every stim
 * waveform at once (hundreds of MB at bench scale), and stim work overlaps
 * the walk.
 */
class StimPrecompute {
  /** One settlement per started stim, in stim-index order. */
  private readonly settled: Promise<Settled>[] = [];
  /** Full-length tensors by stim index (absent for stims computed on this thread). */
  private readonly full = new Map<number, { tensor: Tensor; Tupper: number }>();

  constructor(
    private readonly pool: WorkerPool<BuildTask, BuildResult>,
    private readonly assembler: DatasetAssembler,
    private readonly options: DatasetOptions,
    private readonly stats: ParallelBuildStats,
  ) {}

  /** Starts every registered stim not started yet (stims only ever register in index order). */
  startNew(): void {
    for (let s = this.settled.length; s < this.assembler.specs.length; s++) this.start(s);
  }

  private start(s: number): void {
    const spec = this.assembler.specs[s] as StimSpec;
    const samples = this.assembler.waveformSamples(s);
    const Tupper = stimLengthsOfSamples(samples, spec, this.options.dtMs, 0).Tspec;
    if (Tupper === 0) {
      // Empty waveform: nothing to move or free; finish() computes it here.
      this.settled.push(Promise.resolve({ ok: true }));
      return;
    }
    const waveform = this.assembler.releaseWaveform(s);
    const { task, transfer } = packStim(waveform, spec.sfStimHz, Tupper);
    const settled = this.pool.run(task, transfer, `stim ${spec.key}`).then(
      (result): Settled => {
        if (result.kind !== "stim")
          return { ok: false, error: new Error("dataset build: a worker answered a stim with a cell") };
        this.stats.stims++;
        this.stats.stimWorkMs += result.busyMs;
        this.full.set(s, { tensor: result.tensor, Tupper });
        return { ok: true };
      },
      (error: unknown): Settled => ({ ok: false, error }),
    );
    this.settled.push(settled);
  }

  /** Waits for every started stim in registration order, reporting progress; throws the first failure. */
  async drain(onStim: (done: number, total: number) => void): Promise<void> {
    const total = this.settled.length;
    for (let s = 0; s < total; s++) {
      const r = await (this.settled[s] as Promise<Settled>);
      if (!r.ok) throw r.error;
      onStim(s + 1, total);
    }
  }

  /** Stim s's tensor cut to Tcanon frames: bit for bit what stimSpectrogram / stimWaveform give for Tcanon. */
  tensorFor(spec: StimSpec, Tcanon: number, s: number): Tensor {
    const o = this.options;
    const got = this.full.get(s);
    if (got === undefined) {
      if (this.assembler.isReleased(s))
        throw new Error(`dataset build: stim ${spec.key} was handed to the pool but has no tensor`);
      this.stats.stimsOnMainThread++;
      return o.returnWaveform ? stimWaveform(spec, Tcanon, o) : stimSpectrogram(spec, Tcanon, o);
    }
    // The full tensor is cut once; drop it so only the cut one lives on.
    this.full.delete(s);
    if (Tcanon > got.Tupper) {
      throw new Error(
        `dataset build: stim ${spec.key} needs ${Tcanon} frames but only ${got.Tupper} were computed`,
      );
    }
    const full = got.tensor;
    if (o.returnWaveform) {
      const n = Tcanon * waveformHop(o);
      return n === full.data.length ? full : { shape: [1, n], data: full.data.slice(0, n) };
    }
    const [, F, Tfull] = full.shape as [number, number, number];
    const T = Math.min(Tcanon, Tfull);
    if (T === Tfull) return full;
    const data = new Float32Array(F * T);
    for (let f = 0; f < F; f++) data.set(full.data.subarray(f * Tfull, f * Tfull + T), f * T);
    return { shape: [1, F, T], data };
  }
}
