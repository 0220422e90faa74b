// The three kinds of work a dataset build sends to its worker threads
// (src/dataset/units.ts), as plain data: a Wehr stimulus file of the index,
// a session folder to walk and clean (with the Wehr index its trials are
// resolved against), a stim to make and turn into a tensor. Only file paths
// go to a worker: it opens the release itself, inflates the zip members and
// decodes the MAT files, so raw repeats and stim samples never cross threads.
// What comes back is the output itself: a cell's float32 response blocks and
// a stim's tensor, copied by the structured clone rather than transferred.
// Moving a buffer detaches it in the worker, and a thread's first detached
// ArrayBuffer invalidates V8's "array buffer detaching" protector, after which
// every optimised typed-array loop of that worker (the medians, the gating)
// carries detach checks: measured 15-20 % more CPU for the cleaning, far more
// than copying the output once (a few MB per second of build). The handlers
// are the very unit functions the serial build runs, so results are identical.

import type { SessionUnit } from "../ac1/release.js";
import type { StimWaveformRef } from "../ac1/types.js";
import type { WehrStimEntry, WehrStimFile, WehrStimIndex } from "../ac1/wehr.js";
import type { DatasetOptions, Tensor } from "../dataset/model.js";
import {
  runSessionUnit,
  runStimUnit,
  runWehrStimUnit,
  type SessionResult,
  type StageContext,
  type WehrStimResult,
} from "../dataset/units.js";
import type { IntermediateScope } from "../store/intermediates.js";

/** What a build worker gets before its first task (the pool's setup message). */
export interface BuildWorkerData {
  options: DatasetOptions;
  /** The release parts the build reads (openRelease's `need`). */
  need: { wehr: boolean; asari: boolean };
  /** Budget of stimulus samples each worker keeps between units (bytes); default StimFileStore's. */
  /** The main thread's temp-file stop flag (src/temp-files.ts tempStopBuffer). */
  tempStop?: SharedArrayBuffer;
  stimStoreBytes?: number;
  /** The build's intermediate-results cache: each worker reads and writes its units' entries itself. */
  intermediates?: IntermediateScope;
}

export type BuildTask =
  | { kind: "wehr-stim"; file: WehrStimFile }
  /** `wehrIndex`: the index's entries for a Wehr session, [] for an Asari one. */
  | { kind: "session"; unit: SessionUnit; wehrIndex: WehrStimEntry[] }
  | { kind: "stim"; waveform: StimWaveformRef; sfStimHz: number; T: number };

/** A task's answer, with the wall time the worker spent on it. */
export type BuildResult =
  | { kind: "wehr-stim"; result: WehrStimResult; busyMs: number }
  | { kind: "session"; result: SessionResult; busyMs: number }
  | { kind: "stim"; tensor: Tensor; reused: boolean; damaged?: boolean; unstored?: string; busyMs: number };

/** The session task for `unit` (the index goes along only for Wehr sessions). */
export function sessionTask(unit: SessionUnit, wehrIndex: readonly WehrStimEntry[]): BuildTask {
  return {
    kind: "session",
    unit,
    wehrIndex: unit.experimenter === "wehr" ? (wehrIndex as WehrStimEntry[]) : [],
  };
}

/** Rebuilds the index a task carries as its entries, in insertion order. */
function indexOf(entries: readonly WehrStimEntry[]): WehrStimIndex {
  return new Map(entries.map((e) => [e.description, e]));
}

/** Runs one task with the worker's context (its answer is cloned, nothing transferred: see the header). */
export async function runBuildTask(task: BuildTask, ctx: StageContext): Promise<{ result: BuildResult }> {
  const t0 = performance.now();
  if (task.kind === "wehr-stim") {
    const result = await runWehrStimUnit(ctx, task.file);
    return { result: { kind: "wehr-stim", result, busyMs: performance.now() - t0 } };
  }
  if (task.kind === "session") {
    const result = await runSessionUnit(ctx, task.unit, indexOf(task.wehrIndex));
    return { result: { kind: "session", result, busyMs: performance.now() - t0 } };
  }
  const { tensor, reused, damaged, unstored } = await runStimUnit(
    ctx,
    { waveform: task.waveform, sfStimHz: task.sfStimHz },
    task.T,
  );
  return { result: { kind: "stim", tensor, reused, damaged, unstored, busyMs: performance.now() - t0 } };
}
