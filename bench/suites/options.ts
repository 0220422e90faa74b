// One option changed (issue #13 item 4): on both synthetic shapes ("bench":
// many repeats of short stims; "stims": long spliced sequences, few repeats),
// whole-process `ac1 build` runs measured by /usr/bin/time (wall, CPU of all
// threads, peak RSS), medians of BENCH_RUNS (default 3):
//   cold          --no-cache: the reference every ratio is taken against;
//   cold+store    a build into an empty cache folder (what writing the
//                 intermediates costs; one run);
// then, with the intermediates of that build warm, a build with one option
// changed (a new value each run, so neither the build cache nor an
// intermediate of an earlier run of the same change can serve it):
//   gating        --min-xcorr (reuses the cleaned sessions and the stims);
//   detrend       --detrend-med-ms (recleans the sessions, reuses the stims);
//   spectrogram   --window-ms (recomputes the stims, reuses the sessions).
// --jobs is BENCH_JOBS (default: the machine's cores). Prints the table with
// each row's ratio to the cold build; writes the figures.

import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { SynthScale } from "../../src/ac1/index.js";
import {
  benchRuns,
  CLI,
  ensureSynthArchive,
  median,
  printTable,
  timeProcess,
  writeResults,
} from "../support.js";

interface Row {
  shape: SynthScale;
  change: string;
  runs: number;
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  wallRatio: number;
  cpuRatio: number;
  loadAverage: number;
}

/** The option changes measured, each run with a value of its own. */
const CHANGES: { change: string; args: (run: number) => string[] }[] = [
  { change: "gating (--min-xcorr)", args: (i) => ["--min-xcorr", String(0.06 + 0.01 * i)] },
  { change: "detrend (--detrend-med-ms)", args: (i) => ["--detrend-med-ms", String(90 + i)] },
  { change: "spectrogram (--window-ms)", args: (i) => ["--window-ms", String(11 + i)] },
];

async function main(): Promise<void> {
  const runs = benchRuns(3);
  const jobs = Number(process.env.BENCH_JOBS ?? availableParallelism());
  const shapes = (process.env.BENCH_SHAPES ?? "bench,stims").split(",") as SynthScale[];
  const work = await mkdtemp(join(tmpdir(), "ac1-bench-options-"));
  const rows: Row[] = [];
  try {
    for (const shape of shapes) {
      const { dir } = await ensureSynthArchive("options bench", shape);
      const out = join(work, `${shape}.npz`);
      const cacheDir = join(work, `cache-${shape}`);
      const env: NodeJS.ProcessEnv = { ...process.env, AC1_CACHE_DIR: cacheDir };
      delete env.AC1_CACHE_INTERMEDIATES_MAX;
      const run = (label: string, extra: string[]) => {
        process.stderr.write(`options bench: ${shape} ${label} ...\n`);
        const r = timeProcess(
          process.execPath,
          [CLI, "build", "--path", dir, "--out", out, "--jobs", String(jobs), "--quiet", ...extra],
          { env },
        );
        if (r.status !== 0) throw new Error(`options bench: ${shape} ${label} failed: ${r.stderr}`);
        return r;
      };
      const row = (change: string, measured: ReturnType<typeof run>[], cold?: Row): Row => {
        const wallS = median(measured.map((m) => m.wallS));
        const cpuS = median(measured.map((m) => m.cpuS));
        return {
          shape,
          change,
          runs: measured.length,
          wallS,
          cpuS,
          peakRssMb: median(measured.map((m) => m.peakRssMb)),
          wallRatio: cold ? cold.wallS / wallS : 1,
          cpuRatio: cold ? cold.cpuS / cpuS : 1,
          loadAverage: loadavg()[0] as number,
        };
      };
      const coldRuns = Array.from({ length: runs }, (_, i) => run(`cold ${i + 1}/${runs}`, ["--no-cache"]));
      const cold = row("cold (--no-cache)", coldRuns);
      rows.push(cold);
      rows.push(row("cold+store (empty cache)", [run("cold+store", [])], cold));
      for (const c of CHANGES) {
        const measured = Array.from({ length: runs }, (_, i) =>
          run(`${c.change} ${i + 1}/${runs}`, c.args(i)),
        );
        rows.push(row(c.change, measured, cold));
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`node ${process.version}, --jobs ${jobs}, medians of ${runs} whole-process runs`);
  printTable(
    ["shape", "build", "runs", "wall s", "cpu s", "peak RSS MB", "cold/this wall", "cold/this cpu", "load"],
    rows.map((r) => [
      r.shape,
      r.change,
      r.runs,
      r.wallS,
      r.cpuS,
      r.peakRssMb,
      r.wallRatio,
      r.cpuRatio,
      r.loadAverage,
    ]),
  );
  writeResults({ jobs, runs, rows });
}

await main();
