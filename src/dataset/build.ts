// What a dataset build (pipeline.md section 10) is given and starts from:
// its options (BuildOptions: the dataset options, the progress and warning
// listeners, a source, the intermediates, a spill folder), what it reports
// (BuildProgress, BuildWarning), and startBuild, which checks the options
// and opens the release. The build itself is made of processCell (clean.ts),
// the stim tensors (stim-tensor.ts) and the DatasetAssembler (assembler.ts);
// stages.ts composes them over the walk's units (buildDataset).

import { type ReleaseSelection, releaseParts } from "../ac1/release.js";
import type { WalkWarning } from "../ac1/types.js";
import { openRelease } from "../archive/index.js";
import type { ReleaseSource } from "../archive/source.js";
import type { IntermediateScope } from "../store/intermediates.js";
import type { IntermediateReuse } from "./intermediates.js";
import type { DatasetOptions } from "./model.js";
import { type DatasetOptionsInput, resolveOptions } from "./options.js";

/** Progress of a build: one event per walked cell, then one per computed stim. */
export type BuildProgress =
  | { phase: "open"; path: string }
  | {
      phase: "cells";
      /** Cells walked so far (kept or dropped). */
      cells: number;
      neurons: number;
      stims: number;
      session: string;
      experimenter: "wehr" | "asari";
    }
  | { phase: "stims"; done: number; total: number };

/**
 * A warning of the load: the walkers' (unknown description, unreadable
 * file, ...), the cohort's (mixed signal types, bands above a stim's Nyquist
 * frequency), a time bin shorter than a response's sample period, or a split
 * that leaves neurons or parts without stims.
 */
export interface BuildWarning {
  code:
    | WalkWarning["code"]
    | "mixed-signal-types"
    | "fmax-above-nyquist"
    | "dt-below-sample-period"
    | "split"
    /** An option given that the build's mode does not use (audioFs without returnWaveform). */
    | "option-ignored"
    /** The cache folder could not be kept to its bound (its intermediates not trimmed). */
    | "cache";
  /** Release-relative path the warning is about ("" for cohort-level warnings). */
  path: string;
  message: string;
}

/** A build reads the release already on disk; fetching it is the pipeline's job (loadDataset's `download`). */
export interface BuildOptions extends DatasetOptionsInput {
  onProgress?: (e: BuildProgress) => void;
  /** Walker warnings and the mixed-cohort warning. Default: the mixed warning goes to process.emitWarning. */
  onWarning?: (w: BuildWarning) => void;
  /** Read the release through this source instead of opening `path` (the caller closes it). */
  source?: ReleaseSource;
  /**
   * Keep and reuse intermediate results (src/dataset/intermediates.ts) in this
   * scope: the cache folder and the release's identity (pipeline/build-and-store.ts
   * makes it). Default: none.
   */
  intermediates?: IntermediateScope;
  /** Hears, once the build is done, how many units came from the intermediates. */
  onReuse?: (reuse: IntermediateReuse) => void;
  /**
   * Set the large arrays (blocks, spike counts, rejected repeats, stim
   * tensors) aside in a temp spill file in this folder (which must exist) as
   * they come, instead of memory (src/dataset/spill.ts): for a build that is
   * read back array by array (the export). Default: memory.
   */
  spillDir?: string;
}

/** What every build (serial or parallel) starts from: options checked, the release open. */
export interface BuildSetup {
  options: DatasetOptions;
  source: ReleaseSource;
  /** Whether the build opened the source (and so closes it); false when the caller gave one. */
  ownsSource: boolean;
  onProgress?: (e: BuildProgress) => void;
  onWarning?: (w: BuildWarning) => void;
  intermediates?: IntermediateScope;
  onReuse?: (reuse: IntermediateReuse) => void;
  spillDir?: string;
}

/**
 * The common start of a build: validates the options before any file is
 * read and opens the release (only the parts the requested experimenters
 * need).
 */
export async function startBuild(input: BuildOptions): Promise<BuildSetup> {
  const { onProgress, onWarning, source: given, intermediates, onReuse, spillDir, ...rest } = input;
  const options = resolveOptions(rest);
  onProgress?.({ phase: "open", path: options.path });
  const need = releaseParts(selectionOf(options));
  const source = given ?? (await openRelease(options.path, { need }));
  return {
    options,
    source,
    ownsSource: given === undefined,
    onProgress,
    onWarning,
    intermediates,
    onReuse,
    spillDir,
  };
}

/** The release selection of a build's options (the reference's names: experimenter, sites). */
export function selectionOf(options: DatasetOptions): ReleaseSelection {
  return { experimenters: options.experimenter, sites: options.sites };
}
