// The synthetic CRCNS-AC1 release: deterministic zips with the real layout
// and a manifest of everything planted in them.

export { DEMO_SEED, ensureDemoArchive } from "./demo.js";
export type { SynthOptions, SynthProgress } from "./generate.js";
export { MANIFEST_FILE, writeSynthArchive } from "./generate.js";
export type {
  GateFate,
  SynthArtifact,
  SynthCell,
  SynthCorner,
  SynthManifest,
  SynthRepeat,
  SynthScale,
  SynthStim,
} from "./manifest.js";
export { FATE_OF_ARTIFACT, MAX_SYNTH_SIZE, SYNTH_GENERATOR, SYNTH_SCALES } from "./manifest.js";
