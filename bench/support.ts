// Helpers shared by the benchmark suites: timing, peak memory, running the
// python reference when python3 with numpy/scipy is present, table printing.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_FILE, type SynthManifest, writeSynthArchive } from "../src/ac1/index.js";

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

/** The bench archive at BENCH_ARCHIVE_DIR: reused while its manifest and zip sizes match, else written. */
export async function ensureBenchArchive(label: string): Promise<SynthManifest> {
  const manifestPath = join(BENCH_ARCHIVE_DIR, MANIFEST_FILE);
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(readFileSync(manifestPath, "utf8")) as SynthManifest;
      const zipsIntact = m.zips.every(
        (z) =>
          existsSync(join(BENCH_ARCHIVE_DIR, z.name)) &&
          statSync(join(BENCH_ARCHIVE_DIR, z.name)).size === z.bytes,
      );
      if (
        m.format === "ac1-synth-manifest" &&
        m.scale === "bench" &&
        m.seed === BENCH_ARCHIVE_SEED &&
        zipsIntact
      )
        return m;
    } catch {
      // unreadable: write it again
    }
  }
  process.stderr.write(`${label}: writing the bench archive to ${BENCH_ARCHIVE_DIR} (once) ...\n`);
  return writeSynthArchive(BENCH_ARCHIVE_DIR, { scale: "bench", seed: BENCH_ARCHIVE_SEED });
}
