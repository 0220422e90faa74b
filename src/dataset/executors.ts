// Where a build's units run (BuildExecutor): inlineExecutor runs each on
// this thread, one at a time (the serial build); src/parallel/ sends them to
// worker threads; cacheFirstExecutor wraps either (whenever the build keeps
// intermediates) so that only the units the intermediates lack are run.

import type { SessionUnit } from "../ac1/release.js";
import type { WehrStimFile, WehrStimIndex } from "../ac1/wehr.js";
import type { StimSpec } from "./clean.js";
import { cleanKey, indexCodec, indexKey, lookup, sessionCodec } from "./intermediates.js";
import {
  runSessionUnit,
  runStimUnit,
  runWehrStimUnit,
  type SessionResult,
  type StageContext,
  type StimResult,
  sessionResult,
  type WehrStimResult,
} from "./units.js";

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
      if (found.value !== undefined) return sessionResult(found.value, o, { reused: true, damaged: false });
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
