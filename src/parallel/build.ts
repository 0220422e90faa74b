// The parallel dataset build: the build's stages (src/dataset/stages.ts) with
// every unit on worker threads. This thread only lists the release (zip
// directories, no member read), sends units as paths, and consumes the
// answers in walking order: the workers open the release themselves, inflate
// and decode the files of each Wehr stimulus, session and registered stim,
// and send back only the Wehr index entries, each cell's float32 response
// blocks and each stim's tensor, cloned (never transferred: tasks.ts says
// why). So neuron and stim
// order, tallies, provenance, warnings, skipped files and every float are
// identical to the serial build, at most `maxCellsInFlight` sessions are
// between sent and assembled (their raw data lives in the workers), and this
// thread holds the output only.

import { releaseParts } from "../ac1/release.js";
import { DEFAULT_STIM_STORE_BYTES, StimFileStore } from "../ac1/stim-files.js";
import type { WehrStimEntry, WehrStimIndex } from "../ac1/wehr.js";
import { type BuildOptions, selectionOf, startBuild } from "../dataset/build.js";
import { type BuildFlow, emptyFlow } from "../dataset/build-flow.js";
import { materialize } from "../dataset/deferred.js";
import { type BuildExecutor, cacheFirstExecutor } from "../dataset/executors.js";
import { stageCache } from "../dataset/intermediates.js";
import type { DatasetData, LazyDataset } from "../dataset/model.js";
import { buildDatasetLazy, runBuild } from "../dataset/stages.js";
import type { StageContext } from "../dataset/units.js";
import { OptionError } from "../errors.js";
import { tempStopBuffer } from "../temp-files.js";
import { resolveJobs } from "./jobs.js";
import { WorkerPool } from "./pool.js";
import { BUILD_WORKER_SCRIPT, discardPrestartedWorkers, takePrestartedWorkers } from "./prestart.js";
import { type BuildResult, type BuildTask, type BuildWorkerData, sessionTask } from "./tasks.js";

export interface ParallelBuildOptions extends BuildOptions {
  /**
   * Worker threads; 1 runs the serial build on this thread (so does a build
   * given a `source`: workers open the release by its path). Default: the
   * machine's available parallelism.
   */
  jobs?: number;
  /**
   * Most sessions sent to the workers and not yet assembled; default
   * DEFAULT_CELLS_IN_FLIGHT_PER_JOB x jobs. A session's raw data lives only
   * in the worker walking it (jobs of them at a time); one done but waiting
   * for an earlier, longer one to be assembled holds only its output blocks.
   * So the window can be wide, and must be: a narrow one leaves a worker idle
   * whenever one long session holds up the assembly.
   */
  maxCellsInFlight?: number;
  /** Receives the build's flow figures and stage timings when it succeeds. */
  onStats?: (stats: ParallelBuildStats) => void;
}

/** What a parallel build did and where its time went. */
export interface ParallelBuildStats {
  jobs: number;
  /** Session folders walked by the workers (each yields one cell or none). */
  cells: number;
  /** Stim tensors computed by the workers. */
  stims: number;
  /** Most sessions sent and not yet assembled at any moment (<= the maxCellsInFlight option). */
  maxCellsInFlight: number;
  /** Stim tensors made on this thread (stims with an empty waveform). */
  stimsOnMainThread: number;
  /** Workers the caller started ahead (prestartBuildWorkers) that the build adopted; the rest it started itself. */
  adoptedWorkers: number;
  /** Time this thread spent listing the release, ms (everything else it reads, the workers read). */
  planMs: number;
  /**
   * Wall time the workers spent on Wehr index files, on sessions (walk:
   * inflate and decode; clean: gating, PSTH, binning) and on stims, summed
   * over workers, ms (stretched when other processes share the cores).
   */
  indexWorkMs: number;
  cellWorkMs: number;
  stimWorkMs: number;
  /** Wall time of the plan + index + sessions phase and of the rest of the stims, ms. */
  cellsPhaseMs: number;
  stimsPhaseMs: number;
}

export { defaultJobs, resolveJobs } from "./jobs.js";

/** Sessions in flight per worker thread by default (see ParallelBuildOptions.maxCellsInFlight). */
export const DEFAULT_CELLS_IN_FLIGHT_PER_JOB = 32;

/**
 * Stimulus samples all workers may keep together (each StimFileStore gets its
 * share): two jobs keep a serial build's budget each, more jobs share it, so
 * memory does not grow with the core count. A share never goes below
 * MIN_STIM_STORE_BYTES_PER_JOB (a few of the release's longest stim files).
 */
const STIM_STORE_BYTES_ALL_JOBS = 2 * DEFAULT_STIM_STORE_BYTES;
const MIN_STIM_STORE_BYTES_PER_JOB = 32 * 1024 * 1024;

/**
 * Builds the dataset like buildDataset, with `jobs` worker threads. The
 * result is identical to the serial build's, bit for bit and in the same
 * order; jobs = 1 is the serial build itself.
 */
export async function buildDatasetParallel(input: ParallelBuildOptions = {}): Promise<DatasetData> {
  return materialize(await buildDatasetParallelLazy(input));
}

/**
 * buildDatasetParallel with the arrays read on demand (in a spill file with
 * `spillDir`, BuildOptions): release() the result. Workers started ahead for
 * it (prestart.ts) and not adopted are ended however the build ends (its
 * units all came from the cache, it ran on this thread, or it failed).
 */
export async function buildDatasetParallelLazy(input: ParallelBuildOptions = {}): Promise<LazyDataset> {
  try {
    return await buildLazy(input);
  } finally {
    await discardPrestartedWorkers();
  }
}

async function buildLazy(input: ParallelBuildOptions): Promise<LazyDataset> {
  const { jobs: jobsIn, onStats, maxCellsInFlight, ...serialInput } = input;
  const jobs = resolveJobs(jobsIn);
  const maxInFlight = maxCellsInFlight ?? DEFAULT_CELLS_IN_FLIGHT_PER_JOB * jobs;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new OptionError("maxCellsInFlight", maxCellsInFlight, "a whole number of cells >= 1");
  }
  if (jobs === 1 || serialInput.source !== undefined) return buildDatasetLazy(serialInput);
  const setup = await startBuild(serialInput);
  const workerSetup: BuildWorkerData = {
    options: setup.options,
    need: releaseParts(selectionOf(setup.options)),
    // one budget for the stimulus samples the workers keep, shared out (a floor per worker)
    stimStoreBytes: Math.max(MIN_STIM_STORE_BYTES_PER_JOB, Math.floor(STIM_STORE_BYTES_ALL_JOBS / jobs)),
    intermediates: setup.intermediates,
    tempStop: tempStopBuffer(),
  };
  // Started at the first unit the intermediate-results cache does not hold
  // (cacheFirstExecutor, and for a stim the build itself, looks each one up
  // on this thread first): a build
  // served from the cache entirely starts no worker.
  let pool: WorkerPool<BuildTask, BuildResult> | undefined;
  const poolOf = (): WorkerPool<BuildTask, BuildResult> => {
    if (pool === undefined) {
      // started by the caller while this thread loaded (prestart.ts), else started here
      const workers = takePrestartedWorkers(jobs);
      stats.adoptedWorkers = workers.length;
      pool = new WorkerPool<BuildTask, BuildResult>({
        size: jobs,
        script: BUILD_WORKER_SCRIPT,
        setup: workerSetup,
        workers,
        name: "dataset build",
      });
    }
    return pool;
  };
  const stats: ParallelBuildStats = {
    jobs,
    cells: 0,
    stims: 0,
    maxCellsInFlight: 0,
    stimsOnMainThread: 0,
    adoptedWorkers: 0,
    planMs: 0,
    indexWorkMs: 0,
    cellWorkMs: 0,
    stimWorkMs: 0,
    cellsPhaseMs: 0,
    stimsPhaseMs: 0,
  };
  const flow = emptyFlow();
  const local: StageContext = {
    options: setup.options,
    store: new StimFileStore(setup.source, 0),
    cache: stageCache(setup.intermediates),
  };
  let data: LazyDataset;
  try {
    data = await runBuild(setup, cacheFirstExecutor(local, poolExecutor(poolOf, maxInFlight, stats)), flow);
  } finally {
    await pool?.close();
  }
  onStats?.(fillStats(stats, flow));
  return data;
}

function fillStats(stats: ParallelBuildStats, flow: BuildFlow): ParallelBuildStats {
  stats.cells = flow.sessions;
  stats.stims = flow.stims;
  stats.maxCellsInFlight = flow.maxCellsInFlight;
  stats.stimsOnMainThread = flow.stimsOnMainThread;
  stats.planMs = flow.planMs;
  stats.cellsPhaseMs = flow.cellsPhaseMs;
  stats.stimsPhaseMs = flow.stimsPhaseMs;
  return stats;
}

/** Runs the build's units on the pool, adding the workers' busy times to `stats`. */
function poolExecutor(
  pool: () => WorkerPool<BuildTask, BuildResult>,
  window: number,
  stats: ParallelBuildStats,
): BuildExecutor {
  // The index is complete before the first Wehr session starts; its entries go along with Wehr sessions.
  let indexEntries: { index: WehrStimIndex; size: number; entries: WehrStimEntry[] } | undefined;
  const entriesOf = (index: WehrStimIndex): WehrStimEntry[] => {
    if (indexEntries?.index !== index || indexEntries.size !== index.size)
      indexEntries = { index, size: index.size, entries: [...index.values()] };
    return indexEntries.entries;
  };
  const wrong = (want: string, got: BuildResult): Error =>
    new Error(`dataset build: a worker answered a ${want} task with a ${got.kind} result`);
  // A stim goes preferably to the worker that holds its files already: the
  // one that read the Wehr stimulus file for the index, or the one that
  // walked the session registering the Asari stim (it read the segments).
  const fileWorker = new Map<string, number>();
  const stimWorker = new Map<string, number>();
  return {
    window,
    async wehrStim(file) {
      const r = await pool().run({ kind: "wehr-stim", file }, [], file.path, {
        onStart: (w) => fileWorker.set(file.path, w),
        // before any session: every Wehr session waits for the whole index
        cost: Number.POSITIVE_INFINITY,
      });
      if (r.kind !== "wehr-stim") throw wrong("wehr-stim", r);
      stats.indexWorkMs += r.busyMs;
      return r.result;
    },
    async session(unit, wehrIndex, costBytes) {
      let worker = -1;
      // Asari sessions run while the index is still being read: only Wehr ones get (and wait for) it.
      const task = sessionTask(unit, unit.experimenter === "wehr" ? entriesOf(wehrIndex) : []);
      const r = await pool().run(task, [], `session ${unit.dir}`, {
        onStart: (w) => {
          worker = w;
        },
        // the largest sessions first: the build ends when its last long session does
        cost: costBytes,
      });
      if (r.kind !== "session") throw wrong("session", r);
      stats.cellWorkMs += r.busyMs;
      for (const st of r.result.outcome?.stims ?? [])
        if (!stimWorker.has(st.key)) stimWorker.set(st.key, worker);
      return r.result;
    },
    async stim(spec, T) {
      const task: BuildTask = { kind: "stim", waveform: spec.waveform, sfStimHz: spec.sfStimHz, T };
      const prefer =
        spec.waveform.kind === "wehr" ? fileWorker.get(spec.waveform.file) : stimWorker.get(spec.key);
      const r = await pool().run(task, [], `stim ${spec.key}`, { prefer });
      if (r.kind !== "stim") throw wrong("stim", r);
      stats.stimWorkMs += r.busyMs;
      return { tensor: r.tensor, reused: r.reused, damaged: r.damaged, unstored: r.unstored };
    },
  };
}
