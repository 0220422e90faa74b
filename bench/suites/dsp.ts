// Benchmark of the numerical core (src/dsp, src/preprocess) against the same
// routines in numpy/scipy (bench/python/dsp_ref.py, run once on the same
// inputs with one BLAS thread): a 60 s Vm trace at 10 kHz for the filters
// (and 60 s of white noise for the median filter),
// gating, PSTH and binning; a 10 s stimulus at 97656 Hz for the spectrogram
// (dt 5 ms, 100 Hz - 45 kHz, 6/oct: F = 53) and for resampling to 96 kHz.
// Targets: every routine at least as fast as scipy; gaussian and resampler
// >= 5x faster; spectrogram within 2x of numpy's BLAS product.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spliceSegments } from "../../src/ac1/asari.js";
import { gaussianFilter1d, logSpectrogram, median, medianFilter, resample } from "../../src/dsp/index.js";
import {
  binResponse,
  DEFAULT_GATING_THRESHOLDS,
  gateRepeats,
  medgauss,
  spikePsth,
} from "../../src/preprocess/index.js";
import { mulberry32 } from "../../src/random/index.js";
import { printTable, runPythonJson, writeResults } from "../support.js";

/**
 * Best-of-reps CPU time (user + system) in ms, after one warm-up. The
 * machine is shared (2 cores, other jobs running), so wall-clock medians are
 * noisy; the minimum CPU time is the stable figure. dsp_ref.py measures the
 * python side the same way.
 */
function cpuMs(fn: () => unknown, reps: number): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

const here = dirname(fileURLToPath(import.meta.url));
const script = resolve(here, "..", "..", "..", "bench", "python", "dsp_ref.py");

function normal(next: () => number): number {
  let s = 0;
  for (let k = 0; k < 12; k++) s += next();
  return s - 6;
}

// A Vm-like trace: resting potential, slow drift, shared fast activity, sparse spikes.
const sfHz = 10000;
const trace = new Float64Array(60 * sfHz);
{
  const next = mulberry32(1);
  let drift = 0;
  for (let i = 0; i < trace.length; i++) {
    drift += 0.02 * normal(next);
    trace[i] = -60 + drift + 0.8 * normal(next) + (next() < 0.002 ? 40 : 0);
  }
}
// The same trace as the release stores it: int16 counts times a scale (mV per
// count), which the median filter's counting path recognises.
const scaleMv = 0.030517578125;
const traceCounts = Float64Array.from(
  trace,
  (v) => Math.max(-32768, Math.min(32767, Math.round(v / scaleMv))) * scaleMv,
);
// White noise: the continuous-data case with no structure at all.
const white = new Float64Array(60 * sfHz);
{
  const next = mulberry32(3);
  for (let i = 0; i < white.length; i++) white[i] = normal(next);
}
const stimHz = 97656;
const stim = new Float64Array(10 * stimHz);
{
  const next = mulberry32(2);
  for (let i = 0; i < stim.length; i++)
    stim[i] = 0.1 * normal(next) + 0.3 * Math.sin((2 * Math.PI * 1000 * i) / stimHz);
}
// An Asari sequence: eight ~1.25 s segments of the stimulus, ramped and spliced.
const segLength = Math.floor(stim.length / 8);
const segments = Array.from({ length: 8 }, (_, k) => ({
  samples: stim.slice(k * segLength, (k + 1) * segLength - 37 * k),
  sfHz: stimHz,
  description: "",
}));
// The build splices each sequence into a per-thread buffer it reuses (src/dsp/scratch.ts).
const spliceInto = new Float64Array(segments.reduce((n, s) => n + s.samples.length, 0));
const repeats = Array.from({ length: 6 }, (_, r) => trace.subarray(r * 100000, (r + 1) * 100000));
const specOpts = { dtMs: 5, fminHz: 100, fmaxHz: 45000, binsPerOctave: 6 };
const gateOpts = { gating: DEFAULT_GATING_THRESHOLDS, detrendMedMs: 100, detrendGaussMs: 10 };

const routines: [string, () => unknown, number][] = [
  ["median filter k=1000", () => medianFilter(trace, 1000), 7],
  ["median filter k=100", () => medianFilter(trace, 100), 7],
  ["median filter k=50", () => medianFilter(trace, 50), 7],
  ["median filter k=1000, white noise", () => medianFilter(white, 1000), 7],
  ["median filter k=100, white noise", () => medianFilter(white, 100), 7],
  ["median filter k=50, white noise", () => medianFilter(white, 50), 7],
  ["median filter k=1000, int16 x scale", () => medianFilter(traceCounts, 1000), 7],
  ["gaussian sigma=100", () => gaussianFilter1d(trace, 100), 5],
  ["medgauss", () => medgauss(trace, sfHz), 5],
  ["gating 6 x 10 s", () => gateRepeats(repeats, sfHz, gateOpts), 3],
  ["psth", () => spikePsth(trace, sfHz), 5],
  ["binning", () => binResponse(trace, sfHz, 5), 5],
  ["np.median", () => median(trace), 5],
  ["spectrogram", () => logSpectrogram(stim, stimHz, specOpts), 3],
  ["spectrogram (plain JS, no wasm)", () => logSpectrogram(stim, stimHz, { ...specOpts, wasm: false }), 3],
  ["resample 97656->96000", () => resample(stim, stimHz, 96000), 3],
  ["asari splice 8 x 1.25 s", () => spliceSegments(segments), 7],
  [
    "asari splice 8 x 1.25 s, into a reused buffer (the build's way)",
    () => spliceSegments(segments, spliceInto),
    7,
  ],
];

const only = process.argv.slice(2);
const ours: Record<string, number> = {};
for (const [name, fn, reps] of routines) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  ours[name] = cpuMs(fn, reps);
}

let ref: Record<string, number | string> | null = null;
if (only.length === 0 || process.env.DSP_BENCH_PYTHON === "1") {
  const dir = mkdtempSync(join(tmpdir(), "ac1-dsp-bench-"));
  try {
    writeFileSync(join(dir, "trace.f64"), new Uint8Array(trace.buffer));
    writeFileSync(join(dir, "trace_counts.f64"), new Uint8Array(traceCounts.buffer));
    writeFileSync(join(dir, "white.f64"), new Uint8Array(white.buffer));
    writeFileSync(join(dir, "stim.f64"), new Uint8Array(stim.buffer));
    // One BLAS thread: a like-for-like comparison with our single-threaded loops.
    process.env.OPENBLAS_NUM_THREADS = "1";
    process.env.OMP_NUM_THREADS = "1";
    process.env.MKL_NUM_THREADS = "1";
    ref = runPythonJson(script, [dir]) as Record<string, number | string> | null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const targets: Record<string, number> = {
  "gaussian sigma=100": 5,
  "resample 97656->96000": 5,
  spectrogram: 0.5,
};
const rows: (string | number)[][] = [];
const figures: Record<
  string,
  { oursMs: number; pythonMs: number | null; speedup: number | null; target: number; met: boolean | null }
> = {};
for (const [name, ms] of Object.entries(ours)) {
  // (variants of one routine share its reference figure)
  const refName = name.startsWith("spectrogram")
    ? "spectrogram"
    : name.startsWith("asari splice")
      ? "asari splice 8 x 1.25 s"
      : name;
  const py = ref && typeof ref[refName] === "number" ? (ref[refName] as number) : null;
  const speedup = py === null ? null : py / ms;
  const target = targets[refName] ?? 1;
  const met = speedup === null ? null : speedup >= target;
  figures[name] = { oursMs: ms, pythonMs: py, speedup, target, met };
  rows.push([
    name,
    ms,
    py ?? "-",
    speedup === null ? "-" : `${speedup.toFixed(2)}x`,
    `>= ${target}x`,
    met === null ? "-" : met ? "yes" : "NO",
  ]);
}
printTable(["routine", "ours ms", "numpy/scipy ms", "speedup", "target", "met"], rows);
if (ref && typeof ref["resample impl"] === "string") console.log(`python resampler: ${ref["resample impl"]}`);
if (!ref) console.log("(python reference not run)");
writeResults({ routines: figures, pythonResampler: ref?.["resample impl"] ?? null });
