// `ac1 build`: loads the dataset (loadDataset: download if asked, build cache,
// else a build on --jobs worker threads) and exports it as .npz (interchange.md).
// Every dataset option has a flag; progress, where the data came from
// (describeLoad) and the summary go to stderr, the output path to stdout.
// Also exports the flag table and helpers `ac1 info` and `ac1 demo` share.

import { resolve } from "node:path";
import { defaultCacheDir, defaultDataDir } from "../../archive/location.js";
import type { BuildWarning } from "../../dataset/build.js";
import type { DatasetData } from "../../dataset/model.js";
import type { DatasetOptionsInput } from "../../dataset/options.js";
import { factsOf, formatSummary } from "../../dataset/summary.js";
import type { DownloadEvent, terminalPrompt } from "../../download/index.js";
import { formatValue, OptionError } from "../../errors.js";
import { defaultJobs } from "../../parallel/jobs.js";
import {
  describeLoad,
  type ExportReport,
  exportDataset,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  loadDataset,
} from "../../pipeline/index.js";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { setInterruptNote } from "../interrupt.js";
import { checkOutputFile } from "../output.js";
import { ProgressBar } from "../progress.js";

/** parseArgs table of the dataset option flags (shared with `ac1 info --path`). */
export const DATASET_FLAGS = {
  path: { type: "string" },
  experimenter: { type: "string" },
  sites: { type: "string" },
  "dt-ms": { type: "string" },
  fmin: { type: "string" },
  fmax: { type: "string" },
  "bins-per-octave": { type: "string" },
  "window-ms": { type: "string" },
  "detrend-med-ms": { type: "string" },
  "detrend-gauss-ms": { type: "string" },
  "abs-mv-max": { type: "string" },
  "step-mv": { type: "string" },
  "max-step-frac": { type: "string" },
  "min-xcorr": { type: "string" },
  waveform: { type: "boolean" },
  "audio-fs": { type: "string" },
  "keep-rejected": { type: "boolean" },
  split: { type: "string" },
  "split-seed": { type: "string" },
  download: { type: "boolean" },
  jobs: { type: "string" },
  "no-cache": { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

export const DATASET_FLAGS_HELP = `dataset options (defaults in brackets):
  --path DIR              release folder with the three zips and/or their unpacked
                          trees [AC1_DATA_DIR, else ${defaultDataDir()}]
  --experimenter LIST     wehr, asari or wehr,asari [wehr,asari]
  --sites LIST            A1, MGB or A1,MGB [A1,MGB]
  --dt-ms MS              time bin width [5]
  --fmin HZ, --fmax HZ    spectrogram band range [100, 45000]; bands above a stim's
                          Nyquist frequency hold aliases (a warning says which)
  --bins-per-octave N     spectrogram bands per octave [6]
  --window-ms MS          STFT window [2 * dt-ms]; its spectrogram must fit 256 MiB
                          per thread (up to ~3.4 s with 53 bands)
  --detrend-med-ms MS     MedGauss median window [100]
  --detrend-gauss-ms MS   MedGauss gaussian sigma [10]
  --abs-mv-max MV         gating: reject repeats with max |Vm| above [150]
  --step-mv MV            gating: step size [30]
  --max-step-frac F       gating: largest fraction of step samples [0.005]
  --min-xcorr R           gating: smallest cross-trial correlation, <= 0 disables [0.05]
  --waveform              stims as waveforms resampled to --audio-fs instead of spectrograms
  --audio-fs HZ           waveform sample rate; audio-fs * dt-ms / 1000 must be whole [96000]
  --keep-rejected         also export the rejected repeats, detrended (mV) and binned,
                          as rej_<s>_<n> (rows linked from prov_rej_row) [off]
  --split rancon          record a train/val/test split of each Wehr neuron's stims
                          with the Rancon 2024/2025 counts (other neurons: none)
  --split stims:TR,VA,TE  record one stim-level split by fractions summing to 1,
                          e.g. stims:0.7,0.1,0.2: the same test stims for every neuron
  --split-seed N          seed of the split's shuffle, 0..4294967295 [0]; the same
                          seed gives the same split on every machine
  --download              fetch the three zips first (CRCNS_USERNAME / CRCNS_PASSWORD)
  --jobs N                worker threads for the build [number of cores: ${defaultJobs()}];
                          1 builds on the main thread; the output is identical,
                          bit for bit, whatever N is
  --no-cache              neither read nor write the build cache (AC1_CACHE_DIR, else
                          ${defaultCacheDir()}); without it an identical build
                          (same options, same archive files, same ac1 version) is
                          loaded from the cache instead of rebuilt, and a fresh
                          build is stored there with its intermediate results
                          (cleaned sessions, stim tensors, compressed arrays: a
                          build with one option changed reuses what it does not
                          touch); the least recently used go beyond
                          $AC1_CACHE_BUILDS_MAX (builds, default 8G) and
                          $AC1_CACHE_INTERMEDIATES_MAX (default 2G; ac1 cache
                          --help). While building, the arrays wait in a temp
                          spill file (cache folder, or beside --out with
                          --no-cache; removed at the end)
  --quiet                 nothing on stderr (no progress, load line or summary)
A negative value needs the = form: --min-xcorr=-0.1.`;

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** The dataset options of a load and its split (what the CLI hands to loadDataset). */
export type CliDatasetOptions = DatasetOptionsInput & Pick<LoadOptions, "split" | "splitSeed">;

/** Turns the dataset flags into options (validated later by resolveOptions and resolveSplit). */
export function optionsFromFlags(
  values: Values,
): CliDatasetOptions & { download: boolean; jobs: number | undefined; noCache: boolean } {
  const str = (k: string) => values[k] as string | undefined;
  const num = (k: string) => numberFlag(k, str(k));
  const opts: DatasetOptionsInput = {};
  if (str("path") !== undefined) opts.path = str("path");
  if (str("experimenter") !== undefined) opts.experimenter = str("experimenter");
  if (str("sites") !== undefined) opts.sites = str("sites");
  const numeric: [string, keyof DatasetOptionsInput][] = [
    ["dt-ms", "dtMs"],
    ["fmin", "fmin"],
    ["fmax", "fmax"],
    ["bins-per-octave", "binsPerOctave"],
    ["window-ms", "windowMs"],
    ["detrend-med-ms", "detrendMedMs"],
    ["detrend-gauss-ms", "detrendGaussMs"],
    ["audio-fs", "audioFs"],
  ];
  for (const [flag, key] of numeric) {
    const v = num(flag);
    if (v !== undefined) (opts as Record<string, unknown>)[key] = v;
  }
  const gating: Record<string, number> = {};
  for (const [flag, key] of [
    ["abs-mv-max", "absMvMax"],
    ["step-mv", "stepMv"],
    ["max-step-frac", "maxStepFrac"],
    ["min-xcorr", "minXcorr"],
  ] as const) {
    const v = num(flag);
    if (v !== undefined) gating[key] = v;
  }
  if (Object.keys(gating).length > 0) opts.gating = gating;
  if (values.waveform) opts.returnWaveform = true;
  if (values["keep-rejected"]) opts.keepRejected = true;
  const split: Pick<LoadOptions, "split" | "splitSeed"> = {};
  if (str("split") !== undefined) split.split = str("split");
  if (num("split-seed") !== undefined) split.splitSeed = num("split-seed");
  const jobs = num("jobs");
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1))
    throw new UsageError(`--jobs expects a whole number >= 1, got ${JSON.stringify(str("jobs"))}`);
  return {
    ...opts,
    ...split,
    download: Boolean(values.download),
    jobs,
    noCache: Boolean(values["no-cache"]),
  };
}

/** Library option names (DatasetOptionsInput, OptionError.option) -> the flag that sets them. */
const FLAG_OF_OPTION: Record<string, string> = {
  path: "path",
  experimenter: "experimenter",
  sites: "sites",
  dtMs: "dt-ms",
  fmin: "fmin",
  fmax: "fmax",
  binsPerOctave: "bins-per-octave",
  windowMs: "window-ms",
  detrendMedMs: "detrend-med-ms",
  detrendGaussMs: "detrend-gauss-ms",
  "gating.absMvMax": "abs-mv-max",
  "gating.stepMv": "step-mv",
  "gating.maxStepFrac": "max-step-frac",
  "gating.minXcorr": "min-xcorr",
  returnWaveform: "waveform",
  audioFs: "audio-fs",
  keepRejected: "keep-rejected",
  split: "split",
  splitSeed: "split-seed",
  jobs: "jobs",
};

/**
 * An OptionError from the library, reworded for the command line: the flag
 * instead of the option's library name (`invalid --dt-ms=-1: ...` rather
 * than `invalid option dtMs=-1: ...`). Other errors are returned as they are.
 */
export function asFlagError(e: unknown): unknown {
  if (!(e instanceof OptionError)) return e;
  const flag = FLAG_OF_OPTION[e.option];
  if (flag === undefined) return e;
  const names = Object.keys(FLAG_OF_OPTION)
    .filter((k) => !k.includes("."))
    .sort((a, b) => b.length - a.length);
  const allowed = e.allowed.replace(new RegExp(`\\b(${names.join("|")})\\b`, "g"), (k) => FLAG_OF_OPTION[k]!);
  return new UsageError(`invalid --${flag}=${formatValue(e.value)}: ${allowed}`);
}

/** What the CLI passes to a load besides the dataset options. */
export interface CliLoadSettings {
  /** Worker threads; undefined = the machine's core count (defaultJobs()). */
  jobs?: number;
  /** Use the persistent build cache (read a matching entry, store a fresh build). */
  useCache: boolean;
  /** Fetch the three zips first. */
  download?: boolean;
  quiet: boolean;
  /** A line printed before the warnings when `count` (of them) is > 0, e.g. the demo's note on planted quirks. */
  warningsNote?: (warnings: readonly BuildWarning[]) => string | undefined;
}

/** What a load through the CLI needs besides the dataset options: progress, warnings, the report. */
interface LoadHooks {
  jobs: number | undefined;
  cache: boolean;
  download: false | { prompt: ReturnType<typeof terminalPrompt>; onEvent: (e: DownloadEvent) => void };
  onProgress: (e: LoadProgress) => void;
  onWarning: (w: BuildWarning) => void;
}

/**
 * Runs a load (`load`, given the hooks) with progress bars on stderr, then
 * prints the warnings and one line saying where the data came from
 * (describeLoad of the report `load` resolves with).
 */
async function withLoadProgress<T extends { report: LoadReport | undefined }>(
  command: string,
  settings: CliLoadSettings,
  load: (hooks: LoadHooks) => Promise<T>,
): Promise<T> {
  const { quiet } = settings;
  const warnings: BuildWarning[] = [];
  let bar: ProgressBar | null = null;
  let downloadBar: ProgressBar | null = null;
  const onProgress = (e: LoadProgress) => {
    // The download (if any) is over once the load reports anything else.
    (downloadBar as ProgressBar | null)?.finish();
    if (quiet) return;
    if (e.phase === "cells") {
      bar ??= new ProgressBar({ label: "reading cells", total: 0 });
      bar.update(e.cells, `${e.session}: ${e.neurons} neurons, ${e.stims} stims`);
    } else if (e.phase === "stims") {
      if (bar && e.done === 1) bar.finish();
      if (e.done === 1) bar = new ProgressBar({ label: "computing stims", total: e.total });
      bar?.update(e.done);
      if (e.done === e.total) bar?.finish();
    }
    // "open" and the cache events: describeLoad says what happened, once, at the end.
  };
  const onDownloadEvent = (e: DownloadEvent) => {
    downloadBar ??= new ProgressBar({ label: "downloading", total: 0, unit: "bytes", silent: quiet });
    if (e.type === "plan") downloadBar.setTotal(e.toTransferBytes);
    else if (e.type === "bytes") downloadBar.tick(e.deltaBytes, e.file);
  };
  let result: T;
  try {
    result = await load({
      jobs: settings.jobs,
      cache: settings.useCache,
      download: settings.download
        ? { prompt: (await import("../../download/index.js")).terminalPrompt(), onEvent: onDownloadEvent }
        : false,
      onProgress,
      onWarning: (w) => warnings.push(w),
    });
  } catch (e) {
    throw asFlagError(e);
  } finally {
    (downloadBar as ProgressBar | null)?.finish();
    (bar as ProgressBar | null)?.finish();
    if (!quiet) {
      const note = warnings.length > 0 ? settings.warningsNote?.(warnings) : undefined;
      if (note) process.stderr.write(`ac1 ${command}: ${note}\n`);
      printWarnings(command, warnings);
    }
  }
  if (!quiet && result.report !== undefined) {
    // on a hit, how to rebuild (in the flag's words: describeLoad serves library users too)
    const rebuild = result.report.origin === "cache" ? "; --no-cache rebuilds" : "";
    process.stderr.write(`ac1 ${command}: ${describeLoad(result.report)}${rebuild}\n`);
  }
  return result;
}

/**
 * Loads the dataset through loadDataset (options check, download,
 * build cache, parallel build) with progress bars on stderr, then prints the
 * warnings and one line saying where the data came from (describeLoad).
 */
export async function buildWithProgress(
  command: string,
  options: CliDatasetOptions,
  settings: CliLoadSettings,
): Promise<DatasetData> {
  const { data } = await withLoadProgress(command, settings, async (hooks) => {
    let report: LoadReport | undefined;
    const data = await loadDataset({
      ...options,
      ...hooks,
      onLoaded: (r) => {
        report = r;
      },
    });
    return { data, report };
  });
  return data;
}

const MAX_WARNINGS_SHOWN = 20;

/** The options each warning about options names (in the library's words), by the warning's code. */
const OPTIONS_NAMED: Partial<Record<BuildWarning["code"], RegExp>> = {
  "fmax-above-nyquist": /\b(dtMs|fmax)\b/g,
  "dt-below-sample-period": /\b(dtMs|fmax)\b/g,
  "option-ignored": /\b(audioFs|returnWaveform)\b/g,
};

/** Warnings about an option name it in the library's words; on the command line, the flag's. */
function flagWording(w: BuildWarning): string {
  const named = OPTIONS_NAMED[w.code];
  return named === undefined ? w.message : w.message.replace(named, (k) => `--${FLAG_OF_OPTION[k]}`);
}

function printWarnings(command: string, warnings: BuildWarning[]): void {
  for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN))
    process.stderr.write(`ac1 ${command}: warning: ${flagWording(w)}\n`);
  if (warnings.length > MAX_WARNINGS_SHOWN) {
    process.stderr.write(`ac1 ${command}: ... and ${warnings.length - MAX_WARNINGS_SHOWN} more warnings\n`);
  }
}

/** Writes the export with a byte progress bar. */
export async function exportWithProgress(data: DatasetData, out: string, quiet: boolean): Promise<void> {
  const bar = new ProgressBar({ label: "writing", total: 0, unit: "bytes", silent: quiet });
  // Ctrl-C (or a kill) while writing: the CLI's handler (interrupt.ts) removes
  // the unfinished temp file and says what was not written.
  setInterruptNote(`no export written to ${out}`);
  try {
    // Loaded here: a cache hit (exportDataset's copy) needs no export writer of its own.
    const { writeDatasetNpz } = await import("../../export/dataset-npz.js");
    await writeDatasetNpz(data, out, {
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
  } finally {
    setInterruptNote(undefined);
    bar.finish();
  }
}

export function summaryOf(data: DatasetData): string {
  return formatSummary(factsOf(data));
}

const HELP = `usage: ac1 build [--path DIR] --out FILE.npz [options]

Builds the dataset from the CRCNS-AC1 release (pipeline.md) on worker threads
(--jobs) and exports it as an .npz that numpy.load opens (format "ac1-npz"
version 1). A build with the same options on the same archive files is loaded
from the build cache instead (--no-cache rebuilds). Progress, where the data
came from (cache or build, time, threads) and the summary go to stderr; the
path of the export goes to stdout.

Besides stim_<s> and resp_<s>_<n>, the export holds spk_<s>_<n> (int32 spike
counts of spikes neurons), the per-repeat provenance (prov_*), and in its
manifest each neuron's units, stims and repeats, each stim's T and sf_hz, the
time axes (manifest.time), and with --split the split (manifest.splits);
with --keep-rejected also rej_<s>_<n> (see README, "Loading an export").

  --out FILE.npz          where to write the export (required)

${DATASET_FLAGS_HELP}
`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("build", argv, {
    ...DATASET_FLAGS,
    out: { type: "string" },
  });
  if (positionals.length > 0)
    throw new UsageError(
      `ac1 build: unexpected argument ${JSON.stringify(positionals[0])} (see ac1 build --help)`,
    );
  const out = values.out as string | undefined;
  if (!out) throw new UsageError("ac1 build: --out FILE.npz is required (see ac1 build --help)");
  const quiet = Boolean(values.quiet);
  const { jobs, noCache, download, ...options } = optionsFromFlags(values);
  await checkOutputFile(out);
  // Ctrl-C (or a kill) at any point: the CLI's handler (interrupt.ts) removes
  // the unfinished temp files and says what was not written.
  setInterruptNote(`no export written to ${out}`);
  const settings = { jobs, useCache: !noCache, download, quiet };
  let writing: ProgressBar | null = null;
  let report: ExportReport;
  try {
    ({ report } = await withLoadProgress("build", settings, async (hooks) => ({
      report: await exportDataset({
        ...options,
        ...hooks,
        out,
        onExportProgress: (done, total) => {
          writing ??= new ProgressBar({ label: "writing", total, unit: "bytes", silent: quiet });
          writing.update(done);
          if (done === total) writing.finish();
        },
      }),
    })));
  } finally {
    (writing as ProgressBar | null)?.finish();
    setInterruptNote(undefined);
  }
  if (!quiet) process.stderr.write(`${formatSummary(report.facts)}\n`);
  process.stdout.write(`${resolve(out)}\n`);
  return 0;
}

export const command: Command = {
  name: "build",
  summary: "build the dataset from the release and export it as .npz",
  help: HELP,
  run,
};
