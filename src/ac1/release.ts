// Walking the whole release in the order the dataset is assembled
// (pipeline.md section 10, step 2): Wehr cells (only when "wehr" is requested
// and "A1" is among the sites), then Asari cells from results-1 then
// results-2 (when "asari" is requested), filtered by site.

import type { ReleaseSource } from "../archive/source.js";
import { type AsariSite, walkAsari } from "./asari.js";
import type { WalkReporting } from "./common.js";
import type { CellRecord } from "./types.js";
import { walkWehr } from "./wehr.js";

export interface ReleaseWalkOptions extends WalkReporting {
  experimenters: readonly ("wehr" | "asari")[];
  sites: readonly AsariSite[];
}

export async function* walkRelease(
  source: ReleaseSource,
  opts: ReleaseWalkOptions,
): AsyncGenerator<CellRecord> {
  const reporting: WalkReporting = { onWarning: opts.onWarning };
  if (opts.onSkippedFile) reporting.onSkippedFile = opts.onSkippedFile;
  if (opts.experimenters.includes("wehr") && opts.sites.includes("A1")) yield* walkWehr(source, reporting);
  if (opts.experimenters.includes("asari")) yield* walkAsari(source, { ...reporting, sites: opts.sites });
}
