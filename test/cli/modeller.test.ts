// `ac1 build` / `ac1 info` for modellers, end to end on the small synthetic
// archive: --split stims:... / rancon with --split-seed and --keep-rejected
// give the same export bytes for --jobs 1, 2 and 3 and from the build cache;
// the split matches what the data and the documented rules give; bad split
// and grid options fail before any work naming the flag typed; warnings say
// what the output is; `ac1 info --neurons --stims` shows the modeller keys.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WEHR_NEURONS_SPLIT_NATURAL } from "../../src/dataset/splits.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1, tempDir } from "../support/cli.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-modeller-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache") };
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

async function build(name: string, ...flags: string[]) {
  const out = join(work.dir, `${name}.npz`);
  const r = await runAc1(["build", "--path", synth.dir, "--out", out, ...flags], { env });
  return { r, out };
}

/** Every member of an export: its bytes (the manifest as text). */
async function members(path: string): Promise<Map<string, Buffer | string>> {
  const r = await NpzReader.open(path);
  try {
    const out = new Map<string, Buffer | string>();
    for (const k of r.keys().sort()) {
      if (k === "manifest") out.set(k, await r.readString(k));
      else {
        const a = await r.read(k);
        out.set(k, Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
      }
    }
    return out;
  } finally {
    await r.close();
  }
}

function assertSameExport(
  a: Map<string, Buffer | string>,
  b: Map<string, Buffer | string>,
  what: string,
): void {
  assert.deepEqual([...b.keys()], [...a.keys()], `${what}: members`);
  for (const [k, v] of a) {
    const w = b.get(k);
    if (typeof v === "string") assert.equal(w, v, `${what}: ${k}`);
    else assert.ok(Buffer.isBuffer(w) && v.equals(w), `${what}: ${k} bytes`);
  }
}

type Manifest = {
  stims: Record<string, unknown>[];
  neurons: {
    stims: number[];
    repeats: number[];
    signal_type: string;
    _wehr_cell_idx?: number;
    session: string;
  }[];
  response_rates?: { sf_hz: number; first_in: string }[];
  splits: {
    method: string;
    seed: number;
    fractions?: number[];
    counts?: number[];
    stims?: { train: number[]; val: number[]; test: number[] };
    neurons: ({ train: number[]; val: number[]; test: number[] } | null)[];
  };
};

const SPLIT = ["--split", "stims:0.7,0.1,0.2", "--split-seed", "3", "--keep-rejected"];

test("split + keep-rejected: the same export for --jobs 1, 2, 3 and from the build cache", async () => {
  const first = await build("jobs1", ...SPLIT, "--jobs", "1", "--no-cache", "--quiet");
  assert.equal(first.r.code, 0, first.r.stderr);
  const ref = await members(first.out);
  assert.ok(
    [...ref.keys()].some((k) => k.startsWith("spk_")),
    "spike counts",
  );
  assert.ok(
    [...ref.keys()].some((k) => /^rej_\d+_\d+$/.test(k)),
    "rejected repeats",
  );
  assert.ok(ref.has("rej_unindexed") && ref.has("prov_rej_row"));
  for (const jobs of ["2", "3"]) {
    const b = await build(`jobs${jobs}`, ...SPLIT, "--jobs", jobs);
    assert.equal(b.r.code, 0, b.r.stderr);
    assertSameExport(ref, await members(b.out), `--jobs ${jobs}`);
  }
  // built by --jobs 2 (and stored), then --jobs 3 loaded it from the cache
  const again = await build("cached", ...SPLIT);
  assert.match(again.r.stderr, /loaded from the build cache/);
  assertSameExport(ref, await members(again.out), "from the cache");
  // another split of the same build: from the cache (a split is not part of the key), another test set
  const other = await build("seed4", "--split", "stims:0.7,0.1,0.2", "--split-seed", "4", "--keep-rejected");
  assert.match(other.r.stderr, /loaded from the build cache/);
  const otherMembers = await members(other.out);
  const m3 = JSON.parse(ref.get("manifest") as string) as Manifest;
  const m4 = JSON.parse(otherMembers.get("manifest") as string) as Manifest;
  assert.notDeepEqual(m4.splits.stims, m3.splits.stims, "seed 4 is another split");
  const arraysOf = (m: Map<string, Buffer | string>) => new Map([...m].filter(([k]) => k !== "manifest"));
  assertSameExport(arraysOf(ref), arraysOf(otherMembers), "a split changes no array");
});

test("the stim-level split is the documented one: largest-remainder counts, each neuron's stims in each part", async () => {
  const m = JSON.parse((await members(join(work.dir, "jobs1.npz"))).get("manifest") as string) as Manifest;
  const S = m.stims.length;
  const sp = m.splits;
  assert.equal(sp.method, "stims");
  assert.equal(sp.seed, 3);
  assert.deepEqual(sp.fractions, [0.7, 0.1, 0.2]);
  // largest remainder, restated
  const q = [0.7 * S, 0.1 * S, 0.2 * S];
  const c = q.map((x) => Math.floor(x + 1e-9));
  const order = [0, 1, 2].sort((a, b) => q[b]! - c[b]! - (q[a]! - c[a]!) || a - b);
  for (let k = 0, left = S - c[0]! - c[1]! - c[2]!; left > 0; k++, left--) c[order[k]!]!++;
  assert.deepEqual(sp.counts, c);
  const parts = sp.stims as { train: number[]; val: number[]; test: number[] };
  assert.deepEqual(
    [...parts.train, ...parts.val, ...parts.test].sort((a, b) => a - b),
    Array.from({ length: S }, (_, s) => s),
  );
  m.neurons.forEach((n, i) => {
    for (const p of ["train", "val", "test"] as const)
      assert.deepEqual(
        sp.neurons[i]?.[p],
        n.stims.filter((s) => parts[p].includes(s)),
        `neuron ${i} ${p}`,
      );
  });
});

test("--split rancon: Wehr neurons whose counts fit get a split, the others a warning each, never an error", async () => {
  const r = await build("rancon", "--split", "rancon", "--split-seed", "7");
  assert.equal(r.r.code, 0, r.r.stderr);
  const m = JSON.parse((await members(r.out)).get("manifest") as string) as Manifest;
  assert.equal(m.splits.method, "rancon");
  assert.equal(m.splits.stims, undefined);
  let fits = 0;
  m.neurons.forEach((n, i) => {
    const counts = n._wehr_cell_idx === undefined ? undefined : WEHR_NEURONS_SPLIT_NATURAL[n._wehr_cell_idx];
    const fit = counts !== undefined && counts[0] + counts[1] + counts[2] === n.stims.length;
    const got = m.splits.neurons[i];
    if (!fit) {
      assert.equal(got, null, `neuron ${i}`);
      if (counts !== undefined)
        assert.match(
          r.r.stderr,
          new RegExp(`warning: split rancon \\(seed 7\\): neuron ${i} \\(${n.session}\\) gets no split`),
        );
      return;
    }
    fits++;
    assert.deepEqual([got?.train.length, got?.val.length, got?.test.length], counts);
  });
  const notWehr = m.neurons.filter((n) => n._wehr_cell_idx === undefined).length;
  if (notWehr > 0)
    assert.match(
      r.r.stderr,
      new RegExp(
        `warning: split rancon \\(seed 7\\): ${notWehr} of ${m.neurons.length} neurons are not Wehr cells`,
      ),
    );
  assert.ok(fits + m.splits.neurons.filter((x) => x === null).length === m.neurons.length);
});

test("without the new options: spike counts, no split, no rejected repeats", async () => {
  const r = await build("plain", "--quiet");
  assert.equal(r.r.code, 0, r.r.stderr);
  const mem = await members(r.out);
  const m = JSON.parse(mem.get("manifest") as string) as Record<string, unknown>;
  assert.equal("splits" in m, false);
  assert.equal("rejected" in m, false);
  assert.equal(
    [...mem.keys()].some((k) => k.startsWith("rej_") || k === "prov_rej_row"),
    false,
  );
  const spk = [...mem.keys()].filter((k) => k.startsWith("spk_"));
  const neurons = m.neurons as Manifest["neurons"];
  const want = neurons.flatMap((n, i) =>
    n.signal_type === "spikes" ? n.stims.map((s) => `spk_${s}_${i}`) : [],
  );
  assert.deepEqual(spk.sort(), want.sort());
  assert.ok(want.length > 0);
});

test("bad split and grid options fail before any work, naming the flag typed", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--split", "kfold"],
      /^ac1 build: invalid --split="kfold": unknown split method: expected rancon or stims:TRAIN,VAL,TEST/,
    ],
    [
      ["--split", "stims:0.5,0.3,0.3"],
      /^ac1 build: invalid --split="stims:0\.5,0\.3,0\.3": the fractions must sum to 1 \(they sum to 1\.1\)$/,
    ],
    [["--split", "stims:0.8,0.2"], /invalid --split="stims:0\.8,0\.2": needs exactly three fractions/],
    [["--split", "stims:1.1,-0.05,-0.05"], /invalid --split=.*between 0 and 1/],
    [
      ["--split", "rancon", "--split-seed=-1"],
      /^ac1 build: invalid --split-seed=-1: a whole number from 0 to 4294967295$/,
    ],
    [["--split", "rancon", "--split-seed", "2.5"], /invalid --split-seed=2\.5/],
    [["--split-seed", "3"], /^ac1 build: invalid --split-seed=3: needs the split option too/],
    [
      ["--fmin", "50000"],
      /^ac1 build: invalid --fmin=50000: must satisfy 0 < fmin < fmax \(fmax is 45000, the default\)$/,
    ],
    [
      ["--window-ms", "100000"],
      /^ac1 build: invalid --window-ms=100000: .*above the 256 MiB bound; 53 bands allow a window of at most \d+ ms/,
    ],
    [
      ["--dt-ms", "100000"],
      /^ac1 build: invalid --dt-ms=100000: dt-ms sets the default window, window-ms = 2 \* dt-ms = 200000 ms: .*256 MiB bound/,
    ],
    [
      ["--bins-per-octave", "100000"],
      /^ac1 build: invalid --bins-per-octave=100000: .*F = 881379 bands.*a 10 ms window at most \d+ bands$/,
    ],
  ];
  for (const [flags, message] of cases) {
    // a folder that does not exist: the error must come from the option, before any file is read
    const out = join(work.dir, "bad.npz");
    const r = await runAc1(["build", "--path", join(work.dir, "no-such-folder"), "--out", out, ...flags], {
      env,
    });
    assert.equal(r.code, 2, `${flags}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr.trim(), message, flags.join(" "));
    assert.equal(r.stdout, "");
    assert.ok(!existsSync(out));
  }
});

test("warnings say what the output is, in the flags' words; a load from the build cache gives them again", async () => {
  const warnings = (stderr: string) => stderr.split("\n").filter((l) => l.includes("warning: "));
  const flags = ["--experimenter", "wehr", "--dt-ms", "0.2"];
  const built = await build("dt", ...flags);
  assert.equal(built.r.code, 0, built.r.stderr);
  assert.match(built.r.stderr, /built from the release/);
  assert.match(
    built.r.stderr,
    /warning: --dt-ms 0\.2 is shorter than the sample period of the responses recorded at 4000 Hz \(0\.25 ms, first in wehr cell [\w-]+\): each of their bins holds one sample.*use --dt-ms >= 0\.25/,
  );
  assert.match(
    built.r.stderr,
    /warning: --fmax 45000 Hz: 6 of the 53 bands .* --fmax 22050 keeps every band below it/,
  );
  const hit = await build("dt-hit", ...flags);
  assert.equal(hit.r.code, 0, hit.r.stderr);
  assert.match(hit.r.stderr, /loaded from the build cache/);
  // the walk's own warnings (a skipped file, say) are the build's; those about what the data is come again
  const dataWarnings = (stderr: string) => warnings(stderr).filter((l) => /--dt-ms|--fmax|mixes/.test(l));
  assert.deepEqual(dataWarnings(hit.r.stderr), dataWarnings(built.r.stderr));
  const m = JSON.parse((await members(hit.out)).get("manifest") as string) as Manifest;
  assert.deepEqual(
    m.response_rates?.map((r) => r.sf_hz),
    [4000],
    "the manifest records the response sample rates",
  );
});

test("--audio-fs without --waveform: a warning in the flags' words, on the build and on a cache hit", async () => {
  const line =
    "ac1 build: warning: --audio-fs 16000 applies to waveform stims (--waveform) only: this spectrogram build ignores it";
  for (const origin of ["built from the release", "loaded from the build cache"]) {
    const r = await build("ignored-audio-fs", "--experimenter", "wehr", "--audio-fs", "16000");
    assert.equal(r.r.code, 0, r.r.stderr);
    assert.match(r.r.stderr, new RegExp(origin));
    assert.ok(r.r.stderr.split("\n").includes(line), r.r.stderr);
  }
  const waveform = await build(
    "waveform-audio-fs",
    "--experimenter",
    "wehr",
    "--audio-fs",
    "16000",
    "--waveform",
  );
  assert.equal(waveform.r.code, 0, waveform.r.stderr);
  assert.doesNotMatch(waveform.r.stderr, /applies to waveform/);
});

test("ac1 cache list tells builds apart by the options not at their defaults and the folder", async () => {
  const r = await build("listed", "--experimenter", "wehr", "--min-xcorr", "0.1", "--keep-rejected");
  assert.equal(r.r.code, 0, r.r.stderr);
  const list = await runAc1(["cache", "list"], { env });
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.split("\n").filter((l) => l.includes("min_xcorr 0.1"));
  assert.equal(lines.length, 1, list.stdout);
  assert.ok(lines[0]!.endsWith(`wehr A1,MGB; min_xcorr 0.1, keep_rejected; from ${synth.dir}`), lines[0]);
});

test("ac1 info shows the modeller keys: units, stims, repeats, split per neuron; sf_hz and T per stim", async () => {
  const path = join(work.dir, "jobs1.npz");
  const r = await runAc1(["info", path, "--neurons", "--stims"], { env });
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse((await members(path)).get("manifest") as string) as Manifest;
  assert.match(
    r.stdout,
    /time axis: +response bin i = \[i\*dt, \(i\+1\)\*dt\) ms after stim onset; spectrogram frame i centred at i\*dt ms; silent frames -240 dB/,
  );
  assert.match(
    r.stdout,
    /units: +mV \d+, a\.u\. \d+ \(neurons per unit\); spike counts \(int\) for \d+ spikes pairs/,
  );
  assert.match(r.stdout, /the \d+ rejected repeats are kept, detrended and binned \(mV\)/);
  assert.match(
    r.stdout,
    new RegExp(
      `split: +stims:0\\.7,0\\.1,0\\.2, seed 3: ${m.splits.counts?.join(" / ")} stims \\(train / val / test\\)`,
    ),
  );
  const lines = r.stdout.split("\n");
  const head = lines.findIndex((l) =>
    /^n +experimenter +session +site +signal +units +stims +repeats +train \/ val \/ test stims$/.test(l),
  );
  assert.ok(head > 0, r.stdout);
  m.neurons.forEach((n, i) => {
    const line = lines[head + 1 + i] ?? "";
    assert.ok(line.startsWith(`${i} `) && line.includes(n.session), line);
    const total = n.repeats.reduce((a, b) => a + b, 0);
    assert.ok(line.includes(` ${total} (${n.repeats.join(",")})`), line);
  });
  const stimHead = lines.findIndex((l) =>
    /^s +experimenter +category +sf_hz +T +duration_s +description$/.test(l),
  );
  assert.ok(stimHead > head);
  m.stims.forEach((s, i) => {
    const cols = (lines[stimHead + 1 + i] ?? "").split(/ {2,}/);
    assert.equal(cols[0], String(i));
    assert.equal(cols[3], String(s.sf_hz));
    assert.equal(cols[4], String(s.T));
  });
  const bad = await runAc1(["info", path, "--split", "rancon"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--split applies to --path builds, not to an export file/);
});

test("--help documents the modeller flags", async () => {
  const r = await runAc1(["build", "--help"]);
  for (const flag of ["--split rancon", "--split stims:", "--split-seed N", "--keep-rejected"])
    assert.ok(r.stdout.includes(flag), flag);
  const info = await runAc1(["info", "--help"]);
  for (const flag of ["--neurons", "--stims"]) assert.ok(info.stdout.includes(flag), flag);
});
