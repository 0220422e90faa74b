// `ac1 info`: a readable summary of an export (`ac1 info FILE.npz`, read
// lazily: manifest and array headers only), or of what a build would produce
// (`ac1 info --path DIR [options]`: loaded like `ac1 build` loads it, from the
// build cache or built on worker threads, and no export written). With
// --neurons / --stims, one line per neuron (units, stims, repeats, split) or
// per stim (sf_hz, T) from the manifest's modeller keys.
// The summary goes to stdout (it is what the user asked for); progress to stderr.

import { stat } from "node:fs/promises";
import type { DatasetSplit } from "../../dataset/model.js";
import { factsOf, formatSummary } from "../../dataset/summary.js";
import { ExportError } from "../../errors.js";
import { buildManifest, type ExportManifest, openDatasetExport, parseSplit } from "../../export/index.js";
import { hopOf } from "../../export/manifest.js";

import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { buildWithProgress, DATASET_FLAGS, DATASET_FLAGS_HELP, optionsFromFlags } from "./build.js";

const HELP = `usage: ac1 info FILE.npz [--neurons] [--stims]
       ac1 info --path DIR [dataset options] [--neurons] [--stims]

With FILE.npz: summarises an export written by \`ac1 build\` or \`ac1 demo\`
(neurons, stims, pairs and repeats, grid and time axis, signal type, units
and spike counts, rejected repeats, split, dropped cells, skipped files)
from its manifest and array headers.

  --neurons   also one line per neuron: experimenter, session, site, signal
              type, units, the stims it has data for, its repeats and (with
              a split) its train / val / test stims
  --stims     also one line per stim: experimenter, category, source sample
              rate (sf_hz), bins (T), duration and description

With --path: loads what \`ac1 build\` would produce from the release in DIR
with the given options (from the build cache when an identical build is
there, else built on --jobs worker threads and stored in the cache), and
prints the same summary without writing an export.

${DATASET_FLAGS_HELP}
`;

/** "0-3,5,7-8" for ascending indices. */
function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === (xs[j] as number) + 1) j++;
    out.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return out.join(",") || "-";
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] as number)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One line per neuron from the manifest's modeller keys (units, stims, repeats) and the split. */
function neuronLines(m: ExportManifest, split: DatasetSplit | null): string {
  const rows = [
    [
      "n",
      "experimenter",
      "session",
      "site",
      "signal",
      "units",
      "stims",
      "repeats",
      ...(split ? ["train / val / test stims"] : []),
    ],
  ];
  m.neurons.forEach((meta, n) => {
    const stims = Array.isArray(meta.stims) ? (meta.stims as number[]) : [];
    const repeats = Array.isArray(meta.repeats) ? (meta.repeats as number[]) : [];
    const total = repeats.reduce((a, b) => a + b, 0);
    const part = split?.neurons[n];
    rows.push([
      String(n),
      String(meta.experimenter ?? "?"),
      String(meta.session ?? "?"),
      String(meta.site ?? "?"),
      String(meta.signal_type ?? "?"),
      String(meta.units ?? "?"),
      ranges(stims),
      `${total} (${repeats.join(",")})`,
      ...(split
        ? [part ? `${ranges(part.train)} / ${ranges(part.val)} / ${ranges(part.test)}` : "no split"]
        : []),
    ]);
  });
  return `neurons (stims: indices with data; repeats: total (per stim)):\n${table(rows)}`;
}

/** One line per stim: its source sample rate (sf_hz), bins (T), duration and description. */
function stimLines(m: ExportManifest): string {
  const rows = [["s", "experimenter", "category", "sf_hz", "T", "duration_s", "description"]];
  m.stims.forEach((meta, s) => {
    rows.push([
      String(s),
      String(meta.experimenter ?? "?"),
      String(meta.category ?? "?"),
      String(meta.sf_hz ?? "?"),
      String(meta.T ?? "?"),
      typeof meta.duration_s === "number" ? String(+meta.duration_s.toPrecision(6)) : "?",
      String(meta.description ?? ""),
    ]);
  });
  return `stims (T: bins of dt_ms ${m.dt_ms}):\n${table(rows)}`;
}

function details(
  m: ExportManifest,
  split: DatasetSplit | null,
  flags: { neurons: boolean; stims: boolean },
): string {
  const parts: string[] = [];
  if (flags.neurons) parts.push(neuronLines(m, split));
  if (flags.stims) parts.push(stimLines(m));
  return parts.map((p) => `\n${p}`).join("\n");
}

async function infoOfExport(path: string, flags: { neurons: boolean; stims: boolean }): Promise<string> {
  const view = await openDatasetExport(path);
  try {
    const m = view.manifest;
    const pairs = view.pairs();
    const frames = new Map<number, number>();
    let repeats = 0;
    for (const p of pairs) {
      repeats += p.repeats;
      frames.set(p.stim, p.frames);
    }
    let totalFrames = 0;
    for (const t of frames.values()) totalFrames += t;
    const hop = hopOf(m);
    const split =
      m.splits === undefined ? null : parseSplit(m.splits, path, m.stims.length, m.neurons.length);
    const spikePairs = m.neurons.reduce(
      (a, n) => a + (n.signal_type === "spikes" && Array.isArray(n.stims) ? n.stims.length : 0),
      0,
    );
    const rejected = m.rejected as { rows?: unknown } | undefined;
    const text = formatSummary({
      neurons: m.neurons,
      stims: m.stims,
      dtMs: m.dt_ms,
      F: m.F,
      freqsHz: m.freqs_hz,
      audioFs: m.audio_fs,
      hop,
      signalType: m.signal_type,
      pairs: pairs.length,
      repeats,
      frames: totalFrames,
      rejections: m.rejections,
      droppedCellsEmpty: m.dropped_cells_empty,
      skippedFiles: m.skipped_files,
      spikeCountPairs: m.spike_counts === undefined ? undefined : spikePairs,
      rejectedKept: typeof rejected?.rows === "number" ? rejected.rows : undefined,
      split,
    });
    return `${path}: ${m.format} version ${m.version}\n${text}${details(m, split, flags)}`;
  } finally {
    await view.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("info", argv, {
    ...DATASET_FLAGS,
    neurons: { type: "boolean" },
    stims: { type: "boolean" },
  });
  const flags = { neurons: Boolean(values.neurons), stims: Boolean(values.stims) };
  if (positionals.length > 1)
    throw new UsageError(
      `ac1 info: expected one FILE.npz, got ${positionals.length} arguments (see ac1 info --help)`,
    );
  const file = positionals[0];
  if (file !== undefined) {
    const others = Object.keys(values).filter(
      (k) => values[k] !== undefined && !["quiet", "debug", "neurons", "stims"].includes(k),
    );
    if (others.length > 0)
      throw new UsageError(
        `ac1 info: --${others[0]} applies to --path builds, not to an export file (see ac1 info --help)`,
      );
    // A release folder given as FILE.npz: say how to summarise what a build of it would produce.
    if (await isFolder(file))
      throw new ExportError(
        `${file}: is a folder, not a file; for a release folder, ac1 info --path ${file}`,
      );
    process.stdout.write(`${await infoOfExport(file, flags)}\n`);
    return 0;
  }
  if (values.path === undefined)
    throw new UsageError("ac1 info: give FILE.npz or --path DIR (see ac1 info --help)");
  const { jobs, noCache, download, ...options } = optionsFromFlags(values);
  const data = await buildWithProgress("info", options, {
    jobs,
    useCache: !noCache,
    download,
    quiet: Boolean(values.quiet),
  });
  const more = details(buildManifest(data), data.split ?? null, flags);
  process.stdout.write(
    `what a build of ${data.options.path} produces:\n${formatSummary(factsOf(data))}${more}\n`,
  );
  return 0;
}

export const command: Command = {
  name: "info",
  summary: "summarise an export, or what a build would produce",
  help: HELP,
  run,
};

/** True when `path` is a folder (false when it is anything else or cannot be looked at: the reader says why). */
function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
