// The rejected repeats of an export built with --keep-rejected, end to end in
// a real headless Chromium: the pair view draws them in a plot of their own
// under the kept repeats (a trace group per fate, dimmed, in the fate's
// colour and dash, with a legend of toggle buttons), on an axis labelled as
// the detrended voltage in mV, never on a spikes cell's PSTH axis; each row of
// the gating table is linked to its trace (hover a row: its series is
// focused; hover a trace: its row is marked) and the failing statistic is
// shown against its threshold; the two plots zoom together; a pair whose
// every repeat was rejected draws them too; an export without rej_ arrays
// says how to get them. Screenshots are checked and kept under
// AC1_KEEP_SHOTS=DIR.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import type { ProvenanceJson } from "../../src/viewer/api-types.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { tempDir } from "../support/cli.js";
import { boxOf, canvasStats, launchBrowser, noBrowser, screenshot, watchPage } from "./browser-support.js";
import { REPEATS, writeFixture } from "./fixture.js";
import type { ViewerWindow } from "./page-types.js";

// Browser globals inside page.evaluate callbacks (this project compiles without the DOM lib).
declare const window: ViewerWindow;

/** What the rejected-repeats plot draws: per series its label, shown, alpha, stroke, dash and data extremes. */
function rejectedPlot(page: Page) {
  return page.evaluate(() => {
    const u = window.ac1viewer.plots.rejected;
    if (!u) return null;
    return {
      yLabel: u.axes[1]?.label,
      xMin: u.scales.x.min,
      xMax: u.scales.x.max,
      series: u.series.slice(1).map((s, k) => {
        const data = Array.from(u.data[k + 1] as ArrayLike<number | null>);
        const finite = data.filter((v): v is number => v !== null);
        const stroke = s.stroke as string | ((u: unknown, i: number) => string);
        return {
          label: s.label,
          show: s.show,
          alpha: s.alpha,
          stroke: typeof stroke === "function" ? stroke(u, k + 1) : stroke,
          dash: s.dash ?? null,
          max: finite.length ? Math.max(...finite.map(Math.abs)) : null,
          length: data.length,
        };
      }),
    };
  });
}

async function openPair(page: Page, n: number, s: number): Promise<void> {
  await page.evaluate(
    ([cell, stim]) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#cell=${cell}&stim=${stim}`;
    },
    [n, s] as const,
  );
  await page.waitForSelector(`#pair[data-rendered='1'][data-pair='${s}:${n}']`, { timeout: 15000 });
}

test("rejected repeats drawn by fate on their own axis, linked to the gating table, in headless Chromium", async (t) => {
  const log = (s: string) => t.diagnostic(s);
  const browser = await launchBrowser();
  if (typeof browser === "string") {
    noBrowser(t, browser);
    return;
  }
  const tmp = await tempDir("ac1-viewer-e2e-rej-");
  let viewer: ViewerServer | undefined;
  let plain: ViewerServer | undefined;
  try {
    const fixture = await writeFixture(tmp.dir, "rejected.npz", { keepRejected: true });
    viewer = await openViewer(fixture.path);
    const page = await browser.context.newPage();
    const { problems, external } = watchPage(page, viewer.url);
    const api = async <T>(p: string) => (await (await fetch(new URL(p, viewer!.url))).json()) as T;
    await page.goto(viewer.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });

    // A spikes cell (#3) and its stim #3: 8 kept repeats (PSTH, a.u.) and 3 rejected (xcorr, xcorr, range, mV).
    await openPair(page, 3, 3);
    const main = await page.evaluate(() => window.ac1viewer.plots.responses.axes[1]?.label);
    assert.equal(main, "spike rate (a.u.)", "the kept repeats keep their PSTH axis");
    let rej = await rejectedPlot(page);
    assert.ok(rej, "the rejected repeats are drawn");
    assert.equal(rej.yLabel, "detrended Vm (mV)");
    const prov = await api<ProvenanceJson>("/api/provenance?neuron=3&stim=3");
    assert.deepEqual(
      rej.series.map((s) => s.label),
      ["range", "step", "xcorr"].flatMap((fate) =>
        prov.rejected.filter((r) => r.fate === fate).map((r) => `repeat ${r.repeat + 1} (${fate})`),
      ),
      "one series per rejected repeat, grouped by fate; no reference line for a spikes cell",
    );
    assert.equal(rej.series.length, 3);
    assert.ok(
      rej.series.every((s) => /^rgba\(.*, 0\.[5-7]5?\)$/.test(s.stroke)),
      "dimmed (translucent)",
    );
    assert.notEqual(rej.series[0]?.stroke, rej.series[1]?.stroke, "range and xcorr differ in colour");
    assert.equal(rej.series[0]?.dash, null);
    assert.deepEqual(rej.series[1]?.dash, [2, 3], "and in dash");
    assert.match(
      (await page.locator("#rej-title").textContent()) ?? "",
      /detrended membrane potential in mV/,
    );
    assert.match((await page.locator("#rejected-traces .note").textContent()) ?? "", /PSTH \(a\.u\.\)/);
    assert.deepEqual(await page.locator("#rej-legend button").allTextContents(), [
      "range (max |Vm| too large, or empty): 1 repeat",
      "xcorr (low correlation with the other repeats): 2 repeats",
    ]);

    // The gating table: linked rows in provenance order, the failing statistic against its threshold.
    const rows = page.locator("#gating table.stats").first().locator("tbody tr");
    assert.deepEqual(
      await rows.evaluateAll((trs) =>
        trs.map((tr) =>
          (tr as unknown as { getAttribute(a: string): string | null }).getAttribute("data-trace-row"),
        ),
      ),
      prov.rejected.map((r) => String(r.traceRow)),
    );
    assert.deepEqual(
      prov.rejected.map((r) => r.traceRow),
      [0, 1, 2],
    );
    const rangeRow = prov.rejected.find((r) => r.fate === "range")!;
    assert.equal(
      (await rows.nth(2).locator("td.culprit").textContent())?.trim(),
      `${Number(rangeRow.maxAbsMv!.toPrecision(4))} > 150 limit`,
    );
    assert.match((await rows.nth(0).locator("td.culprit").textContent()) ?? "", /< 0\.05 limit$/);
    // The range repeat's trace rails at the max |Vm| its row shows (the link reaches the right row).
    assert.ok(
      Math.abs(rej.series[0]!.max! - rangeRow.maxAbsMv!) < 1e-3,
      "the linked trace is the row's repeat",
    );

    // Hover a row: its trace is focused, the others fade; leave: all back.
    await rows.nth(2).hover();
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => s.alpha),
      [1, 0.12, 0.12],
    );
    assert.equal(await rows.nth(2).getAttribute("class"), "linkable linked");
    const linkedShot = await screenshot(page, "viewer-rejected-linked.png", log);
    await page.mouse.move(5, 5);
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => s.alpha),
      [1, 1, 1],
    );
    // Focus a row with the keyboard: the same.
    await rows.nth(0).focus();
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => s.alpha),
      [0.12, 1, 0.12],
    );
    await rows.nth(0).blur();

    // Hover a trace: its row is marked. The range trace rails at > 150 mV, far above the others.
    const box = await boxOf(page, "#rej-plot .u-over");
    const railX = box.x + (box.width * (0.45 * 500 * 0.005)) / 2.5;
    let marked = false;
    for (let y = box.y + 2; y < box.y + box.height && !marked; y += 3) {
      await page.mouse.move(railX, y);
      marked = (await page.locator("#gating tr.linked").count()) === 1;
    }
    assert.ok(marked, "hovering a trace marks a row");
    assert.equal(await page.locator("#gating tr.linked").getAttribute("data-fate"), "range");
    await page.mouse.move(5, 5);

    const spikesShot = await screenshot(page, "viewer-rejected-spikes.png", log);

    // Toggle the xcorr group off: its series are hidden, and stay hidden on the next pair.
    await page.click("#rej-legend button[data-group='rejected-xcorr']");
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => s.show),
      [true, false, false],
    );
    assert.equal(
      await page.getAttribute("#rej-legend button[data-group='rejected-xcorr']", "aria-pressed"),
      "false",
    );

    // Zooming the kept repeats zooms the rejected ones.
    const over = await boxOf(page, "#resp-plot .u-over");
    await page.mouse.move(over.x + over.width * 0.2, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoom = await page.evaluate(() => {
      const p = window.ac1viewer.plots;
      return [
        p.responses.scales.x.min,
        p.responses.scales.x.max,
        p.rejected?.scales.x.min,
        p.rejected?.scales.x.max,
      ];
    });
    assert.ok(zoom[0]! > 0.3 && zoom[1]! < 1.5, `zoomed: ${zoom}`);
    assert.deepEqual(zoom.slice(2), zoom.slice(0, 2), "the rejected plot follows the zoom");

    // A subthreshold cell (#0, stim #0: range and xcorr): the kept mean is drawn beside them for reference.
    await openPair(page, 0, 0);
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => [s.label, s.show]),
      [
        ["kept mean", true],
        ["repeat 2 (range)", true],
        ["repeat 5 (xcorr)", false],
      ],
      "the reference line, then the range repeat; xcorr still hidden",
    );
    await page.click("#rej-legend button[data-group='rejected-xcorr']");
    const subShot = await screenshot(page, "viewer-rejected-subthresh.png", log);

    // The only rejected repeat of (cell #1, stim #4) is empty (0 samples): nothing to draw, and it says so.
    await openPair(page, 1, 4);
    assert.equal(await rejectedPlot(page), null);
    assert.match(
      (await page.locator("#rej-note").textContent()) ?? "",
      /^Nothing to draw: the rejected repeat is empty/,
    );
    const kept = await page.evaluate(() => window.ac1viewer.plots.responses.series.length);
    assert.equal(kept - 1, REPEATS[4]![1]! + 1, "the kept repeats and their mean are drawn as ever");

    // Every repeat of (cell #2, stim #0) was rejected: the stimulus and the three rejected traces.
    await openPair(page, 2, 0);
    assert.equal(await page.locator("#resp-plot").count(), 0);
    rej = await rejectedPlot(page);
    assert.deepEqual(
      rej!.series.map((s) => s.label),
      ["repeat 1 (range)", "repeat 2 (step)", "repeat 3 (step)"],
    );
    const lone = await canvasStats(page, "#spec");
    assert.ok(lone && lone.distinct > 100, `the stimulus is drawn: ${JSON.stringify(lone)}`);
    const loneShot = await screenshot(page, "viewer-rejected-lone.png", log);

    // The same export without rej_ arrays: no plot, and the gating panel says how to get one.
    const plainFixture = await writeFixture(tmp.dir, "plain.npz");
    plain = await openViewer(plainFixture.path);
    const page2 = await browser.context.newPage();
    const watch2 = watchPage(page2, plain.url);
    await page2.goto(`${plain.url}#cell=3&stim=3`);
    await page2.waitForSelector("#pair[data-rendered='1'][data-pair='3:3']", { timeout: 15000 });
    assert.equal(await page2.locator("#rejected-traces").count(), 0);
    assert.match(
      (await page2.locator("#no-rejected-traces").textContent()) ?? "",
      /build it with --keep-rejected to see the traces/,
    );
    assert.equal(await page2.locator("#gating tr[data-trace-row]").count(), 0);

    assert.deepEqual(
      [...external, ...watch2.external],
      [],
      "the viewer must not fetch anything off the local server",
    );
    assert.deepEqual(
      [...problems, ...watch2.problems],
      [],
      "no console errors, CSP violations or failed requests",
    );
    log(`screenshots: ${spikesShot} ${linkedShot} ${subShot} ${loneShot}`);
  } finally {
    await browser.cleanup();
    await viewer?.close();
    await plain?.close();
    await tmp.cleanup();
  }
});
