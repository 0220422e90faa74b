// Helpers shared by the benchmark suites: timing, peak memory, running the
// python reference when python3 with numpy/scipy is present, table printing.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  MANIFEST_FILE,
  SYNTH_GENERATOR,
  type SynthManifest,
  type SynthScale,
  writeSynthArchive,
} from "../src/ac1/index.js";

/**
 * The `ac1` command the suites run, as installed (package.json "bin": the
 * bundle, tools/bundle.ts); this file runs as dist/bench/support.js.
 */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "ac1.js");

/** Median wall time in ms of `reps` runs of fn (after one warm-up). */
export function timeMs(fn: () => unknown, reps = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Same as timeMs for async work. */
export async function timeMsAsync(fn: () => Promise<unknown>, reps = 3): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

let pythonOk: boolean | undefined;
/** Whether python3 with numpy and scipy can be used for reference timings. */
export function hasPythonScipy(): boolean {
  if (pythonOk === undefined) {
    const r = spawnSync("python3", ["-c", "import numpy, scipy"], { stdio: "ignore" });
    pythonOk = r.status === 0;
  }
  return pythonOk;
}

/** Runs a python script with args; returns its stdout parsed as JSON, or null when python is absent or fails. */
export function runPythonJson(script: string, args: string[] = []): unknown | null {
  if (!hasPythonScipy()) return null;
  const r = spawnSync("python3", [script, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(`python reference failed: ${r.stderr}\n`);
    return null;
  }
  return JSON.parse(r.stdout);
}

/** Prints an aligned table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => String(c ?? "").padEnd(widths[i]!)).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Writes the suite's figures where bench/run.ts expects them. */
export function writeResults(figures: unknown): void {
  const path = process.env.BENCH_JSON;
  if (path) writeFileSync(path, `${JSON.stringify(figures, null, 2)}\n`);
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Where the suites keep the "bench" synthetic archive (seed 2009), written once and reused. */
export const BENCH_ARCHIVE_DIR = join(tmpdir(), "ac1-bench-archive");
export const BENCH_ARCHIVE_SEED = 2009;

/** The folder of a synthetic archive the suites keep (bench at size 1 keeps its historical folder). */
export function synthArchiveDir(scale: SynthScale, size = 1): string {
  if (scale === "bench" && size === 1) return BENCH_ARCHIVE_DIR;
  return join(tmpdir(), `ac1-bench-${scale}${size === 1 ? "" : `-x${size}`}`);
}

/**
 * A synthetic archive (seed BENCH_ARCHIVE_SEED) in synthArchiveDir: reused
 * while its manifest (generator, scale, size, seed) and zip sizes match,
 * else written (minutes at the larger sizes).
 */
export async function ensureSynthArchive(
  label: string,
  scale: SynthScale,
  size = 1,
): Promise<{ dir: string; manifest: SynthManifest; mb: number }> {
  const dir = synthArchiveDir(scale, size);
  const manifestPath = join(dir, MANIFEST_FILE);
  const mbOf = (m: SynthManifest) => m.zips.reduce((n, z) => n + z.bytes, 0) / (1024 * 1024);
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(readFileSync(manifestPath, "utf8")) as SynthManifest;
      const zipsIntact = m.zips.every(
        (z) => existsSync(join(dir, z.name)) && statSync(join(dir, z.name)).size === z.bytes,
      );
      if (
        m.format === "ac1-synth-manifest" &&
        m.generator === SYNTH_GENERATOR &&
        m.scale === scale &&
        (m.size ?? 1) === size &&
        m.seed === BENCH_ARCHIVE_SEED &&
        zipsIntact
      )
        return { dir, manifest: m, mb: mbOf(m) };
    } catch {
      // unreadable: write it again
    }
  }
  process.stderr.write(`${label}: writing the ${scale} x${size} archive to ${dir} (once) ...\n`);
  const manifest = await writeSynthArchive(dir, { scale, seed: BENCH_ARCHIVE_SEED, size });
  return { dir, manifest, mb: mbOf(manifest) };
}

/** The bench archive at BENCH_ARCHIVE_DIR: reused while its manifest and zip sizes match, else written. */
export async function ensureBenchArchive(label: string): Promise<SynthManifest> {
  return (await ensureSynthArchive(label, "bench")).manifest;
}

/** What timeProcess measured of one whole process. */
export interface ProcessMeasure {
  wallS: number;
  /** User + system CPU of the process and its threads (NaN without /usr/bin/time). */
  cpuS: number;
  /** Peak resident set size, MB (NaN without /usr/bin/time). */
  peakRssMb: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` to completion and measures the whole process: wall time,
 * CPU time and peak RSS through /usr/bin/time (GNU time) when present, else
 * wall time alone.
 */
export function timeProcess(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ProcessMeasure {
  const gnuTime = existsSync("/usr/bin/time");
  const dir = mkdtempSync(join(tmpdir(), "ac1-bench-time-"));
  const out = join(dir, "time.txt");
  try {
    const t0 = process.hrtime.bigint();
    const r = gnuTime
      ? spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", out, cmd, ...args], {
          encoding: "utf8",
          maxBuffer: 256 << 20,
          env: opts.env ?? process.env,
          cwd: opts.cwd,
        })
      : spawnSync(cmd, [...args], {
          encoding: "utf8",
          maxBuffer: 256 << 20,
          env: opts.env ?? process.env,
          cwd: opts.cwd,
        });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    let cpuS = Number.NaN;
    let peakRssMb = Number.NaN;
    let wallS = wall;
    if (gnuTime && existsSync(out)) {
      const fields = readFileSync(out, "utf8").trim().split("\n").pop()?.split(" ").map(Number) ?? [];
      const [e, u, s, m] = fields as [number, number, number, number];
      if (Number.isFinite(e)) wallS = e;
      if (Number.isFinite(u) && Number.isFinite(s)) cpuS = u + s;
      if (Number.isFinite(m)) peakRssMb = m / 1024;
    }
    return { wallS, cpuS, peakRssMb, status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median of some numbers (the lower middle one for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

/** Runs per measurement: BENCH_RUNS (default `fallback`). */
export function benchRuns(fallback = 3): number {
  const n = Number(process.env.BENCH_RUNS);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}
