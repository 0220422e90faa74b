// Dataset options (dataset.md, "Options"): fills in the fixed defaults and
// validates every value before any file is read. A bad value throws an
// OptionError naming the option, the value and what is allowed.

import type { Experimenter, Site } from "../ac1/types.js";
import { defaultDataDir } from "../archive/location.js";
import { RESAMPLE_MAX_KERNEL_BYTES, resampleKernelBytes } from "../dsp/resample-bounds.js";
import { roundHalfEven } from "../dsp/round.js";
import {
  SPECTROGRAM_MAX_WORK_BYTES,
  spectrogramMaxBands,
  spectrogramMaxWindow,
  spectrogramWorkBytes,
} from "../dsp/spectrogram-bounds.js";
import { OptionError } from "../errors.js";
import { DEFAULT_GATING_THRESHOLDS, type GatingThresholds } from "../preprocess/gating-thresholds.js";
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
  /** Keep the rejected repeats, detrended and binned, in the dataset (and its export as rej_<s>_<n>). Default false. */
  keepRejected?: boolean;
}

/**
 * The highest stimulus sample rate of the release (Asari's 97656 Hz; Wehr's
 * stims are at 44.1 kHz): the rate at which the window is checked before
 * any file is read. A stim at a higher rate is checked again when it registers.
 */
export const RELEASE_MAX_STIM_SF_HZ = 97656;

/** The release's stimulus sample rates (Wehr 44.1 kHz, Asari 97656 Hz): waveform mode's resampling is checked at each before any file is read. */
export const RELEASE_STIM_SF_HZ = [44100, RELEASE_MAX_STIM_SF_HZ] as const;

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
  "keepRejected",
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
  if (!(fmax > fmin)) {
    // Name the bound the caller gave, not the default it ran into.
    if (input.fmax === undefined)
      throw new OptionError("fmin", fmin, `must satisfy 0 < fmin < fmax (fmax is ${fmax}, the default)`);
    throw new OptionError("fmax", fmax, `must satisfy 0 < fmin < fmax (fmin is ${fmin})`);
  }
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
  const keepRejected = input.keepRejected ?? false;
  if (typeof keepRejected !== "boolean") throw new OptionError("keepRejected", keepRejected, "true or false");
  checkSpectrogramMemory(input, { dtMs, windowMs, fmin, fmax, binsPerOctave, returnWaveform });
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
    for (const sf of RELEASE_STIM_SF_HZ) {
      const problem = resampleMemoryProblem({ returnWaveform, audioFs }, sf);
      if (problem !== undefined) throw new OptionError("audioFs", audioFs, problem);
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
    keepRejected,
  };
}

type BandOptions = Pick<
  DatasetOptions,
  "dtMs" | "windowMs" | "fmin" | "fmax" | "binsPerOctave" | "returnWaveform"
>;

/** Bands of the options (the one formula of pipeline.md section 1, without allocating them). */
function bandsOf(o: Pick<DatasetOptions, "fmin" | "fmax" | "binsPerOctave">): number {
  return Math.floor(Math.log2(o.fmax / o.fmin) * o.binsPerOctave) + 1;
}

/** Window samples at sfHz (pipeline.md section 2: max(round(window * sf / 1000), 4)); 4 in waveform mode (no spectrogram). */
function windowSamples(o: BandOptions, sfHz: number): number {
  return o.returnWaveform ? 4 : Math.max(roundHalfEven((o.windowMs * sfHz) / 1000), 4);
}

/** A byte count in MiB for the memory-bound messages (one decimal under 10 MiB). */
function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
}

/**
 * Why the spectrogram of stims at sfHz would not fit SPECTROGRAM_MAX_WORK_BYTES
 * with these options (undefined when it fits): its working memory grows with
 * F bands x W window samples (spectrogramWorkBytes), and a window of
 * 100000 ms at 97656 Hz alone would need gigabytes per worker thread.
 */
export function spectrogramMemoryProblem(o: BandOptions, sfHz: number): string | undefined {
  const F = bandsOf(o);
  const W = windowSamples(o, sfHz);
  const bytes = spectrogramWorkBytes(F, W);
  if (bytes <= SPECTROGRAM_MAX_WORK_BYTES) return undefined;
  const maxW = spectrogramMaxWindow(F);
  if (o.returnWaveform || maxW < 4)
    return `F = ${F} bands is too many: even the shortest window (4 samples) needs ${mib(spectrogramWorkBytes(F, 4))} per thread, above the ${mib(SPECTROGRAM_MAX_WORK_BYTES)} bound`;
  const maxMs = +((maxW * 1000) / sfHz).toPrecision(3);
  return `the spectrogram of stims at ${sfHz} Hz with F = ${F} bands and a ${o.windowMs} ms window (W = ${W} samples) would work in ${mib(bytes)} per thread (F x W x 8 bytes and a chunk of frames), above the ${mib(SPECTROGRAM_MAX_WORK_BYTES)} bound; ${F} bands allow a window of at most ${maxMs} ms, a ${o.windowMs} ms window at most ${spectrogramMaxBands(W)} bands`;
}

/**
 * Why resampling stims at sfHz to audioFs in waveform mode would build a
 * kernel above RESAMPLE_MAX_KERNEL_BYTES (undefined when it fits, in
 * spectrogram mode, or when no resampling is needed): the kernel grows with
 * the rates divided by their gcd, so 1e9 Hz stims, or an audioFs of 1e9,
 * would need gigabytes.
 */
export function resampleMemoryProblem(
  o: Pick<DatasetOptions, "returnWaveform" | "audioFs">,
  sfHz: number,
): string | undefined {
  if (!o.returnWaveform) return undefined;
  const orig = roundHalfEven(sfHz);
  const bytes = resampleKernelBytes(orig, o.audioFs);
  if (bytes <= RESAMPLE_MAX_KERNEL_BYTES) return undefined;
  return `resampling stims at ${orig} Hz to audioFs ${o.audioFs} Hz would build a kernel of about ${mib(bytes)}, above the ${mib(RESAMPLE_MAX_KERNEL_BYTES)} bound (rates whose ratio reduces to small integers resample cheaply, e.g. audioFs=96000)`;
}

/**
 * The window / bands check before any file is read, at the release's highest
 * stimulus rate. The error names the option the caller gave that causes it
 * (windowMs, else dtMs, whose default window is 2 * dtMs, else the bands).
 */
function checkSpectrogramMemory(input: DatasetOptionsInput, o: BandOptions): void {
  const problem = spectrogramMemoryProblem(o, RELEASE_MAX_STIM_SF_HZ);
  if (problem === undefined) return;
  const given = (k: keyof DatasetOptionsInput) => input[k] !== undefined && input[k] !== null;
  const defaults: BandOptions = { ...o, fmin: 100, fmax: 45000, binsPerOctave: 6, windowMs: 2 * o.dtMs };
  const fixedBy = (patch: Partial<BandOptions>) =>
    spectrogramMemoryProblem({ ...o, ...patch }, RELEASE_MAX_STIM_SF_HZ) === undefined;
  let option: "windowMs" | "dtMs" | "binsPerOctave" | "fmin" | "fmax";
  if (given("windowMs")) option = "windowMs";
  else if (given("dtMs") && fixedBy({ windowMs: 10 })) option = "dtMs";
  else if (given("binsPerOctave") && fixedBy({ binsPerOctave: defaults.binsPerOctave }))
    option = "binsPerOctave";
  else if (given("fmin") && fixedBy({ fmin: defaults.fmin })) option = "fmin";
  else if (given("fmax") && fixedBy({ fmax: defaults.fmax })) option = "fmax";
  else option = given("binsPerOctave") ? "binsPerOctave" : given("dtMs") ? "dtMs" : "windowMs";
  const why =
    option === "dtMs"
      ? `dtMs sets the default window, windowMs = 2 * dtMs = ${o.windowMs} ms: ${problem}; give a shorter windowMs or a smaller dtMs`
      : problem;
  throw new OptionError(option, o[option], why);
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
