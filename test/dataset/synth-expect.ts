// The synthetic archive for dataset tests, and what a build of it must give,
// derived only from the generator's manifest (what was planted), never from
// the code under test: neurons in walking order, stims in order of first
// registration, the rejection tally, dropped cells, per-repeat fates.

import type { SynthCell, SynthManifest } from "../../src/ac1/index.js";
import { DEMO_SEED, writeSynthArchive } from "../../src/ac1/index.js";
import { tempDir } from "../support/cli.js";

export interface SynthArchive {
  dir: string;
  manifest: SynthManifest;
  cleanup: () => Promise<void>;
}

/** Writes the small synthetic archive (DEMO_SEED) into a fresh temp folder. */
export async function makeSynthArchive(): Promise<SynthArchive> {
  const { dir, cleanup } = await tempDir("ac1-dataset-");
  const manifest = await writeSynthArchive(dir, { scale: "small", seed: DEMO_SEED });
  return { dir, manifest, cleanup };
}

export interface Expected {
  /** Walked cells of the selection (kept and dropped), in walking order. */
  cells: SynthCell[];
  /** Sessions of the neurons, in index order. */
  neurons: string[];
  /** JSON keys of the stims, in index order. */
  stimKeys: string[];
  rejections: { range: number; step: number; xcorr: number; kept: number };
  dropped: number;
  signalTypes: Set<string>;
}

export function expectedBuild(
  m: SynthManifest,
  experimenter: readonly string[],
  sites: readonly string[],
): Expected {
  const cells = m.cells.filter(
    (c) =>
      experimenter.includes(c.meta.experimenter) &&
      sites.includes(c.meta.site) &&
      // Wehr cells are walked only when A1 is requested (they are all A1 anyway)
      (c.meta.experimenter !== "wehr" || sites.includes("A1")),
  );
  const neurons: string[] = [];
  const stimKeys: string[] = [];
  const rejections = { range: 0, step: 0, xcorr: 0, kept: 0 };
  let dropped = 0;
  const signalTypes = new Set<string>();
  for (const c of cells) {
    let any = false;
    for (const s of c.stims) {
      for (const r of s.repeats) rejections[r.expectedFate]++;
      const keptLengths = s.repeats.filter((r) => r.expectedFate === "kept").map((r) => r.length);
      if (keptLengths.length === 0) continue;
      any = true;
      const key = JSON.stringify(s.key);
      if (!stimKeys.includes(key)) stimKeys.push(key);
    }
    if (any) {
      neurons.push(c.meta.session);
      signalTypes.add(c.expectedSignalType);
    } else dropped++;
    assertConsistent(c, any);
  }
  return { cells, neurons, stimKeys, rejections, dropped, signalTypes };
}

function assertConsistent(c: SynthCell, any: boolean): void {
  if (c.expectDropped === any)
    throw new Error(`manifest inconsistency: ${c.meta.session} expectDropped=${c.expectDropped}`);
}

/** Python's round (half to even), written out here so expectations do not reuse the code under test. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
