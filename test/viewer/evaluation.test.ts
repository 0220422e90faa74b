// The viewer's evaluation routes against the fixture export and a model's
// PRED.npz: the quality columns (from the manifest, or computed from the
// arrays for an export without them, equal to `ac1 quality --json`), the
// prediction in the pair payload, the scores of every pair and neuron equal
// to what `ac1 score --json` prints for the same files, bad indices, the
// routes without --pred, and the provenance rows of an empty repeat.

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DatasetData, RepeatProvenance } from "../../src/dataset/model.js";
import { writeDatasetNpz } from "../../src/export/index.js";
import type {
  NeuronRowJson,
  NeuronScoresJson,
  NeuronStimsJson,
  PairJson,
  PairScoresJson,
  ProvenanceJson,
  ScoresJson,
  SummaryJson,
} from "../../src/viewer/api-types.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { decodePayload } from "../../src/viewer/payload.js";
import { provenanceRows } from "../../src/viewer/provenance.js";
import { runAc1, tempDir } from "../support/cli.js";
import { predictedPairs, REPEATS, STIM_FRAMES, writeFixture, writePredictions } from "./fixture.js";

let dir: string;
let cleanup: () => Promise<void>;
let data: DatasetData;
let exportPath: string;
let predPath: string;
let viewer: ViewerServer;
let plain: ViewerServer;

before(async () => {
  const tmp = await tempDir("ac1-viewer-eval-");
  dir = tmp.dir;
  cleanup = tmp.cleanup;
  const f = await writeFixture(dir);
  data = f.data;
  exportPath = f.path;
  predPath = await writePredictions(dir, data);
  viewer = await openViewer(exportPath, { pred: predPath });
  plain = await openViewer(exportPath);
});

after(async () => {
  await viewer?.close();
  await plain?.close();
  await cleanup?.();
});

async function get<T>(server: ViewerServer, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, server.url));
  if (res.headers.get("content-type")?.startsWith("application/json"))
    return { status: res.status, body: (await res.json()) as T };
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) as T };
}

/** `ac1 <args> --json` parsed. */
async function cliJson<T>(args: string[]): Promise<T> {
  const r = await runAc1([...args, "--json", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

type CliScore = { neurons: ({ index: number; pairs: number } & Record<string, number | null>)[] };

describe("quality columns", () => {
  test("GET /api/neurons: each neuron's quality, as stored in the manifest (= ac1 quality --json)", async () => {
    const { body: summary } = await get<SummaryJson>(plain, "/api/summary");
    assert.equal(summary.qualitySource, "manifest");
    assert.equal(summary.predictions, null);
    const { body: rows } = await get<NeuronRowJson[]>(plain, "/api/neurons");
    const cli = await cliJson<{ neurons: Record<string, number | null>[] }>(["quality", exportPath]);
    assert.equal(rows.length, cli.neurons.length);
    rows.forEach((row, n) => {
      const q = cli.neurons[n]!;
      for (const k of ["snr", "ccmax", "signal_power", "noise_power"] as const)
        assert.equal(row.quality[k], q[k], `neuron ${n} ${k}`);
      assert.equal(row.predictedPairs, 0);
    });
    assert.ok(rows.some((r) => r.quality.snr !== null && r.quality.snr > 0));
  });

  test("an export without stored quality: computed from its arrays, the same numbers", async () => {
    const stripped = structuredClone(data);
    stripped.neuronMeta = data.neuronMeta.map((m) => {
      const {
        snr: _s,
        ccmax: _c,
        signal_power: _sp,
        noise_power: _np,
        ...rest
      } = m as unknown as Record<string, unknown>;
      return rest as unknown as (typeof data.neuronMeta)[number];
    });
    const path = join(dir, "old.npz");
    await writeDatasetNpz(stripped, path);
    const old = await openViewer(path);
    try {
      const { body: summary } = await get<SummaryJson>(old, "/api/summary");
      assert.equal(summary.qualitySource, "computed");
      const { body: rows } = await get<NeuronRowJson[]>(old, "/api/neurons");
      const { body: stored } = await get<NeuronRowJson[]>(plain, "/api/neurons");
      assert.equal("snr" in rows[0]!.meta, false, "the manifest of this export has no quality");
      assert.deepEqual(
        rows.map((r) => r.quality),
        stored.map((r) => r.quality),
      );
    } finally {
      await old.close();
    }
  });
});

describe("predictions", () => {
  test("GET /api/summary and /api/neurons say which pairs have a prediction", async () => {
    const { body: summary } = await get<SummaryJson>(viewer, "/api/summary");
    assert.deepEqual(summary.predictions, { file: "pred.npz", pairs: predictedPairs().length, neurons: 3 });
    const { body: rows } = await get<NeuronRowJson[]>(viewer, "/api/neurons");
    assert.deepEqual(
      rows.map((r) => r.predictedPairs),
      [0, 1, 2, 3, 4].map((n) => predictedPairs().filter((p) => p.n === n).length),
    );
    const { body: stims } = await get<NeuronStimsJson>(viewer, "/api/neurons/3/stims");
    assert.deepEqual(
      stims.stims.filter((s) => s.hasPrediction).map((s) => s.stim),
      [1, 3],
    );
    assert.equal(stims.stims.find((s) => s.stim === 0)?.hasPrediction, false);
  });

  test("GET /api/pair/:s/:n carries the prediction (binary and JSON), and says when there is none", async () => {
    for (const { s, n } of [
      { s: 3, n: 3 },
      { s: 1, n: 0 },
    ]) {
      const { status, body } = await get<Buffer>(viewer, `/api/pair/${s}/${n}`);
      assert.equal(status, 200);
      const { header, arrays } = decodePayload<{ hasPrediction: boolean }>(body);
      assert.equal(header.hasPrediction, true);
      assert.deepEqual(
        header.arrays.map((a) => [a.name, a.shape]),
        [
          ["stim", [data.F, STIM_FRAMES[s]]],
          ["responses", [REPEATS[s]![n], STIM_FRAMES[s]]],
          ["mean", [STIM_FRAMES[s]]],
          ["prediction", [STIM_FRAMES[s]]],
        ],
      );
      assert.equal(arrays.get("prediction")!.length, STIM_FRAMES[s]);
    }
    const none = decodePayload<{ hasPrediction: boolean }>((await get<Buffer>(viewer, "/api/pair/0/3")).body);
    assert.equal(none.header.hasPrediction, false);
    assert.equal(
      none.header.arrays.some((a) => a.name === "prediction"),
      false,
    );
    const js = await get<PairJson>(viewer, "/api/pair/3/3?format=json");
    assert.equal(js.body.hasPrediction, true);
    assert.equal(js.body.arrays.prediction?.data.length, STIM_FRAMES[3]);
    const without = decodePayload<{ hasPrediction: boolean }>(
      (await get<Buffer>(plain, "/api/pair/3/3")).body,
    );
    assert.equal(without.header.hasPrediction, false);
  });

  test("GET /api/scores equals ac1 score --json for the same files", async () => {
    const { status, body } = await get<ScoresJson>(viewer, "/api/scores");
    assert.equal(status, 200);
    const cli = await cliJson<CliScore & { mean: Record<string, number | null> }>([
      "score",
      exportPath,
      predPath,
    ]);
    assert.equal(body.file, "pred.npz");
    assert.deepEqual(body.neurons, cli.neurons);
    assert.deepEqual(body.mean, cli.mean);
    assert.deepEqual(
      body.neurons.map((x) => x.index),
      [0, 1, 3],
    );
  });

  test("GET /api/scores/neuron/:n is that neuron's row of ac1 score --json", async () => {
    const cli = await cliJson<CliScore>(["score", exportPath, predPath]);
    for (const row of cli.neurons) {
      const { status, body } = await get<NeuronScoresJson>(viewer, `/api/scores/neuron/${row.index}`);
      assert.equal(status, 200);
      assert.deepEqual(body.score, row);
      assert.deepEqual(
        body.stims,
        predictedPairs()
          .filter((p) => p.n === row.index)
          .map((p) => p.s),
      );
    }
    const none = await get<NeuronScoresJson>(viewer, "/api/scores/neuron/2");
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { neuron: 2, stims: [], score: null });
  });

  test("GET /api/scores/pair/:s/:n: the pair's scores equal ac1 score --json on a PRED.npz of that pair alone", async () => {
    const cliAll = await cliJson<CliScore>(["score", exportPath, predPath]);
    for (const { s, n } of [
      { s: 3, n: 3 },
      { s: 0, n: 0 },
      { s: 4, n: 1 },
    ]) {
      const one = await writePredictions(dir, data, [{ s, n }], `pred-${s}-${n}.npz`);
      const cli = await cliJson<CliScore>(["score", exportPath, one]);
      const { status, body } = await get<PairScoresJson>(viewer, `/api/scores/pair/${s}/${n}`);
      assert.equal(status, 200);
      assert.equal(body.key, `pred_${s}_${n}`);
      const { index: _i, pairs: _p, ...expected } = cli.neurons[0]!;
      assert.deepEqual(body.pair, expected);
      assert.deepEqual(
        body.score,
        cliAll.neurons.find((x) => x.index === n),
      );
      assert.ok(typeof body.pair?.corrcoef === "number" && body.pair.corrcoef > 0.5, "a good model");
    }
    const missing = await get<PairScoresJson>(viewer, "/api/scores/pair/0/3");
    assert.equal(missing.status, 200);
    assert.equal(missing.body.pair, null);
    assert.equal(missing.body.key, null);
    assert.notEqual(missing.body.score, null, "its neuron has other predicted pairs");
  });

  test("bad indices and missing predictions: 400 and 404 with a reason", async () => {
    const cases: [ViewerServer, string, number, RegExp][] = [
      [viewer, "/api/scores/neuron/9", 404, /no neuron 9/],
      [viewer, "/api/scores/neuron/x", 400, /neuron must be a non-negative integer/],
      [viewer, "/api/scores/neuron/-1", 400, /non-negative integer/],
      [viewer, "/api/scores/pair/9/0", 404, /no stim 9/],
      [viewer, "/api/scores/pair/0/9", 404, /no neuron 9/],
      [viewer, "/api/scores/pair/0/2", 404, /no data for stim 0 and neuron 2/],
      [viewer, "/api/scores/pair/1.5/0", 400, /stim must be a non-negative integer/],
      [viewer, "/api/scores/pair/0", 404, /no such API route/],
      [viewer, "/api/scores/nope", 404, /no such API route/],
      [viewer, "/api/scores/neuron/0/1", 404, /no such API route/],
      [plain, "/api/scores", 404, /no predictions loaded: start the viewer with --pred/],
      [plain, "/api/scores/neuron/0", 404, /--pred/],
      [plain, "/api/scores/pair/0/0", 404, /--pred/],
    ];
    for (const [server, path, status, message] of cases) {
      const r = await get<{ error: string; status: number }>(server, path);
      assert.equal(r.status, status, path);
      assert.match(r.body.error, message, path);
    }
  });

  test("openViewer refuses a bad PRED.npz before serving (PredictionError naming the key)", async () => {
    const bad = join(dir, "garbage-pred.npz");
    await writeFile(bad, "not a zip");
    await assert.rejects(openViewer(exportPath, { pred: bad }), (e: Error) => {
      assert.equal(e.name, "PredictionError");
      assert.match(e.message, /garbage-pred\.npz/);
      return true;
    });
  });
});

describe("provenance rows", () => {
  test("an empty rejected repeat: fate range, reason 'empty repeat (0 samples)', r and step not computed", async () => {
    const { body } = await get<ProvenanceJson>(plain, "/api/provenance?neuron=1&stim=4");
    const empty = body.rejected.find((r) => r.samples === 0);
    assert.ok(empty, "the fixture's empty repeat");
    assert.equal(empty.fate, "range");
    assert.equal(empty.reason, "empty repeat (0 samples)");
    assert.equal(empty.maxAbsMv, null);
    assert.equal(empty.stepFrac, null);
    assert.equal(empty.r, null);
    assert.match(empty.rNote ?? "", /not computed: an empty repeat/);
    // The whole group was gated without the cross-trial test: no r for any of them.
    for (const row of body.repeats) {
      assert.equal(row.r, null);
      assert.ok(row.rNote);
    }
  });

  test("computed statistics stay, with the reason in words", async () => {
    const { body } = await get<ProvenanceJson>(plain, "/api/provenance?neuron=3&stim=3");
    for (const row of body.repeats) {
      assert.equal(typeof row.r, "number");
      assert.equal(row.rNote, null);
    }
    const range = body.rejected.find((r) => r.fate === "range")!;
    assert.match(range.reason, /^max \|Vm\| \d+(\.\d+)? mV > 150 mV$/);
    const xcorr = body.rejected.find((r) => r.fate === "xcorr")!;
    assert.match(xcorr.reason, /^r = -?\d.* with the median of the other repeats < 0\.05$/);
    const step = (await get<ProvenanceJson>(plain, "/api/provenance?neuron=2&stim=1")).body.rejected[0]!;
    assert.match(step.reason, /% of samples jump by more than 30 mV \(limit 0\.5 %\)$/);
  });

  test("r is not shown where the cross-trial test did not run: under 3 repeats, or the test off", () => {
    const row = (repeat: number, samples = 5000): RepeatProvenance => ({
      session: "s",
      experimenter: "wehr",
      neuron: 0,
      stimKey: "k",
      stim: 0,
      repeat,
      fate: "kept",
      maxAbsMv: 50,
      stepFrac: 0,
      r: 1,
      samples,
    });
    const gating = { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0.05 };
    const two = provenanceRows([row(0), row(1)], gating);
    assert.deepEqual(
      two.map((r) => r.r),
      [null, null],
    );
    assert.match(two[0]!.rNote!, /needs 3 or more repeats of the stim, this cell has 2/);
    const off = provenanceRows([row(0), row(1), row(2)], { ...gating, minXcorr: 0 });
    assert.match(off[0]!.rNote!, /the xcorr test is off/);
    const ran = provenanceRows(
      [0, 1, 2].map((i) => ({ ...row(i), r: 0.5 })),
      gating,
    );
    assert.deepEqual(
      ran.map((r) => [r.r, r.rNote, r.reason]),
      [0, 1, 2].map(() => [0.5, null, "passed every test"]),
    );
  });
});
