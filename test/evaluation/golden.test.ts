// `ac1 quality` and `ac1 score` end to end through the CLI on an export made
// by ac1's writer from the committed fixture, against the numpy restatement
// of deepSTRF (test/fixtures/evaluation/make_goldens.py): every value to 1e-9
// relative, NaN exactly where expected (null in JSON), the JSON schema of the
// contract, the table, and the stored manifest values equal to the computed
// ones. Also Ac1Dataset.computeNeuronQuality on the same data.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ac1Dataset } from "../../src/dataset/dataset.js";
import { readDatasetNpz } from "../../src/export/dataset-npz.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { close, type Num, num } from "../metrics/golden.js";
import { runAc1, tempDir } from "../support/cli.js";
import { expected, goldenData, goldenExport, PRED_FIXTURE, sessionOf } from "./fixture.js";

const QUALITY_KEYS = [
  "index",
  "session",
  "signal_type",
  "stims",
  "repeats",
  "snr",
  "signal_power",
  "noise_power",
  "ccmax",
];
const SCORE_KEYS = [
  "index",
  "pairs",
  "corrcoef",
  "fve",
  "mse",
  "ccnorm_schoppe",
  "ccnorm_hsu",
  "snr",
  "ccmax",
];
const MEAN_KEYS = SCORE_KEYS.slice(2);

let work: { dir: string; cleanup: () => Promise<void> };
let exportPath: string;
before(async () => {
  work = await tempDir("ac1-eval-golden-");
  exportPath = await goldenExport(work.dir);
});
after(() => work.cleanup());

/** A JSON value (number or null) against an expected one: null exactly where NaN is expected, else 1e-9 relative. */
function assertNum(actual: unknown, e: Num, what: string): void {
  if (e === null) {
    assert.equal(actual, null, `${what}: expected null (NaN), got ${actual}`);
    return;
  }
  assert.equal(typeof actual, "number", `${what}: expected a number, got ${JSON.stringify(actual)}`);
  assert.ok(close(actual as number, num(e)), `${what}: ${actual}, expected ${e} (1e-9 relative)`);
}

async function manifestNeurons(path: string): Promise<Record<string, unknown>[]> {
  const r = await NpzReader.open(path);
  try {
    return (JSON.parse(await r.readString("manifest")) as { neurons: Record<string, unknown>[] }).neurons;
  } finally {
    await r.close();
  }
}

test("ac1 quality --json: the contract's keys, numpy's values, NaN as null, equal to the stored ones", async () => {
  const r = await runAc1(["quality", exportPath, "--json", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = JSON.parse(r.stdout) as { neurons: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(out), ["neurons"]);
  const exp = expected().quality;
  assert.equal(out.neurons.length, exp.length);
  const stored = await manifestNeurons(exportPath);
  for (const [i, row] of out.neurons.entries()) {
    const e = exp[i]!;
    assert.deepEqual(Object.keys(row), QUALITY_KEYS);
    assert.equal(row.index, i);
    assert.equal(row.session, sessionOf(i));
    assert.equal(row.signal_type, i === 4 ? "spikes" : "subthresh");
    assert.equal(row.stims, e.stims);
    assert.equal(row.repeats, e.repeats);
    for (const k of ["snr", "signal_power", "noise_power", "ccmax"] as const) {
      assertNum(row[k], e[k], `neuron ${i} ${k}`);
      // what every build stores is what ac1 quality computes, to the last bit
      assert.equal(stored[i]![k], row[k], `neuron ${i} stored ${k}`);
    }
  }
  // the quirks are there: R = 1 only (snr null, ccmax 1.0), a silent stim (ccmax null)
  assert.equal(out.neurons[1]!.snr, null);
  assert.equal(out.neurons[1]!.ccmax, 1);
  assert.equal(out.neurons[2]!.ccmax, null);
});

test("ac1 quality prints a table: a header and one row per neuron, NaN spelled out", async () => {
  const r = await runAc1(["quality", exportPath, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1 + expected().quality.length);
  assert.deepEqual(lines[0]!.split(/\s+/), QUALITY_KEYS);
  assert.match(
    lines[2]!,
    new RegExp(`^\\s*1\\s+${sessionOf(1)}\\s+subthresh\\s+3\\s+3\\s+NaN\\s+NaN\\s+NaN\\s+1$`),
  );
  assert.match(lines[3]!, /NaN$/);
});

test("ac1 score --json: numpy's values on each neuron's scored pairs only, the NaN-aware means", async () => {
  const r = await runAc1(["score", exportPath, PRED_FIXTURE, "--json", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = JSON.parse(r.stdout) as { neurons: Record<string, unknown>[]; mean: Record<string, unknown> };
  assert.deepEqual(Object.keys(out), ["neurons", "mean"]);
  const exp = expected().score;
  assert.deepEqual(
    out.neurons.map((n) => n.index),
    exp.neurons.map((n) => n.index),
  );
  for (const [i, row] of out.neurons.entries()) {
    const e = exp.neurons[i]!;
    assert.deepEqual(Object.keys(row), SCORE_KEYS);
    assert.equal(row.pairs, e.pairs);
    for (const k of MEAN_KEYS) assertNum(row[k], e[k]!, `neuron ${row.index} ${k}`);
  }
  assert.deepEqual(Object.keys(out.mean), MEAN_KEYS);
  for (const k of MEAN_KEYS) assertNum(out.mean[k], exp.mean[k]!, `mean ${k}`);
  // neuron 6 has data but no prediction: not scored; neuron 3's constant prediction: corrcoef null
  assert.ok(!out.neurons.some((n) => n.index === 6));
  assert.equal(out.neurons.find((n) => n.index === 3)!.corrcoef, null);
  // R = 1 only: both normalized correlations are the plain one
  const one = out.neurons.find((n) => n.index === 1)!;
  assert.equal(one.ccnorm_schoppe, one.corrcoef);
  assert.equal(one.ccnorm_hsu, one.corrcoef);
});

test("ac1 score prints a table with a mean row", async () => {
  const r = await runAc1(["score", exportPath, PRED_FIXTURE, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.deepEqual(lines[0]!.trim().split(/\s+/), SCORE_KEYS);
  assert.equal(lines.length, 1 + expected().score.neurons.length + 1);
  assert.match(lines.at(-1)!, /^\s*mean\s+-?\d/);
});

test("ac1 score on neurons in different units (mV and a.u.) warns that the mean mse mixes them; --quiet silences it", async () => {
  const units = expected().score.neurons.map((n) => (n.index === 4 ? "a.u." : "mV"));
  assert.ok(units.includes("a.u.") && units.includes("mV"), "the fixture scores both kinds");
  const r = await runAc1(["score", exportPath, PRED_FIXTURE]);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split("\n").filter((l) => l.includes("warning"));
  assert.deepEqual(warnings, [
    `ac1 score: warning: the scored neurons' responses are in different units (${units.filter((u) => u === "mV").length} in mV, 1 in a.u.): the mean mse mixes them; score each signal type apart (an export of --sites A1 or --sites MGB, or predictions for one type only)`,
  ]);
});

test("progress goes to stderr, the result alone to stdout", async () => {
  const r = await runAc1(["quality", exportPath, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /quality/);
  assert.doesNotThrow(() => JSON.parse(r.stdout));
});

test("Ac1Dataset.computeNeuronQuality: deepSTRF's keys in the metadata, the numpy values, the base data untouched", async () => {
  const data = await goldenData();
  const before = data.neuronMeta.map((m) => ({ ...m }));
  const ds = new Ac1Dataset(data);
  ds.selectNeurons([0]).selectStims([3]); // the selection does not matter (deepSTRF ignores it too)
  const q = ds.computeNeuronQuality();
  const exp = expected().quality;
  for (let n = 0; n < exp.length; n++) {
    for (const [k, v] of [
      ["snr", q.snr[n]!],
      ["signal_power", q.signalPower[n]!],
      ["noise_power", q.noisePower[n]!],
      ["ccmax", q.ccmax[n]!],
    ] as const) {
      assert.ok(close(v, num(exp[n]![k])), `neuron ${n} ${k}: ${v} vs ${exp[n]![k]}`);
      assert.ok(Object.is(ds.neuronMeta[n]![k], v), `neuron ${n} metadata ${k}`);
    }
  }
  // smoothing changes the responses, and a new call the stored quality; the DatasetData stays as built
  ds.smoothResponses(21);
  const q2 = ds.computeNeuronQuality();
  assert.notEqual(q2.snr[0], q.snr[0]);
  assert.equal(ds.neuronMeta[0]!.snr, q2.snr[0]);
  assert.deepEqual(data.neuronMeta, before);
  // deepSTRF's quirks through the dataset: NaN in memory where the manifest has null
  assert.ok(Number.isNaN(ds.neuronMeta[1]!.snr));
  assert.equal(ds.neuronMeta[1]!.ccmax, 1);
});

test("readDatasetNpz restores NaN quality from the manifest's null, identical to the data written", async () => {
  const data = await goldenData();
  const back = await readDatasetNpz(exportPath);
  assert.deepEqual(back.neuronMeta, data.neuronMeta);
  assert.ok(Number.isNaN(back.neuronMeta[2]!.ccmax));
});
