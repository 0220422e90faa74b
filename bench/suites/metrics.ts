// Benchmark of src/metrics against the numpy restatement of deepSTRF's
// metrics (bench/python/metrics_ref.py -> test/fixtures/metrics/deepstrf_ref.py)
// on the same synthetic data, in the same run, CPU time on both sides:
// - ragged (what an export holds): 60 neurons x 200 stims of 100-2000 bins,
//   each neuron with data for 20 stims (sparse, as in AC1), 10-30 repeats per
//   pair; neuron quality (SP, NP, SNR, CCmax), SNR alone, the four
//   prediction scores, both normalized correlations, coherence;
// - batch: a (B, N, R, T) = (8, 60, 20, 500) NaN-padded minibatch;
// - the bench export: neuron quality of the whole bench archive's export (the
//   build's step and `ac1 quality`), next to numpy loading the same export.
// The python side is called the way deepSTRF is (compute_neuron_quality on the
// ragged lists; scores per neuron on its pairs as a batch); its padding is
// done before its timers. Values are compared too (max relative difference).
// Usage: npm run bench -- metrics   (METRICS_BENCH_PY_REPS=3 for best-of-3 on the python side;
// `node dist/bench/suites/metrics.js "bench export"` runs that part alone)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildCache } from "../../src/cache/index.js";
import { datasetQuality } from "../../src/dataset/quality.js";
import { exportQuality } from "../../src/evaluation/index.js";
import { openDatasetExport, readDatasetNpz } from "../../src/export/index.js";
import {
  coherence,
  corrcoef,
  fve,
  mse,
  neuronQuality,
  normalizedCorrcoef,
  type PredictionBatch,
  poisson,
  type RaggedBlock,
  type ResponseBatch,
  snr,
} from "../../src/metrics/index.js";
import { type LoadReport, loadDataset } from "../../src/pipeline/index.js";
import { mulberry32 } from "../../src/random/index.js";
import {
  BENCH_ARCHIVE_DIR,
  ensureBenchArchive,
  peakRssMb,
  printTable,
  runPythonJson,
  writeResults,
} from "../support.js";

/** Best-of-reps CPU time (user + system) in ms, after one warm-up (the machine is shared). */
function cpuMs<T>(fn: () => T, reps: number): { ms: number; out: T } {
  let out = fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = process.cpuUsage();
    out = fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return { ms: best, out };
}

const here = dirname(fileURLToPath(import.meta.url));
const script = resolve(here, "..", "..", "..", "bench", "python", "metrics_ref.py");
const qualityScript = resolve(here, "..", "..", "..", "bench", "python", "quality_ref.py");

const NEURONS = 60;
const STIMS = 200;
const STIMS_PER_NEURON = 20;
const DT_MS = 5;
const next = mulberry32(11);
const normal = () => next() + next() + next() + next() - 2; // variance 1/3, plenty for a benchmark

// Stims: lengths and a smooth drive each.
const stimBins = Array.from({ length: STIMS }, () => 100 + Math.floor(next() * 1901));
const drives = stimBins.map((T) => {
  const d = new Float64Array(T);
  let acc = 0;
  for (let t = 0; t < T; t++) {
    acc = 0.9 * acc + normal();
    d[t] = acc;
  }
  return d;
});

// Ragged data: per neuron, blocks (float32 as exported), predictions and PSTHs.
interface Pair {
  n: number;
  s: number;
  block: RaggedBlock;
  pred: Float32Array;
  psth: Float32Array;
}
const pairs: Pair[] = [];
for (let n = 0; n < NEURONS; n++) {
  const gain = 0.2 + next();
  const chosen = new Set<number>();
  while (chosen.size < STIMS_PER_NEURON) chosen.add(Math.floor(next() * STIMS));
  for (const s of [...chosen].sort((a, b) => a - b)) {
    const T = stimBins[s]!;
    const R = 10 + Math.floor(next() * 21);
    const data = new Float32Array(R * T);
    const psth = new Float32Array(T);
    for (let r = 0; r < R; r++)
      for (let t = 0; t < T; t++) {
        const v = gain * drives[s]![t]! + normal();
        data[r * T + t] = v;
        psth[t] = psth[t]! + v / R;
      }
    const pred = Float32Array.from(drives[s]!, (d) => 0.8 * gain * d + 0.3 * normal());
    pairs.push({ n, s, block: { data, repeats: R, bins: T }, pred, psth });
  }
}
const responses = Array.from({ length: NEURONS }, (_, n) =>
  pairs.filter((p) => p.n === n).map((p) => p.block),
);
const preds = Array.from({ length: NEURONS }, (_, n) => pairs.filter((p) => p.n === n).map((p) => p.pred));
const psthBlocks = Array.from({ length: NEURONS }, (_, n) =>
  pairs.filter((p) => p.n === n).map((p) => ({ data: p.psth, repeats: 1, bins: p.psth.length })),
);
let values = 0;
for (const p of pairs) values += p.block.data.length;

// Batch scenario: every pair present, R 10-20 padded to 20, T 200-500 padded to 500.
const BB = 8;
const BR = 20;
const BT = 500;
const batchData = new Float32Array(BB * NEURONS * BR * BT).fill(Number.NaN);
const batchPred = new Float32Array(BB * NEURONS * BT);
for (let b = 0; b < BB; b++) {
  const T = 200 + Math.floor(next() * 301);
  const d = drives[b]!;
  for (let n = 0; n < NEURONS; n++) {
    const R = 10 + Math.floor(next() * 11);
    const o = (b * NEURONS + n) * BR * BT;
    for (let r = 0; r < R; r++)
      for (let t = 0; t < T; t++) batchData[o + r * BT + t] = d[t % d.length]! + normal();
    for (let t = 0; t < BT; t++)
      batchPred[(b * NEURONS + n) * BT + t] = 0.8 * d[t % d.length]! + 0.3 * normal();
  }
}
const batchResp: ResponseBatch = { data: batchData, stims: BB, neurons: NEURONS, repeats: BR, bins: BT };
const batchPreds: PredictionBatch = { data: batchPred, stims: BB, neurons: NEURONS, bins: BT };

const routines: [string, () => Float64Array, number][] = [
  ["quality (ragged)", () => neuronQuality(responses).ccmax, 3],
  ["snr (ragged)", () => snr(responses), 3],
  ["corrcoef (ragged)", () => corrcoef(preds, responses), 3],
  [
    "corrcoef+fve+mse+poisson (ragged)",
    () => {
      const a = corrcoef(preds, responses);
      const b = fve(preds, responses);
      const c = mse(preds, responses);
      const d = poisson(preds, responses);
      return a.map((v, i) => v + b[i]! + c[i]! + d[i]!);
    },
    3,
  ],
  ["ccnorm schoppe (ragged)", () => normalizedCorrcoef(preds, responses), 3],
  ["ccnorm hsu (ragged)", () => normalizedCorrcoef(preds, responses, { method: "hsu" }), 3],
  ["coherence (ragged)", () => coherence(preds, psthBlocks, { dtMs: DT_MS }), 3],
  [
    "quality (batch)",
    () => {
      const q = neuronQuality(batchResp);
      return q.ccmax.map((v, i) => v + q.snr[i]!);
    },
    3,
  ],
  ["corrcoef (batch)", () => corrcoef(batchPreds, batchResp), 3],
];

const only = process.argv.slice(2);
const ours: Record<string, { ms: number; out: Float64Array }> = {};
for (const [name, fn, reps] of routines) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  ours[name] = cpuMs(fn, reps);
}

interface PythonFigures {
  ms: Record<string, number>;
  values: Record<string, (number | null)[]>;
}
let ref: PythonFigures | null = null;
if (only.length === 0 || process.env.METRICS_BENCH_PYTHON === "1") {
  const dir = mkdtempSync(join(tmpdir(), "ac1-metrics-bench-"));
  try {
    const index: (number | string)[][] = [];
    const total = pairs.reduce((a, p) => a + p.block.data.length, 0);
    const totalBins = pairs.reduce((a, p) => a + p.pred.length, 0);
    const resp = new Float32Array(total);
    const pr = new Float32Array(totalBins);
    const ps = new Float32Array(totalBins);
    let ro = 0;
    let po = 0;
    for (const p of pairs) {
      resp.set(p.block.data, ro);
      pr.set(p.pred, po);
      ps.set(p.psth, po);
      index.push([p.n, p.s, p.block.repeats, p.block.bins, ro, po]);
      ro += p.block.data.length;
      po += p.pred.length;
    }
    const le = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength); // x86/arm: little-endian
    writeFileSync(join(dir, "resp.f32"), le(resp));
    writeFileSync(join(dir, "pred.f32"), le(pr));
    writeFileSync(join(dir, "psth.f32"), le(ps));
    writeFileSync(join(dir, "batch_resp.f32"), le(batchData));
    writeFileSync(join(dir, "batch_pred.f32"), le(batchPred));
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({
        neurons: NEURONS,
        stims: STIMS,
        dtMs: DT_MS,
        pairs: index,
        batch: { B: BB, N: NEURONS, R: BR, T: BT },
      }),
    );
    process.env.OPENBLAS_NUM_THREADS = "1";
    process.env.OMP_NUM_THREADS = "1";
    process.env.MKL_NUM_THREADS = "1";
    ref = runPythonJson(script, [dir]) as PythonFigures | null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function maxRelDiff(a: Float64Array, b: (number | null)[] | undefined): number | null {
  if (!b || b.length !== a.length) return null;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = b[i] ?? Number.NaN;
    const v = a[i]!;
    if (Number.isNaN(e) || Number.isNaN(v)) {
      if (Number.isNaN(e) !== Number.isNaN(v)) return Number.POSITIVE_INFINITY;
      continue;
    }
    worst = Math.max(worst, Math.abs(v - e) / Math.max(Math.abs(e), 1e-300));
  }
  return worst;
}

if (Object.keys(ours).length > 0)
  console.log(
    `ragged: ${NEURONS} neurons x ${STIMS} stims, ${pairs.length} pairs, ${values.toLocaleString("en")} values; ` +
      `batch: (${BB}, ${NEURONS}, ${BR}, ${BT})`,
  );
const rows: (string | number)[][] = [];
const figures: Record<
  string,
  { oursMs: number; pythonMs: number | null; speedup: number | null; maxRelDiff: number | null }
> = {};
for (const [name, { ms, out }] of Object.entries(ours)) {
  const py = ref?.ms[name] ?? null;
  const speedup = py === null ? null : py / ms;
  const diff = ref ? maxRelDiff(out, ref.values[name]) : null;
  figures[name] = { oursMs: ms, pythonMs: py, speedup, maxRelDiff: diff };
  rows.push([
    name,
    ms,
    py ?? "-",
    speedup === null ? "-" : `${speedup.toFixed(1)}x`,
    diff === null ? "-" : diff.toExponential(1),
  ]);
}
if (rows.length > 0) {
  printTable(["routine", "ours ms", "numpy ms", "speedup", "max rel diff"], rows);
  if (!ref) console.log("(python reference not run)");
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MB`);
}

// ---------------------------------------------------------------- the bench export
// Neuron quality on the whole bench archive's export, next to numpy: the
// build's step (datasetQuality over the loaded float32 blocks, CPU best of 3),
// `ac1 quality`'s path (exportQuality: lazy read + compute), and the numpy
// restatement loading the same export with np.load (bench/python/quality_ref.py,
// compute_neuron_quality, CPU best of 3). Values: ours vs numpy (max relative
// difference) and vs what the build stored in the manifest (exact). The export
// is the build cache entry of a build of the bench archive (the archive is
// written once under <tmp>/ac1-bench-archive; the cache under
// <tmp>/ac1-bench-metrics-cache, so later runs of the same code load it), or
// AC1_BENCH_EXPORT=FILE.npz.

async function benchExport(): Promise<{
  path: string;
  buildCpuS: number | null;
}> {
  const given = process.env.AC1_BENCH_EXPORT;
  if (given) return { path: given, buildCpuS: null };
  await ensureBenchArchive("metrics bench");
  const cache = new BuildCache(join(tmpdir(), "ac1-bench-metrics-cache"));
  let report: LoadReport | null = null;
  const t0 = process.cpuUsage();
  process.stderr.write("metrics bench: loading the bench export (a build on a cache miss) ...\n");
  await loadDataset({
    path: BENCH_ARCHIVE_DIR,
    cache,
    onLoaded: (r) => (report = r),
    onWarning: () => {}, // the bench archive is a mixed cohort on purpose
  });
  const d = process.cpuUsage(t0);
  const r = report as LoadReport | null;
  if (!r?.cacheKey) throw new Error("metrics bench: no cache entry for the bench build");
  const built = r.origin === "build";
  return {
    path: join(cache.entriesDir, `${r.cacheKey}.npz`),
    buildCpuS: built ? (d.user + d.system) / 1e6 : null,
  };
}

const QKEYS = ["snr", "ccmax", "signal_power", "noise_power"] as const;
let benchFigures: Record<string, unknown> | null = null;
if (only.length === 0 || only.some((o) => "bench export".includes(o))) {
  const { path, buildCpuS } = await benchExport();
  const data = await readDatasetNpz(path);
  const N = data.neuronMeta.length;
  let pairsN = 0;
  for (const row of data.responses) for (const b of row) if (b) pairsN++;
  // The build's step: what DatasetAssembler.finish runs (first call, then best of 3).
  const t1 = process.cpuUsage();
  datasetQuality(data.responses, N);
  const firstCall = process.cpuUsage(t1);
  const firstMs = (firstCall.user + firstCall.system) / 1000;
  const step = cpuMs(() => datasetQuality(data.responses, N), 3);
  // `ac1 quality`: open lazily, read each neuron's blocks, compute.
  const t2 = process.cpuUsage();
  const view = await openDatasetExport(path);
  const rows = await exportQuality(view);
  await view.close();
  const lazy = process.cpuUsage(t2);
  const lazyMs = (lazy.user + lazy.system) / 1000;
  const q = step.out;
  const ourValues: Record<(typeof QKEYS)[number], Float64Array> = {
    snr: q.snr,
    ccmax: q.ccmax,
    signal_power: q.signalPower,
    noise_power: q.noisePower,
  };
  let storedMismatches = 0;
  let storedMissing = 0;
  for (let n = 0; n < N; n++)
    for (const k of QKEYS) {
      const stored = data.neuronMeta[n]![k];
      if (stored === undefined) storedMissing++;
      else if (!Object.is(stored, ourValues[k][n]) || !Object.is(rows[n]![k], ourValues[k][n]))
        storedMismatches++;
    }
  process.env.OPENBLAS_NUM_THREADS = "1";
  process.env.OMP_NUM_THREADS = "1";
  process.env.MKL_NUM_THREADS = "1";
  const py = runPythonJson(qualityScript, [path, "3"]) as {
    load_ms: number;
    ms: number;
    values: Record<string, (number | null)[]>;
  } | null;
  const diffs = Object.fromEntries(QKEYS.map((k) => [k, py ? maxRelDiff(ourValues[k], py.values[k]) : null]));
  const worst = py ? Math.max(...QKEYS.map((k) => diffs[k] ?? Number.POSITIVE_INFINITY)) : null;
  console.log(`\nneuron quality of the bench export (${path}): ${N} neurons, ${pairsN} pairs`);
  printTable(
    ["quality on the bench export", "ours ms", "numpy ms", "speedup"],
    [
      ["compute (the build's step)", step.ms, py?.ms ?? "-", py ? `${(py.ms / step.ms).toFixed(1)}x` : "-"],
      ["compute, first call (JIT cold, as in a build)", firstMs, "-", "-"],
      [
        "ac1 quality (lazy read + compute)",
        lazyMs,
        py ? py.load_ms + py.ms : "-",
        py ? `${((py.load_ms + py.ms) / lazyMs).toFixed(1)}x` : "-",
      ],
    ],
  );
  console.log(
    `values: max relative difference to numpy ${worst === null ? "- (python not run)" : worst.toExponential(1)} (${QKEYS.map((k) => `${k} ${diffs[k] === null ? "-" : diffs[k]!.toExponential(1)}`).join(", ")}); ` +
      (storedMissing > 0
        ? `the export stores no quality (${storedMissing} values missing)`
        : `stored in the manifest = computed: ${storedMismatches === 0 ? "all equal, bit for bit" : `${storedMismatches} DIFFER`}`),
  );
  if (buildCpuS !== null)
    console.log(
      `this run built the export: ${buildCpuS.toFixed(1)} s CPU for the whole build, of which the quality step is about ${firstMs.toFixed(0)} ms (${((100 * firstMs) / 1000 / buildCpuS).toFixed(2)}%)`,
    );
  benchFigures = {
    neurons: N,
    pairs: pairsN,
    computeMs: step.ms,
    computeFirstCallMs: firstMs,
    acQualityMs: lazyMs,
    pythonMs: py?.ms ?? null,
    pythonLoadMs: py?.load_ms ?? null,
    maxRelDiff: worst,
    maxRelDiffByKey: diffs,
    storedEqualsComputed: storedMissing > 0 ? null : storedMismatches === 0,
    buildCpuS,
  };
}

writeResults({
  routines: figures,
  pairs: pairs.length,
  values,
  peakRssMb: peakRssMb(),
  benchExport: benchFigures,
});
