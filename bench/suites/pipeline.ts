// End-to-end benchmark of the dataset pipeline on the "bench" synthetic
// archive (written once under <tmp>/ac1-bench-archive, reused while its
// manifest matches): a cold build (jobs = cores, fresh cache: build + store),
// a warm load (cache hit), a serial build (jobs 1, cache off), a cold build of
// a subset of the cells (does memory grow with the number of cells?), the
// raw read floor (inflate every zip member to nowhere) and, when python3 with
// numpy/scipy is present, the numpy/scipy pipeline (bench/python/pipeline_ref.py)
// on the same archive, whose arrays are then compared value by value with the
// cold build's cache entry (bench/python/compare_npz.py: largest spectrogram
// difference in dB, largest relative response difference). Every measurement
// runs in its own child process so its peak RSS is its own; CPU time covers
// all threads of that process.
// Prints a table, the ratios and which targets are met; writes the figures.

import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MANIFEST_FILE, type SynthManifest, writeSynthArchive } from "../../src/ac1/index.js";
import { RELEASE_ZIPS, ZipArchive } from "../../src/archive/index.js";
import { BuildCache } from "../../src/cache/index.js";
import type { DatasetData } from "../../src/dataset/model.js";
import type { DatasetOptionsInput } from "../../src/dataset/options.js";
import type { ParallelBuildStats } from "../../src/parallel/index.js";
import { type LoadReport, loadDataset } from "../../src/pipeline/index.js";
import { hasPythonScipy, printTable, writeResults } from "../support.js";

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, "..", "..", "..");
const ARCHIVE_DIR = join(tmpdir(), "ac1-bench-archive");
const SEED = 2009;
const MB = 1024 * 1024;

/** What one child measurement reports. */
interface Measure {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  /** RSS of the child before the measured work (node itself and the loaded modules). */
  baseRssMb: number;
  extra: Record<string, unknown>;
}

type Job =
  | { kind: "build"; jobs: number; cacheDir: string | null; options: DatasetOptionsInput }
  | { kind: "read-floor" };

// ---------------------------------------------------------------- child side

function datasetFigures(d: DatasetData): Record<string, unknown> {
  let bytes = 0;
  let pairs = 0;
  for (const t of d.stims) bytes += t.data.byteLength;
  for (const row of d.responses) {
    for (const b of row) {
      if (b) {
        bytes += b.data.byteLength;
        pairs++;
      }
    }
  }
  return {
    neurons: d.neuronMeta.length,
    stims: d.stims.length,
    pairs,
    datasetMb: bytes / MB,
    rejections: d.rejections,
    droppedCellsEmpty: d.droppedCellsEmpty,
    stimShapes: d.stims.map((t) => t.shape.slice(1)),
    sessions: d.neuronMeta.map((m) => m.session),
  };
}

async function runJob(job: Job): Promise<Record<string, unknown>> {
  if (job.kind === "read-floor") {
    let members = 0;
    let bytes = 0;
    for (const name of RELEASE_ZIPS) {
      const zip = await ZipArchive.open(join(ARCHIVE_DIR, name));
      try {
        for (const m of zip.files) {
          if (m.isDir) continue;
          bytes += (await zip.read(m.path)).byteLength; // inflated, CRC-checked, dropped
          members++;
        }
      } finally {
        await zip.close();
      }
    }
    return { members, inflatedMb: bytes / MB };
  }
  const cache = job.cacheDir === null ? false : new BuildCache(job.cacheDir);
  let storeStart = 0;
  let storeMs = 0;
  let report: LoadReport | null = null;
  const data = await loadDataset({
    ...job.options,
    path: ARCHIVE_DIR,
    jobs: job.jobs,
    cache,
    onWarning: () => {},
    onProgress: (e) => {
      if (e.phase === "stims" && e.done === e.total) storeStart = performance.now();
      if (e.phase === "cache" && e.status === "stored") storeMs = performance.now() - storeStart;
    },
    onLoaded: (loaded) => {
      report = loaded;
    },
  });
  const r = report as LoadReport | null;
  if (r === null) throw new Error("loadDataset resolved without calling onLoaded");
  return {
    origin: r.origin,
    jobs: r.jobs,
    cacheKey: r.cacheKey,
    storeS: storeMs / 1000,
    stats: r.buildStats,
    ...datasetFigures(data),
  };
}

async function child(job: Job): Promise<void> {
  const baseRssMb = process.memoryUsage().rss / MB;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const extra = await runJob(job);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const m: Measure = {
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    baseRssMb,
    extra,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

// --------------------------------------------------------------- parent side

function measure(label: string, job: Job): Measure {
  process.stderr.write(`pipeline bench: ${label} ...\n`);
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", JSON.stringify(job)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * MB,
  });
  if (r.status !== 0) throw new Error(`pipeline bench: ${label} failed (exit ${r.status})`);
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] as string) as Measure;
}

async function ensureArchive(): Promise<SynthManifest> {
  const manifestPath = join(ARCHIVE_DIR, MANIFEST_FILE);
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(await readFile(manifestPath, "utf8")) as SynthManifest;
      const zipsIntact = m.zips.every(
        (z) => existsSync(join(ARCHIVE_DIR, z.name)) && statSync(join(ARCHIVE_DIR, z.name)).size === z.bytes,
      );
      if (m.format === "ac1-synth-manifest" && m.scale === "bench" && m.seed === SEED && zipsIntact) return m;
    } catch {
      // unreadable: write it again
    }
  }
  process.stderr.write(`pipeline bench: writing the bench archive to ${ARCHIVE_DIR} (once) ...\n`);
  return writeSynthArchive(ARCHIVE_DIR, { scale: "bench", seed: SEED });
}

interface PythonSummary {
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
  timers_s: Record<string, number>;
  neurons: number;
  stims: number;
  pairs: number;
  rejections: Record<string, number>;
  dropped_cells_empty: number;
  stim_shapes: number[][];
  sessions: string[];
}

/** Where the python reference wrote its arrays (--npz) and its summary, for the value comparison. */
interface PythonFiles {
  npz: string;
  summaryJson: string;
}

/** Runs the numpy/scipy reference on the bench archive; its arrays and summary go to `workDir`. */
async function runPython(workDir: string): Promise<{ summary: PythonSummary; files: PythonFiles } | null> {
  if (!hasPythonScipy()) return null;
  process.stderr.write("pipeline bench: numpy/scipy reference ...\n");
  const script = join(projectRoot, "bench", "python", "pipeline_ref.py");
  const files: PythonFiles = { npz: join(workDir, "ref.npz"), summaryJson: join(workDir, "ref.json") };
  // --npz is written after the timed build, so it does not count in the reference's wall or CPU time.
  const r = spawnSync("python3", [script, ARCHIVE_DIR, "--npz", files.npz], {
    encoding: "utf8",
    maxBuffer: 64 * MB,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) {
    process.stderr.write(`pipeline bench: the python reference failed (exit ${r.status})\n`);
    return null;
  }
  await writeFile(files.summaryJson, r.stdout);
  return { summary: JSON.parse(r.stdout) as PythonSummary, files };
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

/**
 * Compares our export (`oursNpz`, the cold build's cache entry) with the
 * reference's arrays value by value. Exit 1 of the script means "disagrees"
 * and still comes with the figures; no JSON at all is a failure of the check.
 */
function compareValues(oursNpz: string, ref: PythonFiles): ValueCheck | { error: string } {
  process.stderr.write("pipeline bench: comparing the values with the numpy/scipy reference ...\n");
  const script = join(projectRoot, "bench", "python", "compare_npz.py");
  const r = spawnSync("python3", [script, oursNpz, ref.npz, ref.summaryJson], {
    encoding: "utf8",
    maxBuffer: 64 * MB,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const v = JSON.parse(line) as ValueCheck;
    if (typeof v.match === "boolean" && typeof v.max_spectrogram_db_diff === "number") return v;
  } catch {
    // no JSON: reported below
  }
  const why = (r.stderr.trim().split("\n").pop() ?? "").slice(0, 300);
  return { error: `compare_npz.py exit ${r.status}${why ? `: ${why}` : ""}` };
}

function describeValueCheck(v: ValueCheck | { error: string }): string {
  if ("error" in v) return `value comparison failed (${v.error})`;
  const figures = `max spectrogram diff ${v.max_spectrogram_db_diff.toExponential(2)} dB, max response rel diff ${v.max_response_rel_diff.toExponential(2)}`;
  if (v.match) return `values match: ${figures}`;
  const what = [
    v.keys_equal ? "" : "array keys differ",
    v.shapes_equal ? "" : "shapes differ",
    v.neuron_order_equal ? "" : "neuron order differs",
  ].filter(Boolean);
  return `values DISAGREE${what.length ? ` (${what.join(", ")})` : ""}: ${figures}`;
}

/** Where our numbers and the python reference's disagree (counts, tallies, shapes, sessions). */
function crossCheck(ours: Record<string, unknown>, py: PythonSummary): string[] {
  const diffs: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b))
      diffs.push(`${what}: ac1 ${JSON.stringify(a)} vs python ${JSON.stringify(b)}`.slice(0, 300));
  };
  same("neurons", ours.neurons, py.neurons);
  same("stims", ours.stims, py.stims);
  same("pairs", ours.pairs, py.pairs);
  same("rejections", ours.rejections, py.rejections);
  same("dropped cells", ours.droppedCellsEmpty, py.dropped_cells_empty);
  same("stim shapes", ours.stimShapes, py.stim_shapes);
  same("sessions", ours.sessions, py.sessions);
  return diffs;
}

async function parent(): Promise<void> {
  const cores = availableParallelism();
  const manifest = await ensureArchive();
  const archiveMb = manifest.zips.reduce((s, z) => s + z.bytes, 0) / MB;
  const cacheDir = await mkdtemp(join(tmpdir(), "ac1-bench-cache-"));
  const pythonDir = await mkdtemp(join(tmpdir(), "ac1-bench-python-"));
  const loadBefore = loadavg()[0] as number;
  try {
    const floor = measure("raw read floor", { kind: "read-floor" });
    const cold = measure(`cold build, ${cores} jobs`, { kind: "build", jobs: cores, cacheDir, options: {} });
    const warms = [1, 2, 3].map((i) =>
      measure(`warm load ${i}`, { kind: "build", jobs: cores, cacheDir, options: {} }),
    );
    const warm = [...warms].sort((a, b) => a.wallS - b.wallS)[1] as Measure;
    const serial = measure("serial build, 1 job", { kind: "build", jobs: 1, cacheDir: null, options: {} });
    const subset = measure(`cold build of the A1 cells only, ${cores} jobs`, {
      kind: "build",
      jobs: cores,
      cacheDir: null,
      options: { sites: "A1" },
    });
    const pythonRun = await runPython(pythonDir);
    const python = pythonRun?.summary ?? null;

    if (cold.extra.origin !== "build" || warms.some((w) => w.extra.origin !== "cache")) {
      throw new Error(
        `pipeline bench: expected a build then cache hits, got ${cold.extra.origin} then ${warms.map((w) => w.extra.origin).join(", ")}`,
      );
    }
    // The cold build stored its dataset in the cache: that entry is our export to compare.
    const valueCheck =
      pythonRun === null
        ? null
        : compareValues(join(cacheDir, "builds", `${cold.extra.cacheKey as string}.npz`), pythonRun.files);
    const row = (name: string, m: Measure, note = ""): (string | number)[] => [
      name,
      m.wallS,
      m.cpuS,
      m.peakRssMb,
      note,
    ];
    const rows: (string | number)[][] = [
      row(
        "raw read floor (inflate all)",
        floor,
        `${floor.extra.members} members, ${(floor.extra.inflatedMb as number).toFixed(0)} MB inflated`,
      ),
      row(
        `cold build (${cores} jobs, + store)`,
        cold,
        `assemble+store ${(cold.extra.storeS as number).toFixed(2)} s; ${cold.extra.neurons} neurons, ${cold.extra.stims} stims`,
      ),
      row("warm load (cache hit)", warm, `median of 3: ${warms.map((w) => w.wallS.toFixed(3)).join(", ")} s`),
      row("serial build (1 job)", serial, ""),
      row(`cold build, A1 cells only (${cores} jobs)`, subset, `${subset.extra.neurons} neurons`),
    ];
    if (python)
      rows.push([
        "numpy/scipy reference",
        python.wall_s,
        python.cpu_s,
        python.peak_rss_mb,
        valueCheck === null ? "bench/python/pipeline_ref.py" : describeValueCheck(valueCheck),
      ]);
    console.log(
      `archive: ${ARCHIVE_DIR} (${archiveMb.toFixed(0)} MB of zips, ${manifest.cells.length} cells), ${cores} cores, node ${process.version}`,
    );
    // Other processes competing for the cores stretch wall times (not CPU times): say how busy the machine was.
    const loadAfter = loadavg()[0] as number;
    console.log(
      `1-minute load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (${cores} cores)`,
    );
    printTable(["measurement", "wall s", "cpu s", "peak RSS MB", "notes"], rows);

    const stats = cold.extra.stats as ParallelBuildStats | null;
    if (stats) {
      console.log(
        `\ncold build stages: listing (main thread) ${(stats.planMs / 1000).toFixed(2)} s; Wehr index ${(stats.indexWorkMs / 1000).toFixed(1)} s, sessions (walk + clean) ${(stats.cellWorkMs / 1000).toFixed(1)} s and stims ${(stats.stimWorkMs / 1000).toFixed(1)} s of worker time; ` +
          `phases: walk+cells ${(stats.cellsPhaseMs / 1000).toFixed(1)} s, stims ${(stats.stimsPhaseMs / 1000).toFixed(1)} s; at most ${stats.maxCellsInFlight} cells in flight`,
      );
    }
    if (python) {
      const t = python.timers_s;
      console.log(
        `python stages (wall): ${Object.entries(t)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(", ")}`,
      );
    }

    const memNet = (m: Measure) => m.peakRssMb - (m.extra.datasetMb as number);
    const ratios = {
      pythonOverCold: python ? python.wall_s / cold.wallS : null,
      pythonCpuOverColdCpu: python ? python.cpu_s / cold.cpuS : null,
      coldOverFloor: cold.wallS / floor.wallS,
      coldOverWarm: cold.wallS / warm.wallS,
      serialOverCold: serial.wallS / cold.wallS,
      pythonOverSerial: python ? python.wall_s / serial.wallS : null,
    };
    const targets: [string, boolean | null, string][] = [
      [
        "cold build >= 5x faster than numpy/scipy",
        ratios.pythonOverCold === null ? null : ratios.pythonOverCold >= 5,
        ratios.pythonOverCold === null
          ? "python3+numpy+scipy absent"
          : `${ratios.pythonOverCold.toFixed(2)}x (cpu ${ratios.pythonCpuOverColdCpu?.toFixed(2)}x)`,
      ],
      [
        "cold build within 3x of the raw read floor",
        ratios.coldOverFloor <= 3,
        `${ratios.coldOverFloor.toFixed(1)}x the floor`,
      ],
      ["warm load < 0.5 s", warm.wallS < 0.5, `${warm.wallS.toFixed(3)} s`],
      [
        "warm load >= 100x faster than cold",
        ratios.coldOverWarm >= 100,
        `${ratios.coldOverWarm.toFixed(0)}x`,
      ],
      ["cold build peak memory < 1 GB", cold.peakRssMb < 1024, `${cold.peakRssMb.toFixed(0)} MB`],
      [
        "peak memory does not grow with the number of cells",
        memNet(cold) <= memNet(subset) * 1.25 + 64,
        `peak minus dataset: ${memNet(subset).toFixed(0)} MB for ${subset.extra.neurons} neurons, ${memNet(cold).toFixed(0)} MB for ${cold.extra.neurons}`,
      ],
    ];
    console.log("");
    printTable(
      ["target", "met", "figure"],
      targets.map(([t, ok, fig]) => [t, ok === null ? "n/a" : ok ? "yes" : "NO", fig]),
    );
    const diffs = python ? crossCheck(cold.extra, python) : [];
    if (python)
      console.log(
        diffs.length === 0
          ? "\nnumpy/scipy reference agrees on neurons, stims, pairs, tallies, shapes and sessions"
          : `\nnumpy/scipy reference DISAGREES:\n  ${diffs.join("\n  ")}`,
      );
    if (valueCheck)
      console.log(
        `numpy/scipy reference, value by value (bench/python/compare_npz.py; tolerances 0.01 dB, 1e-5 relative): ${describeValueCheck(valueCheck)}`,
      );

    const strip = (m: Measure) => ({
      ...m,
      extra: { ...m.extra, stimShapes: undefined, sessions: undefined },
    });
    writeResults({
      archive: { dir: ARCHIVE_DIR, mb: archiveMb, cells: manifest.cells.length, seed: SEED },
      cores,
      loadAverage: { before: loadBefore, after: loadAfter },
      floor: strip(floor),
      cold: strip(cold),
      warm: strip(warm),
      warmRunsS: warms.map((w) => w.wallS),
      serial: strip(serial),
      subsetA1: strip(subset),
      python: python ? { ...python, stim_shapes: undefined, sessions: undefined } : null,
      ratios,
      targets: targets.map(([target, met, figure]) => ({ target, met, figure })),
      pythonDisagreements: diffs,
      pythonValueCheck: valueCheck,
    });
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(pythonDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(JSON.parse(process.argv[3] as string) as Job);
else await parent();
