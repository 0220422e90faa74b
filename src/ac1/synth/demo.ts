// The embedded default archive behind `ac1 demo`: the synthetic release at
// scale "small" with DEMO_SEED, written once into a folder and reused while
// its manifest says it was made by this generator with the same scale and seed.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RELEASE_ZIPS } from "../../archive/location.js";
import { MANIFEST_FILE, type SynthProgress, writeSynthArchive } from "./generate.js";
import { SYNTH_GENERATOR, type SynthManifest } from "./manifest.js";

/** Seed of the demo archive (the year of the CRCNS-AC1 release). */
export const DEMO_SEED = 2009;

/**
 * Makes sure `dir` holds the demo archive (three zips + manifest), writing it
 * when absent or made with other settings; resolves to its manifest.
 */
export async function ensureDemoArchive(
  dir: string,
  onProgress?: (p: SynthProgress) => void,
): Promise<SynthManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (existsSync(manifestPath) && RELEASE_ZIPS.every((z) => existsSync(join(dir, z)))) {
    try {
      const m = JSON.parse(await readFile(manifestPath, "utf8")) as SynthManifest;
      if (
        m.format === "ac1-synth-manifest" &&
        m.version === 1 &&
        m.generator === SYNTH_GENERATOR &&
        m.scale === "small" &&
        (m.size ?? 1) === 1 &&
        m.seed === DEMO_SEED
      )
        return m;
    } catch {
      // unreadable manifest: write the archive again
    }
  }
  return writeSynthArchive(dir, { scale: "small", seed: DEMO_SEED, ...(onProgress ? { onProgress } : {}) });
}
