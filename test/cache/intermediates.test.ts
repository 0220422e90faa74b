// The intermediate-results cache: its entries (round trip bit for bit,
// damaged / truncated / misplaced ones are misses and removed, writes leave
// no temp file, the byte bound removes the least recently used first, list
// per kind, clear), and builds through it (a gating-only change reuses every
// cleaned session and stim, a detrend change only the stims, a spectrogram
// change only the sessions; each export equals the one built without any
// cache; a damaged entry is recomputed; --no-cache and a bound of 0 keep
// none; worker threads share the entries; `ac1 cache` lists and clears them).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { BuildCache } from "../../src/cache/build-cache.js";
import type { DatasetOptionsInput } from "../../src/dataset/options.js";
import { CacheError, DatasetInvariantError } from "../../src/errors.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { describeLoad, type ExportReport, exportDataset } from "../../src/pipeline/index.js";
import { parseByteSize } from "../../src/store/bounds.js";
import type { IntermediateBlob, IntermediateKind } from "../../src/store/intermediate-format.js";
import { IntermediateCache, intermediateMaxBytes } from "../../src/store/intermediates.js";
import {
  removeTrackedTemps,
  resumeTempFiles,
  tempName,
  trackedTemps,
  trackTempFolder,
  untrackTempFolder,
} from "../../src/temp-files.js";
import { runAc1, tempDir } from "../support/cli.js";
import { exportMembers } from "../support/npz-members.js";

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-intermediates-"));
  dataDir = join(root, "data");
  await writeSynthArchive(dataDir, { scale: "small", seed: 2013 });
});
after(() => cleanup());

const KEY = (c: string) => c.repeat(64);

function sampleBlob(): IntermediateBlob {
  return {
    header: { a: Number.NaN, b: -0, c: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5], s: "x" },
    arrays: [
      Float32Array.of(1.25, Number.NaN, -0),
      new Float64Array(0),
      Int32Array.of(-7, 3, 2 ** 31 - 1),
      Uint8Array.of(0, 255, 7),
    ],
  };
}

async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

describe("IntermediateCache entries", () => {
  it("round-trip header and arrays bit for bit; a hit marks the entry used; no temp file is left", async () => {
    const cache = new IntermediateCache(join(root, "rt"));
    await cache.put("stim", KEY("a"), sampleBlob());
    assert.deepEqual(trackedTemps(), []);
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("a")}.bin`]);
    const path = join(cache.root, "stim", `${KEY("a")}.bin`);
    await utimes(path, new Date(1e12), new Date(1e12));
    const got = await cache.get("stim", KEY("a"));
    assert.ok(got);
    const h = got.header as { a: number; b: number; c: number[]; s: string };
    assert.ok(Number.isNaN(h.a));
    assert.ok(Object.is(h.b, -0));
    assert.deepEqual(h.c, [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]);
    assert.equal(h.s, "x");
    const want = sampleBlob().arrays;
    assert.equal(got.arrays.length, 4);
    got.arrays.forEach((a, i) => {
      assert.equal(a.constructor, want[i]?.constructor);
      assert.deepEqual(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        Buffer.from((want[i] as Float32Array).buffer),
      );
    });
    assert.ok((await stat(path)).mtimeMs > 1e12 + 1000, "a hit sets the mtime to now");
    // within ten minutes of the last mark, a hit leaves it; after, it marks again
    const fiveAgo = new Date(Date.now() - 5 * 60_000);
    await utimes(path, fiveAgo, fiveAgo);
    assert.ok(await cache.get("stim", KEY("a")));
    assert.ok(
      Math.abs((await stat(path)).mtimeMs - fiveAgo.getTime()) < 1,
      "marked moments ago: left as it is",
    );
    const elevenAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(path, elevenAgo, elevenAgo);
    assert.ok(await cache.get("stim", KEY("a")));
    assert.ok((await stat(path)).mtimeMs > Date.now() - 60_000, "marked long ago: marked now");
    assert.equal(await cache.get("stim", KEY("b")), null, "a miss");
    assert.equal(await cache.get("clean", KEY("a")), null, "kinds are apart");
  });

  it("hasEntries: false for a missing or empty cache and one with only temp files, true once an entry is stored", async () => {
    const cache = new IntermediateCache(join(root, "has"));
    assert.equal(await cache.hasEntries(), false);
    await mkdir(join(cache.root, "clean"), { recursive: true });
    await writeFile(join(cache.root, "clean", "x.bin.tmp-1-ab"), "partial");
    assert.equal(await cache.hasEntries(), false);
    await cache.put("stim", KEY("e"), sampleBlob());
    assert.equal(await cache.hasEntries(), true);
  });

  it("many reads and writes at once all complete (open files are bounded, none is dropped)", async () => {
    const cache = new IntermediateCache(join(root, "many"));
    const keys = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, "0"));
    await Promise.all(keys.map((k) => cache.put("stim", k, sampleBlob())));
    const got = await Promise.all(keys.map((k) => cache.get("stim", k)));
    assert.ok(got.every((b) => b !== null && b.arrays.length === 4));
    assert.deepEqual(cache.removed, []);
  });

  it("an entry of thousands of arrays round-trips; a kind's folder removed between puts is made again", async () => {
    const cache = new IntermediateCache(join(root, "wide"));
    const arrays = Array.from({ length: 3000 }, (_, i) =>
      Float32Array.from({ length: i % 5 }, (_, j) => i + j / 8),
    );
    await cache.put("clean", KEY("c"), { header: { n: 3000 }, arrays });
    const got = await cache.get("clean", KEY("c"));
    assert.ok(got);
    assert.equal(got.arrays.length, 3000);
    for (const [i, a] of got.arrays.entries()) assert.deepEqual([...a], [...(arrays[i] as Float32Array)]);
    await rm(join(cache.root, "clean"), { recursive: true });
    await cache.put("clean", KEY("d"), sampleBlob());
    assert.ok(await cache.get("clean", KEY("d")));
    assert.deepEqual(trackedTemps(), []);
  });

  it("a damaged, truncated or misplaced entry is a miss and is removed", async () => {
    const cache = new IntermediateCache(join(root, "bad"));
    const path = (kind: IntermediateKind, c: string) => join(cache.root, kind, `${KEY(c)}.bin`);
    await cache.put("clean", KEY("1"), sampleBlob());
    const bytes = await readFile(path("clean", "1"));
    bytes[40] = (bytes[40] as number) ^ 0xff;
    await writeFile(path("clean", "1"), bytes);
    assert.equal(await cache.get("clean", KEY("1")), null);
    assert.match(cache.removed.at(-1) ?? "", /does not match its seal/);

    await cache.put("clean", KEY("2"), sampleBlob());
    await truncate(path("clean", "2"), 50);
    assert.equal(await cache.get("clean", KEY("2")), null);

    await cache.put("clean", KEY("3"), sampleBlob());
    await writeFile(path("clean", "4"), await readFile(path("clean", "3")));
    assert.equal(await cache.get("clean", KEY("4")), null, "an entry under another key's name");
    assert.match(cache.removed.at(-1) ?? "", /not its place/);

    await writeFile(path("clean", "5"), "not an entry at all, but long enough to hold a seal: 0123456789");
    assert.equal(await cache.get("clean", KEY("5")), null);
    assert.match(cache.removed.at(-1) ?? "", /bad magic/);
    assert.deepEqual(await files(join(cache.root, "clean")), [`${KEY("3")}.bin`]);
  });

  it("a bad entry is removed only if no other file took its name since it was read (a build sharing the cache renamed a good one there)", async () => {
    const cache = new IntermediateCache(join(root, "replaced"));
    const path = join(cache.root, "clean", `${KEY("1")}.bin`);
    await cache.put("clean", KEY("1"), sampleBlob());
    const { statSync } = await import("node:fs");
    const readThen = statSync(path);
    await cache.put("clean", KEY("1"), sampleBlob()); // renamed into place: another file under the name
    cache.dropFile(path, readThen, new CacheError("damaged"));
    assert.ok((await cache.get("clean", KEY("1"))) !== null, "the entry stored since is kept");
    cache.dropFile(path, statSync(path), new CacheError("damaged"));
    assert.equal(await cache.get("clean", KEY("1")), null, "the very file read is removed");
    cache.dropFile(path, undefined, new CacheError("gone already")); // nothing to remove: no error
  });

  it("readStreamed: a hit streams the entry's header and every array's bytes as get() gives them; damaged entries are removed", async () => {
    const cache = new IntermediateCache(join(root, "streamed"));
    const path = (c: string) => join(cache.root, "stim", `${KEY(c)}.bin`);
    // arrays longer than the stream's 1 MiB buffer, of every dtype, and empty ones
    const big = new Float32Array((1 << 18) + 3).map((_, i) => Math.sin(i));
    const blob: IntermediateBlob = {
      header: { shape: [1, big.length], x: Number.NaN },
      arrays: [big, new Uint8Array(0), Float64Array.of(-0, 2.5), Int32Array.of(5), Uint8Array.of(1, 2, 3)],
    };
    await cache.put("stim", KEY("a"), blob);
    const streamOf = (c: string, header?: (data: unknown) => void) => {
      const got: {
        data?: unknown;
        arrays?: readonly { dtype: string; length: number }[];
        bytes: Buffer[][];
      } = {
        bytes: [],
      };
      const r = cache.readStreamed("stim", KEY(c), {
        header: (data, arrays) => {
          header?.(data);
          got.data = data;
          got.arrays = arrays;
          got.bytes = arrays.map((): Buffer[] => []);
        },
        bytes: (i, chunk) => {
          assert.ok(chunk.length <= 1 << 20);
          got.bytes[i]!.push(Buffer.from(chunk)); // a copy: the chunk is a view of a reused buffer
        },
      });
      return { r, got };
    };
    const { r, got } = streamOf("a");
    assert.equal(r, "hit");
    const whole = (await cache.get("stim", KEY("a"))) as IntermediateBlob;
    assert.deepEqual(got.data, whole.header);
    assert.deepEqual(
      got.arrays,
      [
        ["f4", big.length],
        ["u1", 0],
        ["f8", 2],
        ["i4", 1],
        ["u1", 3],
      ].map(([dtype, length]) => ({ dtype, length })),
    );
    whole.arrays.forEach((a, i) => {
      const want = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      assert.ok(Buffer.concat(got.bytes[i]!).equals(want), `array ${i}`);
    });

    assert.equal(streamOf("b").r, "miss");
    // a flipped byte in the last array: the sink saw bytes, but the answer is "damaged" and the entry is gone
    await cache.put("stim", KEY("c"), blob);
    const bytes = await readFile(path("c"));
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
    await writeFile(path("c"), bytes);
    assert.equal(streamOf("c").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /does not match its seal/);
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("a")}.bin`]);
    // truncated, under another key's name, not an entry
    await cache.put("stim", KEY("d"), blob);
    await truncate(path("d"), 100_000);
    assert.equal(streamOf("d").r, "damaged");
    await writeFile(path("e"), await readFile(path("a")));
    assert.equal(streamOf("e").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /not its place/);
    await writeFile(path("f"), "not an entry at all, but long enough to hold a seal: 0123456789");
    assert.equal(streamOf("f").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /bad magic/);
    // the sink rejects the header: damaged; the sink fails otherwise: its error, the entry kept
    await cache.put("stim", KEY("9"), blob);
    const r2 = streamOf("9", () => {
      throw new CacheError("entry does not hold a stim tensor");
    });
    assert.equal(r2.r, "damaged");
    const closed = new Error("spill file used after it was closed");
    assert.throws(
      () =>
        cache.readStreamed("stim", KEY("a"), {
          header: () => {
            throw closed;
          },
          bytes: () => {},
        }),
      (e) => e === closed,
      "an error of the sink's own in header(), not the entry's: thrown, the entry kept",
    );
    // a FIFO under an entry's name: not a regular file, and the open does not block
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path("7")]);
    assert.equal(streamOf("7").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /not a regular file/);
    assert.equal(await cache.get("stim", KEY("7")), null);
    await cache.put("stim", KEY("8"), blob);
    const full = new Error("ENOSPC: the disk is full");
    assert.throws(
      () =>
        cache.readStreamed("stim", KEY("8"), {
          header: () => {},
          bytes: () => {
            throw full;
          },
        }),
      (e) => e === full,
    );
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("8")}.bin`, `${KEY("a")}.bin`]);
  });

  it("trim keeps the total under the bound, least recently used first; list counts per kind; clear empties", async () => {
    const cache = new IntermediateCache(join(root, "trim"));
    const kinds: [IntermediateKind, string][] = [
      ["index", "1"],
      ["clean", "2"],
      ["stim", "3"],
      ["stim", "4"],
      ["deflated", "5"],
    ];
    for (const [i, [kind, c]] of kinds.entries()) {
      await cache.put(kind, KEY(c), sampleBlob());
      const t = new Date(1e12 + i * 60_000);
      await utimes(join(cache.root, kind, `${KEY(c)}.bin`), t, t);
    }
    const size = async (kind: IntermediateKind, c: string) =>
      (await stat(join(cache.root, kind, `${KEY(c)}.bin`))).size;
    const sizes = await Promise.all(kinds.map(([kind, c]) => size(kind, c)));
    const [s1, s2, s3, s4, s5] = sizes as [number, number, number, number, number];
    let list = await cache.list();
    assert.deepEqual(
      list.map((k) => [k.kind, k.entries, k.bytes]),
      [
        ["index", 1, s1],
        ["clean", 1, s2],
        ["stim", 2, s3 + s4],
        ["deflated", 1, s5],
      ],
    );
    const total = s1 + s2 + s3 + s4 + s5;
    assert.equal(await cache.trim(total), 0, "within the bound: nothing removed");
    assert.equal(await cache.trim(total - s1 - s2), 2);
    list = await cache.list();
    assert.deepEqual(
      list.map((k) => k.entries),
      [0, 0, 2, 1],
      "the two oldest went",
    );
    assert.equal(await cache.clear(), 3);
    assert.deepEqual(
      (await cache.list()).map((k) => k.entries),
      [0, 0, 0, 0],
    );
  });

  it("an interrupt removes this process's temp files in the kinds' folders (workers' writes too), not others'", async () => {
    const cache = new IntermediateCache(join(root, "interrupt"));
    await cache.put("clean", KEY("7"), sampleBlob());
    const [folder] = cache.kindFolders().filter((f) => f.endsWith("clean"));
    const ours = tempName(join(folder as string, `${KEY("8")}.bin`));
    const theirs = join(folder as string, `${KEY("9")}.bin.tmp-999999999-0badf00d`);
    await writeFile(ours, "partial");
    await writeFile(theirs, "partial");
    for (const f of cache.kindFolders()) trackTempFolder(f);
    removeTrackedTemps();
    resumeTempFiles(); // this process goes on: temp files may be named again
    for (const f of cache.kindFolders()) untrackTempFolder(f);
    assert.deepEqual(await files(folder as string), [
      `${KEY("7")}.bin`,
      `${KEY("9")}.bin.tmp-999999999-0badf00d`,
    ]);
    // a dead owner's leftover goes with the next listing
    await cache.list();
    assert.deepEqual(await files(folder as string), [`${KEY("7")}.bin`]);
  });

  it("sizes: AC1_CACHE_INTERMEDIATES_MAX and parseByteSize", () => {
    assert.equal(parseByteSize("2G", "x"), 2 * 1024 ** 3);
    assert.equal(parseByteSize("500M", "x"), 500 * 1024 ** 2);
    assert.equal(parseByteSize("1.5GiB", "x"), 1.5 * 1024 ** 3);
    assert.equal(parseByteSize("64k", "x"), 65536);
    assert.equal(parseByteSize("0", "x"), 0);
    assert.throws(() => parseByteSize("lots", "AC1_CACHE_INTERMEDIATES_MAX"), CacheError);
    assert.equal(intermediateMaxBytes({}), 2 * 1024 ** 3);
    assert.equal(intermediateMaxBytes({ AC1_CACHE_INTERMEDIATES_MAX: "100M" }), 100 * 1024 ** 2);
  });
});

let outs = 0;

/** Exports with these options through `cache` (or none) and returns the report and the members. */
async function build(
  cache: BuildCache | false,
  options: DatasetOptionsInput & { jobs?: number; intermediatesMaxBytes?: number },
): Promise<{ report: ExportReport; members: [string, string][]; out: string }> {
  const out = join(root, `out-${outs++}.npz`);
  const report = await exportDataset({ path: dataDir, jobs: 1, cache, out, onWarning: () => {}, ...options });
  return { report, members: await exportMembers(out), out };
}

/** Every member of an export as stored: name, method, CRC-32, size and the SHA-256 of its stored bytes. */
async function storedMembers(path: string): Promise<string[]> {
  const r = await NpzReader.load(path, { readHeaders: false });
  try {
    const out: string[] = [];
    for (const key of r.keys()) {
      const m = await r.rawMember(key);
      const h = createHash("sha256");
      for (const c of m.chunks) h.update(c);
      out.push(`${m.name} ${m.method} ${m.crc32} ${m.uncompressedSize} ${h.digest("hex")}`);
    }
    return out;
  } finally {
    await r.close();
  }
}

/** The build with these options from the release alone (no cache of any kind). */
async function cold(options: DatasetOptionsInput): Promise<[string, string][]> {
  return (await build(false, options)).members;
}

function reused(r: ExportReport): [number, number, number] {
  assert.ok(r.reuse, "the build reports its intermediates");
  assert.ok(r.reuse.clean.units > 0 && r.reuse.stim.units > 0 && r.reuse.index.units > 0);
  const all = (t: { reused: number; units: number }) => (t.reused === t.units ? 1 : t.reused === 0 ? 0 : -1);
  return [all(r.reuse.index), all(r.reuse.clean), all(r.reuse.stim)];
}

describe("builds through the intermediates", () => {
  it("a gating-only change reuses everything, a detrend change the stims, a spectrogram change the sessions; every export equals a build without cache", async () => {
    const cache = new BuildCache(join(root, "builds-1"));
    const first = await build(cache, {});
    assert.deepEqual(reused(first.report), [0, 0, 0]);
    assert.deepEqual(first.members, await cold({}));
    const kinds = await new IntermediateCache(cache.dir).list();
    assert.ok(
      kinds.every((k) => k.entries > 0 && k.bytes > 0),
      JSON.stringify(kinds),
    );

    const gating = { gating: { absMvMax: 60, minXcorr: 0.3, maxStepFrac: 0.002 }, keepRejected: true };
    const g = await build(cache, gating);
    assert.deepEqual(reused(g.report), [1, 1, 1]);
    assert.deepEqual(g.members, await cold(gating));
    // the stims' members were not deflated again, and are stored as a build without cache stores them
    const deflated = g.report.reuse?.deflated;
    assert.ok(deflated && deflated.reused > 0 && deflated.reused < deflated.units, JSON.stringify(deflated));
    assert.match(
      describeLoad(g.report),
      new RegExp(`, ${deflated.reused}/${deflated.units} compressed arrays`),
    );
    assert.deepEqual(await storedMembers(g.out), await storedMembers(join(root, `out-${outs - 1}.npz`)));

    const noXcorr = { gating: { minXcorr: 0 } };
    const x = await build(cache, noXcorr);
    assert.deepEqual(reused(x.report), [1, 1, 1]);
    assert.deepEqual(x.members, await cold(noXcorr));

    const detrend = { detrendMedMs: 80 };
    const d = await build(cache, detrend);
    assert.deepEqual(reused(d.report), [1, 0, 1]);
    assert.deepEqual(d.members, await cold(detrend));

    const spectro = { binsPerOctave: 8 };
    const s = await build(cache, spectro);
    assert.deepEqual(reused(s.report), [1, 1, 0]);
    assert.deepEqual(s.members, await cold(spectro));

    // worker threads read the entries the serial builds wrote
    const both = { gating: { minXcorr: 0.2 }, binsPerOctave: 8, jobs: 2 };
    const p = await build(cache, both);
    assert.deepEqual(reused(p.report), [1, 1, 1]);
    assert.equal(p.report.jobs, 2);
    assert.deepEqual(p.members, await cold({ gating: { minXcorr: 0.2 }, binsPerOctave: 8 }));

    // every unit in the cache: looked up on the main thread, no worker started (no worker time)
    const served = { gating: { minXcorr: 0.15 }, binsPerOctave: 8, jobs: 2 };
    const q = await build(cache, served);
    assert.deepEqual(reused(q.report), [1, 1, 1]);
    const st = q.report.buildStats;
    assert.ok(st, "a parallel build reports its stats");
    assert.deepEqual([st.indexWorkMs, st.cellWorkMs, st.stimWorkMs], [0, 0, 0]);
    assert.deepEqual(q.members, await cold({ gating: { minXcorr: 0.15 }, binsPerOctave: 8 }));
  });

  it("a damaged entry is recomputed (and replaced); the export is unchanged", async () => {
    const cache = new BuildCache(join(root, "builds-2"));
    await build(cache, {});
    const im = new IntermediateCache(cache.dir);
    for (const kind of ["clean", "stim"] as const) {
      const [name] = await files(join(im.root, kind));
      const path = join(im.root, kind, name as string);
      const bytes = await readFile(path);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
      await writeFile(path, bytes);
    }
    const opts = { gating: { minXcorr: 0.25 } };
    // on worker threads: the main thread finds the damaged entries, the workers recompute them
    const r = await build(cache, { ...opts, jobs: 2 });
    assert.ok(r.report.reuse);
    assert.equal(r.report.reuse.clean.reused, r.report.reuse.clean.units - 1);
    assert.equal(r.report.reuse.stim.reused, r.report.reuse.stim.units - 1);
    assert.equal(
      r.report.reuse.clean.damaged + r.report.reuse.stim.damaged + r.report.reuse.index.damaged,
      2,
    );
    assert.match(describeLoad(r.report), /; 2 damaged intermediate entries removed and recomputed/);
    assert.deepEqual(r.members, await cold(opts));
    const again = await build(cache, { gating: { minXcorr: 0.26 } });
    assert.deepEqual(reused(again.report), [1, 1, 1], "the damaged entries were stored again");
  });

  it("a stim streamed from its entry is checked for NaN on the way: one planted there fails the build's checks", async () => {
    const cache = new BuildCache(join(root, "builds-nan"));
    await build(cache, {});
    const im = new IntermediateCache(cache.dir);
    // every stim entry, resealed with a NaN in its tensor (a valid entry: only the NaN check can tell)
    for (const name of await files(join(im.root, "stim"))) {
      const key = name.slice(0, -4);
      const blob = (await im.get("stim", key)) as IntermediateBlob;
      const tensor = Float32Array.from(blob.arrays[0] as Float32Array);
      tensor[tensor.length >> 1] = Number.NaN;
      await im.put("stim", key, { header: blob.header, arrays: [tensor] });
    }
    await assert.rejects(
      build(cache, { gating: { minXcorr: 0.31 } }),
      (e) => e instanceof DatasetInvariantError && /stim \d+ contains NaN at flat index \d+/.test(e.message),
    );
  });

  it("damaged deflated members are deflated again (and replaced); the export is stored the same", async () => {
    const cache = new BuildCache(join(root, "builds-7"));
    await build(cache, { experimenter: ["wehr"] });
    const im = new IntermediateCache(cache.dir);
    const names = await files(join(im.root, "deflated"));
    assert.ok(names.length > 0);
    for (const name of names) {
      const path = join(im.root, "deflated", name);
      const bytes = await readFile(path);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
      await writeFile(path, bytes);
    }
    const opts = { experimenter: ["wehr" as const], gating: { minXcorr: 0.3 } };
    const r = await build(cache, opts);
    const d = r.report.reuse?.deflated;
    assert.ok(d && d.reused === 0 && d.damaged > 0, JSON.stringify(d));
    assert.match(describeLoad(r.report), new RegExp(`; ${d.damaged} damaged intermediate entr`));
    const c = await build(false, opts);
    assert.deepEqual(r.members, c.members);
    assert.deepEqual(await storedMembers(r.out), await storedMembers(c.out));
    const again = await build(cache, { ...opts, gating: { minXcorr: 0.31 } });
    assert.ok((again.report.reuse?.deflated.reused ?? 0) > 0, "stored again");
  });

  it("--no-cache and a bound of 0 keep none; a small bound is kept after a build", async () => {
    const off = await build(false, { experimenter: ["wehr"] });
    assert.equal(off.report.reuse, null);
    const none = new BuildCache(join(root, "builds-3"));
    const zero = await build(none, { experimenter: ["wehr"], intermediatesMaxBytes: 0 });
    assert.equal(zero.report.reuse, null);
    assert.deepEqual(await files(join(none.dir, "intermediates")), []);

    const full = new BuildCache(join(root, "builds-4"));
    await build(full, { experimenter: ["wehr"] });
    const total = (await new IntermediateCache(full.dir).list()).reduce((a, k) => a + k.bytes, 0);
    const bounded = new BuildCache(join(root, "builds-5"));
    const bound = Math.floor(total / 3);
    await build(bounded, { experimenter: ["wehr"], intermediatesMaxBytes: bound });
    const kept = (await new IntermediateCache(bounded.dir).list()).reduce((a, k) => a + k.bytes, 0);
    assert.ok(kept > 0 && kept <= bound, `${kept} bytes kept, bound ${bound}`);
    const r = await build(bounded, {
      experimenter: ["wehr"],
      gating: { minXcorr: 0.3 },
      intermediatesMaxBytes: bound,
    });
    assert.deepEqual(r.members, await cold({ experimenter: ["wehr"], gating: { minXcorr: 0.3 } }));
  });

  it("a builds' bound of 0 keeps no build: the export is written, and the report says why nothing was stored", async () => {
    const noBuilds = new BuildCache(join(root, "builds-6"), 0);
    const r = await build(noBuilds, { experimenter: ["wehr"] });
    assert.match(
      r.report.storeError ?? "",
      /the builds' bound is 0 \(AC1_CACHE_BUILDS_MAX\), which keeps none/,
    );
    assert.match(describeLoad(r.report), /could not store it in the build cache: the builds' bound is 0/);
    assert.deepEqual(await noBuilds.list(), []);
    assert.deepEqual(r.members, await cold({ experimenter: ["wehr"] }));
    // the intermediates have their own bound: still kept
    assert.ok((await new IntermediateCache(noBuilds.dir).list()).some((k) => k.entries > 0));
  });

  it("ac1 cache list shows them per kind; ac1 cache clear removes them", async () => {
    const cdir = join(root, "cli");
    const env = { AC1_CACHE_DIR: cdir };
    const out = join(root, "cli.npz");
    const b = await runAc1(
      ["build", "--path", dataDir, "--experimenter", "wehr", "--jobs", "1", "--quiet", "--out", out],
      {
        env,
      },
    );
    assert.equal(b.code, 0, b.stderr);
    const g = await runAc1(
      [
        "build",
        "--path",
        dataDir,
        "--experimenter",
        "wehr",
        "--jobs",
        "1",
        "--min-xcorr",
        "0.3",
        "--out",
        out,
      ],
      { env },
    );
    assert.equal(g.code, 0, g.stderr);
    assert.match(
      g.stderr,
      /reused (\d+)\/\1 cleaned sessions, (\d+)\/\2 stim tensors, (\d+)\/\3 Wehr index files/,
    );
    const list = await runAc1(["cache", "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim().split("\n").length, 2, "the two builds");
    assert.match(
      list.stderr,
      /intermediates: index [1-9]\d* \(.*\), clean [1-9]\d* \(.*\), stim [1-9]\d* \(.*\), deflated [1-9]\d* \(.*\); .* of at most 2\.00 GB/,
    );
    const clear = await runAc1(["cache", "clear"], { env });
    assert.equal(clear.code, 0, clear.stderr);
    assert.match(clear.stdout, /removed 2 entries from .* and [1-9]\d* intermediate results from/);
    const empty = await runAc1(["cache", "list"], { env });
    assert.match(
      empty.stderr,
      /intermediates: index 0 \(0 B\), clean 0 \(0 B\), stim 0 \(0 B\), deflated 0 \(0 B\)/,
    );
    const bad = await runAc1(["cache", "list"], { env: { ...env, AC1_CACHE_INTERMEDIATES_MAX: "lots" } });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /AC1_CACHE_INTERMEDIATES_MAX: expected a size/);
  });
});
