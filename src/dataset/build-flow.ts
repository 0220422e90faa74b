// How a build's work flowed (BuildFlow): units run, stims taken, cells in
// flight, the phases' times and the units the intermediates gave; filled in
// by runBuild (stages.ts) and StimTensors (build-stims.ts), read by the
// parallel build's statistics.

import { emptyReuse, type IntermediateReuse } from "./intermediates.js";

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
