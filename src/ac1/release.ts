// Walking the whole release in the order the dataset is assembled
// (pipeline.md section 10, step 2): Wehr cells (only when "wehr" is requested
// and "A1" is among the sites), then Asari cells from results-1 then
// results-2 (when "asari" is requested), filtered by site. The one walk of
// the release, as a plan of units (planReleaseWalk: listings only, no file
// read): the Wehr stimulus files of the index, then one unit per session
// folder. A build runs the units where it likes (worker threads) and replays
// their reports in this order; walkRelease runs them in turn on this thread.

import type { ReleaseSource } from "../archive/source.js";
import { type AsariSessionUnit, listAsariSessions, walkAsariSession } from "./asari.js";
import type { RepeatAllocator, WalkReporting } from "./common.js";
import { StimFileStore } from "./stim-files.js";
import type { CellRecord, Experimenter, Site } from "./types.js";
import {
  addWehrStimEntry,
  listWehrSessions,
  listWehrStimFiles,
  readWehrStimEntry,
  type WehrSessionUnit,
  type WehrStimFile,
  type WehrStimIndex,
  walkWehrSession,
} from "./wehr.js";

/** Which cells to walk: the dataset options `experimenter` and `sites`. */
export interface ReleaseSelection {
  experimenters: readonly Experimenter[];
  sites: readonly Site[];
}

export interface ReleaseWalkOptions extends ReleaseSelection, WalkReporting {}

/** The parts of the release a selection reads; Wehr is all A1, so it needs "A1" among the sites. */
export function releaseParts(selection: ReleaseSelection): { wehr: boolean; asari: boolean } {
  return {
    wehr: selection.experimenters.includes("wehr") && selection.sites.includes("A1"),
    asari: selection.experimenters.includes("asari"),
  };
}

/** One session folder of the walk: a Wehr or an Asari session. */
export type SessionUnit = WehrSessionUnit | AsariSessionUnit;

/** The walk as units, in walking order. */
export interface ReleaseWalkPlan {
  /** Wehr stimulus files the index reads, in index order (empty without Wehr). */
  wehrStimFiles: WehrStimFile[];
  /** Session folders: Wehr (in `_wehr_cell_idx` order), then Asari results-1, results-2. */
  sessions: SessionUnit[];
  /**
   * Per session (same index), the bytes of the files directly in its folder
   * as the listing gives them (sessionBytes), 0 where the source does not
   * say: a cost estimate for scheduling, no bound on what is read.
   */
  sessionBytes: number[];
}

/** Lists the units of the walk of a selection (folder listings only). */
export async function planReleaseWalk(
  source: ReleaseSource,
  selection: ReleaseSelection,
): Promise<ReleaseWalkPlan> {
  const parts = releaseParts(selection);
  const plan: ReleaseWalkPlan = { wehrStimFiles: [], sessions: [], sessionBytes: [] };
  if (parts.wehr) {
    plan.wehrStimFiles = await listWehrStimFiles(source);
    plan.sessions.push(...(await listWehrSessions(source)));
  }
  if (parts.asari) plan.sessions.push(...(await listAsariSessions(source)));
  plan.sessionBytes = await sessionsBytes(source, plan.sessions);
  return plan;
}

/**
 * The bytes of the files directly in each session's folder, as the listings
 * give them (a zip member's uncompressed size, the zip's listings being in
 * memory): how much a worker will read and decode for it, a build's
 * estimate of which sessions take longest. All 0 from a source whose
 * listings do not say (an unpacked tree's): known from its first folder
 * with a file, so the rest are not listed for nothing.
 */
async function sessionsBytes(source: ReleaseSource, sessions: readonly SessionUnit[]): Promise<number[]> {
  const out = sessions.map(() => 0);
  for (const [i, unit] of sessions.entries()) {
    for (const e of await source.listDir(unit.dir)) {
      if (e.isDir) continue;
      if (e.bytes === undefined) return sessions.map(() => 0);
      out[i] = (out[i] as number) + e.bytes;
    }
  }
  return out;
}

/** What a session unit needs besides its folder: the Wehr index, the requested sites. */
export interface SessionContext {
  wehrIndex: WehrStimIndex;
  sites: readonly Site[];
  /** Memory for the raw repeats (default: new arrays); see RepeatAllocator. */
  allocRepeat?: RepeatAllocator;
}

/** Runs one session unit: its cell, or undefined when the session yields none. */
export function walkSessionUnit(
  store: StimFileStore,
  unit: SessionUnit,
  ctx: SessionContext,
  r: WalkReporting,
): Promise<CellRecord | undefined> {
  if (unit.experimenter === "wehr")
    return walkWehrSession(store.source, unit, ctx.wehrIndex, r, ctx.allocRepeat);
  return walkAsariSession(store, unit, { ...r, sites: ctx.sites }, ctx.allocRepeat);
}

/** The selected cells, Wehr then Asari (results-1 then results-2), one at a time, on this thread. */
export async function* walkRelease(
  source: ReleaseSource,
  opts: ReleaseWalkOptions,
  store: StimFileStore = new StimFileStore(source),
): AsyncGenerator<CellRecord> {
  const reporting: WalkReporting = { onWarning: opts.onWarning };
  if (opts.onSkippedFile) reporting.onSkippedFile = opts.onSkippedFile;
  const plan = await planReleaseWalk(source, opts);
  const wehrIndex: WehrStimIndex = new Map();
  for (const file of plan.wehrStimFiles) {
    const entry = await readWehrStimEntry(store, file, reporting);
    if (entry) addWehrStimEntry(wehrIndex, entry, reporting);
  }
  const ctx: SessionContext = { wehrIndex, sites: opts.sites };
  for (const unit of plan.sessions) {
    const cell = await walkSessionUnit(store, unit, ctx, reporting);
    if (cell) yield cell;
  }
}
