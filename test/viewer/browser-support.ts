// Shared helpers of the browser tests: launching Debian's Chromium through
// playwright-core with a fresh profile (or skipping the test with the reason
// when it cannot run; a failure under AC1_REQUIRE_BROWSER=1, as in CI),
// watching a page for console errors, CSP violations and off-server
// requests, pixel statistics of canvases, and checked screenshots (decoded in
// memory; written to disk only under AC1_KEEP_SHOTS=DIR).
//
// Environment: AC1_CHROMIUM (the browser executable, default
// /usr/bin/chromium), AC1_REQUIRE_BROWSER=1, AC1_KEEP_SHOTS=DIR.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import type { DocumentView } from "./page-types.js";
import { decodePng, imageStats } from "./png.js";

// Browser globals inside page.evaluate callbacks (this project compiles without the DOM lib).
declare const document: DocumentView;

export const CHROMIUM = process.env.AC1_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Chromium with a fresh user data dir, or explains why it cannot. */
export async function launchBrowser(): Promise<
  { context: BrowserContext; cleanup: () => Promise<void> } | string
> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  const profile = await mkdtemp(join(tmpdir(), "ac1-chromium-profile-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1500, height: 1100 },
    });
    return {
      context,
      cleanup: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    return `Chromium at ${CHROMIUM} failed to start: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
  }
}

/**
 * When the browser cannot run: a failure under AC1_REQUIRE_BROWSER=1 (CI),
 * otherwise the test is reported as skipped, with the reason.
 */
export function noBrowser(t: TestContext, reason: string): void {
  if (process.env.AC1_REQUIRE_BROWSER === "1") {
    assert.fail(`AC1_REQUIRE_BROWSER=1 but the browser test cannot run: ${reason}`);
  }
  t.skip(`${reason} (install chromium or set AC1_CHROMIUM; AC1_REQUIRE_BROWSER=1 makes this a failure)`);
}

/** Collects console errors/warnings, page errors, failed or 4xx/5xx requests, and requests off the server. */
export function watchPage(page: Page, origin: string): { problems: string[]; external: string[] } {
  const problems: string[] = [];
  const external: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`),
  );
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) external.push(r.url());
  });
  return { problems, external };
}

/** Per-canvas pixel statistics computed in the page. */
export function canvasStats(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const ctx = c.getContext("2d");
    if (!ctx) return null;
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let sum = 0;
    let sumSq = 0;
    let painted = 0;
    const colours = new Set<number>();
    const n = data.length / 4;
    for (let i = 0; i < n; i++) {
      const a = data[i * 4 + 3] as number;
      if (a === 0) continue;
      painted++;
      const r = data[i * 4] as number;
      const g = data[i * 4 + 1] as number;
      const b = data[i * 4 + 2] as number;
      const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      sum += y;
      sumSq += y * y;
      if (colours.size < 50000) colours.add((r << 16) | (g << 8) | b);
    }
    const mean = sum / Math.max(1, painted);
    return {
      width: c.width,
      height: c.height,
      painted,
      distinct: colours.size,
      lumaStd: Math.sqrt(Math.max(0, sumSq / Math.max(1, painted) - mean * mean)),
    };
  }, selector);
}

/**
 * Takes a full-page screenshot, decodes it and checks it is not blank. It is
 * kept only when AC1_KEEP_SHOTS names a folder (written there as `name`);
 * returns where it was written, or `name` when it was not kept.
 */
export async function screenshot(page: Page, name: string, log: (s: string) => void): Promise<string> {
  const bytes = await page.screenshot({ fullPage: true });
  const png = decodePng(bytes);
  const stats = imageStats(png);
  const keep = process.env.AC1_KEEP_SHOTS;
  let where = name;
  if (keep) {
    await mkdir(resolve(keep), { recursive: true });
    where = join(resolve(keep), name);
    await writeFile(where, bytes);
  }
  log(
    `screenshot ${where} (${png.width}x${png.height}, ${stats.distinctColours} colours, luma std ${stats.lumaStd.toFixed(1)}${keep ? "" : "; not kept, AC1_KEEP_SHOTS=DIR keeps it"})`,
  );
  assert.ok(png.width >= 1000 && png.height >= 700, `screenshot too small: ${png.width}x${png.height}`);
  assert.ok(stats.distinctColours > 200, `screenshot looks blank: ${stats.distinctColours} colours`);
  assert.ok(stats.lumaStd > 15, `screenshot looks flat: luma std ${stats.lumaStd}`);
  return where;
}

/**
 * The box of the element `selector` names once it is laid out and visible:
 * a plot being redrawn (uPlot replaces its elements when data arrives) has
 * none for a moment, so this waits for it (up to 10 s) instead of reading
 * null.
 */
export async function boxOf(
  page: Page,
  selector: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const loc = page.locator(selector).first();
  for (let i = 0; i < 100; i++) {
    await loc.waitFor({ state: "visible", timeout: 10_000 });
    const box = await loc.boundingBox();
    if (box !== null && box.width > 0 && box.height > 0) return box;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${selector}: no layout box after 10 s`);
}
