// `ac1 build` end to end on the small synthetic archive: the export's neurons,
// stims, per-repeat fates and tally match what the generator planted, Tcanon
// by hand, both modes, every filter, the mixed warning, the no-neuron error,
// option errors, the build cache.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { after, before, test } from "node:test";
import type { DatasetData } from "../../src/dataset/model.js";
import { readDatasetNpz } from "../../src/export/index.js";
import { expectedBuild, makeSynthArchive, pyRound, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1, runAc1Traced, tempDir } from "../support/cli.js";
import { modularCliPath, projectRoot } from "../support/paths.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let defaultExport: DatasetData;
let defaultRun: { code: number; stdout: string; stderr: string };

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-build-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache"), AC1_DATA_DIR: join(work.dir, "no-data-here") };
  const out = join(work.dir, "default.npz");
  defaultRun = await runAc1(["build", "--path", synth.dir, "--out", out], { env });
  assert.equal(defaultRun.code, 0, defaultRun.stderr);
  defaultExport = await readDatasetNpz(out);
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

const keyOf = (d: DatasetData, s: number) => {
  const m = d.stimMeta[s] as unknown as Record<string, unknown>;
  return m.experimenter === "wehr"
    ? JSON.stringify(["wehr", m.category, m.idx])
    : JSON.stringify(["asari", ...(m.segment_files as string[])]);
};

async function build(name: string, ...flags: string[]) {
  const out = join(work.dir, `${name}.npz`);
  const r = await runAc1(["build", "--path", synth.dir, "--out", out, ...flags], { env });
  return { r, out, data: r.code === 0 ? await readDatasetNpz(out) : null };
}

test("default build: stdout is the export path, stderr the summary and the mixed warning", () => {
  const out = resolve(work.dir, "default.npz");
  assert.equal(defaultRun.stdout, `${out}\n`);
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.match(defaultRun.stderr, new RegExp(`neurons: +${exp.neurons.length} `));
  assert.match(defaultRun.stderr, new RegExp(`stims: +${exp.stimKeys.length} `));
  assert.match(defaultRun.stderr, /signal type: +mixed/);
  assert.match(defaultRun.stderr, /warning: the dataset mixes whole-cell .* filter by site/);
  assert.match(
    defaultRun.stderr,
    new RegExp(
      `${exp.rejections.kept} kept, ${exp.rejections.range} rejected range, ${exp.rejections.step} step, ${exp.rejections.xcorr} xcorr`,
    ),
  );
});

test("the export holds the planted neurons, stims, fates, tally, dropped cells and skipped files", () => {
  const d = defaultExport;
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.deepEqual(
    d.neuronMeta.map((m) => m.session),
    exp.neurons,
  );
  assert.deepEqual(
    d.stims.map((_, s) => keyOf(d, s)),
    exp.stimKeys,
  );
  assert.deepEqual(d.rejections, exp.rejections);
  assert.equal(d.droppedCellsEmpty, exp.dropped);
  assert.deepEqual(
    d.skippedFiles.map((f) => f.path),
    synth.manifest.skippedFiles,
  );
  assert.equal(d.signalType, "mixed");
  // which repeats were rejected, and why: the planted artifact's fate, repeat by repeat
  const want: string[] = [];
  for (const c of exp.cells) {
    for (const s of c.stims)
      s.repeats.forEach((r, i) => {
        want.push(`${c.meta.session} ${JSON.stringify(s.key)} #${i} ${r.artifact}: ${r.expectedFate}`);
      });
  }
  // provenance is in walking order, like the manifest: the i-th record is the i-th planted repeat
  // (a cell may hear two stimulus files of one key, so the key and index alone are not unique)
  const artifacts = exp.cells.flatMap((c) => c.stims.flatMap((s) => s.repeats.map((r) => r.artifact)));
  const got = d.provenance.map(
    (p, i) => `${p.session} ${p.stimKey} #${p.repeat} ${artifacts[i] ?? "?"}: ${p.fate}`,
  );
  assert.deepEqual(got, want);
  for (const artifact of ["saturation", "empty", "step", "uncorrelated", "clipped"]) {
    assert.ok(
      want.some((w) => w.includes(` ${artifact}:`)),
      `the small archive plants a ${artifact} repeat`,
    );
  }
});

test("Tcanon by hand: Wehr fragments/2 and the clipped Asari class3/3l", () => {
  const d = defaultExport;
  const find = (key: unknown[]) => d.stims.findIndex((_, s) => keyOf(d, s) === JSON.stringify(key));
  // fragments/2: hopNative = round(5 * 44100 / 1000) = round(220.5) = 220; Tspec = ceil(35285 / 220) = 161;
  // Tdur = round(800.125 / 5) = round(160.025) = 160; repeats round(800.125 * 4) = 3200 samples / 20 per bin = 160.
  const f2 = synth.manifest.cells
    .flatMap((c) => c.stims)
    .find((s) => JSON.stringify(s.key) === '["wehr","fragments",2]');
  assert.ok(f2);
  const T = Math.min(
    Math.ceil(f2.waveformLength / pyRound(220.5)),
    pyRound(f2.durationMs / 5),
    Math.floor(3200 / 20),
  );
  assert.equal(T, 160);
  assert.deepEqual(d.stims[find(["wehr", "fragments", 2])]?.shape, [1, 53, 160]);
  // class3/3l: hop round(488.28) = 488; Tspec = ceil(14521 / 488) = 30; Tdur = 30; clipped repeat 892 / 50 -> 17.
  const s = find(["asari", "class3/3l.mat"]);
  assert.deepEqual(d.stims[s]?.shape, [1, 53, 17]);
  for (const b of d.responses[s] ?? []) if (b) assert.equal(b.shape[1], 17);
});

test("filters: Wehr only, Asari only, A1 only, MGB only; the warning only for a mixed cohort", async () => {
  const cases: [string, string, string[], string[]][] = [
    ["wehr", "wehr", ["wehr"], ["A1", "MGB"]],
    ["asari", "asari", ["asari"], ["A1", "MGB"]],
    ["a1", "wehr,asari", ["wehr", "asari"], ["A1"]],
    ["mgb", "wehr,asari", ["wehr", "asari"], ["MGB"]],
  ];
  for (const [name, experimenter, exps, sites] of cases) {
    const { r, data } = await build(name, "--experimenter", experimenter, "--sites", sites.join(","));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(data);
    const exp = expectedBuild(synth.manifest, exps, sites);
    assert.deepEqual(
      data.neuronMeta.map((m) => m.session),
      exp.neurons,
      name,
    );
    assert.deepEqual(
      data.stims.map((_, s) => keyOf(data, s)),
      exp.stimKeys,
      name,
    );
    assert.deepEqual(data.rejections, exp.rejections, name);
    assert.equal(data.droppedCellsEmpty, exp.dropped, name);
    const mixed = exp.signalTypes.size > 1;
    assert.equal(/warning: the dataset mixes/.test(r.stderr), mixed, name);
    assert.equal(data.signalType, mixed ? "mixed" : [...exp.signalTypes][0], name);
  }
});

test("MGB only is the spikes cohort with non-negative PSTHs", async () => {
  const { data } = await build("mgb-spikes", "--sites", "MGB");
  assert.ok(data);
  assert.equal(data.signalType, "spikes");
  for (const row of data.responses) for (const b of row) if (b) for (const v of b.data) assert.ok(v >= 0);
});

test("waveform mode: (1, Tcanon * 480) stims at 96 kHz, responses identical", async () => {
  const { r, data } = await build("waveform", "--waveform");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(data);
  assert.equal(data.audioFs, 96000);
  assert.equal(data.stims.length, defaultExport.stims.length);
  data.stims.forEach((st, s) => {
    assert.deepEqual(st.shape, [1, (defaultExport.stims[s]?.shape[2] as number) * 480]);
    assert.deepEqual(data.responses[s], defaultExport.responses[s]);
  });
  const bad = await build("waveform-bad", "--waveform", "--audio-fs", "44100");
  assert.equal(bad.r.code, 2);
  assert.match(
    bad.r.stderr,
    /^ac1 build: invalid --audio-fs=44100: waveform mode needs audio-fs \* dt-ms \/ 1000 to be a whole number/,
  );
});

test("no matching cell: one line naming the filters and the path, nothing written", async () => {
  const { r, out } = await build("none", "--experimenter", "wehr", "--sites", "MGB");
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.match(lines.at(-1) ?? "", /^ac1 build: no neuron: .*experimenter=wehr sites=MGB in .*/);
  assert.ok((lines.at(-1) ?? "").includes(synth.dir));
  assert.ok(!existsSync(out));
});

test("bad options and usage: one line, no stack, nothing written", async () => {
  const cases: [string[], number, RegExp][] = [
    [["--dt-ms=-1"], 2, /^ac1 build: invalid --dt-ms=-1: a finite number > 0$/],
    [["--dt-ms=0"], 2, /^ac1 build: invalid --dt-ms=0: a finite number > 0$/],
    [
      ["--dt-ms", "-1"],
      2,
      /^ac1 build: --dt-ms -1: a value starting with "-" needs the = form, --dt-ms=-1 \(see ac1 build --help\)$/,
    ],
    [["--dt-ms", "abc"], 2, /--dt-ms expects a number/],
    [["--sites", "IC"], 2, /invalid --sites="IC"/],
    [
      ["--experimenter", "foo"],
      2,
      /^ac1 build: invalid --experimenter="foo": one or several of "wehr", "asari"/,
    ],
    [["--fmin", "500", "--fmax", "400"], 2, /invalid --fmax=400/],
    [["--bins-per-octave", "2.5"], 2, /invalid --bins-per-octave=2\.5: an integer >= 1$/],
    [["--min-xcorr=-2"], 2, /invalid --min-xcorr=-2: a correlation between -1 and 1/],
    [["--jobs", "0"], 2, /--jobs expects a whole number >= 1/],
    [["--frobnicate"], 2, /^ac1 build: unknown option --frobnicate \(see ac1 build --help\)$/],
  ];
  for (const [flags, code, message] of cases) {
    const { r, out } = await build(`bad-${flags.join("")}`, ...flags);
    assert.equal(r.code, code, `${flags}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.ok(!existsSync(out));
  }
  const noOut = await runAc1(["build", "--path", synth.dir], { env });
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /^ac1 build: --out FILE\.npz is required \(see ac1 build --help\)\n$/);
  const noData = await runAc1(["build", "--out", join(work.dir, "x.npz")], { env });
  assert.equal(noData.code, 1);
  assert.equal(noData.stderr.trim().split("\n").length, 1);
  assert.match(noData.stderr, /no-data-here/);
});

test("the build cache: an identical build is loaded from it; --no-cache rebuilds; results equal", async () => {
  // dt 10 ms: options no other test here builds with, so the first build is a miss
  const a = await build("cache-a", "--experimenter", "wehr", "--dt-ms", "10", "--jobs", "3");
  assert.equal(a.r.code, 0, a.r.stderr);
  assert.doesNotMatch(a.r.stderr, /loaded from the build cache/);
  const b = await build("cache-b", "--experimenter", "wehr", "--dt-ms", "10");
  assert.match(b.r.stderr, /loaded from the build cache/);
  const c = await build("cache-c", "--experimenter", "wehr", "--dt-ms", "10", "--no-cache");
  assert.doesNotMatch(c.r.stderr, /loaded from the build cache/);
  assert.ok(a.data && b.data && c.data);
  assert.equal(a.data.dtMs, 10);
  for (const d of [b.data, c.data]) {
    assert.deepEqual(d.stims, a.data.stims);
    assert.deepEqual(d.responses, a.data.responses);
    assert.deepEqual(d.neuronMeta, a.data.neuronMeta);
  }
  // another option value is another key
  const other = await build("cache-d", "--experimenter", "wehr", "--dt-ms", "10", "--min-xcorr", "0");
  assert.doesNotMatch(other.r.stderr, /loaded from the build cache/);
  assert.ok(other.data && other.data.rejections.xcorr === 0);
});

test("a cache hit loads no build machinery: no MAT reader, walker, DSP, metrics, worker pool or dataset writer", async () => {
  // The default build, stored by before(); with a split, so the hit makes one from the manifest.
  const out = join(work.dir, "hit-modules.npz");
  // (Traced through the modular entry: the bundled command is one file, test/cli/bundle.test.ts.)
  const hit = await runAc1Traced(["build", "--path", synth.dir, "--out", out, "--split", "rancon"], {
    env,
    entry: modularCliPath,
  });
  assert.equal(hit.code, 0, hit.stderr);
  assert.match(hit.stderr, /loaded from the build cache/);
  const src = join(projectRoot, "dist", "src");
  const ours = hit.modules.filter((m) => m.startsWith(src)).map((m) => relative(src, m).split(sep).join("/"));
  assert.ok(ours.includes("export/copy.js"), "the tracer saw the copy");
  const machinery = ours.filter(
    (m) =>
      /^(mat|metrics|ac1|download|viewer|evaluation|dsp|preprocess|parallel)\//.test(m) &&
      ![
        "dsp/round.js",
        "dsp/spectrogram-bounds.js",
        "dsp/resample-bounds.js",
        "preprocess/gating-thresholds.js",
        "parallel/jobs.js",
        // the interrupt handler's stop of live workers (no imports of its own)
        "parallel/stop.js",
      ].includes(m),
  );
  const writers = ours.filter((m) =>
    [
      "export/dataset-npz.js",
      "export/export-view.js",
      "dataset/build.js",
      "dataset/stages.js",
      "dataset/units.js",
      "dataset/executors.js",
      "dataset/assembler.js",
      "dataset/build-stims.js",
      "dataset/clean.js",
      "pipeline/build-and-store.js",
    ].includes(m),
  );
  assert.deepEqual([...machinery, ...writers], []);
});

test("the build cache: the same release copied to another folder is another build (its export names that folder's files)", async () => {
  const copy = join(work.dir, "release-copy");
  // cp -a keeps the files' mtimes to the nanosecond (fs.cp rounds them to the millisecond), as a user's copy would
  const cpA = spawnSync("cp", ["-a", synth.dir, copy]);
  assert.equal(cpA.status, 0, String(cpA.stderr));
  const flags = ["--experimenter", "wehr", "--dt-ms", "7"];
  const first = await build("moved-a", ...flags);
  assert.equal(first.r.code, 0, first.r.stderr);
  const out = join(work.dir, "moved-b.npz");
  const r = await runAc1(["build", "--path", copy, "--out", out, ...flags], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /loaded from the build cache/);
  const moved = await readDatasetNpz(out);
  assert.ok(first.data && moved.skippedFiles.length > 0);
  for (const f of moved.skippedFiles) assert.ok(!f.reason.includes(synth.dir), f.reason);
  assert.deepEqual(moved.responses, first.data.responses);
});

test("--help documents every dataset flag", async () => {
  const r = await runAc1(["build", "--help"]);
  assert.equal(r.code, 0);
  for (const flag of [
    "--path",
    "--out",
    "--experimenter",
    "--sites",
    "--dt-ms",
    "--fmin",
    "--fmax",
    "--bins-per-octave",
    "--window-ms",
    "--detrend-med-ms",
    "--detrend-gauss-ms",
    "--abs-mv-max",
    "--step-mv",
    "--max-step-frac",
    "--min-xcorr",
    "--waveform",
    "--audio-fs",
    "--download",
    "--jobs",
    "--no-cache",
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});
