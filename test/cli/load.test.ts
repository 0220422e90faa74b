// The CLI on top of loadDataset: `ac1 build --jobs 2` writes the
// same export as `--jobs 1` (every member byte for byte, the same manifest),
// stderr says where the data came from (built on N threads / loaded from the
// build cache / cache off), the default thread count is the core count, and
// `--no-cache` neither reads nor writes the cache (AC1_CACHE_DIR in a temp dir).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { NpzReader, openDatasetExport } from "../../src/export/index.js";
import { defaultJobs } from "../../src/parallel/index.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1, tempDir } from "../support/cli.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-load-");
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

/** Runs `ac1 build` on the synthetic archive with its own cache folder. */
async function build(name: string, cacheName: string, ...flags: string[]) {
  const out = join(work.dir, `${name}.npz`);
  const r = await runAc1(["build", "--path", synth.dir, "--out", out, ...flags], {
    env: { AC1_CACHE_DIR: join(work.dir, cacheName) },
  });
  assert.equal(r.code, 0, r.stderr);
  return { r, out };
}

/** Asserts two exports hold the same members with the same dtype, shape and bytes. */
async function assertSameExport(a: string, b: string): Promise<void> {
  const ra = await NpzReader.open(a);
  const rb = await NpzReader.open(b);
  try {
    const keys = ra.keys();
    assert.deepEqual(keys, rb.keys());
    assert.ok(keys.length > 10, `only ${keys.length} members`);
    for (const key of keys) {
      const x = await ra.read(key);
      const y = await rb.read(key);
      assert.equal(x.dtype, y.dtype, key);
      assert.deepEqual(x.shape, y.shape, key);
      const bx = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
      const by = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
      assert.ok(Buffer.compare(bx, by) === 0, `${key}: bytes differ`);
    }
  } finally {
    await ra.close();
    await rb.close();
  }
  const va = await openDatasetExport(a);
  const vb = await openDatasetExport(b);
  try {
    // The manifest holds no timing field: the whole of it must match.
    assert.deepEqual(va.manifest, vb.manifest);
  } finally {
    await va.close();
    await vb.close();
  }
}

test("--jobs 2 writes the same export as --jobs 1, in both modes; stderr names the thread count", async () => {
  for (const mode of [[], ["--waveform", "--sites", "A1"]]) {
    const tag = mode.length === 0 ? "spec" : "wave";
    const one = await build(`jobs1-${tag}`, "cache-jobs", "--jobs", "1", "--no-cache", ...mode);
    const two = await build(`jobs2-${tag}`, "cache-jobs", "--jobs", "2", "--no-cache", ...mode);
    assert.match(one.r.stderr, /ac1 build: built from the release in [\d.]+ s on 1 thread \(cache off\)/);
    assert.match(
      two.r.stderr,
      /ac1 build: built from the release in [\d.]+ s on 2 worker threads \(cache off\)/,
    );
    // the same warnings, in the same order
    const warnings = (s: string) => s.split("\n").filter((l) => l.includes("warning:"));
    assert.deepEqual(warnings(two.r.stderr), warnings(one.r.stderr));
    await assertSameExport(one.out, two.out);
  }
  assert.ok(!existsSync(join(work.dir, "cache-jobs")), "--no-cache wrote the cache");
});

test("a second identical build hits the cache; --no-cache does not; the outputs are identical", async () => {
  const cache = "cache-hit";
  const first = await build("hit-1", cache, "--experimenter", "asari", "--jobs", "2");
  assert.match(first.r.stderr, /built from the release .* on 2 worker threads; stored in the build cache/);
  assert.doesNotMatch(first.r.stderr, /loaded from the build cache/);
  const entries = await readdir(join(work.dir, cache));
  assert.ok(entries.length > 0, "the first build stored nothing");

  // --jobs does not change the output, so it is not part of the cache key
  const second = await build("hit-2", cache, "--experimenter", "asari", "--jobs", "1");
  assert.match(
    second.r.stderr,
    /ac1 build: loaded from the build cache in [\d.]+ s \(.*cache-hit\); --no-cache rebuilds$/m,
  );
  assert.doesNotMatch(second.r.stderr, /built from the release/);

  const uncached = await build("hit-3", cache, "--experimenter", "asari", "--no-cache");
  assert.doesNotMatch(uncached.r.stderr, /loaded from the build cache/);
  assert.match(uncached.r.stderr, /built from the release .* \(cache off\)/);
  assert.deepEqual(await readdir(join(work.dir, cache)), entries);

  await assertSameExport(first.out, second.out);
  await assertSameExport(first.out, uncached.out);
});

test("without --jobs the build uses one worker thread per core", async () => {
  const cores = defaultJobs();
  const threads = cores === 1 ? "on 1 thread" : `on ${cores} worker threads`;
  const r = await build("default-jobs", "cache-default", "--sites", "MGB", "--no-cache");
  assert.ok(r.r.stderr.includes(`s ${threads} (cache off)`), r.r.stderr);
  const help = await runAc1(["build", "--help"]);
  assert.equal(help.code, 0);
  assert.doesNotMatch(help.stdout, /builds on one\s+thread/);
  assert.ok(
    help.stdout.includes(`--jobs N                worker threads for the build [number of cores: ${cores}]`),
  );
  assert.match(help.stdout, /build cache/);
});

test("ac1 info --path goes through the cache too; --quiet prints nothing on stderr", async () => {
  const env = { AC1_CACHE_DIR: join(work.dir, "cache-info") };
  const args = ["info", "--path", synth.dir, "--experimenter", "wehr", "--jobs", "2"];
  const a = await runAc1(args, { env });
  assert.equal(a.code, 0, a.stderr);
  assert.match(
    a.stderr,
    /ac1 info: built from the release .* on 2 worker threads; stored in the build cache/,
  );
  const b = await runAc1(args, { env });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /ac1 info: loaded from the build cache/);
  assert.equal(b.stdout, a.stdout);
  const quiet = await runAc1([...args, "--quiet"], { env });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, "");
  assert.equal(quiet.stdout, a.stdout);
});

test("ac1 demo --jobs: checked like ac1 build's; the demo never touches the cache", async () => {
  const bad = await runAc1(["demo", "--jobs", "1.5"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--jobs expects a whole number >= 1, got "1.5"/);
  const cacheDir = join(work.dir, "cache-demo");
  const r = await runAc1(["demo", "--out", join(work.dir, "demo"), "--jobs", "2"], {
    env: { AC1_CACHE_DIR: cacheDir },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ac1 demo: built from the release .* on 2 worker threads \(cache off\)/);
  assert.ok(!existsSync(cacheDir));
});
