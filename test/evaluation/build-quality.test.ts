// Every build stores each neuron's quality (snr, ccmax, signal_power,
// noise_power) in its manifest metadata, identical whether the data came from
// a fresh build on 1 or 2 worker threads or from the build cache, equal to
// what `ac1 quality` computes from the arrays and to what readDatasetNpz
// gives back; `ac1 info` shows it; an export without the keys (made before
// they were stored) is still served by `ac1 quality`.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { QUALITY_KEYS } from "../../src/dataset/quality.js";
import { readDatasetNpz, writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { runAc1, tempDir } from "../support/cli.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const out = (name: string) => join(work.dir, `${name}.npz`);

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-eval-build-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache") };
  for (const [name, ...flags] of [
    ["serial", "--jobs", "1", "--no-cache"],
    ["parallel", "--jobs", "2"],
    ["cached", "--jobs", "2"],
  ] as const) {
    const r = await runAc1(["build", "--path", synth.dir, "--out", out(name), "--quiet", ...flags], { env });
    assert.equal(r.code, 0, r.stderr);
  }
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

async function neuronsOf(path: string): Promise<Record<string, unknown>[]> {
  const r = await NpzReader.open(path);
  try {
    return (JSON.parse(await r.readString("manifest")) as { neurons: Record<string, unknown>[] }).neurons;
  } finally {
    await r.close();
  }
}

test("the build stores the four quality keys per neuron, the same for any --jobs and from the cache", async () => {
  const serial = await neuronsOf(out("serial"));
  assert.ok(serial.length > 0);
  for (const m of serial)
    for (const k of QUALITY_KEYS) assert.ok(typeof m[k] === "number" || m[k] === null, `${k}: ${m[k]}`);
  assert.ok(serial.some((m) => typeof m.snr === "number" && (m.snr as number) > 0));
  assert.deepEqual(await neuronsOf(out("parallel")), serial);
  assert.deepEqual(await neuronsOf(out("cached")), serial);
});

test("ac1 quality computes from the arrays exactly what the build stored", async () => {
  const stored = await neuronsOf(out("serial"));
  const r = await runAc1(["quality", out("cached"), "--json", "--quiet"], { env });
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { neurons: Record<string, unknown>[] }).neurons;
  assert.equal(rows.length, stored.length);
  for (const [n, row] of rows.entries()) {
    assert.equal(row.session, stored[n]!.session);
    assert.equal(row.signal_type, stored[n]!.signal_type);
    for (const k of QUALITY_KEYS) assert.equal(row[k], stored[n]![k], `neuron ${n} ${k}`);
  }
});

test("readDatasetNpz gives the stored quality back (null as NaN); ac1 info shows it", async () => {
  const stored = await neuronsOf(out("parallel"));
  const data = await readDatasetNpz(out("parallel"));
  for (const [n, m] of data.neuronMeta.entries())
    for (const k of QUALITY_KEYS) {
      const s = stored[n]![k];
      assert.ok(Object.is(m[k], s === null ? Number.NaN : s), `neuron ${n} ${k}`);
    }
  const info = await runAc1(["info", out("parallel")], { env });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^quality: +snr median \S+ \(\S+ \.\. \S+, \d+ of \d+\); ccmax median /m);
});

test("an export without the quality keys: ac1 info says so, ac1 quality computes the same values", async () => {
  const data = await readDatasetNpz(out("serial"));
  const old = join(work.dir, "old.npz");
  await writeDatasetNpz(
    {
      ...data,
      neuronMeta: data.neuronMeta.map((m) => {
        const { snr: _a, ccmax: _b, signal_power: _c, noise_power: _d, ...rest } = m;
        return rest;
      }),
    },
    old,
  );
  assert.ok((await neuronsOf(old)).every((m) => !("snr" in m)));
  const info = await runAc1(["info", old], { env });
  assert.match(info.stdout, /^quality: +not stored \(older export\): `ac1 quality FILE\.npz` computes it$/m);
  const a = await runAc1(["quality", old, "--json", "--quiet"], { env });
  const b = await runAc1(["quality", out("serial"), "--json", "--quiet"], { env });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
});

test("ac1 quality and ac1 score: usage errors exit 2, a missing export exits 1, one line each", async () => {
  for (const [args, code, re] of [
    [["quality"], 2, /expected one FILE\.npz, got 0/],
    [["quality", "a.npz", "b.npz"], 2, /expected one FILE\.npz, got 2/],
    [["quality", "a.npz", "--bogus"], 2, /unknown option --bogus/],
    [["score", out("serial")], 2, /expected FILE\.npz PRED\.npz, got 1/],
    [["quality", join(work.dir, "missing.npz")], 1, /missing\.npz: no such file/],
    [["score", join(work.dir, "missing.npz"), out("serial")], 1, /missing\.npz: no such file/],
    [["score", out("serial"), join(work.dir, "nopred.npz")], 1, /nopred\.npz: no such file/],
  ] as const) {
    const r = await runAc1([...args], { env });
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
  for (const cmd of ["quality", "score"]) {
    const h = await runAc1([cmd, "--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^usage: ac1 ${cmd} FILE\\.npz`));
    assert.match(h.stdout, /--json/);
  }
});
