// `ac1 info`: the summary of an export, and of what a build would produce
// (--path, nothing written); usage and format errors as one line.

import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { expectedBuild, makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1, tempDir } from "../support/cli.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-info-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache") };
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

test("ac1 info FILE.npz summarises the export", async () => {
  const out = join(work.dir, "a1.npz");
  const b = await runAc1(["build", "--path", synth.dir, "--sites", "A1", "--out", out, "--quiet"], { env });
  assert.equal(b.code, 0, b.stderr);
  const r = await runAc1(["info", out], { env });
  assert.equal(r.code, 0, r.stderr);
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1"]);
  assert.match(r.stdout, /ac1-npz version 1/);
  assert.match(
    r.stdout,
    new RegExp(
      `neurons: +${exp.neurons.length} \\(wehr \\d+, asari \\d+; A1 ${exp.neurons.length}; subthresh ${exp.neurons.length}\\)`,
    ),
  );
  assert.match(r.stdout, new RegExp(`stims: +${exp.stimKeys.length} `));
  const total = exp.rejections.kept + exp.rejections.range + exp.rejections.step + exp.rejections.xcorr;
  assert.match(r.stdout, new RegExp(`repeats: +${total} raw: ${exp.rejections.kept} kept`));
  assert.match(r.stdout, new RegExp(`dropped cells: ${exp.dropped} `));
  assert.match(r.stdout, /signal type: +subthresh/);
  assert.match(r.stdout, /F 53 bands/);
});

test("ac1 info --path DIR summarises what a build would produce, writing nothing", async () => {
  const before = readdirSync(work.dir).sort();
  const r = await runAc1(["info", "--path", synth.dir, "--experimenter", "asari", "--no-cache", "--quiet"], {
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  const exp = expectedBuild(synth.manifest, ["asari"], ["A1", "MGB"]);
  assert.match(r.stdout, new RegExp(`neurons: +${exp.neurons.length} `));
  assert.match(r.stdout, new RegExp(`stims: +${exp.stimKeys.length} `));
  assert.match(r.stdout, /signal type: +mixed/);
  assert.deepEqual(readdirSync(work.dir).sort(), before);
});

test("ac1 info errors: nothing given, options with a file, not an export, a folder", async () => {
  const none = await runAc1(["info"], { env });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give FILE.npz or --path DIR/);
  const mixed = await runAc1(["info", "x.npz", "--sites", "A1"], { env });
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--sites applies to --path builds/);
  const junk = join(work.dir, "junk.npz");
  writeFileSync(junk, "not a zip at all");
  const bad = await runAc1(["info", junk], { env });
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "");
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.ok(bad.stderr.includes(junk));
  // A release folder given as FILE.npz: one line that points at --path.
  const folder = await runAc1(["info", synth.dir], { env });
  assert.equal(folder.code, 1);
  assert.equal(folder.stdout, "");
  assert.equal(
    folder.stderr,
    `ac1 info: ${synth.dir}: is a folder, not a file; for a release folder, ac1 info --path ${synth.dir}\n`,
  );
  const noneMatch = await runAc1(["info", "--path", synth.dir, "--experimenter", "wehr", "--sites", "MGB"], {
    env,
  });
  assert.equal(noneMatch.code, 1);
  assert.match(noneMatch.stderr, /no neuron/);
});
