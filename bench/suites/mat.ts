// Benchmark of the MAT reader: decoding throughput (MB of decoded values per
// second) on a large compressed int16 trace and on a file of many small
// structs, next to a raw zlib inflate of the same compressed bytes (the
// floor) and scipy.io.loadmat on the same files (bench/python/mat_ref.py).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";
import type { MatValue } from "../../src/mat/index.js";
import { double, numeric, openMat, openMatFile, str, structArray, writeMat } from "../../src/mat/index.js";
import { peakRssMb, printTable, runPythonJson, timeMs, timeMsAsync, writeResults } from "../support.js";

const here = dirname(fileURLToPath(import.meta.url));
const refScript = resolve(here, "..", "..", "..", "bench", "python", "mat_ref.py");

function traceFile(samples: number): Uint8Array {
  const data = new Int16Array(samples);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = ((seed >>> 16) & 0xff) - 128;
    data[i] = Math.round(3000 * Math.sin(i / 400) + 800 * Math.sin(i / 37) + noise / 8);
  }
  return writeMat([{ name: "trace", value: numeric("int16", data, [samples, 1]) }]);
}

function structsFile(count: number): Uint8Array {
  const elements: Record<string, MatValue>[] = [];
  for (let i = 0; i < count; i++) {
    elements.push({
      name: str(`cell_${i}`),
      depth: double([100 + (i % 700)]),
      rate: double([Math.sin(i) * 40, Math.cos(i) * 40, i / 7]),
      idx: numeric("int32", [i]),
    });
  }
  return writeMat([{ name: "cells", value: structArray(elements) }]);
}

/** Offsets of the compressed payloads of every top-level miCOMPRESSED element (little-endian file). */
function compressedPayloads(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let pos = 128; pos < bytes.length; ) {
    const count = dv.getUint32(pos + 4, true);
    out.push(bytes.subarray(pos + 8, pos + 8 + count));
    pos += 8 + count;
  }
  return out;
}

function decodedBytes(v: MatValue): number {
  switch (v.kind) {
    case "numeric":
      return v.real.byteLength + (v.imag?.byteLength ?? 0);
    case "logical":
      return v.data.byteLength;
    case "char":
      return v.codes.byteLength;
    case "sparse":
      return v.ir.byteLength + v.jc.byteLength + v.real.byteLength + (v.imag?.byteLength ?? 0);
    case "cell":
      return v.cells.reduce((s, c) => s + decodedBytes(c), 0);
    case "struct":
      return v.elements.reduce((s, row) => s + row.reduce((t, c) => t + decodedBytes(c), 0), 0);
    default:
      return 0;
  }
}

/** Median process CPU time in ms (user + system, all threads) of reps runs after one warm-up. */
async function cpuMs(fn: () => unknown, reps: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const dir = mkdtempSync(join(tmpdir(), "ac1-bench-mat-"));
try {
  const cases = [
    { name: "int16 trace 50M samples (100 MB)", bytes: traceFile(50_000_000), reps: 5 },
    { name: "struct array 1x50000 (4 fields)", bytes: structsFile(50_000), reps: 5 },
  ];
  const rows: (string | number)[][] = [];
  const figures: Record<string, unknown> = {};
  const paths = cases.map((c, i) => {
    const p = join(dir, `case${i}.mat`);
    writeFileSync(p, c.bytes);
    return p;
  });
  const ref = runPythonJson(refScript, ["3", ...paths]) as {
    scipy: string;
    files: Record<string, { median_s: number; cpu_median_s: number }>;
  } | null;
  for (const [i, c] of cases.entries()) {
    const path = paths[i] as string;
    const payloads = compressedPayloads(c.bytes);
    const sizes = payloads.map((p) => inflateSync(p).length);
    const inflatedMb = sizes.reduce((s, n) => s + n, 0) / 1e6;
    const value = openMat(c.bytes, "bench").readAll();
    const decodedMb = value.reduce((s, v) => s + decodedBytes(v.value), 0) / 1e6;
    // the floor: one inflate per element straight into a buffer of the known output size
    const inflateMs = timeMs(() => {
      payloads.forEach((p, k) => {
        inflateSync(p, { chunkSize: Math.max(64, sizes[k] as number) });
      });
    }, c.reps);
    const decodeMs = timeMs(() => openMat(c.bytes, "bench").readAll(), c.reps);
    const fileMs = await timeMsAsync(async () => (await openMatFile(path)).readAll(), c.reps);
    const listMs = timeMs(() => openMat(c.bytes, "bench").variables, c.reps);
    const fileCpuMs = await cpuMs(async () => (await openMatFile(path)).readAll(), c.reps);
    const scipyCpuMs = ref ? (ref.files[path]?.cpu_median_s ?? Number.NaN) * 1000 : Number.NaN;
    const scipyMs = ref ? (ref.files[path]?.median_s ?? Number.NaN) * 1000 : Number.NaN;
    rows.push([
      c.name,
      c.bytes.length / 1e6,
      inflatedMb,
      inflateMs,
      decodeMs,
      fileMs,
      listMs,
      scipyMs,
      fileCpuMs,
      scipyCpuMs,
      decodeMs / inflateMs,
      scipyMs / fileMs,
      scipyCpuMs / fileCpuMs,
      inflatedMb / (decodeMs / 1000),
    ]);
    figures[c.name] = {
      file_mb: c.bytes.length / 1e6,
      inflated_mb: inflatedMb,
      decoded_mb: decodedMb,
      raw_inflate_ms: inflateMs,
      decode_ms: decodeMs,
      decode_from_file_ms: fileMs,
      list_variables_ms: listMs,
      scipy_loadmat_ms: Number.isFinite(scipyMs) ? scipyMs : null,
      decode_over_inflate: decodeMs / inflateMs,
      scipy_over_ac1: Number.isFinite(scipyMs) ? scipyMs / fileMs : null,
      ac1_read_cpu_ms: fileCpuMs,
      scipy_cpu_ms: Number.isFinite(scipyCpuMs) ? scipyCpuMs : null,
      scipy_over_ac1_cpu: Number.isFinite(scipyCpuMs) ? scipyCpuMs / fileCpuMs : null,
      decode_mb_per_s: inflatedMb / (decodeMs / 1000),
    };
  }
  printTable(
    [
      "case",
      "file MB",
      "inflated MB",
      "inflate ms",
      "ac1 ms",
      "ac1+read ms",
      "list ms",
      "scipy ms",
      "ac1+read cpu",
      "scipy cpu",
      "ac1/inflate",
      "scipy/ac1",
      "scipy/ac1 cpu",
      "ac1 MB/s",
    ],
    rows,
  );
  if (!ref) console.log("(python3 with scipy not available: no scipy column)");
  console.log(
    "ms are medians of wall time; cpu = process CPU ms (all threads, incl. GC helpers); ac1 ms decodes bytes in memory, ac1+read and scipy read the file",
  );
  figures.scipy = ref?.scipy ?? null;
  figures.peak_rss_mb = peakRssMb();
  writeResults(figures);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
