// Export and cache throughput: writing and reading a ~200 MB synthetic
// dataset as .npz, stored and deflated (MB/s of array payload), opening it
// lazily, and a build-cache store + warm load.

import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildCache } from "../../src/cache/build-cache.js";
import type { DatasetData, RepeatProvenance, Tensor } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { openDatasetExport, readDatasetNpz, writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { mulberry32 } from "../../src/random/index.js";
import { peakRssMb, printTable, writeResults } from "../support.js";

/** A spectrogram-mode dataset of about `targetMb` MB of float32 payload with smooth, noisy values. */
function syntheticDataset(targetMb: number): DatasetData {
  const next = mulberry32(42);
  const F = 49;
  const S = Math.round(200 * (targetMb / 200));
  const N = 30;
  const stims: Tensor[] = [];
  const responses: (Tensor | null)[][] = [];
  const provenance: RepeatProvenance[] = [];
  for (let s = 0; s < S; s++) {
    const T = 1000 + Math.floor(next() * 2000);
    const data = new Float32Array(F * T);
    for (let f = 0; f < F; f++)
      for (let t = 0; t < T; t++) data[f * T + t] = Math.sin(t / 37 + f) * 3 + next() * 0.5;
    stims.push({ shape: [1, F, T], data });
    const row: (Tensor | null)[] = [];
    for (let n = 0; n < N; n++) {
      if (next() > 0.3) {
        row.push(null);
        continue;
      }
      const R = 4 + Math.floor(next() * 8);
      const d = new Float32Array(R * T);
      for (let i = 0; i < d.length; i++) d[i] = Math.cos(i / 50) * 2 + next();
      row.push({ shape: [R, T], data: d });
      for (let r = 0; r < R; r++) {
        provenance.push({
          session: `cell-${n}`,
          experimenter: n < 20 ? "wehr" : "asari",
          neuron: n,
          stimKey: `["wehr","s",${s}]`,
          stim: s,
          repeat: r,
          fate: "kept",
          maxAbsMv: next() * 100,
          stepFrac: 0,
          r: 1,
          samples: T * 5,
        });
      }
    }
    responses.push(row);
  }
  return {
    dtMs: 5,
    F,
    freqsHz: Float64Array.from({ length: F }, (_, k) => 100 * 2 ** (k / 6)),
    audioFs: null,
    hop: 1,
    signalType: "subthresh",
    hearingRangeHz: [250, 76000],
    species: "rat",
    stims,
    stimMeta: stims.map((_, s) => ({
      experimenter: "wehr" as const,
      category: "tones",
      idx: s,
      description: `stim ${s}`,
      duration_s: 1,
    })),
    neuronMeta: Array.from({ length: N }, (_, n) => ({
      experimenter: "wehr" as const,
      session: `cell-${n}`,
      animal_id: "x",
      penetration: 1,
      date: "2002-01-01",
      site: "A1" as const,
      recording_type: "whole-cell",
      species: "rat" as const,
      signal_type: "subthresh" as const,
    })),
    responses,
    rejections: { range: 0, step: 0, xcorr: 0, kept: provenance.length },
    droppedCellsEmpty: 0,
    skippedFiles: [],
    options: resolveOptions({ path: "/data" }),
    provenance,
  };
}

function payloadBytes(d: DatasetData): number {
  let n = 0;
  for (const t of d.stims) n += t.data.byteLength;
  for (const row of d.responses) for (const b of row) if (b) n += b.data.byteLength;
  return n;
}

/** Best wall time of `reps` runs, with the CPU time (user + system) of that run: on a busy machine CPU time is the steadier figure. */
async function bestMs(fn: () => Promise<unknown>, reps: number): Promise<number> {
  return (await best(fn, reps)).wallMs;
}

async function best(fn: () => Promise<unknown>, reps: number): Promise<{ wallMs: number; cpuMs: number }> {
  let out = { wallMs: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    if (wallMs < out.wallMs) out = { wallMs, cpuMs: (c.user + c.system) / 1000 };
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), "ac1-bench-export-"));
try {
  const targetMb = Number(process.env.AC1_BENCH_EXPORT_MB ?? 200);
  const data = syntheticDataset(targetMb);
  const mb = payloadBytes(data) / 1e6;
  const pairs = data.responses.flat().filter(Boolean).length;
  console.log(
    `dataset: ${data.stims.length} stims, ${data.neuronMeta.length} neurons, ${pairs} pairs, ${mb.toFixed(0)} MB payload`,
  );
  const rows: (string | number)[][] = [];
  const figures: Record<string, number> = { payload_mb: mb, pairs };
  for (const [label, compress, compressionLevel] of [
    ["stored", false, undefined],
    ["deflate_1", true, 1],
    ["deflate_6", true, 6],
  ] as const) {
    const path = join(dir, `${label}.npz`);
    const reps = compress ? 1 : 3;
    const writeMs = await bestMs(() => writeDatasetNpz(data, path, { compress, compressionLevel }), reps);
    const fileMb = (await stat(path)).size / 1e6;
    const read = await best(() => readDatasetNpz(path), 3);
    const readMs = read.wallMs;
    const openMs = await bestMs(async () => {
      const v = await openDatasetExport(path);
      v.pairs();
      await v.close();
    }, 3);
    rows.push([
      label,
      fileMb,
      writeMs,
      mb / (writeMs / 1000),
      readMs,
      read.cpuMs,
      mb / (readMs / 1000),
      openMs,
    ]);
    figures[`${label}_file_mb`] = fileMb;
    figures[`${label}_write_ms`] = writeMs;
    figures[`${label}_write_mb_s`] = mb / (writeMs / 1000);
    figures[`${label}_read_ms`] = readMs;
    figures[`${label}_read_cpu_ms`] = read.cpuMs;
    figures[`${label}_read_mb_s`] = mb / (readMs / 1000);
    figures[`${label}_lazy_open_ms`] = openMs;
  }
  printTable(
    ["npz", "file MB", "write ms", "write MB/s", "read ms", "read cpu ms", "read MB/s", "lazy open ms"],
    rows,
  );

  const cache = new BuildCache(join(dir, "cache"));
  const key = "0".repeat(64);
  const storeMs = await bestMs(() => cache.store(key, data), 2);
  const load = await best(async () => {
    if (!(await cache.load(key))) throw new Error(`cache miss: ${cache.lastReason}`);
  }, 3);
  const loadMs = load.wallMs;
  console.log();
  printTable(
    ["cache", "ms", "MB/s"],
    [
      ["store", storeMs, mb / (storeMs / 1000)],
      ["warm load (CRC-checked)", loadMs, mb / (loadMs / 1000)],
      ["warm load, cpu time", load.cpuMs, mb / (load.cpuMs / 1000)],
    ],
  );
  figures.cache_store_ms = storeMs;
  figures.cache_load_ms = loadMs;
  figures.cache_load_cpu_ms = load.cpuMs;
  figures.peak_rss_mb = peakRssMb();
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MB`);
  writeResults(figures);
} finally {
  await rm(dir, { recursive: true, force: true });
}
