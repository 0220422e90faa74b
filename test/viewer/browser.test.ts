// End to end in a real headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core): open the viewer on a fixture export, filter and pick a
// cell and a stim, and check what a user sees: the plots exist with the
// right number of traces (repeats + mean), axis titles with units, the
// cell/stim names, a spectrogram and traces that are not blank, the gating
// table, zooming, and the cohort charts; screenshots are decoded to make sure
// they are not blank (and kept under AC1_KEEP_SHOTS=DIR, paths in the test
// log). No console errors and no CSP violations are allowed.
//
// Without Chromium the test is skipped with the reason, unless
// AC1_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.

import assert from "node:assert/strict";
import { test } from "node:test";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { tempDir } from "../support/cli.js";
import { boxOf, canvasStats, launchBrowser, noBrowser, screenshot, watchPage } from "./browser-support.js";
import { REPEATS, writeFixture } from "./fixture.js";
import type { ViewerWindow } from "./page-types.js";

// Browser globals inside page.evaluate callbacks (this project compiles without the DOM lib).
declare const window: ViewerWindow;

test("the viewer shows a cell, a stim, its spectrogram, repeats and mean, gating and cohort in headless Chromium", async (t) => {
  const log = (s: string) => t.diagnostic(s);
  const browser = await launchBrowser();
  if (typeof browser === "string") {
    noBrowser(t, browser);
    return;
  }
  const tmp = await tempDir("ac1-viewer-e2e-");
  let viewer: ViewerServer | undefined;
  try {
    const fixture = await writeFixture(tmp.dir);
    viewer = await openViewer(fixture.path);
    const page = await browser.context.newPage();
    const { problems, external } = watchPage(page, viewer.url);

    await page.goto(viewer.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
    assert.match(await page.title(), /viewer-fixture\.npz/);
    // It opens on the first cell and its first stim, not on an empty panel.
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='0:0']", { timeout: 15000 });
    assert.match(page.url(), /#cell=0&stim=0$/);
    const firstLoad = await page.evaluate(() => window.ac1viewer.plots.responses.series.length);
    assert.equal(firstLoad - 1, REPEATS[0]![0]! + 1, "the first pair's repeats and mean are drawn");
    assert.equal(await page.locator("#cell-table tbody tr").count(), 5);
    assert.match(
      (await page.locator("#summary").textContent()) ?? "",
      /5 cells.*5 stims.*14 \(stim, cell\) pairs/s,
    );

    // Filters: experimenter, then site, then signal type.
    await page.selectOption("#f-experimenter", "asari");
    assert.equal(await page.locator("#cell-table tbody tr").count(), 3);
    await page.selectOption("#f-site", "A1");
    assert.deepEqual(await page.locator("#cell-table tbody tr td.name").allTextContents(), ["032306-2-1"]);
    await page.selectOption("#f-site", "");
    await page.selectOption("#f-signal", "spikes");
    assert.deepEqual(await page.locator("#cell-table tbody tr td.name").allTextContents(), [
      "032306-2-1",
      "040506-1-2",
    ]);
    await page.selectOption("#f-experimenter", "");
    await page.selectOption("#f-signal", "");
    assert.equal(await page.locator("#cell-table tbody tr").count(), 5);

    // Sorting: kept repeats descending (click the header twice), then back to index order.
    await page.click("#cell-table th[data-sort='repeatCount']");
    await page.click("#cell-table th[data-sort='repeatCount']");
    const keptOrder = (await page.locator("#cell-table tbody tr td:nth-child(7)").allTextContents()).map(
      Number,
    );
    const expectedKept = [0, 1, 2, 3, 4].map((n) => REPEATS.reduce((a, row) => a + (row[n] ?? 0), 0));
    assert.deepEqual(
      keptOrder,
      [...expectedKept].sort((a, b) => b - a),
    );
    await page.click("#cell-table th[data-sort='neuron']");
    assert.deepEqual(
      await page.locator("#cell-table tbody tr td:nth-child(7)").allTextContents(),
      expectedKept.map(String),
    );

    // Pick cell #3 (spikes) and its stim #3 (8 kept repeats, 3 rejected).
    await page.click("#cell-table tbody tr[data-neuron='3']");
    // (the first cell's table may hold a stim 3 too: wait for the new cell's title, then its row)
    await page.locator("#stim-title", { hasText: "032306-2-1" }).waitFor();
    await page.waitForSelector("#stim-table tbody tr[data-stim='3']");
    assert.match((await page.locator("#stim-title").textContent()) ?? "", /032306-2-1/);
    const stimNames = await page.locator("#stim-table tbody tr td.name").allTextContents();
    assert.deepEqual(stimNames, ["mouse vocalization 3", "zebra finch song 7", "tone sweep 1"]);
    await page.click("#stim-table tbody tr[data-stim='3']");
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='3:3']", { timeout: 15000 });
    assert.match(page.url(), /#cell=3&stim=3$/);

    const title = (await page.locator("#pair-title").textContent()) ?? "";
    assert.match(title, /032306-2-1/);
    assert.match(title, /tone sweep 1/);
    const plot = await page.evaluate(() => {
      const u = window.ac1viewer.plots.responses;
      return {
        series: u.series.length as number,
        labels: (u.series as { label: string }[]).map((s) => s.label),
        widths: (u.series as { width: number }[]).map((s) => s.width),
        xLabel: u.axes[0]?.label,
        yLabel: u.axes[1]?.label,
        width: u.width as number,
        overLeft: Number.parseFloat(u.over.style.left),
        overWidth: u.over.clientWidth as number,
        xMin: u.scales.x.min as number,
        xMax: u.scales.x.max as number,
      };
    });
    const R = REPEATS[3]![3]!;
    assert.equal(plot.series - 1, R + 1, "one series per kept repeat plus the mean");
    assert.equal(plot.labels.at(-1), "mean");
    assert.equal(plot.labels.filter((l) => l.startsWith("repeat ")).length, R);
    assert.ok(plot.widths.at(-1)! > 2 * plot.widths[1]!, "the mean is drawn bolder than the repeats");
    assert.equal(plot.xLabel, "time (s)");
    assert.equal(plot.yLabel, "spike rate (a.u.)");
    assert.equal(plot.xMin, 0);
    assert.ok(Math.abs(plot.xMax - 2.5) < 1e-9, `x range ends at ${plot.xMax}, expected 2.5 s`);

    const spec = await canvasStats(page, "#spec");
    assert.ok(spec, "the spectrogram canvas exists");
    assert.ok(spec.distinct > 100 && spec.lumaStd > 20, `spectrogram looks blank: ${JSON.stringify(spec)}`);
    const traces = await page.evaluate(() => {
      const u = window.ac1viewer.plots.responses;
      const c = u.ctx.canvas;
      const d = u.ctx.getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
      let dark = 0;
      let blue = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 200 && d[i]! < 60 && d[i + 1]! < 60 && d[i + 2]! < 60) dark++;
        if (d[i + 3]! > 20 && d[i + 2]! > d[i]! + 30) blue++;
      }
      return { dark, blue };
    });
    assert.ok(traces.dark > 500, `the bold mean trace is missing (${traces.dark} dark pixels)`);
    assert.ok(traces.blue > 2000, `the repeat traces are missing (${traces.blue} blue pixels)`);

    // Gating table: the three rejected repeats with reasons and statistics.
    const fates = await page
      .locator("#gating table.stats")
      .first()
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { fate?: string } }).dataset.fate));
    assert.deepEqual(fates, ["xcorr", "xcorr", "range"]);
    assert.match(
      (await page.locator("#gating").textContent()) ?? "",
      /max \|Vm\| \(mV\)[\s\S]*step fraction[\s\S]*r \(xcorr\)/,
    );

    const pairShot = await screenshot(page, "viewer-pair.png", log);

    // Zoom by dragging across the traces: the x range narrows.
    const box = await boxOf(page, "#resp-plot .u-over");
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await page.evaluate(() => {
      const u = window.ac1viewer.plots.responses;
      return [u.scales.x.min as number, u.scales.x.max as number];
    });
    assert.ok(
      zoomed[0]! > 0.5 && zoomed[1]! < 2 && zoomed[1]! > zoomed[0]!,
      `zoom did not narrow the time axis: ${zoomed}`,
    );

    // The arrow keys step through the cell's stims.
    await page.keyboard.press("ArrowUp");
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='1:3']");
    await page.keyboard.press("ArrowDown");
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='3:3']");

    // A subthreshold cell: the unit is mV.
    await page.click("#cell-table tbody tr[data-neuron='0']");
    await page.locator("#stim-title", { hasText: "(#0)" }).waitFor();
    await page.waitForSelector("#stim-table tbody tr[data-stim='1']");
    await page.click("#stim-table tbody tr[data-stim='1']");
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='1:0']");
    const sub = await page.evaluate(() => {
      const u = window.ac1viewer.plots.responses;
      return { series: u.series.length as number, yLabel: u.axes[1]?.label };
    });
    assert.equal(sub.series - 1, REPEATS[1]![0]! + 1);
    assert.equal(sub.yLabel, "membrane potential (mV)");

    // A pair whose repeats were all rejected: the stimulus and the gating table, no traces.
    await page.click("#cell-table tbody tr[data-neuron='2']");
    await page.locator("#stim-title", { hasText: "(#2)" }).waitFor();
    await page.waitForSelector("#stim-table tbody tr.nodata[data-stim='0']");
    await page.click("#stim-table tbody tr[data-stim='0']");
    await page.waitForSelector("#pair[data-rendered='1'][data-pair='0:2']");
    assert.equal(await page.locator("#resp-plot").count(), 0);
    const lone = await canvasStats(page, "#spec");
    assert.ok(
      lone && lone.distinct > 100,
      `the stimulus of a rejected-only pair is drawn: ${JSON.stringify(lone)}`,
    );
    const loneFates = await page
      .locator("#gating table.stats")
      .first()
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { fate?: string } }).dataset.fate));
    assert.deepEqual(loneFates, ["range", "step", "step"]);

    // Cohort view.
    await page.click("button.tab[data-tab='cohort']");
    await page.waitForSelector("#view-cohort[data-rendered='1']");
    for (const id of ["#cohort-bars", "#hist-length", "#hist-repeats"]) {
      const s = await canvasStats(page, id);
      assert.ok(s && s.painted > 1000 && s.distinct > 20, `${id} looks blank: ${JSON.stringify(s)}`);
    }
    const cohortShot = await screenshot(page, "viewer-cohort.png", log);
    // Clicking a cell's bar opens that cell.
    const bars = await boxOf(page, "#cohort-bars");
    await page.mouse.click(bars.x + 60 + ((bars.width - 76) / 6) * 0.5, bars.y + bars.height * 0.6);
    await page.waitForSelector("#view-cells:not([hidden]) #cell-table tr.selected[data-neuron='0']");

    assert.deepEqual(external, [], "the viewer must not fetch anything off the local server");
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");
    log(`screenshots: ${pairShot} ${cohortShot}`);
  } finally {
    await browser.cleanup();
    await viewer?.close();
    await tmp.cleanup();
  }
});
