// The viewer server's API against an export written from a known
// DatasetData: every route's status, content type and payload checked
// against the data.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DatasetData } from "../../src/dataset/model.js";
import type {
  CohortJson,
  NeuronRowJson,
  NeuronStimsJson,
  PairJson,
  ProvenanceJson,
  SummaryJson,
} from "../../src/viewer/api-types.js";
import { decodePayload } from "../../src/viewer/payload.js";
import { REPEATS, STIM_FRAMES } from "./fixture.js";
import { json, openFixtureViewer, raw } from "./server-support.js";

let data: DatasetData;
let port: number;
let close: (() => Promise<void>) | undefined;

before(async () => {
  ({ data, port, close } = await openFixtureViewer());
});

after(async () => {
  await close?.();
});

const pairCount = REPEATS.flat().filter((r) => r > 0).length;
const keptTotal = REPEATS.flat().reduce((a, b) => a + b, 0);

function provTally(filter: (p: DatasetData["provenance"][number]) => boolean) {
  const t = { kept: 0, range: 0, step: 0, xcorr: 0 };
  for (const p of data.provenance) if (filter(p)) t[p.fate] += 1;
  return t;
}

describe("API", () => {
  test("GET /api/summary: cohort facts and tallies", async () => {
    const r = await json<SummaryJson>(port, "/api/summary");
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const s = r.body;
    assert.equal(s.file, "viewer-fixture.npz");
    assert.equal(s.format, "ac1-npz");
    assert.equal(s.version, 1);
    assert.equal(s.dtMs, 5);
    assert.equal(s.F, data.F);
    assert.equal(s.mode, "spectrogram");
    assert.equal(s.audioFs, null);
    assert.equal(s.signalType, "mixed");
    assert.deepEqual(s.freqsHz, Array.from(data.freqsHz));
    assert.equal(s.bandsPerOctave, 6);
    assert.equal(s.stimCount, 5);
    assert.equal(s.neuronCount, 5);
    assert.equal(s.pairCount, pairCount);
    assert.equal(s.keptRepeats, keptTotal);
    assert.deepEqual(s.rejections, { ...data.rejections });
    assert.deepEqual(
      s.provenanceTally,
      provTally(() => true),
    );
    assert.equal(s.droppedCellsEmpty, 1);
    assert.deepEqual(s.skippedFiles, data.skippedFiles);
    assert.equal(s.provenanceAvailable, true);
    assert.deepEqual(s.experimenters, ["asari", "wehr"]);
    assert.deepEqual(s.sites, ["A1", "MGB"]);
    assert.deepEqual(s.signalTypes, ["spikes", "subthresh"]);
    assert.deepEqual(s.gating, { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0.05 });
    assert.equal("cacheControl" in r.body, false);
  });

  test("GET /api/neurons: one row per neuron with counts and gating tallies", async () => {
    const r = await json<NeuronRowJson[]>(port, "/api/neurons");
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    assert.equal(r.body.length, data.neuronMeta.length);
    r.body.forEach((row, n) => {
      const meta = data.neuronMeta[n]!;
      assert.equal(row.neuron, n);
      assert.equal(row.label, meta.session);
      assert.equal(row.experimenter, meta.experimenter);
      assert.equal(row.site, meta.site);
      assert.equal(row.signalType, meta.signal_type);
      assert.equal(row.stimCount, REPEATS.filter((rowS) => (rowS[n] ?? 0) > 0).length);
      assert.equal(
        row.repeatCount,
        REPEATS.reduce((a, rowS) => a + (rowS[n] ?? 0), 0),
      );
      assert.deepEqual(
        row.tally,
        provTally((p) => p.neuron === n),
      );
      assert.equal(row.tally.kept, row.repeatCount);
    });
  });

  test("GET /api/neurons/:n/stims: pairs with data, rejected-only stims, unregistered stims", async () => {
    const r = await json<NeuronStimsJson>(port, "/api/neurons/2/stims");
    assert.equal(r.status, 200);
    assert.equal(r.body.neuron, 2);
    assert.equal(r.body.label, "011706-1-3");
    const withData = r.body.stims.filter((s) => s.hasData);
    assert.deepEqual(
      withData.map((s) => [s.stim, s.repeats, s.frames]),
      REPEATS.map((row, s) => [s, row[2] ?? 0, STIM_FRAMES[s]]).filter((x) => (x[1] as number) > 0),
    );
    const stim0 = r.body.stims.find((s) => s.stim === 0);
    assert.deepEqual(stim0, {
      stim: 0,
      label: "mouse vocalization 3",
      category: "natural",
      experimenter: "wehr",
      durationS: 1.5,
      frames: 0,
      lengthS: 0,
      repeats: 0,
      hasData: false,
      hasPrediction: false,
      tally: { kept: 0, range: 1, step: 2, xcorr: 0 },
    });
    const s1 = r.body.stims.find((s) => s.stim === 1)!;
    assert.equal(s1.lengthS, 2.1);
    assert.deepEqual(
      s1.tally,
      provTally((p) => p.neuron === 2 && p.stim === 1),
    );
    assert.deepEqual(r.body.unregistered, []);

    const r3 = await json<NeuronStimsJson>(port, "/api/neurons/3/stims");
    assert.deepEqual(r3.body.unregistered, [
      { stimKey: '["asari","class9/9a.mat"]', tally: { kept: 0, range: 2, step: 0, xcorr: 2 } },
    ]);
    assert.equal((await json(port, "/api/neurons/5/stims")).status, 404);
    assert.equal((await json(port, "/api/neurons/x/stims")).status, 400);
    assert.equal((await json(port, "/api/neurons/-1/stims")).status, 400);
  });

  test("GET /api/pair/:s/:n: the stim and every kept repeat as float32, bit-exact", async () => {
    for (const [s, n] of [
      [1, 3],
      [0, 0],
      [4, 1],
    ] as const) {
      const r = await raw(port, `/api/pair/${s}/${n}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/octet-stream");
      assert.equal(r.headers["cache-control"], "no-store");
      const { header, arrays } = decodePayload(r.body);
      const block = data.responses[s]![n]!;
      const stim = data.stims[s]!;
      assert.equal(header.stim, s);
      assert.equal(header.neuron, n);
      assert.equal(header.repeats, REPEATS[s]![n]);
      assert.equal(header.frames, STIM_FRAMES[s]);
      assert.equal(header.mode, "spectrogram");
      assert.equal(header.stimLabel, (data.stimMeta[s] as { description: string }).description);
      assert.equal(header.neuronLabel, data.neuronMeta[n]!.session);
      const spikes = data.neuronMeta[n]!.signal_type === "spikes";
      assert.equal(header.unit, spikes ? "a.u." : "mV");
      assert.equal(header.quantity, spikes ? "spike rate" : "membrane potential");
      assert.deepEqual(
        header.arrays.map((a) => [a.name, a.shape]),
        [
          ["stim", [data.F, STIM_FRAMES[s]]],
          ["responses", block.shape],
          ["mean", [STIM_FRAMES[s]]],
        ],
      );
      assert.deepEqual(arrays.get("stim"), stim.data);
      assert.deepEqual(arrays.get("responses"), block.data);
      const [R, T] = block.shape as [number, number];
      const mean = arrays.get("mean")!;
      for (const t of [0, Math.floor(T / 2), T - 1]) {
        let sum = 0;
        for (let r2 = 0; r2 < R; r2++) sum += block.data[r2 * T + t]!;
        assert.ok(Math.abs(mean[t]! - sum / R) < 1e-4);
      }
    }
    const again = await raw(port, "/api/pair/1/3");
    assert.equal(again.status, 200);
    assert.equal((await json(port, "/api/pair/0/2")).status, 404, "missing pair");
    assert.equal((await json(port, "/api/pair/9/0")).status, 404, "stim out of range");
    assert.equal((await json(port, "/api/pair/0/9")).status, 404, "neuron out of range");
    assert.equal((await json(port, "/api/pair/-1/0")).status, 400);
    assert.equal((await json(port, "/api/pair/1.5/0")).status, 400);
  });

  test("GET /api/pair/:s/:n?format=json: the same pair as plain JSON", async () => {
    const r = await json<PairJson>(port, "/api/pair/2/4?format=json");
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const block = data.responses[2]![4]!;
    assert.equal(r.body.repeats, REPEATS[2]![4]);
    assert.equal(r.body.unit, "a.u.");
    const { responses, stim, mean } = r.body.arrays;
    assert.ok(responses && stim && mean, `arrays ${Object.keys(r.body.arrays)}`);
    assert.deepEqual(responses.shape, block.shape);
    assert.deepEqual(responses.data, Array.from(block.data));
    assert.deepEqual(stim.shape, [data.F, STIM_FRAMES[2]]);
    assert.deepEqual(stim.data, Array.from(data.stims[2]!.data));
    assert.equal(mean.data.length, STIM_FRAMES[2]);
    assert.equal((await json(port, "/api/pair/2/4?format=xml")).status, 400);
    assert.equal((await json(port, "/api/pair/0/2?format=json")).status, 404);
  });

  test("GET /api/stim/:s: one stim alone, also for pairs whose repeats were all rejected", async () => {
    const r = await raw(port, "/api/stim/0");
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/octet-stream");
    const { header, arrays } = decodePayload(r.body);
    assert.equal(header.stim, 0);
    assert.equal(header.stimLabel, "mouse vocalization 3");
    assert.equal(header.frames, STIM_FRAMES[0]);
    assert.equal(header.mode, "spectrogram");
    assert.deepEqual(
      header.arrays.map((a) => [a.name, a.shape]),
      [["stim", [data.F, STIM_FRAMES[0]]]],
    );
    assert.deepEqual(arrays.get("stim"), data.stims[0]!.data);
    assert.equal((await json(port, "/api/stim/5")).status, 404);
    assert.equal((await json(port, "/api/stim/x")).status, 400);
  });

  test("GET /api/provenance: rejected repeats with reason and statistics", async () => {
    const r = await json<ProvenanceJson>(port, "/api/provenance?neuron=3&stim=3");
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const rows = data.provenance.filter((p) => p.neuron === 3 && p.stim === 3);
    assert.equal(r.body.available, true);
    assert.deepEqual(r.body.gating, { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0.05 });
    assert.equal(r.body.repeats.length, rows.length);
    assert.deepEqual(
      r.body.rejected.map((x) => x.fate),
      ["xcorr", "xcorr", "range"],
    );
    for (const x of r.body.rejected) {
      const p = rows.find((q) => q.repeat === x.repeat)!;
      assert.equal(x.fate, p.fate);
      assert.equal(x.maxAbsMv, p.maxAbsMv);
      assert.equal(x.stepFrac, p.stepFrac);
      assert.equal(x.r, p.r);
      assert.equal(x.samples, p.samples);
    }
    assert.deepEqual(
      r.body.tally,
      provTally((p) => p.neuron === 3 && p.stim === 3),
    );
    const all = await json<ProvenanceJson>(port, "/api/provenance?neuron=3");
    assert.equal(all.body.repeats.length, data.provenance.filter((p) => p.neuron === 3).length);
    assert.equal((await json(port, "/api/provenance")).status, 400);
    assert.equal((await json(port, "/api/provenance?neuron=abc")).status, 400);
    assert.equal((await json(port, "/api/provenance?neuron=0&stim=77")).status, 404);
  });

  test("GET /api/cohort: per-cell fates (dropped cells included) and histograms", async () => {
    const r = await json<CohortJson>(port, "/api/cohort");
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const c = r.body;
    assert.equal(c.provenanceAvailable, true);
    assert.equal(c.cells.length, data.neuronMeta.length + 1);
    for (let n = 0; n < data.neuronMeta.length; n++) {
      const row = c.cells[n];
      assert.ok(row, `cell row ${n}`);
      assert.equal(row.neuron, n);
      assert.equal(row.label, data.neuronMeta[n]!.session);
      assert.equal(row.dropped, false);
      const t = provTally((p) => p.neuron === n);
      assert.deepEqual([row.kept, row.range, row.step, row.xcorr], [t.kept, t.range, t.step, t.xcorr]);
    }
    const dropped = c.cells[data.neuronMeta.length];
    assert.deepEqual(dropped, {
      neuron: -1,
      label: "mw0412-3",
      experimenter: "wehr",
      site: null,
      dropped: true,
      kept: 0,
      range: 3,
      step: 1,
      xcorr: 1,
    });
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    assert.equal(c.pairCount, pairCount);
    assert.equal(sum(c.repeatCount.counts), pairCount);
    assert.equal(sum(c.responseLengthS.counts), pairCount);
    assert.equal(c.repeatCount.edges.length, c.repeatCount.counts.length + 1);
    // One bin per repeat count: the bin holding 12 repeats has exactly the one pair with 12.
    const i12 = c.repeatCount.edges.findIndex((e, i, edges) => e <= 12 && 12 < (edges[i + 1] ?? Number.NaN));
    assert.equal(c.repeatCount.counts[i12], REPEATS.flat().filter((x) => x === 12).length);
    const lengths = REPEATS.flatMap((row, s) =>
      row.filter((x) => x > 0).map(() => (STIM_FRAMES[s]! * 5) / 1000),
    );
    for (let i = 0; i < c.responseLengthS.counts.length; i++) {
      const lo = c.responseLengthS.edges[i];
      const hi = c.responseLengthS.edges[i + 1];
      assert.ok(lo !== undefined && hi !== undefined, `edges of bin ${i}`);
      assert.equal(c.responseLengthS.counts[i], lengths.filter((x) => x >= lo && x < hi).length);
    }
  });
});
