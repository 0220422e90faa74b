// The two kinds of work a dataset build sends to its worker threads, and how
// each is packed for the trip: a cell (its raw repeats moved, not copied; the
// stim waveforms left behind, as processCell only forwards them) answered by
// its CellOutcome (blocks moved back), and a stim (its waveform copied, since
// the main thread keeps it) answered by its tensor (moved back). The handlers
// call the very functions the serial build calls, so results are identical.

import type { CellRecord, RawStim } from "../ac1/types.js";
import { type CellOutcome, processCell, stimSpectrogram, stimWaveform } from "../dataset/build.js";
import type { DatasetOptions, Tensor } from "../dataset/model.js";
import { compact, transferablesOf } from "./wire.js";

/** workerData of a build worker. */
export interface BuildWorkerData {
  options: DatasetOptions;
}

export type BuildTask =
  | { kind: "cell"; cell: CellRecord }
  | { kind: "stim"; waveform: Float64Array; sfStimHz: number; Tcanon: number };

export type BuildResult =
  | { kind: "cell"; outcome: CellOutcome; busyMs: number }
  | { kind: "stim"; tensor: Tensor; busyMs: number };

const NO_SAMPLES = new Float64Array(0);

/**
 * The task for one cell, with the buffers to move. Its repeats are moved to
 * the worker (the caller must not use them afterwards); waveforms stay here.
 */
export function packCell(cell: CellRecord): { task: BuildTask; transfer: ArrayBuffer[] } {
  const stims: RawStim[] = cell.stims.map((st) => ({
    ...st,
    waveform: NO_SAMPLES,
    repeats: st.repeats.map((r) => compact(r)),
  }));
  const transfer = transferablesOf(stims.flatMap((st) => st.repeats));
  return { task: { kind: "cell", cell: { meta: cell.meta, stims } }, transfer };
}

/**
 * Puts back into a worker's CellOutcome the objects the serial build would
 * hold: the walker's own metadata and (shared, read-only) waveforms, so the
 * assembler sees exactly what processCell(cell) returns on this thread.
 */
export function unpackCellOutcome(cell: CellRecord, outcome: CellOutcome): CellOutcome {
  if (outcome.stims.length !== cell.stims.length) {
    throw new Error(
      `worker returned ${outcome.stims.length} stim outcomes for a cell with ${cell.stims.length} stims (${cell.meta.session})`,
    );
  }
  outcome.meta = cell.meta;
  outcome.stims.forEach((st, i) => {
    const raw = cell.stims[i] as RawStim;
    st.spec.waveform = raw.waveform;
    st.spec.meta = raw.meta;
  });
  return outcome;
}

/** The task for one stim tensor; the waveform is copied (structured clone), not moved. */
export function packStim(
  waveform: Float64Array,
  sfStimHz: number,
  Tcanon: number,
): { task: BuildTask; transfer: ArrayBuffer[] } {
  return { task: { kind: "stim", waveform: compact(waveform), sfStimHz, Tcanon }, transfer: [] };
}

/** Runs one task (on a worker thread) with the build's options. */
export function runBuildTask(
  task: BuildTask,
  options: DatasetOptions,
): { result: BuildResult; transfer: ArrayBuffer[] } {
  const t0 = performance.now();
  if (task.kind === "cell") {
    const outcome = processCell(task.cell, options);
    // The blocks, spike counts and binned rejected repeats move back, not copied.
    const blocks = outcome.stims.flatMap((st) => [
      ...(st.block === null ? [] : [st.block.data]),
      ...(st.counts === null ? [] : [st.counts.data]),
      ...st.rejected,
    ]);
    return {
      result: { kind: "cell", outcome, busyMs: performance.now() - t0 },
      transfer: transferablesOf(blocks),
    };
  }
  const spec = { waveform: task.waveform, sfStimHz: task.sfStimHz };
  const tensor = options.returnWaveform
    ? stimWaveform(spec, task.Tcanon, options)
    : stimSpectrogram(spec, task.Tcanon, options);
  return {
    result: { kind: "stim", tensor, busyMs: performance.now() - t0 },
    transfer: transferablesOf([tensor.data]),
  };
}
