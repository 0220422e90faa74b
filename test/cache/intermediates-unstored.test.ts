// Intermediate results that cannot be stored are said, not swallowed: a
// folder in an entry's place (or a full disk, a read-only cache folder) makes
// the entry's write fail; the build goes on, and its report counts the results
// not stored with the first reason, the entry's path in it. A bad entry that
// cannot be removed is not reported as "removed": it is a miss, and storing
// the result again is what fails (and is said).

import assert from "node:assert/strict";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { BuildCache } from "../../src/cache/build-cache.js";
import type { BuildWarning } from "../../src/dataset/build.js";
import { computeAndStore, emptyReuse } from "../../src/dataset/intermediates.js";
import type { DatasetOptionsInput } from "../../src/dataset/options.js";
import { CacheError } from "../../src/errors.js";
import { describeLoad, type ExportReport, exportDataset } from "../../src/pipeline/index.js";
import { describeReuse } from "../../src/pipeline/report.js";
import type { IntermediateBlob } from "../../src/store/intermediate-format.js";
import { IntermediateCache } from "../../src/store/intermediates.js";
import { tempDir } from "../support/cli.js";
import { exportMembers } from "../support/npz-members.js";

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-unstored-"));
  dataDir = join(root, "data");
  await writeSynthArchive(dataDir, { scale: "small", seed: 2013 });
});
after(() => cleanup());

const KEY = "a".repeat(64);
const blob = (): IntermediateBlob => ({ header: { x: 1 }, arrays: [Float32Array.of(1, 2, 3)] });

describe("an entry that cannot be stored", () => {
  it("a folder in an entry's place: a miss, not 'removed'; the write fails with a CacheError naming the entry once", async () => {
    const cache = new IntermediateCache(join(root, "folder-in-place"));
    const path = join(cache.root, "clean", `${KEY}.bin`);
    await mkdir(path, { recursive: true });
    assert.equal(await cache.get("clean", KEY), null);
    assert.equal(cache.readStreamed("clean", KEY, { header: () => {}, bytes: () => {} }), "miss");
    assert.deepEqual(cache.removed, [], "nothing was removed");
    await assert.rejects(cache.put("clean", KEY, blob()), (e) => {
      assert.ok(e instanceof CacheError);
      assert.equal(
        e.message,
        `cannot store ${path}: EISDIR: illegal operation on a directory (\`ac1 cache clear\` removes it)`,
      );
      return true;
    });
    assert.deepEqual(await readdir(join(cache.root, "clean")), [`${KEY}.bin`], "no temp file left");
    // what the message says: clear removes the folder (an entry's name is the cache's own), then it stores
    await mkdir(join(path, "inside"));
    assert.equal(await cache.clear(), 1);
    assert.deepEqual(await readdir(join(cache.root, "clean")), []);
    await cache.put("clean", KEY, blob());
    assert.ok(await cache.get("clean", KEY));
  });

  it("computeAndStore(): the result as computed, and why it was not stored", async () => {
    const cache = new IntermediateCache(join(root, "through"));
    await mkdir(join(cache.root, "clean", `${KEY}.bin`), { recursive: true });
    const sc = { scope: { dir: cache.root, release: "0".repeat(64) }, cache };
    const codec = { encode: (v: number) => ({ header: { v }, arrays: [] }) };
    const r = await computeAndStore(
      sc,
      "clean",
      () => KEY,
      codec,
      async () => 42,
    );
    assert.equal(r.value, 42);
    assert.match(r.unstored ?? "", /^cannot store .*\.bin: EISDIR/);
  });

  it("describeReuse: the count of results not stored and the first reason", () => {
    const r = emptyReuse();
    assert.equal(describeReuse(r), "");
    r.stim.unstored = 2;
    r.stim.firstUnstored = "cannot store /c/stim/k.bin: ENOSPC: no space left on device";
    r.stim.firstUnstoredAt = 0;
    r.clean.unstored = 1;
    r.clean.firstUnstored = "cannot store /c/clean/k.bin: EISDIR: illegal operation on a directory";
    r.clean.firstUnstoredAt = 3;
    assert.equal(
      describeReuse(r),
      "3 intermediate results not stored (cannot store /c/clean/k.bin: EISDIR: illegal operation on a directory)",
    );
  });
});

describe("a build whose entries cannot be stored", () => {
  let outs = 0;
  async function build(
    cache: BuildCache | false,
    options: DatasetOptionsInput & { jobs?: number },
    warnings: BuildWarning[] = [],
  ) {
    const out = join(root, `out-${outs++}.npz`);
    const report: ExportReport = await exportDataset({
      path: dataDir,
      jobs: 1,
      cache,
      out,
      onWarning: (w) => warnings.push(w),
      ...options,
    });
    return { report, members: await exportMembers(out) };
  }

  it("a file in place of a kind's folder: nothing of that kind stored, the trim that cannot list it a warning", async () => {
    const cache = new BuildCache(join(root, "builds-file"));
    const im = new IntermediateCache(cache.dir);
    await mkdir(im.root, { recursive: true });
    await writeFile(join(im.root, "index"), "not a folder");
    const warnings: BuildWarning[] = [];
    const r = await build(cache, {}, warnings);
    const reuse = r.report.reuse;
    assert.ok(reuse);
    assert.ok(reuse.index.units > 0);
    assert.equal(reuse.index.unstored, reuse.index.units, "no index entry could be stored");
    assert.equal(reuse.clean.unstored + reuse.stim.unstored, 0, "the other kinds were");
    assert.match(
      describeLoad(r.report),
      /intermediate results? not stored \(cannot store \S+index\S+\.bin: /,
    );
    const trim = warnings.filter((w) => w.code === "cache");
    assert.equal(trim.length, 1, JSON.stringify(warnings.map((w) => w.code)));
    assert.match(trim[0]!.message, /^cannot trim the intermediate results in \S+ to their bound: /);
    assert.deepEqual(r.members, (await build(false, {})).members);
  });

  it("stims not stored: the earliest stim's reason is named, the same on 1 thread and on 2", async () => {
    const named: string[] = [];
    for (const jobs of [1, 2]) {
      const cache = new BuildCache(join(root, `stim-file-${jobs}`));
      const im = new IntermediateCache(cache.dir);
      await mkdir(im.root, { recursive: true });
      await writeFile(join(im.root, "stim"), "not a folder");
      const reuse = (await build(cache, { jobs })).report.reuse;
      assert.ok(reuse);
      assert.ok(reuse.stim.units > 1);
      assert.equal(reuse.stim.unstored, reuse.stim.units, `jobs ${jobs}: no stim stored`);
      assert.equal(reuse.stim.firstUnstoredAt, 0, `jobs ${jobs}`);
      named.push((reuse.stim.firstUnstored ?? "").replaceAll(cache.dir, "<cache>"));
    }
    assert.match(named[0]!, /^cannot store <cache>\S+stim\S+\.bin: /);
    assert.equal(named[1], named[0]);
  });

  it("a folder in place of a Wehr index entry, a cleaned session's and a stim's: each recomputed, said, the export unchanged", async () => {
    const cache = new BuildCache(join(root, "builds"));
    await build(cache, {});
    const im = new IntermediateCache(cache.dir);
    for (const kind of ["index", "clean", "stim"] as const) {
      const [name] = await readdir(join(im.root, kind));
      const path = join(im.root, kind, name as string);
      await rm(path);
      await mkdir(path);
    }
    const opts = { gating: { minXcorr: 0.25 } };
    for (const jobs of [1, 2]) {
      const r = await build(cache, { ...opts, gating: { minXcorr: 0.25 + jobs / 100 }, jobs });
      const reuse = r.report.reuse;
      assert.ok(reuse);
      assert.equal(reuse.clean.reused, reuse.clean.units - 1, `jobs ${jobs}`);
      assert.equal(reuse.stim.reused, reuse.stim.units - 1, `jobs ${jobs}`);
      assert.equal(reuse.index.reused, reuse.index.units - 1, `jobs ${jobs}`);
      const unstored = [reuse.index.unstored, reuse.clean.unstored, reuse.stim.unstored];
      assert.deepEqual(unstored, [1, 1, 1], `jobs ${jobs}`);
      const damaged = [reuse.index.damaged, reuse.clean.damaged, reuse.stim.damaged];
      assert.deepEqual(damaged, [0, 0, 0], `jobs ${jobs}: nothing removed`);
      const line = describeLoad(r.report);
      assert.match(line, /; 3 intermediate results not stored \(cannot store \S+\.bin: EISDIR: .*\)$/);
      assert.doesNotMatch(line, /damaged/);
      assert.deepEqual(r.members, (await build(false, { gating: { minXcorr: 0.25 + jobs / 100 } })).members);
    }
  });
});
