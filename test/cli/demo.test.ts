// `ac1 demo`: writes the synthetic archive, builds with the defaults, prints
// the summary on stderr and the export path on stdout; the export holds what
// the archive's manifest planted; a second run reuses the archive.

import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { SynthManifest } from "../../src/ac1/index.js";
import { readDatasetNpz } from "../../src/export/index.js";
import { expectedBuild } from "../dataset/synth-expect.js";
import { runAc1, tempDir } from "../support/cli.js";

let work: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  work = await tempDir("ac1-cli-demo-");
});
after(() => work.cleanup());

test("ac1 demo --out DIR: archive, build, summary, DIR/ac1-demo.npz", async () => {
  const dir = join(work.dir, "out");
  const r = await runAc1(["demo", "--out", dir], { env: { AC1_CACHE_DIR: join(work.dir, "cache") } });
  assert.equal(r.code, 0, r.stderr);
  const npz = join(dir, "ac1-demo.npz");
  assert.equal(r.stdout, `${npz}\n`);
  const manifest = JSON.parse(
    await readFile(join(dir, "archive", "synth-manifest.json"), "utf8"),
  ) as SynthManifest;
  assert.equal(manifest.seed, 2009);
  assert.equal(manifest.scale, "small");
  const exp = expectedBuild(manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.match(r.stderr, new RegExp(`neurons: +${exp.neurons.length} `));
  assert.match(r.stderr, /signal type: +mixed/);
  // the planted quirks are announced as such, before the warnings they cause
  const lines = r.stderr.split("\n");
  const note = lines.findIndex((l) => l.startsWith("ac1 demo: note: the synthetic archive plants quirks"));
  const firstWarning = lines.findIndex((l) => l.startsWith("ac1 demo: warning:"));
  assert.ok(note >= 0 && note < firstWarning, r.stderr);
  assert.match(
    lines[note] ?? "",
    new RegExp(`the ${manifest.warnings.length} warnings below that name a release file`),
  );
  const data = await readDatasetNpz(npz);
  assert.deepEqual(
    data.neuronMeta.map((m) => m.session),
    exp.neurons,
  );
  assert.equal(data.stims.length, exp.stimKeys.length);
  assert.deepEqual(data.rejections, exp.rejections);
  assert.equal(data.F, 53);
  assert.equal(data.dtMs, 5);
  // the demo does not touch the build cache
  assert.ok(!existsSync(join(work.dir, "cache")));

  // a second run reuses the archive (same seed and scale) and rewrites the export
  const zip = join(dir, "archive", "crcns-ac1.zip");
  const before = statSync(zip).mtimeMs;
  const again = await runAc1(["demo", "--out", dir, "--quiet"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, "");
  assert.equal(again.stdout, `${npz}\n`);
  assert.equal(statSync(zip).mtimeMs, before);
});

test("ac1 demo without --out writes under the OS temp dir", async () => {
  const tmp = join(work.dir, "tmp");
  const r = await runAc1(["demo", "--quiet"], { env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${join(tmp, "ac1-demo", "ac1-demo.npz")}\n`);
  assert.ok(existsSync(join(tmp, "ac1-demo", "ac1-demo.npz")));
});

test("ac1 demo rejects stray arguments", async () => {
  const r = await runAc1(["demo", "extra"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unexpected argument "extra"/);
});
