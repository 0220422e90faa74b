// loadDataset and its report (onLoaded): the first load builds and stores,
// the next identical one comes from the cache with equal data; another option
// or a changed archive file misses; a corrupt entry is detected, removed and
// rebuilt; cache: false neither reads nor writes; concurrent loads leave one
// valid entry; options (jobs, cache, download) are checked before anything is
// read.

import assert from "node:assert/strict";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { BuildCache } from "../../src/cache/index.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { factsOf, formatSummary } from "../../src/dataset/summary.js";
import { OptionError } from "../../src/errors.js";
import {
  describeLoad,
  exportDataset,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  loadDataset,
} from "../../src/pipeline/index.js";
import { assertSameDataset } from "../parallel/compare.js";
import { tempDir } from "../support/cli.js";
import { exportMembers } from "../support/npz-members.js";

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
let reference: DatasetData;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-pipeline-"));
  dataDir = join(root, "data");
  await writeSynthArchive(dataDir, { scale: "small", seed: 2009 });
  reference = await buildDataset({ path: dataDir, experimenter: "wehr", onWarning: () => {} });
});
after(() => cleanup());

/** loadDataset, with the report onLoaded gives (called exactly once) next to the data. */
async function loadWithReport(opts: LoadOptions): Promise<LoadReport & { data: DatasetData }> {
  const reports: LoadReport[] = [];
  const data = await loadDataset({ ...opts, onLoaded: (r) => reports.push(r) });
  assert.equal(reports.length, 1, "onLoaded is called once");
  return { ...(reports[0] as LoadReport), data };
}

let n = 0;
function freshCache(): BuildCache {
  return new BuildCache(join(root, `cache-${n++}`));
}

async function entries(cache: BuildCache): Promise<string[]> {
  try {
    return (await readdir(cache.entriesDir)).filter((f) => f.endsWith(".npz"));
  } catch {
    return [];
  }
}

describe("loadDataset with the cache", () => {
  it("builds and stores, then loads the same data from the cache", async () => {
    const cache = freshCache();
    const events: LoadProgress[] = [];
    const first = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 2,
      cache,
      onWarning: () => {},
      onProgress: (e) => events.push(e),
    });
    assert.equal(first.origin, "build");
    assert.equal(first.jobs, 2);
    assert.equal(first.cacheMissReason, "miss");
    assert.equal(first.storeError, null);
    assert.match(first.cacheKey ?? "", /^[0-9a-f]{64}$/);
    assert.ok(first.buildStats && first.buildStats.cells > 0);
    assertSameDataset(reference, first.data);
    assert.deepEqual(await entries(cache), [`${first.cacheKey}.npz`]);
    const cacheEvents = events
      .filter((e) => e.phase === "cache")
      .map((e) => (e as { status: string }).status);
    assert.deepEqual(cacheEvents, ["miss", "stored"]);
    assert.ok(events.some((e) => e.phase === "cells") && events.some((e) => e.phase === "stims"));
    assert.match(
      describeLoad(first),
      /^built from the release in [\d.]+ s on 2 worker threads; stored in the build cache/,
    );

    const events2: LoadProgress[] = [];
    const second = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 1,
      cache,
      onProgress: (e) => events2.push(e),
    });
    assert.equal(second.origin, "cache");
    assert.equal(second.cacheKey, first.cacheKey, "jobs is not part of the key");
    assert.equal(second.buildStats, null);
    assertSameDataset(reference, second.data);
    assert.deepEqual(events2, [{ phase: "cache", status: "hit", key: first.cacheKey, dir: cache.dir }]);
    assert.match(
      describeLoad(second),
      /^loaded from the build cache in [\d.]+ s \(.+\)$/,
      "no CLI flag in the library's line",
    );

    // Without onLoaded, loadDataset returns the same data.
    assertSameDataset(reference, await loadDataset({ path: dataDir, experimenter: "wehr", cache }));
  });

  it("a load from the cache gives the dt warning as the build did (the response sample rates ride in the manifest)", async () => {
    const cache = freshCache();
    const dtWarnings = async () => {
      const got: string[] = [];
      const r = await loadWithReport({
        path: dataDir,
        experimenter: "wehr",
        dtMs: 0.2,
        jobs: 1,
        cache,
        onWarning: (w) => {
          if (w.code === "dt-below-sample-period") got.push(w.message);
        },
      });
      return { origin: r.origin, got, rates: r.data.responseRates };
    };
    const built = await dtWarnings();
    const hit = await dtWarnings();
    assert.deepEqual([built.origin, hit.origin], ["build", "cache"]);
    assert.equal(built.got.length, 1);
    assert.deepEqual(hit.got, built.got);
    assert.deepEqual(hit.rates, built.rates);
  });

  it("misses for another option and for a changed archive file", async () => {
    const cache = freshCache();
    const base = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 2,
      cache,
      onWarning: () => {},
    });
    const other = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      dtMs: 10,
      jobs: 2,
      cache,
      onWarning: () => {},
    });
    assert.equal(other.origin, "build");
    assert.notEqual(other.cacheKey, base.cacheKey);
    assert.equal(other.data.dtMs, 10);
    assert.equal((await entries(cache)).length, 2);
    // Touching a zip changes the archive identity: the old entry is not trusted.
    const zip = join(dataDir, "crcns-ac1.zip");
    const later = new Date(Date.now() + 60_000);
    await utimes(zip, later, later);
    const touched = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 2,
      cache,
      onWarning: () => {},
    });
    assert.equal(touched.origin, "build");
    assert.notEqual(touched.cacheKey, base.cacheKey);
    assertSameDataset(reference, touched.data);
  });

  it("detects a corrupt entry, removes it and rebuilds", async () => {
    const cache = freshCache();
    const first = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 2,
      cache,
      onWarning: () => {},
    });
    const entry = join(cache.entriesDir, `${first.cacheKey}.npz`);
    await writeFile(entry, Buffer.from("PK\u0003\u0004 this is not a complete zip"));
    const again = await loadWithReport({
      path: dataDir,
      experimenter: "wehr",
      jobs: 2,
      cache,
      onWarning: () => {},
    });
    assert.equal(again.origin, "build");
    assert.match(again.cacheMissReason ?? "", /corrupt cache entry .* removed/);
    assert.match(describeLoad(again), /corrupt cache entry/);
    assertSameDataset(reference, again.data);
    const third = await loadWithReport({ path: dataDir, experimenter: "wehr", cache });
    assert.equal(third.origin, "cache", "the rebuilt entry was stored");
    assertSameDataset(reference, third.data);
  });

  it("with cache: false neither reads nor writes the cache", async () => {
    const dir = join(root, "env-cache");
    const saved = process.env.AC1_CACHE_DIR;
    process.env.AC1_CACHE_DIR = dir;
    try {
      const r = await loadWithReport({
        path: dataDir,
        experimenter: "wehr",
        jobs: 2,
        cache: false,
        onWarning: () => {},
      });
      assert.equal(r.origin, "build");
      assert.equal(r.cacheKey, null);
      assert.equal(r.cacheDir, null);
      assert.match(describeLoad(r), /\(cache off\)$/);
      assertSameDataset(reference, r.data);
      assert.deepEqual(await entries(new BuildCache(dir)), []);
      // The default (cache: true) uses AC1_CACHE_DIR.
      const d = await loadWithReport({
        path: dataDir,
        experimenter: "wehr",
        jobs: 2,
        onWarning: () => {},
      });
      assert.equal(d.cacheDir, dir);
      assert.equal((await entries(new BuildCache(dir))).length, 1);
    } finally {
      if (saved === undefined) delete process.env.AC1_CACHE_DIR;
      else process.env.AC1_CACHE_DIR = saved;
    }
  });

  it("concurrent loads of the same build leave one valid entry", async () => {
    const cache = freshCache();
    const opts = { path: dataDir, experimenter: "wehr" as const, cache, onWarning: () => {} };
    const [a, b] = await Promise.all([
      loadWithReport({ ...opts, jobs: 2 }),
      loadWithReport({ ...opts, jobs: 1 }),
    ]);
    assertSameDataset(reference, a.data);
    assertSameDataset(reference, b.data);
    assert.equal((await entries(cache)).length, 1);
    const c = await loadWithReport({ ...opts, jobs: 2 });
    assert.equal(c.origin, "cache");
    assertSameDataset(reference, c.data);
  });

  it("checks options before reading anything", async () => {
    await assert.rejects(loadDataset({ path: "/nonexistent/ac1", jobs: 0 }), OptionError);
    await assert.rejects(loadDataset({ path: "/nonexistent/ac1", dtMs: 0 }), /invalid option dtMs=0/);
    await assert.rejects(
      loadDataset({ path: "/nonexistent/ac1", cache: "yes" as unknown as boolean }),
      /invalid option cache="yes": true, false or a BuildCache/,
    );
    await assert.rejects(
      loadDataset({ path: "/nonexistent/ac1", download: "yes" as unknown as boolean }),
      /invalid option download="yes": true, false or the download's settings/,
    );
    await assert.rejects(
      loadDataset({ path: "/nonexistent/ac1", download: { dataDir: "/elsewhere" } as unknown as boolean }),
      /invalid option download=.*the folder is `path`/,
    );
  });
});

describe("exportDataset", () => {
  it("builds, stores and copies; a hit copies the entry: every export equals the one written from the data", async () => {
    const cache = freshCache();
    const opts = { path: dataDir, experimenter: "wehr", jobs: 2 } as const;
    // The export written straight from the data, with and without a split.
    const direct = join(root, "direct.npz");
    const directWarnings: string[] = [];
    const first = await exportDataset({
      ...opts,
      cache: false,
      out: direct,
      onWarning: (w) => directWarnings.push(w.code),
    });
    assert.equal(first.origin, "build");
    assert.deepEqual(first.facts, factsOf(await loadDataset({ ...opts, cache: false, onWarning: () => {} })));
    const split = { split: "stims:0.5,0.25,0.25", splitSeed: 3 };
    const directSplit = join(root, "direct-split.npz");
    await exportDataset({ ...opts, ...split, cache: false, out: directSplit, onWarning: () => {} });
    // Cold with the cache: stored, then copied with the split.
    const cold = join(root, "cold.npz");
    const coldReport = await exportDataset({ ...opts, ...split, cache, out: cold, onWarning: () => {} });
    assert.equal(coldReport.origin, "build");
    assert.equal(coldReport.storeError, null);
    assert.deepEqual(await exportMembers(cold), await exportMembers(directSplit));
    // Hits: with and without the split, the same warnings and facts as a build.
    const hitWarnings: string[] = [];
    const hit = join(root, "hit.npz");
    const hitReport = await exportDataset({
      ...opts,
      cache,
      out: hit,
      onWarning: (w) => hitWarnings.push(w.code),
    });
    assert.equal(hitReport.origin, "cache");
    assert.deepEqual(await exportMembers(hit), await exportMembers(direct));
    assert.equal(formatSummary(hitReport.facts), formatSummary(first.facts), "the summary printed");
    assert.deepEqual(
      hitWarnings,
      directWarnings.filter((c) => c === "mixed-signal-types" || c === "fmax-above-nyquist"),
      "a hit gives the warnings read off the data",
    );
    const hitSplit = join(root, "hit-split.npz");
    const r = await exportDataset({ ...opts, ...split, cache, out: hitSplit, onWarning: () => {} });
    assert.equal(r.origin, "cache");
    assert.deepEqual(await exportMembers(hitSplit), await exportMembers(directSplit));
    assert.ok(r.facts.split, "the summary knows the split");
  });
});
