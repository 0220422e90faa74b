// Public API of the release layer: the Wehr and Asari walkers, their output
// types, and the deterministic synthetic release used by tests, `ac1 demo`
// and the benchmarks.

export type { AsariSessionUnit, AsariWalkOptions } from "./asari.js";
export {
  ASARI_NATURAL_TYPES,
  ASARI_RESULT_ROOTS,
  ASARI_STIM_ROOT,
  categoryOf,
  listAsariSessions,
  parseSequence,
  SEQUENCE_PATTERN,
  segmentPath,
  siteOf,
  walkAsari,
  walkAsariSession,
} from "./asari.js";
export { replayWalkEvents, WalkRecorder, type WalkReporting } from "./common.js";
export type {
  ReleaseSelection,
  ReleaseWalkOptions,
  ReleaseWalkPlan,
  SessionContext,
  SessionUnit,
} from "./release.js";
export { planReleaseWalk, releaseParts, walkRelease, walkSessionUnit } from "./release.js";
export {
  DEFAULT_STIM_STORE_BYTES,
  loadStimWaveform,
  SEGMENT_RAMP_MS,
  StimFileStore,
  spliceSegments,
} from "./stim-files.js";
export * from "./synth/index.js";
export * from "./types.js";
export type { WehrSessionUnit, WehrStimEntry, WehrStimFile, WehrStimIndex, WehrWalkOptions } from "./wehr.js";
export {
  addWehrStimEntry,
  indexWehrStimuli,
  listWehrSessions,
  listWehrStimFiles,
  readWehrStimEntry,
  WEHR_NATURAL_TYPES,
  WEHR_ROOT,
  WEHR_STIM_FOLDERS,
  walkWehr,
  walkWehrSession,
} from "./wehr.js";
