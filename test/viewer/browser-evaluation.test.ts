// The viewer's quality and model views end to end in a real headless Chromium
// (`ac1 view FILE.npz --pred PRED.npz` through openViewer): it opens on the
// first cell with a prediction (never an empty panel); the cell list's SNR
// and CCmax columns sort with missing values ("–") last and fit 1400 px
// without horizontal scrolling; the threshold filter applies `ccmax >= 0.9`
// and explains a bad expression; the prediction is a third trace group
// (uPlot series, legend entry, vermillion pixels) with the pair's and the
// cell's scores beside the plot, equal to the API's (which equal
// `ac1 score --json`, evaluation.test.ts); a pair without a prediction says
// so; `#cell=99` says there is no such cell; an empty rejected repeat reads
// "range", "empty repeat (0 samples)" and r "–"; the cohort's scatter plots
// are drawn. Screenshots are checked and kept under AC1_KEEP_SHOTS=DIR.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { writeDatasetNpz } from "../../src/export/index.js";
import type { NeuronRowJson, PairScoresJson } from "../../src/viewer/api-types.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { tempDir } from "../support/cli.js";
import { boxOf, canvasStats, launchBrowser, noBrowser, screenshot, watchPage } from "./browser-support.js";
import { buildFixture, REPEATS, writePredictions } from "./fixture.js";
import type { DocumentView, ViewerWindow } from "./page-types.js";

// Browser globals inside page.evaluate callbacks (this project compiles without the DOM lib).
declare const window: ViewerWindow;
declare const document: DocumentView;

/** The app's number format (web/dom.js fmt) for values in [1e-3, 1e5). */
function fmt(v: number | null): string {
  return v === null ? "–" : String(Number(v.toPrecision(3)));
}

async function cellColumn(page: Page, nth: number): Promise<string[]> {
  return page.locator(`#cell-table tbody tr td:nth-child(${nth})`).allTextContents();
}

/** Series labels of the trace plot and pixels of the prediction's colour (#D55E00) on its canvas. */
function tracePlot(page: Page) {
  return page.evaluate(() => {
    const u = window.ac1viewer.plots.responses;
    const c = u.ctx.canvas;
    const d = u.ctx.getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
    let vermillion = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3]! > 200 && d[i]! > 180 && d[i + 1]! > 60 && d[i + 1]! < 130 && d[i + 2]! < 60) vermillion++;
    return { labels: (u.series as { label: string }[]).map((s) => s.label), vermillion };
  });
}

test("quality columns, threshold filter, prediction overlay, scores, first load, #cell=99 and the cohort scatter in headless Chromium", async (t) => {
  const log = (s: string) => t.diagnostic(s);
  const browser = await launchBrowser();
  if (typeof browser === "string") {
    noBrowser(t, browser);
    return;
  }
  const tmp = await tempDir("ac1-viewer-e2e-eval-");
  let viewer: ViewerServer | undefined;
  try {
    // The fixture with two undefined qualities, as the manifest stores them (null): neuron 4's SNR
    // (as for a cell with one repeat per stim) and neuron 2's CCmax (constant half-PSTHs).
    const f = buildFixture();
    (f.data.neuronMeta[4] as { snr: number }).snr = Number.NaN;
    (f.data.neuronMeta[2] as { ccmax: number }).ccmax = Number.NaN;
    const path = join(tmp.dir, "viewer-eval.npz");
    await writeDatasetNpz(f.data, path);
    const pred = await writePredictions(tmp.dir, f.data);
    viewer = await openViewer(path, { pred });
    const api = async <T>(p: string) => (await (await fetch(new URL(p, viewer!.url))).json()) as T;
    const neurons = await api<NeuronRowJson[]>("/api/neurons");
    const page = await browser.context.newPage();
    const { problems, external } = watchPage(page, viewer.url);

    // First contact: the first cell with a prediction and its first predicted stim, drawn.
    await page.goto(viewer.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='0:0']", { timeout: 15000 });
    assert.match(page.url(), /#cell=0&stim=0$/);
    assert.equal(await page.locator("#cell-table tbody tr.selected").getAttribute("data-neuron"), "0");
    assert.match(
      (await page.locator("#summary").textContent()) ?? "",
      /model: pred\.npz \(8 pairs, 3 cells\)/,
    );

    // The prediction: a third trace group, in the legend, drawn in vermillion.
    const first = await tracePlot(page);
    const R00 = REPEATS[0]![0]!;
    assert.equal(first.labels.length, 1 + R00 + 2, "time, every repeat, the mean and the prediction");
    assert.deepEqual(first.labels.slice(-2), ["mean", "prediction"]);
    assert.ok(first.vermillion > 300, `the prediction trace is not drawn (${first.vermillion} pixels)`);
    assert.deepEqual(
      await page
        .locator("#trace-legend .legend-item")
        .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { group: string } }).dataset.group)),
      ["repeats", "mean", "prediction"],
    );
    assert.match(
      (await page.locator("#trace-legend [data-group='prediction']").textContent()) ?? "",
      /model prediction \(pred\.npz\)/,
    );

    // The scores beside the plot: the pair's and the cell's, as the API gives them.
    const scores = await api<PairScoresJson>("/api/scores/pair/0/0");
    assert.match((await page.locator("#scores h3").textContent()) ?? "", /Model scores/);
    for (const key of ["corrcoef", "fve", "mse", "ccnorm_schoppe", "ccnorm_hsu", "snr", "ccmax"] as const) {
      const cells = await page.locator(`#scores tr[data-metric='${key}'] td`).allTextContents();
      assert.deepEqual(cells, [fmt(scores.pair![key]), fmt(scores.score![key])], key);
    }
    const plotBox = await boxOf(page, "#resp-plot");
    const scoresBox = await boxOf(page, "#scores");
    assert.ok(scoresBox.x >= plotBox.x + plotBox.width, "the scores sit beside the plot at 1500 px");
    const pairShot = await screenshot(page, "viewer-pred-pair.png", log);

    // A pair without a prediction says so, and draws no prediction.
    await page.goto(`${viewer.url}#cell=3&stim=0`);
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='0:3']");
    assert.equal(
      await page.locator("#no-prediction").textContent(),
      "No prediction for this pair in pred.npz.",
    );
    const none = await tracePlot(page);
    assert.equal(none.labels.includes("prediction"), false);
    assert.equal(await page.locator("#trace-legend [data-group='prediction']").count(), 0);
    assert.equal(
      (await page.locator("#scores tr[data-metric='corrcoef'] td").allTextContents())[0],
      "–",
      "no pair score",
    );

    // A cell without any prediction says so, without a table of dashes.
    await page.goto(`${viewer.url}#cell=2&stim=1`);
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='1:2']");
    assert.equal(
      await page.locator("#no-prediction").textContent(),
      "No prediction for this cell in pred.npz.",
    );
    assert.equal(await page.locator("#scores table").count(), 0);

    // Quality columns: sorted ascending and descending, missing values last both ways.
    const snrOf = new Map(neurons.map((n) => [n.neuron, n.quality.snr]));
    const ccmaxOf = new Map(neurons.map((n) => [n.neuron, n.quality.ccmax]));
    assert.equal(snrOf.get(4), null);
    assert.equal(ccmaxOf.get(2), null);
    for (const [key, col, of] of [
      ["snr", 9, snrOf],
      ["ccmax", 10, ccmaxOf],
    ] as const) {
      const finite = [...of.values()].filter((v): v is number => v !== null);
      await page.click(`#cell-table th[data-sort='${key}']`);
      assert.deepEqual(await cellColumn(page, col), [...[...finite].sort((a, b) => a - b).map(fmt), "–"]);
      await page.click(`#cell-table th[data-sort='${key}']`);
      assert.deepEqual(await cellColumn(page, col), [...[...finite].sort((a, b) => b - a).map(fmt), "–"]);
    }
    const title = await page
      .locator("#cell-table tbody tr[data-neuron='0'] td:nth-child(9)")
      .getAttribute("title");
    assert.match(title ?? "", /signal power .* mV²\nnoise power .* mV²/);

    // Threshold filter: applied, combined, explained when bad (and then not applied).
    await page.fill("#f-quality", "ccmax >= 0.9");
    const high = neurons
      .filter((n) => n.quality.ccmax !== null && n.quality.ccmax >= 0.9)
      .map((n) => n.neuron);
    assert.ok(high.length > 0 && high.length < neurons.length, `fixture spread: ${high}`);
    const shown = async () =>
      (
        await page
          .locator("#cell-table tbody tr[data-neuron]")
          .evaluateAll((rows) =>
            rows.map((r) => Number((r as unknown as { dataset: { neuron: string } }).dataset.neuron)),
          )
      ).sort((a, b) => a - b);
    assert.deepEqual(await shown(), high);
    assert.equal(await page.locator("#cell-count").textContent(), `(${high.length} of ${neurons.length})`);
    assert.equal(await page.locator("#f-quality-msg").isHidden(), true);
    await page.fill("#f-quality", "snr > 1 or ccmax < 0.7");
    assert.deepEqual(
      await shown(),
      neurons
        .filter(
          (n) =>
            (n.quality.snr !== null && n.quality.snr > 1) ||
            (n.quality.ccmax !== null && n.quality.ccmax < 0.7),
        )
        .map((n) => n.neuron),
    );
    await page.fill("#f-quality", "cmax >= 0.5");
    assert.equal(await page.locator("#f-quality-msg").isVisible(), true);
    assert.match(
      (await page.locator("#f-quality-msg").textContent()) ?? "",
      /Threshold not applied: unknown column "cmax": use snr, ccmax/,
    );
    assert.equal(await page.locator("#f-quality").getAttribute("aria-invalid"), "true");
    assert.equal((await shown()).length, neurons.length, "a bad expression filters nothing");
    const badShot = await screenshot(page, "viewer-filter-error.png", log);
    await page.fill("#f-quality", "ccmax >=");
    assert.match((await page.locator("#f-quality-msg").textContent()) ?? "", /expected a number after ">="/);
    await page.fill("#f-quality", "");
    assert.equal(await page.locator("#f-quality-msg").isHidden(), true);
    await page.click("#cell-table th[data-sort='neuron']");

    // An empty rejected repeat: "range", its reason, and no r.
    await page.goto(`${viewer.url}#cell=1&stim=4`);
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='4:1']");
    const emptyRow = page
      .locator("#gating table.stats")
      .first()
      .locator("tbody tr")
      .filter({ hasText: "empty repeat" });
    assert.deepEqual(await emptyRow.locator("td").allTextContents(), [
      "2",
      "range",
      "empty repeat (0 samples)",
      "–",
      "–",
      "–",
      "0",
    ]);
    assert.match((await emptyRow.locator("td:nth-child(6)").getAttribute("title")) ?? "", /not computed/);
    const emptyShot = await screenshot(page, "viewer-empty-repeat.png", log);

    // No such cell: a clear message, nothing selected.
    await page.goto(`${viewer.url}#cell=99`);
    await page.waitForSelector("#pair-message.notice");
    assert.equal(
      await page.locator("#pair-message").textContent(),
      "There is no cell #99 in this export: it has 5 cells, #0 to #4. Pick one from the list.",
    );
    assert.equal(await page.locator("#cell-table tbody tr.selected").count(), 0);
    const noCellShot = await screenshot(page, "viewer-no-cell-99.png", log);
    await page.goto(`${viewer.url}#cell=abc`);
    await page.waitForSelector("#pair-message.notice:has-text('not a cell number')");
    await page.goto(`${viewer.url}#cell=2&stim=4`);
    await page.waitForSelector("#pair-message.notice:has-text('has no recording of stim #4')");

    // The cell list fits 1400 px: no horizontal scrolling, in the table or the page.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${viewer.url}#cell=3&stim=3`);
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='3:3']");
    const fit = await page.evaluate(() => {
      const wrap = document.querySelector(".cells-wrap") as unknown as {
        scrollWidth: number;
        clientWidth: number;
      };
      const root = document.querySelector("html") as unknown as { scrollWidth: number; clientWidth: number };
      return { wrap: [wrap.scrollWidth, wrap.clientWidth], page: [root.scrollWidth, root.clientWidth] };
    });
    assert.ok(fit.wrap[0]! <= fit.wrap[1]!, `the cell table scrolls sideways at 1400 px: ${fit.wrap}`);
    assert.ok(fit.page[0]! <= fit.page[1]!, `the page scrolls sideways at 1400 px: ${fit.page}`);
    const narrowShot = await screenshot(page, "viewer-1400.png", log);

    // Cohort: the noise-ceiling scatter and, with predictions, the model against the ceiling.
    await page.setViewportSize({ width: 1500, height: 1100 });
    await page.click("button.tab[data-tab='cohort']");
    await page.waitForSelector("#view-cohort[data-rendered='1']");
    assert.equal(await page.locator("#cohort-model").isVisible(), true);
    for (const id of ["#hist-ccmax", "#model-scatter", "#hist-ccnorm"]) {
      const s = await canvasStats(page, id);
      assert.ok(
        s && s.painted > 1000 && s.distinct > 20 && s.lumaStd > 10,
        `${id} looks blank: ${JSON.stringify(s)}`,
      );
    }
    // The noise-ceiling scatter (read back once: Chromium warns about repeated readbacks): painted,
    // with markers in the signal-type colours.
    const markers = await page.evaluate(() => {
      const c = document.querySelector("#cohort-quality")!;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let blue = 0;
      let red = 0;
      let painted = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 0) painted++;
        if (Math.abs(d[i]! - 0x44) < 16 && Math.abs(d[i + 1]! - 0x77) < 16 && Math.abs(d[i + 2]! - 0xaa) < 16)
          blue++;
        if (Math.abs(d[i]! - 0xee) < 16 && Math.abs(d[i + 1]! - 0x66) < 16 && Math.abs(d[i + 2]! - 0x77) < 16)
          red++;
      }
      return { blue, red, painted };
    });
    assert.ok(
      markers.painted > 1000 && markers.blue > 40 && markers.red > 20,
      `the scatter or its markers are missing: ${JSON.stringify(markers)}`,
    );
    assert.match(
      (await page.locator("#quality-note").textContent()) ?? "",
      /2 cells without an SNR or CCmax/,
    );
    const cohortShot = await screenshot(page, "viewer-pred-cohort.png", log);

    assert.deepEqual(external, [], "the viewer must not fetch anything off the local server");
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");
    log(`screenshots: ${pairShot} ${badShot} ${emptyShot} ${noCellShot} ${narrowShot} ${cohortShot}`);
  } finally {
    await browser.cleanup();
    await viewer?.close();
    await tmp.cleanup();
  }
});
