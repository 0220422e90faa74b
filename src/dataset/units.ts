// The build's units of work (stages.ts), each a function that runs on any
// thread, this one (inlineExecutor) or a worker (src/parallel/tasks.ts): a
// Wehr stimulus file read for the index, a session walked and cleaned, a
// stim's tensor made from its samples; what each runs with (StageContext)
// and returns. With a StageCache, each stores what it computes in the
// intermediates; looking a unit up is the build thread's job, done once
// before the unit runs (cacheFirstExecutor; StimTensors for the stims).

import { WalkRecorder } from "../ac1/common.js";
import { type SessionUnit, walkSessionUnit } from "../ac1/release.js";
import { readStimWaveformFiles, type StimFileStore, stimWaveformOf } from "../ac1/stim-files.js";
import type { WalkEvent } from "../ac1/types.js";
import { readWehrStimEntry, type WehrStimEntry, type WehrStimFile, type WehrStimIndex } from "../ac1/wehr.js";
import { withFloat64Arena } from "../dsp/arena.js";
import { scratchFloat64 } from "../dsp/scratch.js";
import { type CellCleaned, type CellOutcome, cleanCell, finishCell, type StimSpec } from "./clean.js";
import {
  type CacheUse,
  cleanKey,
  computeAndStore,
  indexCodec,
  indexKey,
  type StageCache,
  sessionCodec,
  stimKey,
  tensorCodec,
} from "./intermediates.js";
import type { DatasetOptions, Tensor } from "./model.js";
import { stimTensor } from "./stim-tensor.js";

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
  /** Why it could not be stored there, if it could not. */
  unstored?: string;
}

/** A session walked and cleaned: its cell's outcome (null: the session yields no cell) and the reports. */
export interface SessionResult {
  outcome: CellOutcome | null;
  events: WalkEvent[];
  /** Whether its cleaning came from the intermediate-results cache (then only the gating ran now). */
  reused?: boolean;
  /** Whether its entry there was damaged (then removed, and the session cleaned now). */
  damaged?: boolean;
  /** Why its cleaning could not be stored there, if it could not. */
  unstored?: string;
}

/** A stim's tensor and whether it came from the intermediate-results cache. */
export interface StimResult {
  tensor: Tensor;
  reused: boolean;
  damaged?: boolean;
  /** Why it could not be stored there, if it could not. */
  unstored?: string;
}

/** Reads one Wehr stimulus file of the index (and stores its entry; cacheFirstExecutor looked it up). */
export async function runWehrStimUnit(ctx: StageContext, file: WehrStimFile): Promise<WehrStimResult> {
  const { value, ...use } = await computeAndStore(
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
  return { ...value, ...use };
}

/**
 * Walks one session folder (decoding its files) and cleans its cell
 * (cleanCell, then finishCell with this build's gating thresholds); with a
 * cache, the cleaned cell is stored complete (cacheFirstExecutor looked it
 * up before the unit was run).
 */
export async function runSessionUnit(
  ctx: StageContext,
  unit: SessionUnit,
  wehrIndex: WehrStimIndex,
): Promise<SessionResult> {
  const o = ctx.options;
  const { value, ...use } = await computeAndStore(
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
  return sessionResult(value, o, use);
}

/** A session's result from its cleaned cell: finishCell with this build's gating thresholds. */
export function sessionResult(
  value: { cleaned: CellCleaned | null; events: WalkEvent[] },
  o: DatasetOptions,
  use: CacheUse,
): SessionResult {
  const outcome = value.cleaned ? finishCell(value.cleaned, o) : null;
  return { outcome, events: value.events, ...use };
}

/** One stim's tensor at T frames (spectrogram or waveform mode), made now and stored (StimTensors looked it up). */
export async function runStimUnit(
  ctx: StageContext,
  stim: Pick<StimSpec, "waveform" | "sfStimHz">,
  T: number,
): Promise<StimResult> {
  const { value, ...use } = await computeAndStore(
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
  return { tensor: value, reused: false, unstored: use.unstored };
}
