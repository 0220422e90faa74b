// The build as stages over the walk's units (pipeline.md section 10), written
// once for every way of running it:
//   walk/decode  one unit per Wehr stimulus file of the index, then one per
//                session folder (src/ac1/release.ts): zip members inflated,
//                MAT variables decoded, raw repeats cut;
//   clean        processCell on the session's cell: gating, PSTH, binning
//                (a session unit runs walk then clean and returns the blocks);
//   stims        one unit per registered stim: its samples made from the
//                walk's reference (loadStimWaveform), its tensor computed.
// Units run through a BuildExecutor: on this thread (inlineExecutor, the
// serial build) or on worker threads (src/parallel/). Results come back in
// walking order to one DatasetAssembler and the units' reports are replayed
// in that order, so every executor gives the same dataset, bit for bit, with
// the same warnings, skipped files and progress events. With a StageCache
// (src/dataset/intermediates.ts), each unit first looks for its result in the
// intermediate-results cache and stores what it computes: a Wehr stimulus
// file -> its index entry; a session and the cleaning options up to the
// gating thresholds -> its cleaned cell (cleanCell complete), re-gated here
// by finishCell; a stim and its tensor's options -> its tensor.

import { replayWalkEvents, WalkRecorder, type WalkReporting } from "../ac1/common.js";
import { planReleaseWalk, type SessionUnit, walkSessionUnit } from "../ac1/release.js";
import { readStimWaveformFiles, StimFileStore, stimWaveformOf } from "../ac1/stim-files.js";
import type { WalkEvent } from "../ac1/types.js";
import {
  addWehrStimEntry,
  readWehrStimEntry,
  type WehrStimEntry,
  type WehrStimFile,
  type WehrStimIndex,
} from "../ac1/wehr.js";
import { releaseIdleArenas, withFloat64Arena } from "../dsp/arena.js";
import { scratchFloat64 } from "../dsp/scratch.js";
import type { IntermediateCache } from "../store/intermediates.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import {
  type BuildOptions,
  type BuildSetup,
  cellProgress,
  DatasetAssembler,
  type LoadedStim,
  type StimSpec,
  selectionOf,
  startBuild,
  stimLengthsOfSamples,
  stimSpectrogram,
  stimWaveform,
  warnAboutCohort,
} from "./build.js";
import { type CellCleaned, type CellOutcome, cleanCell, finishCell } from "./clean.js";
import { held, heldFirstColumns, materialize } from "./deferred.js";
import {
  cleanKey,
  countReuse,
  emptyReuse,
  type IntermediateReuse,
  indexCodec,
  indexKey,
  lookup,
  type ReuseTally,
  type StageCache,
  sessionCodec,
  stageCache,
  stimKey,
  tensorCodec,
  tensorShapeOf,
  through,
} from "./intermediates.js";
import type { DatasetData, DatasetOptions, Deferred, LazyDataset, Tensor } from "./model.js";
import { waveformHop } from "./options.js";
import { orderedMap } from "./ordered.js";
import { type ArrayStore, type ArrayWriter, type Held, memoryStore, SpillFile } from "./spill.js";
import { firstNaN } from "./validate.js";

/**
 * What units run with: the build's options, the stimulus files of the
 * thread they run on and, when the build keeps intermediates, their cache.
 */
export interface StageContext {
  options: DatasetOptions;
  store: StimFileStore;
  cache?: StageCache;
}

/** A Wehr stimulus file read for the index: its entry (null: unreadable, reported) and the reports. */
export interface WehrStimResult {
  entry: WehrStimEntry | null;
  events: WalkEvent[];
  /** Whether it came from the intermediate-results cache; whether its entry there was damaged (then removed). */
  reused?: boolean;
  damaged?: boolean;
}

/** A session walked and cleaned: its cell's outcome (null: the session yields no cell) and the reports. */
export interface SessionResult {
  outcome: CellOutcome | null;
  events: WalkEvent[];
  /** Whether its cleaning came from the intermediate-results cache (then only the gating ran now). */
  reused?: boolean;
  /** Whether its entry there was damaged (then removed, and the session cleaned now). */
  damaged?: boolean;
}

/** A stim's tensor and whether it came from the intermediate-results cache. */
export interface StimResult {
  tensor: Tensor;
  reused: boolean;
  damaged?: boolean;
}

/** Reads one Wehr stimulus file of the index (or its entry from the cache). */
export async function runWehrStimUnit(ctx: StageContext, file: WehrStimFile): Promise<WehrStimResult> {
  const { value, reused, damaged } = await through(
    ctx.cache,
    "index",
    () => indexKey((ctx.cache as StageCache).scope, file),
    indexCodec,
    async () => {
      const rec = new WalkRecorder();
      const entry = await readWehrStimEntry(ctx.store, file, rec);
      return { entry, events: rec.events };
    },
  );
  return { ...value, reused, damaged };
}

/**
 * Walks one session folder (decoding its files) and cleans its cell
 * (cleanCell, then finishCell with this build's gating thresholds); with a
 * cache, the cleaned cell is looked up first and stored complete.
 */
export async function runSessionUnit(
  ctx: StageContext,
  unit: SessionUnit,
  wehrIndex: WehrStimIndex,
): Promise<SessionResult> {
  const o = ctx.options;
  const { value, reused, damaged } = await through(
    ctx.cache,
    "clean",
    () => cleanKey((ctx.cache as StageCache).scope, unit, o),
    sessionCodec,
    // The raw repeats die with `cell`: only the binned products leave this unit. So they are
    // sliced into an arena of the thread (src/dsp/arena.ts), taken back when the unit is done.
    () =>
      withFloat64Arena(async (allocRepeat) => {
        const rec = new WalkRecorder();
        const cell = await walkSessionUnit(ctx.store, unit, { wehrIndex, sites: o.sites, allocRepeat }, rec);
        return { cleaned: cell ? cleanCell(cell, o, ctx.cache !== undefined) : null, events: rec.events };
      }),
  );
  return sessionResult(value, o, reused, damaged);
}

/** A session's result from its cleaned cell: finishCell with this build's gating thresholds. */
function sessionResult(
  value: { cleaned: CellCleaned | null; events: WalkEvent[] },
  o: DatasetOptions,
  reused: boolean,
  damaged: boolean,
): SessionResult {
  const outcome = value.cleaned ? finishCell(value.cleaned, o) : null;
  return { outcome, events: value.events, reused, damaged };
}

/** One stim's tensor at T frames (spectrogram or waveform mode), from its samples made now (or the cache). */
export async function runStimUnit(
  ctx: StageContext,
  stim: Pick<StimSpec, "waveform" | "sfStimHz">,
  T: number,
): Promise<StimResult> {
  const { value, reused, damaged } = await through(
    ctx.cache,
    "stim",
    () => stimKey((ctx.cache as StageCache).scope, stim, T, ctx.options),
    tensorCodec,
    async () => {
      const files = await readStimWaveformFiles(ctx.store, stim.waveform);
      // An Asari stim is spliced into a buffer reused from stim to stim: the tensor is made
      // from it right here, synchronously, and nothing keeps it (src/dsp/scratch.ts).
      const waveform = stimWaveformOf(ctx.store, stim.waveform, files, (n) =>
        scratchFloat64("stim-splice", n),
      );
      return stimTensor({ waveform, sfStimHz: stim.sfStimHz }, T, ctx.options);
    },
  );
  return { tensor: value, reused, damaged };
}

/** stimWaveform or stimSpectrogram, by the build's mode. */
function stimTensor(stim: LoadedStim, T: number, o: DatasetOptions): Tensor {
  return o.returnWaveform ? stimWaveform(stim, T, o) : stimSpectrogram(stim, T, o);
}

/**
 * Runs each unit's cache lookup on this thread, through `ctx`'s cache, and
 * sends only the misses to `exec` (a stim's: StimTensors looks it up, into
 * the build's store, before it asks): a build whose units are all in the cache
 * (an option changed after the gating, say) never starts its workers. The
 * results are what `exec` would have returned (same keys, same finishCell),
 * so the dataset is the same.
 */
export function cacheFirstExecutor(ctx: StageContext, exec: BuildExecutor): BuildExecutor {
  const sc = ctx.cache;
  if (sc === undefined) return exec;
  const o = ctx.options;
  return {
    window: exec.window,
    async wehrStim(file) {
      const found = await lookup(sc, "index", indexKey(sc.scope, file), indexCodec);
      if (found.value !== undefined) return { ...found.value, reused: true, damaged: false };
      const r = await exec.wehrStim(file);
      return found.damaged ? { ...r, damaged: true } : r;
    },
    async session(unit, wehrIndex, costBytes) {
      const found = await lookup(sc, "clean", cleanKey(sc.scope, unit, o), sessionCodec);
      if (found.value !== undefined) return sessionResult(found.value, o, true, false);
      const r = await exec.session(unit, wehrIndex, costBytes);
      return found.damaged ? { ...r, damaged: true } : r;
    },
    // A stim's entry is looked up by the build itself (StimTensors), which streams it into its store.
    stim: (spec, T, si) => exec.stim(spec, T, si),
  };
}

/** Where a build's units run. */
export interface BuildExecutor {
  /** Units started and not yet consumed, at most (>= 1): bounds the raw data in flight. */
  readonly window: number;
  wehrStim(file: WehrStimFile): Promise<WehrStimResult>;
  /**
   * One session unit; `costBytes` estimates its work (ReleaseWalkPlan's
   * sessionBytes, 0 when unknown): an executor with several threads may
   * start the costliest of the units it holds first.
   */
  session(unit: SessionUnit, wehrIndex: WehrStimIndex, costBytes: number): Promise<SessionResult>;
  /** Stim `s`'s tensor at T frames (what runStimUnit computes). */
  stim(spec: StimSpec, T: number, s: number): Promise<StimResult>;
}

/** Runs every unit on this thread, one at a time. */
export function inlineExecutor(ctx: StageContext): BuildExecutor {
  return {
    window: 1,
    wehrStim: (file) => runWehrStimUnit(ctx, file),
    session: (unit, wehrIndex) => runSessionUnit(ctx, unit, wehrIndex),
    stim: (spec, T) => runStimUnit(ctx, spec, T),
  };
}

/** How a build's work flowed (filled in by runBuild). */
export interface BuildFlow {
  /** Session units walked (cells of other sites are dropped inside them). */
  sessions: number;
  /** Stim tensors the build took: computed by the executor, or taken from the intermediates. */
  stims: number;
  /** Stim tensors of empty waveforms, made on this thread at finish. */
  stimsOnMainThread: number;
  /** Most session units started and not yet assembled at any moment (<= the executor's window). */
  maxCellsInFlight: number;
  /** Time this thread spent listing the release (the walk's plan), ms. */
  planMs: number;
  /** Wall time of the index + sessions phase and of the rest of the stims, ms. */
  cellsPhaseMs: number;
  stimsPhaseMs: number;
  /** Units whose result came from the intermediate-results cache, by kind. */
  reuse: IntermediateReuse;
}

export function emptyFlow(): BuildFlow {
  return {
    sessions: 0,
    stims: 0,
    stimsOnMainThread: 0,
    maxCellsInFlight: 0,
    planMs: 0,
    cellsPhaseMs: 0,
    stimsPhaseMs: 0,
    reuse: emptyReuse(),
  };
}

/**
 * The build: plans the walk of the selected release, reads the Wehr index,
 * walks and cleans the sessions, computes the registered stims, all through
 * `exec`, consuming every result in walking order; then finishes the
 * assembly. Closes the setup's source when the build owns it. The arrays
 * wait in memory, or in a spill file with the setup's spillDir (removed if
 * the build fails; else by the result's release()).
 */
export async function runBuild(
  setup: BuildSetup,
  exec: BuildExecutor,
  flow: BuildFlow = emptyFlow(),
): Promise<LazyDataset> {
  const { options, source, onProgress } = setup;
  let store: ArrayStore;
  try {
    store = setup.spillDir === undefined ? memoryStore() : new SpillFile(setup.spillDir);
  } catch (e) {
    if (setup.ownsSource) await source.close();
    throw e;
  }
  const assembler = new DatasetAssembler(options, setup.onWarning, store);
  const reporting: WalkReporting = {
    onWarning: (w) => setup.onWarning?.(w),
    onSkippedFile: (path, reason) => assembler.addSkippedFile(path, reason),
  };
  const seen = new Set<string>();
  const stims = new StimTensors(exec, assembler, options, flow, stageCache(setup.intermediates));
  let data: LazyDataset;
  try {
    const t0 = performance.now();
    const plan = await planReleaseWalk(source, selectionOf(options));
    flow.planMs = performance.now() - t0;
    // The Wehr index is read while the Asari sessions, which do not need it,
    // already run; a Wehr session starts once the index is complete. Results
    // are still consumed in walking order: the index first, then the sessions.
    const wehrIndex: WehrStimIndex = new Map();
    const indexed = orderedMap(plan.wehrStimFiles, (file) => exec.wehrStim(file), {
      maxInFlight: exec.window,
      onResult: (r) => {
        countReuse(flow.reuse.index, r);
        replayWalkEvents(r.events, reporting, seen);
        if (r.entry) addWehrStimEntry(wehrIndex, r.entry, reporting);
      },
    });
    // Its failure surfaces through the sessions, or below.
    indexed.catch(() => {});
    let inFlight = 0;
    await orderedMap(
      plan.sessions,
      (unit, i) => {
        inFlight++;
        flow.maxCellsInFlight = Math.max(flow.maxCellsInFlight, inFlight);
        flow.sessions++;
        const cost = plan.sessionBytes[i] ?? 0;
        return unit.experimenter === "wehr"
          ? indexed.then(() => exec.session(unit, wehrIndex, cost))
          : exec.session(unit, wehrIndex, cost);
      },
      {
        maxInFlight: exec.window,
        onResult: async (r) => {
          await indexed;
          inFlight--;
          countReuse(flow.reuse.clean, r);
          replayWalkEvents(r.events, reporting, seen);
          if (r.outcome === null) return;
          // Test hooks (inert unless AC1_TEST_PAUSE_AT / AC1_TEST_FAIL_AT name "build-cell").
          await pausePoint("build-cell");
          failPoint("build-cell");
          assembler.addCell(r.outcome);
          // Stims this cell registered start now.
          stims.startNew();
          onProgress?.(cellProgress(assembler, r.outcome));
        },
      },
    );
    await indexed;
    const t1 = performance.now();
    flow.cellsPhaseMs = t1 - t0;
    await stims.drain((done, total) => onProgress?.({ phase: "stims", done, total }));
    data = assembler.finish((spec, Tcanon, s) => stims.tensorFor(spec, Tcanon, s));
    flow.stimsPhaseMs = performance.now() - t1;
  } catch (e) {
    store.close();
    throw e;
  } finally {
    // The sessions run on this thread (a serial build) kept their repeats' arenas: let them go.
    releaseIdleArenas();
    if (setup.ownsSource) await source.close();
  }
  warnAboutCohort(data, setup.onWarning);
  setup.onReuse?.(flow.reuse);
  return data;
}

type Settled = { ok: true } | { ok: false; error: unknown };

const NO_SAMPLES = new Float64Array(0);

/**
 * Starts each stim's tensor as soon as the stim registers, at the longest
 * length it can be cut to (Tspec frames: Tcanon never exceeds it when the
 * waveform is not empty); finish() then takes each tensor cut to Tcanon
 * exactly as stimSpectrogram / stimWaveform cut theirs. A stim with an empty
 * waveform has Tspec 0 but may still have Tcanon > 0 (waveform mode pads
 * with zeros): its tensor is made at finish on this thread, from no samples.
 */
class StimTensors {
  /** One settlement per started stim, in stim-index order. */
  private readonly settled: Promise<Settled>[] = [];
  /** Full-length tensors by stim index (their values in the assembler's store), until cut. */
  private readonly full = new Map<
    number,
    {
      shape: number[];
      values: Held<Float32Array>;
      Tupper: number;
      nanFree: boolean;
      /** Its intermediate entry's key (stimKey at Tupper), when the build keeps intermediates. */
      key: string | undefined;
    }
  >();
  private readonly reuse: ReuseTally;
  constructor(
    private readonly exec: BuildExecutor,
    private readonly assembler: DatasetAssembler,
    private readonly options: DatasetOptions,
    private readonly flow: BuildFlow,
    /**
     * The intermediates, when the build keeps them: the one place a stim's
     * entry is looked up (fromCache), and each tensor's entry key names its
     * values (memoKey).
     */
    private readonly sc?: StageCache,
  ) {
    this.reuse = flow.reuse.stim;
  }

  /** Starts every registered stim not started yet (stims only ever register in index order). */
  startNew(): void {
    for (let s = this.settled.length; s < this.assembler.specs.length; s++) this.start(s);
  }

  private start(s: number): void {
    const spec = this.assembler.specs[s] as StimSpec;
    const Tupper = stimLengthsOfSamples(spec.waveform.length, spec, this.options.dtMs, 0).Tspec;
    if (Tupper === 0) {
      this.settled.push(Promise.resolve({ ok: true }));
      return;
    }
    const { sc } = this;
    const key = sc === undefined ? undefined : stimKey(sc.scope, spec, Tupper, this.options);
    let cached: "hit" | "miss" | "damaged";
    try {
      cached = sc === undefined || key === undefined ? "miss" : this.fromCache(sc.cache, key, Tupper, s);
    } catch (error) {
      // (a full disk while spilling: settled as a failure, never thrown here)
      this.settled.push(Promise.resolve({ ok: false, error }));
      return;
    }
    if (cached === "hit") {
      this.flow.stims++;
      countReuse(this.reuse, { reused: true });
      this.settled.push(Promise.resolve({ ok: true }));
      return;
    }
    let started: Promise<StimResult>;
    try {
      started = this.exec.stim(spec, Tupper, s);
      if (cached === "damaged") started = started.then((r) => ({ ...r, damaged: true }));
    } catch (e) {
      started = Promise.reject(e);
    }
    this.settled.push(
      started.then(
        (r): Settled => {
          const { tensor } = r;
          this.flow.stims++;
          countReuse(this.reuse, r);
          try {
            // (a full disk, or a store already closed by a failed build: settled as a failure, never thrown here)
            // Checked for NaN now, as it arrives (the walk leaves this thread idle), not read back at the end.
            const nanFree = firstNaN(tensor.data) < 0;
            this.full.set(s, {
              shape: tensor.shape,
              values: this.assembler.store.put(tensor.data),
              Tupper,
              nanFree,
              key,
            });
          } catch (error) {
            return { ok: false, error };
          }
          return { ok: true };
        },
        (error: unknown): Settled => ({ ok: false, error }),
      ),
    );
  }

  /**
   * Stim s's tensor streamed from its intermediate entry straight into the
   * assembler's store (an export's spill file: never whole in memory, where
   * fresh memory costs a page fault per 4 KiB, more than the copy), checked
   * for NaN as it passes. "damaged": the entry was bad and removed. The
   * executor is asked only for the tensors this does not find.
   */
  private fromCache(
    cache: IntermediateCache,
    key: string,
    Tupper: number,
    s: number,
  ): "hit" | "miss" | "damaged" {
    const store = this.assembler.store;
    let shape: number[] = [];
    let writer: ArrayWriter<Float32Array> | undefined;
    let nanFree = true;
    const found = cache.readStreamed("stim", key, {
      header: (data, arrays) => {
        shape = tensorShapeOf(data, arrays);
        writer = store.begin(Float32Array, arrays[0]?.length ?? 0);
      },
      bytes: (_index, chunk) => {
        // (chunks of a float32 array start at multiples of 4 bytes of it, in a buffer of their own)
        if (nanFree && firstNaN(new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >> 2)) >= 0)
          nanFree = false;
        writer?.write(chunk);
      },
    });
    if (found === "hit" && writer !== undefined)
      this.full.set(s, { shape, values: writer.commit(), Tupper, nanFree, key });
    return found;
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
  tensorFor(spec: StimSpec, Tcanon: number, s: number): Deferred {
    const o = this.options;
    const got = this.full.get(s);
    if (got === undefined) {
      if (spec.waveform.length !== 0) throw new Error(`dataset build: stim ${spec.key} has no tensor`);
      this.flow.stimsOnMainThread++;
      return held(stimTensor({ waveform: NO_SAMPLES, sfStimHz: spec.sfStimHz }, Tcanon, o));
    }
    // Each full tensor is cut once.
    this.full.delete(s);
    if (Tcanon > got.Tupper) {
      throw new Error(
        `dataset build: stim ${spec.key} needs ${Tcanon} frames but only ${got.Tupper} were computed`,
      );
    }
    const { values, nanFree, key } = got;
    // The tensor's entry key and the cut name the values exactly: the export's memo finds the member by them.
    const named = (cut: string) => (key === undefined ? {} : { memoKey: `stim ${key} ${cut}` });
    if (o.returnWaveform) {
      const n = Tcanon * waveformHop(o);
      return {
        shape: [1, n],
        read: () => heldFirstColumns(values, 1, values.length, n),
        nanFree,
        ...named(`samples ${n}`),
      };
    }
    const [, F, Tfull] = got.shape as [number, number, number];
    const T = Math.min(Tcanon, Tfull);
    return {
      shape: [1, F, T],
      read: () => heldFirstColumns(values, F, Tfull, T),
      nanFree,
      ...named(`frames ${T}`),
    };
  }
}

/**
 * Builds the dataset from the release (pipeline.md section 10) on this
 * thread: startBuild, then every unit of the walk in turn (runBuild with
 * inlineExecutor).
 */
export async function buildDataset(input: BuildOptions = {}): Promise<DatasetData> {
  return materialize(await buildDatasetLazy(input));
}

/** buildDataset with the arrays read on demand (in a spill file with `spillDir`): release() the result. */
export async function buildDatasetLazy(input: BuildOptions = {}): Promise<LazyDataset> {
  const setup = await startBuild(input);
  return runBuild(
    setup,
    inlineExecutor({
      options: setup.options,
      store: new StimFileStore(setup.source),
      cache: stageCache(setup.intermediates),
    }),
  );
}
