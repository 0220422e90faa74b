// Public API of the release layer: the Wehr and Asari walkers, their output
// types, and the deterministic synthetic release used by tests, `ac1 demo`
// and the benchmarks.

export type { AsariWalkOptions } from "./asari.js";
export {
  ASARI_NATURAL_TYPES,
  ASARI_RESULT_ROOTS,
  ASARI_STIM_ROOT,
  categoryOf,
  parseSequence,
  SEQUENCE_PATTERN,
  segmentPath,
  siteOf,
  spliceSegments,
  walkAsari,
} from "./asari.js";
export type { WalkReporting } from "./common.js";
export type { ReleaseSelection, ReleaseWalkOptions } from "./release.js";
export { releaseParts, walkRelease } from "./release.js";
export * from "./synth/index.js";
export * from "./types.js";
export type { WehrStimEntry, WehrWalkOptions } from "./wehr.js";
export { indexWehrStimuli, WEHR_NATURAL_TYPES, WEHR_ROOT, WEHR_STIM_FOLDERS, walkWehr } from "./wehr.js";
