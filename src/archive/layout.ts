// The release layout (archive.md, "Three zips and where they unpack"): which
// folder each zip unpacks into below the data folder, and the anchor whose
// presence means "already unpacked". Paths are '/'-separated and relative to
// the data folder, exactly as the walkers address them through ReleaseSource.

import type { RELEASE_ZIPS } from "./location.js";

export type ReleaseZipName = (typeof RELEASE_ZIPS)[number];

export interface ReleaseZipLayout {
  /** File name of the zip inside the data folder. */
  zip: ReleaseZipName;
  /** Folder (relative to the data folder) the zip's top level unpacks into. */
  folder: string;
  /** Relative path whose existence means the folder is completely unpacked. */
  anchor: string;
  /** Which part of the data this zip carries. */
  part: "main" | "asari-results";
}

export const RELEASE_LAYOUT: readonly ReleaseZipLayout[] = [
  { zip: "crcns-ac1.zip", folder: "crcns-ac1", anchor: "crcns-ac1/wehr/Summary.mat", part: "main" },
  {
    zip: "crcns-ac1-asari-results-1.zip",
    folder: "crcns-ac1-asari-results-1",
    anchor: "crcns-ac1-asari-results-1/asari-results-1",
    part: "asari-results",
  },
  {
    zip: "crcns-ac1-asari-results-2.zip",
    folder: "crcns-ac1-asari-results-2",
    anchor: "crcns-ac1-asari-results-2/asari-results-2",
    part: "asari-results",
  },
];

/** The layout row of a zip by file name; undefined for a name outside the release. */
export function layoutOf(zip: string): ReleaseZipLayout | undefined {
  return RELEASE_LAYOUT.find((l) => l.zip === zip);
}

/** The three subtrees the walkers read, relative to the data folder (reference: ensure_extracted). */
export const RELEASE_SUBTREES = {
  wehr: "crcns-ac1/wehr",
  asariStimuli: "crcns-ac1/asari/Stimuli",
  asari1: "crcns-ac1-asari-results-1/asari-results-1",
  asari2: "crcns-ac1-asari-results-2/asari-results-2",
} as const;

/** Where to get the data, for "missing" messages. */
export const HOW_TO_GET_DATA =
  "get the release with `ac1 download` (free CRCNS account) or from https://crcns.org/data-sets/ac/ac-1";
