// `ac1 demo`: the main job on the embedded default. Writes (or reuses) the
// synthetic archive (scale small, DEMO_SEED) in DIR/archive, builds the
// dataset from it with the default options, prints the summary on stderr,
// writes DIR/ac1-demo.npz and prints its path on stdout. DIR defaults to
// <os temp dir>/ac1-demo.

import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureDemoArchive } from "../../ac1/index.js";
import type { BuildWarning } from "../../dataset/build.js";
import { defaultJobs } from "../../parallel/index.js";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { prepareOutputFolder } from "../output.js";
import { ProgressBar } from "../progress.js";
import { buildWithProgress, exportWithProgress, summaryOf } from "./build.js";

const HELP = `usage: ac1 demo [--out DIR] [--jobs N] [--quiet]

Runs the whole pipeline on the embedded synthetic archive: writes the
synthetic CRCNS-AC1 release (the three zips with the real layout, scale
"small", fixed seed) into DIR/archive unless it is already there, builds the
dataset from it with the default options (Wehr + Asari, A1 + MGB, 5 ms bins,
53-band spectrograms) on worker threads, prints the summary on stderr, writes
DIR/ac1-demo.npz and prints its path on stdout. The build cache is neither
read nor written (the demo always builds).

The synthetic archive plants the real release's quirks on purpose (duplicate
stim descriptions, malformed session names, trials of unknown stims,
truncated and corrupt files, bad triggers, ...): the warnings that name a
release file show how ac1 reports them; they are expected, not a fault of
your setup.

  --out DIR   output folder (default: ${join(tmpdir(), "ac1-demo")})
  --jobs N    worker threads for the build [number of cores: ${defaultJobs()}];
              1 builds on the main thread; the output is the same whatever N is
  --quiet     no progress bars or summary on stderr
`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("demo", argv, {
    out: { type: "string" },
    jobs: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length > 0)
    throw new UsageError(
      `ac1 demo: unexpected argument ${JSON.stringify(positionals[0])} (see ac1 demo --help)`,
    );
  const quiet = Boolean(values.quiet);
  const jobs = numberFlag("jobs", values.jobs as string | undefined);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1))
    throw new UsageError(`--jobs expects a whole number >= 1, got ${JSON.stringify(values.jobs)}`);
  const dir = resolve((values.out as string | undefined) ?? join(tmpdir(), "ac1-demo"));
  await prepareOutputFolder(dir);
  const archive = join(dir, "archive");
  const bar = new ProgressBar({ label: "synthetic archive", total: 0, silent: quiet });
  await ensureDemoArchive(archive, (p) => {
    bar.setTotal(p.filesTotal);
    bar.update(p.filesDone, p.zip);
  });
  bar.finish(`in ${archive}`);
  // The build cache is left alone: the demo archive is regenerated at will and
  // builds in seconds, so an entry would only fill the user's cache folder.
  const data = await buildWithProgress(
    "demo",
    { path: archive },
    { jobs, useCache: false, quiet, warningsNote: plantedQuirksNote },
  );
  const out = join(dir, "ac1-demo.npz");
  await exportWithProgress(data, out, quiet);
  if (!quiet) process.stderr.write(`${summaryOf(data)}\n`);
  process.stdout.write(`${out}\n`);
  return 0;
}

/** What the demo says before its warnings: the file ones are quirks the synthetic archive plants on purpose. */
function plantedQuirksNote(warnings: readonly BuildWarning[]): string | undefined {
  const planted = warnings.filter((w) => w.path !== "").length;
  if (planted === 0) return undefined;
  return `note: the synthetic archive plants quirks of the real release on purpose; the ${planted} warning${planted === 1 ? "" : "s"} below that name a release file show how ac1 reports them (expected, nothing is wrong with your setup)`;
}

export const command: Command = {
  name: "demo",
  summary: "build the dataset from the embedded synthetic archive and export it",
  help: HELP,
  run,
};
