// The viewer on a real pipeline output: the `small` synthetic archive
// (writeSynthArchive) built with buildDataset and exported with
// writeDatasetNpz. The API must agree with the built DatasetData for every
// cell and pair, and in headless Chromium a subthreshold and a spiking cell
// must render with one trace per kept repeat plus the mean.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_SEED, writeSynthArchive } from "../../src/ac1/index.js";
import { buildDataset } from "../../src/dataset/index.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { writeDatasetNpz } from "../../src/export/index.js";
import type { CohortJson, NeuronRowJson, NeuronStimsJson, SummaryJson } from "../../src/viewer/api-types.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { decodePayload } from "../../src/viewer/payload.js";
import { tempDir } from "../support/cli.js";
import { canvasStats, launchBrowser, noBrowser, screenshot, watchPage } from "./browser-support.js";
import type { ViewerWindow } from "./page-types.js";

// Browser globals inside page.evaluate callbacks (this project compiles without the DOM lib).
declare const window: ViewerWindow;

let data: DatasetData;
let viewer: ViewerServer;
let cleanup: () => Promise<void>;

before(async () => {
  const tmp = await tempDir("ac1-viewer-synth-");
  cleanup = tmp.cleanup;
  const archive = join(tmp.dir, "archive");
  await writeSynthArchive(archive, { scale: "small", seed: DEMO_SEED });
  data = await buildDataset({ path: archive, onWarning: () => {} });
  const path = join(tmp.dir, "small.npz");
  await writeDatasetNpz(data, path);
  viewer = await openViewer(path);
});

after(async () => {
  await viewer?.close();
  await cleanup?.();
});

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, viewer.url));
  assert.equal(res.status, 200, path);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return (await res.json()) as T;
}

function pairsOf(d: DatasetData): { s: number; n: number; R: number; T: number }[] {
  const out: { s: number; n: number; R: number; T: number }[] = [];
  d.responses.forEach((row, s) => {
    row.forEach((b, n) => {
      if (b) out.push({ s, n, R: b.shape[0]!, T: b.shape[1]! });
    });
  });
  return out;
}

test("on the small synthetic archive the API agrees with the built dataset", async () => {
  const pairs = pairsOf(data);
  const kept = pairs.reduce((a, p) => a + p.R, 0);
  assert.ok(
    data.neuronMeta.length >= 2 && pairs.length >= 4,
    "the synthetic archive yields a usable dataset",
  );

  const summary = await getJson<SummaryJson>("/api/summary");
  assert.equal(summary.neuronCount, data.neuronMeta.length);
  assert.equal(summary.stimCount, data.stims.length);
  assert.equal(summary.pairCount, pairs.length);
  assert.equal(summary.keptRepeats, kept);
  assert.deepEqual(summary.rejections, { ...data.rejections });
  assert.equal(summary.provenanceAvailable, data.provenance.length > 0);
  const provTally = { kept: 0, range: 0, step: 0, xcorr: 0 };
  for (const p of data.provenance) provTally[p.fate] += 1;
  assert.deepEqual(summary.provenanceTally, provTally);

  const neurons = await getJson<NeuronRowJson[]>("/api/neurons");
  assert.equal(neurons.length, data.neuronMeta.length);
  for (const row of neurons) {
    const mine = pairs.filter((p) => p.n === row.neuron);
    assert.equal(row.label, data.neuronMeta[row.neuron]!.session);
    assert.equal(row.stimCount, mine.length);
    assert.equal(
      row.repeatCount,
      mine.reduce((a: number, p) => a + p.R, 0),
    );
    assert.equal(row.signalType, data.neuronMeta[row.neuron]!.signal_type);
    // kept repeats are the block rows, plus those of a second stimulus file of the same key
    // whose block the cell's later one replaced (provenance stim -1)
    const detachedKept = data.provenance.filter(
      (p) => p.neuron === row.neuron && p.stim === -1 && p.fate === "kept",
    ).length;
    if (row.tally)
      assert.equal(
        row.tally.kept,
        row.repeatCount + detachedKept,
        `kept repeats of ${row.label} per provenance`,
      );
    const stims = await getJson<NeuronStimsJson>(`/api/neurons/${row.neuron}/stims`);
    assert.deepEqual(
      stims.stims.filter((s) => s.hasData).map((s) => [s.stim, s.repeats, s.frames]),
      mine.map((p) => [p.s, p.R, p.T]),
    );
  }

  for (const p of pairs) {
    const res = await fetch(new URL(`/api/pair/${p.s}/${p.n}`, viewer.url));
    assert.equal(res.status, 200);
    const { header, arrays } = decodePayload(new Uint8Array(await res.arrayBuffer()));
    assert.equal(header.repeats, p.R);
    assert.equal(header.frames, p.T);
    assert.deepEqual(arrays.get("responses"), data.responses[p.s]![p.n]!.data);
    assert.deepEqual(arrays.get("stim"), data.stims[p.s]!.data);
  }

  const cohort = await getJson<CohortJson>("/api/cohort");
  const sums = { kept: 0, range: 0, step: 0, xcorr: 0 };
  for (const c of cohort.cells) for (const f of ["kept", "range", "step", "xcorr"] as const) sums[f] += c[f];
  assert.deepEqual(sums, provTally);
  assert.equal(
    cohort.repeatCount.counts.reduce((a: number, b: number) => a + b, 0),
    pairs.length,
  );
});

test("in headless Chromium the synthetic cells render repeats + mean with the right units", async (t) => {
  const log = (s: string) => t.diagnostic(s);
  const browser = await launchBrowser();
  if (typeof browser === "string") {
    noBrowser(t, browser);
    return;
  }
  try {
    const page = await browser.context.newPage();
    const { problems, external } = watchPage(page, viewer.url);
    await page.goto(viewer.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
    assert.equal(await page.locator("#cell-table tbody tr").count(), data.neuronMeta.length);
    const pairs = pairsOf(data);
    const picks: number[] = [];
    for (const type of ["subthresh", "spikes"] as const) {
      const n = data.neuronMeta.findIndex((m) => m.signal_type === type);
      if (n >= 0) picks.push(n);
    }
    assert.ok(picks.length > 0);
    const shots: string[] = [];
    for (const n of picks) {
      const p = pairs.filter((q) => q.n === n).sort((a, b) => b.R - a.R)[0]!;
      await page.click(`#cell-table tbody tr[data-neuron='${n}']`);
      await page.waitForSelector(`#stim-table tbody tr[data-stim='${p.s}']`);
      await page.click(`#stim-table tbody tr[data-stim='${p.s}']`);
      await page.waitForSelector(`#pair[data-rendered='1'][data-pair='${p.s}:${n}']`, { timeout: 15000 });
      const plot = await page.evaluate(() => {
        const u = window.ac1viewer.plots.responses;
        return {
          series: u.series.length as number,
          x: u.axes[0]?.label,
          y: u.axes[1]?.label,
        };
      });
      assert.equal(plot.series - 1, p.R + 1, `cell ${n}, stim ${p.s}: one series per repeat plus the mean`);
      assert.equal(plot.x, "time (s)");
      assert.equal(
        plot.y,
        data.neuronMeta[n]!.signal_type === "spikes" ? "spike rate (a.u.)" : "membrane potential (mV)",
      );
      const title = (await page.locator("#pair-title").textContent()) ?? "";
      assert.ok(title.includes(data.neuronMeta[n]!.session), title);
      assert.ok(title.includes((data.stimMeta[p.s] as { description: string }).description), title);
      const spec = await canvasStats(page, "#spec");
      assert.ok(
        spec && spec.distinct > 50 && spec.lumaStd > 10,
        `spectrogram looks blank: ${JSON.stringify(spec)}`,
      );
      shots.push(await screenshot(page, `viewer-synthetic-cell${n}-stim${p.s}.png`, log));
    }
    assert.deepEqual(external, []);
    assert.deepEqual(problems, []);
    log(`screenshots: ${shots.join(" ")}`);
  } finally {
    await browser.cleanup();
  }
});
