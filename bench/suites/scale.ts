// How a cold build grows with the archive (issue #13 item 5): `ac1 build
// --no-cache` on both synthetic shapes ("bench": many repeats of short stims;
// "stims": long spliced sequences, few repeats) at 1x, 2x and 4x their extra
// cells (`ac1 synth --size N`: the same stimulus files, N times the
// sessions), with --jobs 1 and --jobs = cores. Each figure is the median of
// BENCH_RUNS (default 1) whole-process runs measured by /usr/bin/time (wall,
// CPU of all threads, peak RSS). Prints the table, the cost per MB of zips
// and per cell, and the export's size (the dataset the process holds);
// writes the figures. The archives are written once into the OS temp folder
// (the 4x bench archive takes minutes and ~800 MB).

import { existsSync, statSync } from "node:fs";
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

const MB = 1024 * 1024;

interface Row {
  scale: SynthScale;
  size: number;
  jobs: number;
  archiveMb: number;
  cells: number;
  repeats: number;
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  exportMb: number;
  loadAverage: number;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  const runs = benchRuns(1);
  const shapes = (process.env.BENCH_SHAPES ?? "bench,stims").split(",") as SynthScale[];
  const sizes = (process.env.BENCH_SIZES ?? "1,2,4").split(",").map(Number);
  const jobsList = [...new Set([1, cores])];
  const work = await mkdtemp(join(tmpdir(), "ac1-bench-scale-"));
  const rows: Row[] = [];
  try {
    for (const scale of shapes) {
      for (const size of sizes) {
        const { dir, manifest, mb } = await ensureSynthArchive("scale bench", scale, size);
        let repeats = 0;
        for (const c of manifest.cells) for (const s of c.stims) repeats += s.repeats.length;
        for (const jobs of jobsList) {
          const out = join(work, `${scale}-${size}-${jobs}.npz`);
          const measured = [];
          for (let i = 0; i < runs; i++) {
            process.stderr.write(`scale bench: ${scale} x${size}, --jobs ${jobs} (${i + 1}/${runs}) ...\n`);
            const r = timeProcess(
              process.execPath,
              [CLI, "build", "--path", dir, "--out", out, "--jobs", String(jobs), "--no-cache", "--quiet"],
              { env: { ...process.env, AC1_CACHE_DIR: join(work, "unused-cache") } },
            );
            if (r.status !== 0)
              throw new Error(`scale bench: ${scale} x${size} --jobs ${jobs} failed: ${r.stderr}`);
            measured.push(r);
          }
          rows.push({
            scale,
            size,
            jobs,
            archiveMb: mb,
            cells: manifest.cells.length,
            repeats,
            wallS: median(measured.map((m) => m.wallS)),
            cpuS: median(measured.map((m) => m.cpuS)),
            peakRssMb: median(measured.map((m) => m.peakRssMb)),
            exportMb: existsSync(out) ? statSync(out).size / MB : Number.NaN,
            loadAverage: loadavg()[0] as number,
          });
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`node ${process.version}, ${cores} cores, medians of ${runs} whole-process runs`);
  printTable(
    [
      "shape",
      "size",
      "jobs",
      "zips MB",
      "cells",
      "repeats",
      "wall s",
      "cpu s",
      "peak RSS MB",
      "export MB",
      "s CPU / 100 MB",
      "load",
    ],
    rows.map((r) => [
      r.scale,
      `${r.size}x`,
      r.jobs,
      r.archiveMb,
      r.cells,
      r.repeats,
      r.wallS,
      r.cpuS,
      r.peakRssMb,
      r.exportMb,
      (100 * r.cpuS) / r.archiveMb,
      r.loadAverage,
    ]),
  );
  writeResults({ cores, runs, rows });
}

await main();
