// A load's split (LoadOptions.split, splitSeed), made after the cache from
// the loaded data or, for an export copied from a cache entry, from what its
// manifest says; it changes no array, so a cached build serves any split.
// Its warnings go to onWarning, else process.emitWarning.

import type { BuildWarning } from "../dataset/build.js";
import { emitBuildWarning, warnAboutCohort } from "../dataset/checks.js";
import type { DatasetData, DatasetShapes, DatasetSplit, SplitSpec } from "../dataset/model.js";
import { makeSplit, splitWarnings } from "../dataset/splits.js";
import type { ExportManifest } from "../export/manifest.js";
import type { ManifestData } from "../export/manifest-data.js";
import { withManifestSplit } from "../export/modeller.js";

/**
 * A stored manifest with the load's split, made from what the manifest says,
 * in the place writeDatasetNpz gives it (or without a split); the cohort and
 * split warnings go to onWarning as a load from the cache gives them.
 */
export function splitManifest(
  m: ExportManifest,
  data: ManifestData,
  split: { spec: SplitSpec; seed: number } | null,
  onWarning: ((w: BuildWarning) => void) | undefined,
): ExportManifest {
  warnAboutCohort(data, onWarning);
  if (split === null) return withManifestSplit(m, null) as ExportManifest;
  const made = makeSplit(data, split.spec, split.seed);
  warnSplit(made, data.neuronMeta, onWarning);
  return withManifestSplit(m, made) as ExportManifest;
}

function warnSplit(
  made: DatasetSplit,
  neuronMeta: DatasetData["neuronMeta"],
  onWarning: ((w: BuildWarning) => void) | undefined,
): void {
  for (const message of splitWarnings(made, neuronMeta))
    (onWarning ?? emitBuildWarning)({ code: "split", path: "", message });
}

/**
 * The data with the requested split made from it (split warnings to
 * onWarning, else process.emitWarning), or without any split.
 */
export function applySplit<D extends DatasetShapes>(
  data: D,
  split: { spec: SplitSpec; seed: number } | null,
  onWarning: ((w: BuildWarning) => void) | undefined,
): D {
  const { split: _stored, ...rest } = data;
  if (split === null) return rest as D;
  const made = makeSplit(data, split.spec, split.seed);
  warnSplit(made, data.neuronMeta, onWarning);
  return { ...rest, split: made } as D;
}
