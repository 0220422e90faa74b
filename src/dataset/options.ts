// Dataset options (dataset.md, "Options"): fills in the fixed defaults and
// validates every value before any file is read. A bad value throws an
// OptionError naming the option, the value and what is allowed.

import type { Experimenter, Site } from "../ac1/types.js";
import { defaultDataDir } from "../archive/location.js";
import { OptionError } from "../errors.js";
import { DEFAULT_GATING_THRESHOLDS, type GatingThresholds } from "../preprocess/gating.js";
import type { DatasetOptions } from "./model.js";

export type { Experimenter, Site };
// The thresholds and their defaults live with the gating itself.
export { DEFAULT_GATING_THRESHOLDS, type GatingThresholds };

/** The experimenter and site choices, in walking order. */
export const EXPERIMENTERS: readonly Experimenter[] = ["wehr", "asari"];
export const SITES: readonly Site[] = ["A1", "MGB"];

/** What a caller may pass: every option optional; experimenter/sites as one string or a list. */
export interface DatasetOptionsInput {
  /** Folder with the zips and/or unpacked trees; default AC1_DATA_DIR or the per-user data folder. */
  path?: string;
  experimenter?: Experimenter | readonly Experimenter[] | string | readonly string[] | null;
  sites?: Site | readonly Site[] | string | readonly string[] | null;
  dtMs?: number;
  fmin?: number;
  fmax?: number;
  binsPerOctave?: number;
  /** Default 2 * dtMs. */
  windowMs?: number | null;
  detrendMedMs?: number;
  detrendGaussMs?: number;
  gating?: Partial<GatingThresholds>;
  returnWaveform?: boolean;
  audioFs?: number;
}

const OPTION_KEYS = new Set<string>([
  "path",
  "experimenter",
  "sites",
  "dtMs",
  "fmin",
  "fmax",
  "binsPerOctave",
  "windowMs",
  "detrendMedMs",
  "detrendGaussMs",
  "gating",
  "returnWaveform",
  "audioFs",
]);
const GATING_KEYS = new Set<string>(Object.keys(DEFAULT_GATING_THRESHOLDS));
const GATING_KEY_LIST = [...GATING_KEYS].join(", ");

/** Names of the options resolveOptions understands (for callers splitting their own extras off). */
export function isDatasetOptionKey(key: string): boolean {
  return OPTION_KEYS.has(key);
}

/**
 * Returns the effective options (all defaults filled in), or throws an
 * OptionError for the first bad value. Unknown option names are rejected too,
 * so a typo ("dt_ms") never silently falls back to a default.
 */
export function resolveOptions(
  input: DatasetOptionsInput = {},
  env: Record<string, string | undefined> = process.env,
): DatasetOptions {
  if (input === null || typeof input !== "object")
    throw new OptionError("options", input, "expected an object of dataset options");
  for (const key of Object.keys(input)) {
    if (!OPTION_KEYS.has(key)) {
      throw new OptionError(
        key,
        (input as Record<string, unknown>)[key],
        `unknown option; known options are ${[...OPTION_KEYS].join(", ")}`,
      );
    }
  }
  const path = input.path === undefined || input.path === null ? defaultDataDir(env) : input.path;
  if (typeof path !== "string" || path.length === 0)
    throw new OptionError("path", path, "a non-empty folder path");

  const experimenter = choiceList("experimenter", input.experimenter, EXPERIMENTERS);
  const sites = choiceList("sites", input.sites, SITES);

  const dtMs = positive("dtMs", input.dtMs ?? 5);
  const fmin = finiteNumber("fmin", input.fmin ?? 100, "a number with 0 < fmin < fmax");
  const fmax = finiteNumber("fmax", input.fmax ?? 45000, "a number with 0 < fmin < fmax");
  if (!(fmin > 0)) throw new OptionError("fmin", fmin, "must satisfy 0 < fmin < fmax");
  if (!(fmax > fmin)) throw new OptionError("fmax", fmax, `must satisfy 0 < fmin < fmax (fmin is ${fmin})`);
  const binsPerOctave = input.binsPerOctave ?? 6;
  if (typeof binsPerOctave !== "number" || !Number.isInteger(binsPerOctave) || binsPerOctave < 1) {
    throw new OptionError("binsPerOctave", binsPerOctave, "an integer >= 1");
  }
  const windowMs = positive("windowMs", input.windowMs ?? 2 * dtMs);
  const detrendMedMs = positive("detrendMedMs", input.detrendMedMs ?? 100);
  const detrendGaussMs = positive("detrendGaussMs", input.detrendGaussMs ?? 10);

  const gatingIn = input.gating ?? {};
  if (gatingIn === null || typeof gatingIn !== "object")
    throw new OptionError("gating", gatingIn, `an object {${GATING_KEY_LIST}}`);
  for (const key of Object.keys(gatingIn)) {
    if (!GATING_KEYS.has(key))
      throw new OptionError(
        `gating.${key}`,
        (gatingIn as Record<string, unknown>)[key],
        `unknown gating option; known: ${GATING_KEY_LIST}`,
      );
  }
  const g = { ...DEFAULT_GATING_THRESHOLDS, ...stripUndefined(gatingIn) };
  const gating: GatingThresholds = {
    absMvMax: positive("gating.absMvMax", g.absMvMax),
    stepMv: nonNegative("gating.stepMv", g.stepMv),
    maxStepFrac: finiteNumber("gating.maxStepFrac", g.maxStepFrac, "a fraction between 0 and 1"),
    minXcorr: finiteNumber(
      "gating.minXcorr",
      g.minXcorr,
      "a correlation between -1 and 1 (<= 0 disables the test)",
    ),
  };
  if (gating.maxStepFrac < 0 || gating.maxStepFrac > 1)
    throw new OptionError("gating.maxStepFrac", gating.maxStepFrac, "a fraction between 0 and 1");
  if (gating.minXcorr < -1 || gating.minXcorr > 1)
    throw new OptionError(
      "gating.minXcorr",
      gating.minXcorr,
      "a correlation between -1 and 1 (<= 0 disables the test)",
    );

  const returnWaveform = input.returnWaveform ?? false;
  if (typeof returnWaveform !== "boolean")
    throw new OptionError("returnWaveform", returnWaveform, "true or false");
  const audioFs = input.audioFs ?? 96000;
  if (typeof audioFs !== "number" || !Number.isInteger(audioFs) || audioFs < 1) {
    throw new OptionError("audioFs", audioFs, "a positive integer sample rate in Hz");
  }
  if (returnWaveform) {
    const ratio = (audioFs * dtMs) / 1000;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-6 || Math.round(ratio) < 1) {
      throw new OptionError(
        "audioFs",
        audioFs,
        `waveform mode needs audioFs * dtMs / 1000 to be a whole number >= 1 (dtMs=${dtMs} gives ${ratio}); e.g. audioFs=96000 works for any integer dtMs`,
      );
    }
  }
  return {
    path,
    experimenter,
    sites,
    dtMs,
    fmin,
    fmax,
    binsPerOctave,
    windowMs,
    detrendMedMs,
    detrendGaussMs,
    gating,
    returnWaveform,
    audioFs,
  };
}

/** Samples per frame in waveform mode: audioFs * dtMs / 1000 (validated to be whole). */
export function waveformHop(options: Pick<DatasetOptions, "audioFs" | "dtMs">): number {
  return Math.round((options.audioFs * options.dtMs) / 1000);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function finiteNumber(name: string, v: unknown, allowed: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new OptionError(name, v, allowed);
  return v;
}

function positive(name: string, v: unknown): number {
  const n = finiteNumber(name, v, "a finite number > 0");
  if (!(n > 0)) throw new OptionError(name, v, "a finite number > 0");
  return n;
}

function nonNegative(name: string, v: unknown): number {
  const n = finiteNumber(name, v, "a finite number >= 0");
  if (n < 0) throw new OptionError(name, v, "a finite number >= 0");
  return n;
}

function choiceList<T extends string>(name: string, v: unknown, allowed: readonly T[]): T[] {
  const what = `one or several of ${allowed.map((a) => JSON.stringify(a)).join(", ")} (a string, a comma-separated string or a list)`;
  if (v === undefined || v === null) return [...allowed];
  let items: unknown[];
  if (typeof v === "string") items = v.split(",").map((s) => s.trim());
  else if (Array.isArray(v)) items = v;
  else throw new OptionError(name, v, what);
  if (items.length === 0) throw new OptionError(name, v, what);
  const out: T[] = [];
  for (const item of items) {
    if (typeof item !== "string") throw new OptionError(name, v, what);
    const match = allowed.find((a) => a.toLowerCase() === item.trim().toLowerCase());
    if (match === undefined) throw new OptionError(name, item, what);
    if (!out.includes(match)) out.push(match);
  }
  // Canonical order (the walking order), so equal selections give equal options.
  return allowed.filter((a) => out.includes(a));
}
