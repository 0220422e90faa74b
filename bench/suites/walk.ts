// Benchmark of the release walkers: walks every Wehr and Asari cell of the
// synthetic release ("small" and "bench" scales, generated once into the OS
// temp folder and reused), straight from the zips and from the unpacked tree,
// and reports archive read throughput (MB/s of bytes read from the source),
// cells/s, and memory: peak RSS of the walking process and RSS sampled as
// cells go by (it must stay flat: only one cell's repeats and one recording's
// trace are held at a time). Each walk runs in its own process so peak RSS
// belongs to that walk alone.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  MANIFEST_FILE,
  SYNTH_GENERATOR,
  type SynthManifest,
  type SynthScale,
  walkAsari,
  walkWehr,
  writeSynthArchive,
} from "../../src/ac1/index.js";
import { DirSource, ensureExtracted, type ReleaseSource, ZipSource } from "../../src/archive/index.js";
import { RELEASE_ZIPS } from "../../src/archive/location.js";
import { peakRssMb, printTable, writeResults } from "../support.js";

const SEED = 20090220;

interface ChildResult {
  scale: SynthScale;
  via: "zip" | "dir";
  cells: number;
  stims: number;
  repeats: number;
  samples: number;
  warnings: number;
  seconds: number;
  mbRead: number;
  peakRssMb: number;
  /** RSS (MB) after 25 %, 50 %, 75 % and 100 % of the cells. */
  rssByQuarterMb: number[];
  /** Live JS heap + array buffers (MB) after a full GC at the same points. */
  liveByQuarterMb: number[];
}

async function ensureArchive(scale: SynthScale): Promise<{ dir: string; generatedS?: number; mb: number }> {
  const dir = join(tmpdir(), `ac1-bench-synth-${scale}-${SEED}`);
  const mpath = join(dir, MANIFEST_FILE);
  if (existsSync(mpath) && RELEASE_ZIPS.every((z) => existsSync(join(dir, z)))) {
    const m = JSON.parse(readFileSync(mpath, "utf8")) as SynthManifest;
    if (m.scale === scale && m.seed === SEED && m.generator === SYNTH_GENERATOR)
      return { dir, mb: m.zips.reduce((n, z) => n + z.bytes, 0) / 1e6 };
  }
  const t0 = performance.now();
  const m = await writeSynthArchive(dir, { scale, seed: SEED });
  return {
    dir,
    generatedS: (performance.now() - t0) / 1000,
    mb: m.zips.reduce((n, z) => n + z.bytes, 0) / 1e6,
  };
}

async function child(dir: string, scale: SynthScale, via: "zip" | "dir"): Promise<ChildResult> {
  let source: ReleaseSource;
  if (via === "zip") source = await ZipSource.open(dir);
  else {
    await ensureExtracted(dir, { checkFreeSpace: false });
    source = new DirSource(dir);
  }
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as SynthManifest;
  const totalCells = manifest.cells.length;
  const quarters = [0.25, 0.5, 0.75, 1].map((q) => Math.max(1, Math.round(q * totalCells)));
  const rss: number[] = [];
  const live: number[] = [];
  let cells = 0;
  let stims = 0;
  let repeats = 0;
  let samples = 0;
  let warnings = 0;
  let checksum = 0;
  const opts = { onWarning: () => void warnings++, onSkippedFile: () => undefined };
  const before = source.bytesRead();
  const t0 = performance.now();
  const consume = async (gen: AsyncGenerator<import("../../src/ac1/index.js").CellRecord>) => {
    for await (const cell of gen) {
      cells++;
      for (const s of cell.stims) {
        stims++;
        for (const r of s.repeats) {
          repeats++;
          samples += r.length;
          if (r.length > 0) checksum += r[0] as number;
        }
      }
      if (quarters.includes(cells)) {
        // live memory after a full collection (the suite runs with --expose-gc)
        (globalThis as { gc?: () => void }).gc?.();
        const mu = process.memoryUsage();
        rss.push(mu.rss / 1024 ** 2);
        live.push((mu.heapUsed + mu.arrayBuffers) / 1024 ** 2);
      }
    }
  };
  await consume(walkWehr(source, opts));
  await consume(walkAsari(source, { ...opts, sites: ["A1", "MGB"] }));
  const seconds = (performance.now() - t0) / 1000;
  const mbRead = (source.bytesRead() - before) / 1e6;
  await source.close();
  if (!Number.isFinite(checksum)) throw new Error("non-finite repeat values");
  return {
    scale,
    via,
    cells,
    stims,
    repeats,
    samples,
    warnings,
    seconds,
    mbRead,
    peakRssMb: peakRssMb(),
    rssByQuarterMb: rss,
    liveByQuarterMb: live,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const r = await child(args[1] as string, args[2] as SynthScale, args[3] as "zip" | "dir");
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const rows: (string | number)[][] = [];
  const figures: Record<string, unknown> = {};
  for (const scale of ["small", "bench"] as const) {
    const a = await ensureArchive(scale);
    figures[`${scale}_archive_mb`] = a.mb;
    if (a.generatedS !== undefined) figures[`${scale}_synth_s`] = a.generatedS;
    for (const via of ["zip", "dir"] as const) {
      const p = spawnSync(process.execPath, ["--expose-gc", self, "--child", a.dir, scale, via], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (p.status !== 0) throw new Error(`walk child failed (${scale}, ${via}): ${p.stderr}`);
      const r = JSON.parse(p.stdout.trim().split("\n").pop() as string) as ChildResult;
      figures[`${scale}_${via}`] = r;
      rows.push([
        scale,
        via,
        r.cells,
        r.repeats,
        r.mbRead,
        r.seconds,
        r.mbRead / r.seconds,
        r.cells / r.seconds,
        r.peakRssMb,
        r.rssByQuarterMb.map((x) => x.toFixed(0)).join("/"),
        r.liveByQuarterMb.map((x) => x.toFixed(0)).join("/"),
      ]);
    }
  }
  printTable(
    [
      "scale",
      "source",
      "cells",
      "repeats",
      "MB read",
      "s",
      "MB/s",
      "cells/s",
      "peak RSS MB",
      "RSS at 25/50/75/100% MB",
      "live heap at 25/50/75/100% MB",
    ],
    rows,
  );
  writeResults(figures);
}

await main();
