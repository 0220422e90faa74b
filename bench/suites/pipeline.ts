// End-to-end benchmark of `ac1 build` against the numpy/scipy pipeline
// (bench/python/pipeline_ref.py), in the same run, on two shapes of
// synthetic archive (written once into the OS temp folder, reused while
// their manifests match): "bench" (many repeats of short stims) and "stims"
// (long spliced Asari sequences at 97656 Hz, few repeats each, mostly
// cell-attached MGB cells, many Wehr stims). Per shape, every figure is the
// median of BENCH_RUNS (default 3) whole-process runs, each measured by
// /usr/bin/time (wall, CPU of all threads, peak RSS):
//   - the raw read floor: a process that inflates every zip member;
//   - `ac1 build --no-cache` with --jobs = cores and --jobs 1 (the export written);
//   - the numpy/scipy pipeline, imports included;
//   - `ac1 build` on a cache hit (after one build that stores the entry);
//   - a cold build of the A1 cells only (does peak memory grow with the cells?).
// The first cold export is compared value by value with the reference's
// arrays (bench/python/compare_npz.py). Prints a table per shape, the ratios
// and which targets are met (wall and CPU side by side, and the load average:
// the machine may be shared); writes the figures.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SynthScale } from "../../src/ac1/index.js";
import { RELEASE_ZIPS, ZipArchive } from "../../src/archive/index.js";
import {
  benchRuns,
  CLI,
  ensureSynthArchive,
  hasPythonScipy,
  median,
  type ProcessMeasure,
  printTable,
  timeProcess,
  writeResults,
} from "../support.js";

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, "..", "..", "..");
const MB = 1024 * 1024;

// ---------------------------------------------------------------- child side

/** Inflates every member of the release zips in `dir` (CRC-checked) and drops it. */
async function readFloor(dir: string): Promise<void> {
  let members = 0;
  let bytes = 0;
  for (const name of RELEASE_ZIPS) {
    const zip = await ZipArchive.open(join(dir, name));
    try {
      for (const m of zip.files) {
        if (m.isDir) continue;
        bytes += (await zip.read(m.path)).byteLength;
        members++;
      }
    } finally {
      await zip.close();
    }
  }
  process.stdout.write(`${JSON.stringify({ members, inflatedMb: bytes / MB })}\n`);
}

// --------------------------------------------------------------- parent side

/** Median figures of several whole-process runs. */
interface Figure {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  runsWallS: number[];
}

function summarize(runs: ProcessMeasure[]): Figure {
  return {
    wallS: median(runs.map((r) => r.wallS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    runsWallS: runs.map((r) => r.wallS),
  };
}

function check(label: string, r: ProcessMeasure): ProcessMeasure {
  if (r.status !== 0) {
    const tail = r.stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`pipeline bench: ${label} failed (exit ${r.status}): ${tail}`);
  }
  return r;
}

/** `n` whole-process runs of one measurement. */
function repeat(n: number, label: string, run: (i: number) => ProcessMeasure): ProcessMeasure[] {
  const out: ProcessMeasure[] = [];
  for (let i = 0; i < n; i++) {
    process.stderr.write(`pipeline bench: ${label} (${i + 1}/${n}) ...\n`);
    out.push(check(label, run(i)));
  }
  return out;
}

/** What bench/python/compare_npz.py prints (one JSON line). */
interface ValueCheck {
  match: boolean;
  max_spectrogram_db_diff: number;
  max_response_rel_diff: number;
  keys_equal: boolean;
  shapes_equal: boolean;
  neuron_order_equal: boolean;
}

function compareValues(ours: string, refNpz: string, refJson: string): ValueCheck | { error: string } {
  const script = join(projectRoot, "bench", "python", "compare_npz.py");
  const r = spawnSync("python3", [script, ours, refNpz, refJson], { encoding: "utf8", maxBuffer: 64 * MB });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const v = JSON.parse(line) as ValueCheck;
    if (typeof v.match === "boolean") return v;
  } catch {
    // no JSON: reported below
  }
  return {
    error: `compare_npz.py exit ${r.status}: ${(r.stderr.trim().split("\n").pop() ?? "").slice(0, 300)}`,
  };
}

function describeValueCheck(v: ValueCheck | { error: string } | null): string {
  if (v === null) return "python3+numpy+scipy absent";
  if ("error" in v) return `value comparison failed (${v.error})`;
  const figures = `spectrogram <= ${v.max_spectrogram_db_diff.toExponential(2)} dB, responses <= ${v.max_response_rel_diff.toExponential(2)} relative`;
  if (v.match) return `values match numpy/scipy: ${figures}`;
  const what = [
    v.keys_equal ? "" : "array keys differ",
    v.shapes_equal ? "" : "shapes differ",
    v.neuron_order_equal ? "" : "neuron order differs",
  ].filter(Boolean);
  return `values DISAGREE${what.length ? ` (${what.join(", ")})` : ""}: ${figures}`;
}

interface ShapeResult {
  scale: SynthScale;
  archiveMb: number;
  cells: number;
  floor: Figure & { members: number; inflatedMb: number };
  cold: Figure;
  serial: Figure;
  hit: Figure;
  subset: Figure;
  python: Figure | null;
  valueCheck: ValueCheck | { error: string } | null;
  ratios: {
    pythonOverCold: number | null;
    pythonCpuOverColdCpu: number | null;
    pythonOverSerial: number | null;
    coldOverFloor: number;
    serialOverCold: number;
    coldCpuOverSerialCpu: number;
  };
  loadAverage: { before: number; after: number };
}

async function benchShape(
  scale: SynthScale,
  cores: number,
  runs: number,
  work: string,
): Promise<ShapeResult> {
  const { dir, manifest, mb } = await ensureSynthArchive("pipeline bench", scale);
  const loadBefore = loadavg()[0] as number;
  const thisFile = fileURLToPath(import.meta.url);
  const noCacheEnv = { ...process.env, AC1_CACHE_DIR: join(work, `${scale}-unused-cache`) };
  const build = (out: string, jobs: number, extra: string[] = [], env = noCacheEnv) =>
    timeProcess(
      process.execPath,
      [CLI, "build", "--path", dir, "--out", out, "--jobs", String(jobs), "--quiet", ...extra],
      { env },
    );

  const floorRuns = repeat(runs, `${scale}: raw read floor`, () =>
    timeProcess(process.execPath, [thisFile, "--child", "floor", dir]),
  );
  const floorInfo = JSON.parse(floorRuns[0]?.stdout.trim() ?? "{}") as {
    members: number;
    inflatedMb: number;
  };
  const ours = join(work, `${scale}-ours.npz`);
  const coldRuns = repeat(runs, `${scale}: ac1 build --no-cache --jobs ${cores}`, () =>
    build(ours, cores, ["--no-cache"]),
  );
  const serialRuns = repeat(runs, `${scale}: ac1 build --no-cache --jobs 1`, () =>
    build(join(work, `${scale}-serial.npz`), 1, ["--no-cache"]),
  );
  // A hit: one build stores the entry, then whole-process loads of it.
  const cacheEnv = { ...process.env, AC1_CACHE_DIR: join(work, `${scale}-cache`) };
  check(`${scale}: cache fill`, build(join(work, `${scale}-fill.npz`), cores, [], cacheEnv));
  const hitRuns = repeat(runs, `${scale}: ac1 build, cache hit`, () =>
    build(join(work, `${scale}-hit.npz`), cores, [], cacheEnv),
  );
  const subsetRuns = repeat(1, `${scale}: ac1 build --sites A1 --no-cache`, () =>
    build(join(work, `${scale}-a1.npz`), cores, ["--no-cache", "--sites", "A1"]),
  );
  let python: Figure | null = null;
  let valueCheck: ValueCheck | { error: string } | null = null;
  if (hasPythonScipy()) {
    const script = join(projectRoot, "bench", "python", "pipeline_ref.py");
    const refNpz = join(work, `${scale}-ref.npz`);
    const refJson = join(work, `${scale}-ref.json`);
    // The first run also writes the reference's arrays (after its timed build; in its whole-process time).
    const pyRuns = repeat(runs, `${scale}: numpy/scipy reference`, (i) =>
      timeProcess("python3", [script, dir, ...(i === 0 ? ["--npz", refNpz] : [])]),
    );
    await writeFile(refJson, pyRuns[0]?.stdout ?? "");
    python = summarize(pyRuns);
    valueCheck = compareValues(ours, refNpz, refJson);
  }
  const cold = summarize(coldRuns);
  const floor = summarize(floorRuns);
  const hit = summarize(hitRuns);
  return {
    scale,
    archiveMb: mb,
    cells: manifest.cells.length,
    floor: { ...floor, ...floorInfo },
    cold,
    serial: summarize(serialRuns),
    hit,
    subset: summarize(subsetRuns),
    python,
    valueCheck,
    ratios: {
      pythonOverCold: python ? python.wallS / cold.wallS : null,
      pythonCpuOverColdCpu: python ? python.cpuS / cold.cpuS : null,
      pythonOverSerial: python ? python.wallS / summarize(serialRuns).wallS : null,
      coldOverFloor: cold.wallS / floor.wallS,
      serialOverCold: summarize(serialRuns).wallS / cold.wallS,
      coldCpuOverSerialCpu: cold.cpuS / summarize(serialRuns).cpuS,
    },
    loadAverage: { before: loadBefore, after: loadavg()[0] as number },
  };
}

function report(r: ShapeResult, cores: number): { target: string; met: boolean | null; figure: string }[] {
  console.log(
    `\n--- ${r.scale}: ${r.archiveMb.toFixed(0)} MB of zips, ${r.cells} cells; load average ${r.loadAverage.before.toFixed(1)} before, ${r.loadAverage.after.toFixed(1)} after (${cores} cores)`,
  );
  const row = (name: string, f: Figure, note = ""): (string | number)[] => [
    name,
    f.wallS,
    f.cpuS,
    f.peakRssMb,
    note,
  ];
  const rows = [
    row(
      "raw read floor (inflate every member)",
      r.floor,
      `${r.floor.members} members, ${r.floor.inflatedMb.toFixed(0)} MB`,
    ),
    row(
      `ac1 build --no-cache, ${cores} jobs`,
      r.cold,
      `runs ${r.cold.runsWallS.map((w) => w.toFixed(2)).join(", ")} s`,
    ),
    row(
      "ac1 build --no-cache, --jobs 1",
      r.serial,
      `runs ${r.serial.runsWallS.map((w) => w.toFixed(2)).join(", ")} s`,
    ),
    row("ac1 build, cache hit", r.hit, `runs ${r.hit.runsWallS.map((w) => w.toFixed(3)).join(", ")} s`),
    row(
      `ac1 build --sites A1 --no-cache, ${cores} jobs`,
      r.subset,
      "fewer cells: memory must not shrink much",
    ),
  ];
  if (r.python)
    rows.push(row("numpy/scipy reference (whole process)", r.python, describeValueCheck(r.valueCheck)));
  printTable(["measurement (median)", "wall s", "cpu s", "peak RSS MB", "notes"], rows);
  const x = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(2)}x`);
  return [
    {
      target: `${r.scale}: cold build >= 5x faster than numpy/scipy (wall)`,
      met: r.ratios.pythonOverCold === null ? null : r.ratios.pythonOverCold >= 5,
      figure: `${x(r.ratios.pythonOverCold)} wall, ${x(r.ratios.pythonCpuOverColdCpu)} CPU; --jobs 1: ${x(r.ratios.pythonOverSerial)} wall`,
    },
    {
      target: `${r.scale}: cold build within 4x of the raw read floor`,
      met: r.ratios.coldOverFloor <= 4,
      figure: `${r.ratios.coldOverFloor.toFixed(1)}x the floor`,
    },
    {
      target: `${r.scale}: ac1 build on a cache hit < 0.3 s (whole process)`,
      met: r.hit.wallS < 0.3,
      figure: `${r.hit.wallS.toFixed(3)} s wall, ${r.hit.cpuS.toFixed(3)} s CPU`,
    },
    {
      target: `${r.scale}: cold build peak memory < 1 GB`,
      met: r.cold.peakRssMb < 1024,
      figure: `${r.cold.peakRssMb.toFixed(0)} MB (${cores} jobs), ${r.serial.peakRssMb.toFixed(0)} MB (--jobs 1)`,
    },
    {
      target: `${r.scale}: second worker thread pays off`,
      met: r.ratios.serialOverCold >= 1.5,
      figure: `${x(r.ratios.serialOverCold)} faster for ${x(r.ratios.coldCpuOverSerialCpu)} the CPU`,
    },
  ];
}

async function parent(): Promise<void> {
  const cores = availableParallelism();
  const runs = benchRuns(3);
  if (!existsSync(CLI)) throw new Error(`pipeline bench: ${CLI} missing (npm run build)`);
  const work = await mkdtemp(join(tmpdir(), "ac1-bench-pipeline-"));
  try {
    const shapes = (process.env.BENCH_SHAPES ?? "bench,stims").split(",") as SynthScale[];
    const results: ShapeResult[] = [];
    for (const scale of shapes) results.push(await benchShape(scale, cores, runs, work));
    console.log(`node ${process.version}, ${cores} cores, medians of ${runs} whole-process runs`);
    const targets = results.flatMap((r) => report(r, cores));
    console.log("");
    printTable(
      ["target", "met", "figure"],
      targets.map((t) => [t.target, t.met === null ? "n/a" : t.met ? "yes" : "NO", t.figure]),
    );
    for (const r of results)
      if (r.valueCheck)
        console.log(`${r.scale}: ${describeValueCheck(r.valueCheck)} (tolerances 0.01 dB, 1e-5 relative)`);
    writeResults({ cores, runs, shapes: results, targets });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  if (process.argv[3] === "floor") await readFloor(process.argv[4] as string);
} else await parent();
