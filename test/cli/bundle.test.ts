// The installed `ac1` command is the bundle tools/bundle.ts makes (the
// command, its build worker and their shared chunks): it is what package.json's
// "bin" names, it loads nothing of the modular tree, and it is the same
// program as the modular entry point: the same export, and the same build
// cache keys (it carries the modules' code fingerprint), so an entry stored
// by either is a hit for the other.

import assert from "node:assert/strict";
import { accessSync, constants, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { after, before, test } from "node:test";
import { readDatasetNpz } from "../../src/export/index.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1Traced, startAc1, tempDir } from "../support/cli.js";
import { cliPath, modularCliPath, projectRoot } from "../support/paths.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-bundle-");
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

/** `ac1 build` of the synthetic archive by `entry` into `name`.npz, with the cache in `cache`. */
async function build(entry: string, name: string, cache: string, ...flags: string[]) {
  const out = join(work.dir, `${name}.npz`);
  const env = { AC1_CACHE_DIR: join(work.dir, cache) };
  const r = await startAc1(["build", "--path", synth.dir, "--out", out, ...flags], { env, entry }).done;
  assert.equal(r.code, 0, r.stderr);
  return { r, data: await readDatasetNpz(out) };
}

test("package.json's bin is the bundle: an executable script with the worker beside it", () => {
  const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  assert.equal(join(projectRoot, pkg.bin.ac1 as string), cliPath);
  assert.match(readFileSync(cliPath, "utf8").slice(0, 64), /^#!\/usr\/bin\/env node\n/);
  accessSync(cliPath, constants.X_OK);
  accessSync(join(cliPath, "..", "worker.js"), constants.R_OK);
});

test("the bundled command loads no module of the modular tree: its own files only, the worker's among them", async () => {
  const out = join(work.dir, "traced.npz");
  const r = await runAc1Traced(["build", "--path", synth.dir, "--out", out, "--no-cache", "--jobs", "2"], {
    entry: cliPath,
  });
  assert.equal(r.code, 0, r.stderr);
  const dist = join(projectRoot, "dist");
  const ours = [...new Set(r.modules.filter((m) => m.startsWith(dist + sep)))].map((m) =>
    relative(dist, m).split(sep).join("/"),
  );
  assert.deepEqual(
    ours.filter((m) => !m.startsWith("bin/")),
    [],
  );
  assert.ok(ours.includes("bin/ac1.js") && ours.includes("bin/worker.js"), ours.join(", "));
});

test("the bundle and the modular entry make the same export and share the build cache", async () => {
  // Stored by the bundle (on 2 workers, its own worker file), then a hit for the modular entry ...
  const bundled = await build(cliPath, "bundled", "cache-1", "--jobs", "2", "--dt-ms", "8");
  assert.doesNotMatch(bundled.r.stderr, /loaded from the build cache/);
  const modularHit = await build(modularCliPath, "modular-hit", "cache-1", "--dt-ms", "8");
  assert.match(modularHit.r.stderr, /loaded from the build cache/);
  // ... and the other way round.
  const modular = await build(modularCliPath, "modular", "cache-2", "--jobs", "2", "--dt-ms", "8");
  assert.doesNotMatch(modular.r.stderr, /loaded from the build cache/);
  const bundledHit = await build(cliPath, "bundled-hit", "cache-2", "--dt-ms", "8");
  assert.match(bundledHit.r.stderr, /loaded from the build cache/);
  for (const d of [modularHit.data, modular.data, bundledHit.data]) {
    assert.deepEqual(d.stims, bundled.data.stims);
    assert.deepEqual(d.responses, bundled.data.responses);
    assert.deepEqual(d.neuronMeta, bundled.data.neuronMeta);
    assert.deepEqual(d.rejections, bundled.data.rejections);
  }
});
