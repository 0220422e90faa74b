// Walking the whole release in the order the dataset is assembled
// (pipeline.md section 10, step 2): Wehr cells (only when "wehr" is requested
// and "A1" is among the sites), then Asari cells from results-1 then
// results-2 (when "asari" is requested), filtered by site. The one walk of
// the release: serial and parallel builds use it, and so do the tests.

import type { ReleaseSource } from "../archive/source.js";
import { failPoint, pausePoint } from "../test-hooks.js";
import { walkAsari } from "./asari.js";
import type { WalkReporting } from "./common.js";
import type { CellRecord, Experimenter, Site } from "./types.js";
import { walkWehr } from "./wehr.js";

/** Which cells to walk: the dataset options `experimenter` and `sites`. */
export interface ReleaseSelection {
  experimenters: readonly Experimenter[];
  sites: readonly Site[];
}

export interface ReleaseWalkOptions extends ReleaseSelection, WalkReporting {}

/** The parts of the release a selection reads; Wehr is all A1, so it needs "A1" among the sites. */
export function releaseParts(selection: ReleaseSelection): { wehr: boolean; asari: boolean } {
  return {
    wehr: selection.experimenters.includes("wehr") && selection.sites.includes("A1"),
    asari: selection.experimenters.includes("asari"),
  };
}

/** The selected cells, Wehr then Asari (results-1 then results-2), one at a time. */
export async function* walkRelease(
  source: ReleaseSource,
  opts: ReleaseWalkOptions,
): AsyncGenerator<CellRecord> {
  const reporting: WalkReporting = { onWarning: opts.onWarning };
  if (opts.onSkippedFile) reporting.onSkippedFile = opts.onSkippedFile;
  const parts = releaseParts(opts);
  const cells = async function* (): AsyncGenerator<CellRecord> {
    if (parts.wehr) yield* walkWehr(source, reporting);
    if (parts.asari) yield* walkAsari(source, { ...reporting, sites: opts.sites });
  };
  for await (const cell of cells()) {
    await pausePoint("build-cell");
    failPoint("build-cell");
    yield cell;
  }
}
