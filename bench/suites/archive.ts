// Benchmark of the archive layer on synthetic zips written to the temp dir:
// central-directory open time for many entries, readFile throughput of a zip
// read in place (sequential and 8 in flight) against the unpacked tree,
// extraction throughput (vs python's zipfile.extractall when python3 is
// present), and peak memory while streaming one large member to disk.

import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import yazl from "yazl";
import { DirSource, ensureExtracted, ZipSource } from "../../src/archive/index.js";
import { mulberry32 } from "../../src/random/index.js";
import { printTable, writeResults } from "../support.js";

const MB = 1024 * 1024;

/** Bytes like a zlib-compressed MAT payload: mostly incompressible, with some runs. */
function payload(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  const next = mulberry32(seed);
  for (let i = 0; i < n; i++) out[i] = (i & 1023) < 256 ? 0 : Math.floor(next() * 256);
  return out;
}

async function writeZip(path: string, entries: { name: string; data: Buffer }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name, { compress: true });
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    zip.outputStream.pipe(out).on("finish", resolve).on("error", reject);
  });
}

function secondsOf(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "ac1-bench-archive-"));
  try {
    // 1. Streaming one large member: peak RSS must not grow by its size.
    const bigDir = join(root, "big");
    const bigBytes = 256 * MB;
    {
      const { mkdir } = await import("node:fs/promises");
      await mkdir(bigDir);
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from("summary"), "wehr/Summary.mat");
      // Generated as a stream so building the zip does not itself raise the peak RSS.
      const chunks = async function* () {
        for (let i = 0; i < bigBytes / MB; i++) yield payload(MB, i + 1);
      };
      zip.addReadStream(Readable.from(chunks()), "wehr/huge.mat", { compress: true });
      zip.end();
      await new Promise<void>((resolve, reject) => {
        zip.outputStream
          .pipe(createWriteStream(join(bigDir, "crcns-ac1.zip")))
          .on("finish", resolve)
          .on("error", reject);
      });
    }
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    let t0 = process.hrtime.bigint();
    await ensureExtracted(bigDir, {
      need: { wehr: true, asari: false },
      onProgress: () => {
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      },
    });
    const bigSeconds = secondsOf(t0);
    const rssGrowth = (rssMax - rssBefore) / MB;
    await rm(bigDir, { recursive: true, force: true });

    // 2. Many members.
    const dataDir = join(root, "many");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(dataDir);
    const count = 4000;
    const size = 48 * 1024;
    const entries: { name: string; data: Buffer }[] = [
      { name: "wehr/Summary.mat", data: Buffer.from("summary") },
    ];
    for (let i = 0; i < count; i++) {
      const cell = String(Math.floor(i / 100)).padStart(3, "0");
      entries.push({ name: `wehr/Results/20020624-mw-${cell}/t-${i}.mat`, data: payload(size, i + 1) });
    }
    await writeZip(join(dataDir, "crcns-ac1.zip"), entries);
    const totalMb = (count * size) / MB;

    t0 = process.hrtime.bigint();
    const zs = await ZipSource.open(dataDir, ["crcns-ac1.zip"]);
    const openMs = secondsOf(t0) * 1000;
    const paths = entries.slice(1).map((e) => `crcns-ac1/${e.name}`);

    t0 = process.hrtime.bigint();
    for (const p of paths) await zs.readFile(p);
    const zipSeqS = secondsOf(t0);
    const compressedMb = zs.bytesRead() / MB;

    const readAll = async (src: { readFile(p: string): Promise<Uint8Array> }, inFlight: number) => {
      let next = 0;
      const worker = async () => {
        while (next < paths.length) await src.readFile(paths[next++]!);
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    };
    t0 = process.hrtime.bigint();
    await readAll(zs, 8);
    const zipParS = secondsOf(t0);
    await zs.close();

    t0 = process.hrtime.bigint();
    await ensureExtracted(dataDir, { need: { wehr: true, asari: false } });
    const extractS = secondsOf(t0);

    const ds = new DirSource(dataDir);
    t0 = process.hrtime.bigint();
    for (const p of paths) await ds.readFile(p);
    const dirSeqS = secondsOf(t0);
    t0 = process.hrtime.bigint();
    await readAll(ds, 8);
    const dirParS = secondsOf(t0);

    let pyExtractS: number | null = null;
    const py = spawnSync(
      "python3",
      [
        "-c",
        "import sys,time,zipfile;t=time.perf_counter();zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2]);print(time.perf_counter()-t)",
        join(dataDir, "crcns-ac1.zip"),
        join(root, "py-out"),
      ],
      { encoding: "utf8" },
    );
    if (py.status === 0) pyExtractS = Number(py.stdout.trim());

    const rows: (string | number)[][] = [
      ["open central directory", `${count + 1} entries`, openMs, "ms"],
      ["zip readFile, sequential", `${totalMb.toFixed(0)} MB`, totalMb / zipSeqS, "MB/s"],
      ["zip readFile, 8 in flight", `${totalMb.toFixed(0)} MB`, totalMb / zipParS, "MB/s"],
      ["tree readFile, sequential", `${totalMb.toFixed(0)} MB`, totalMb / dirSeqS, "MB/s"],
      ["tree readFile, 8 in flight", `${totalMb.toFixed(0)} MB`, totalMb / dirParS, "MB/s"],
      ["ensureExtracted (many files)", `${totalMb.toFixed(0)} MB`, totalMb / extractS, "MB/s"],
      [
        "python zipfile.extractall",
        `${totalMb.toFixed(0)} MB`,
        pyExtractS === null ? "n/a" : totalMb / pyExtractS,
        "MB/s",
      ],
      ["ensureExtracted (one 256 MB member)", "256 MB", 256 / bigSeconds, "MB/s"],
      ["RSS growth while streaming it", "", rssGrowth, "MB"],
    ];
    printTable(["measure", "size", "value", "unit"], rows);
    writeResults({
      entries: count,
      totalMb,
      compressedMbRead: compressedMb,
      openCentralDirectoryMs: openMs,
      zipReadSeqMBps: totalMb / zipSeqS,
      zipRead8MBps: totalMb / zipParS,
      treeReadSeqMBps: totalMb / dirSeqS,
      treeRead8MBps: totalMb / dirParS,
      extractManyMBps: totalMb / extractS,
      pythonExtractallMBps: pyExtractS === null ? null : totalMb / pyExtractS,
      extractBigMBps: 256 / bigSeconds,
      bigMemberPeakRssGrowthMb: rssGrowth,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
