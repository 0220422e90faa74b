// `ac1 info`: a readable summary of an export (`ac1 info FILE.npz`, read
// lazily: manifest and array headers only), or of what a build would produce
// (`ac1 info --path DIR [options]`: loaded like `ac1 build` loads it, from the
// build cache or built on worker threads, and no export written).
// The summary goes to stdout (it is what the user asked for); progress to stderr.

import { factsOf, formatSummary } from "../../dataset/summary.js";
import { openDatasetExport } from "../../export/index.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { buildWithProgress, DATASET_FLAGS, DATASET_FLAGS_HELP, optionsFromFlags } from "./build.js";

const HELP = `usage: ac1 info FILE.npz
       ac1 info --path DIR [dataset options]

With FILE.npz: summarises an export written by \`ac1 build\` or \`ac1 demo\`
(neurons, stims, pairs and repeats, grid, signal type, rejected repeats,
dropped cells, skipped files) from its manifest and array headers.

With --path: loads what \`ac1 build\` would produce from the release in DIR
with the given options (from the build cache when an identical build is
there, else built on --jobs worker threads and stored in the cache), and
prints the same summary without writing an export.

${DATASET_FLAGS_HELP}
`;

async function infoOfExport(path: string): Promise<string> {
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
    const hop = m.audio_fs === null ? 1 : Math.round((m.audio_fs * m.dt_ms) / 1000);
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
    });
    return `${path}: ${m.format} version ${m.version}\n${text}`;
  } finally {
    await view.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("info", argv, DATASET_FLAGS);
  if (positionals.length > 1)
    throw new UsageError(
      `ac1 info: expected one FILE.npz, got ${positionals.length} arguments (see ac1 info --help)`,
    );
  const file = positionals[0];
  if (file !== undefined) {
    const others = Object.keys(values).filter(
      (k) => values[k] !== undefined && k !== "quiet" && k !== "debug",
    );
    if (others.length > 0)
      throw new UsageError(
        `ac1 info: --${others[0]} applies to --path builds, not to an export file (see ac1 info --help)`,
      );
    process.stdout.write(`${await infoOfExport(file)}\n`);
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
  process.stdout.write(`what a build of ${data.options.path} produces:\n${formatSummary(factsOf(data))}\n`);
  return 0;
}

export const command: Command = {
  name: "info",
  summary: "summarise an export, or what a build would produce",
  help: HELP,
  run,
};
