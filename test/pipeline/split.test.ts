// loadDataset's split: made from the loaded data after the cache (the cache
// entry holds no split, the key leaves it out), so a build and a cache hit
// give the same split and one entry serves any split; its warnings reach
// onWarning; the split options are checked before anything is read;
// keepRejected is part of the key.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { BuildCache } from "../../src/cache/index.js";
import type { BuildWarning } from "../../src/dataset/build.js";
import { makeSplit } from "../../src/dataset/splits.js";
import { OptionError } from "../../src/errors.js";
import { type LoadReport, loadDataset } from "../../src/pipeline/index.js";
import { assertSameDataset } from "../parallel/compare.js";
import { tempDir } from "../support/cli.js";

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-pipeline-split-"));
  dataDir = join(root, "data");
  await writeSynthArchive(dataDir, { scale: "small", seed: 2009 });
});
after(() => cleanup());

test("a split is made after the cache: built and loaded give the same split, one entry serves every split", async () => {
  const cache = new BuildCache(join(root, "cache"));
  const origins: string[] = [];
  const onLoaded = (r: LoadReport) => origins.push(r.origin);
  const w1: BuildWarning[] = [];
  const built = await loadDataset({
    path: dataDir,
    experimenter: "asari",
    cache,
    jobs: 2,
    split: "stims:0.6,0.2,0.2",
    splitSeed: 9,
    onWarning: (w) => w1.push(w),
    onLoaded,
  });
  const w2: BuildWarning[] = [];
  const loaded = await loadDataset({
    path: dataDir,
    experimenter: "asari",
    cache,
    split: { method: "stims", fractions: [0.6, 0.2, 0.2] },
    splitSeed: 9,
    onWarning: (w) => w2.push(w),
    onLoaded,
  });
  assert.deepEqual(origins, ["build", "cache"]);
  assertSameDataset(built, loaded);
  assert.deepEqual(built.split, makeSplit(built, "stims:0.6,0.2,0.2", 9));
  assert.deepEqual(
    w2.filter((w) => w.code === "split"),
    w1.filter((w) => w.code === "split"),
  );
  // the entry holds no split: a load without one has none, another split comes from the same entry
  const plain = await loadDataset({ path: dataDir, experimenter: "asari", cache, onLoaded });
  assert.equal(plain.split, undefined);
  const rancon = await loadDataset({
    path: dataDir,
    experimenter: "asari",
    cache,
    split: "rancon",
    onLoaded,
    onWarning: () => {},
  });
  assert.deepEqual(origins, ["build", "cache", "cache", "cache"]);
  assert.equal(rancon.split?.method, "rancon");
  assert.ok(
    rancon.split?.neurons.every((p) => p === null),
    "Asari neurons have no Rançon counts",
  );
  assert.equal((await cache.list()).length, 1);
  // keepRejected changes the arrays, so it is another entry
  const kept = await loadDataset({
    path: dataDir,
    experimenter: "asari",
    cache,
    keepRejected: true,
    onLoaded,
  });
  assert.equal(origins.at(-1), "build");
  assert.ok(kept.rejected);
  assert.equal((await cache.list()).length, 2);
});

test("split options are checked before anything is read", async () => {
  const nowhere = join(root, "no-such-folder");
  for (const [opts, option] of [
    [{ split: "stims:0.9,0.2,0.1" }, "split"],
    [{ split: "holdout" }, "split"],
    [{ split: "rancon", splitSeed: -3 }, "splitSeed"],
    [{ splitSeed: 3 }, "splitSeed"],
  ] as const) {
    await assert.rejects(
      loadDataset({ path: nowhere, cache: false, ...opts }),
      (e: unknown) => e instanceof OptionError && e.option === option,
      JSON.stringify(opts),
    );
  }
});
