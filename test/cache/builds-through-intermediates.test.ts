// Builds through the intermediate-results cache: a gating-only change reuses
// every cleaned session and stim, a detrend change only the stims, a
// spectrogram change only the sessions; each export equals the one built
// without any cache; a damaged entry is recomputed; --no-cache and a bound of
// 0 keep none; worker threads share the entries; `ac1 cache` lists and clears them.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { BuildCache } from "../../src/cache/build-cache.js";
import type { DatasetOptionsInput } from "../../src/dataset/options.js";
import { DatasetInvariantError } from "../../src/errors.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { describeLoad, type ExportReport, exportDataset } from "../../src/pipeline/index.js";
import type { IntermediateBlob } from "../../src/store/intermediate-format.js";
import { IntermediateCache } from "../../src/store/intermediates.js";
import { runAc1, tempDir } from "../support/cli.js";
import { exportMembers } from "../support/npz-members.js";
import { files } from "./cache-support.js";

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-intermediates-"));
  dataDir = join(root, "data");
  await writeSynthArchive(dataDir, { scale: "small", seed: 2013 });
});
after(() => cleanup());

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
      /intermediates: index [1-9]\d* \(.*\), clean [1-9]\d* \(.*\), stim [1-9]\d* \(.*\), deflated [1-9]\d* \(.*\); .* of at most 2\.00 GiB/,
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
