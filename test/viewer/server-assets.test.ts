// The viewer server's assets: each allowlisted file with its content type
// and security headers, every module the app imports served, and HEAD.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openFixtureViewer, raw } from "./server-support.js";

let port: number;
let close: (() => Promise<void>) | undefined;

before(async () => {
  ({ port, close } = await openFixtureViewer());
});

after(async () => {
  await close?.();
});

describe("assets", () => {
  const expected: [string, RegExp, RegExp][] = [
    ["/", /^text\/html/, /<script type="module" src="\/assets\/app.js">/],
    ["/index.html", /^text\/html/, /<title>ac1 viewer<\/title>/],
    ["/assets/app.js", /^text\/javascript/, /from "\.\/api\.js"/],
    ["/assets/traces.js", /^text\/javascript/, /from "\.\/uPlot\.esm\.js"/],
    ["/assets/quality-filter.js", /^text\/javascript/, /export function parseFilter/],
    ["/assets/api.js", /^text\/javascript/, /export function getPair/],
    ["/assets/plots.js", /^text\/javascript/, /export function drawSpectrogram/],
    ["/assets/colormap.js", /^text\/javascript/, /VIRIDIS_LUT/],
    ["/assets/style.css", /^text\/css/, /\.panel/],
    ["/assets/uPlot.esm.js", /^text\/javascript/, /export \{ uPlot as default \}|export default uPlot/],
    ["/assets/uPlot.min.css", /^text\/css/, /\.uplot/],
    ["/favicon.svg", /^image\/svg\+xml/, /<svg/],
  ];
  for (const [path, type, body] of expected) {
    test(`GET ${path} serves the allowlisted file with its headers`, async () => {
      const r = await raw(port, path);
      assert.equal(r.status, 200);
      assert.match(String(r.headers["content-type"]), type);
      assert.match(r.body.toString("utf8"), body);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      const csp = String(r.headers["content-security-policy"]);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.ok(r.headers["cache-control"]);
      assert.equal(Number(r.headers["content-length"]), r.body.length);
    });
  }

  test("every module the app imports is allowlisted (the import graph from app.js, walked)", async () => {
    const seen = new Set<string>();
    const queue = ["/assets/app.js"];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const r = await raw(port, path);
      assert.equal(r.status, 200, `${path} is imported but not served`);
      assert.match(String(r.headers["content-type"]), /^text\/javascript/);
      const text = r.body.toString("utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"\.\/([\w.-]+\.js)"/gm))
        queue.push(`/assets/${m[1]}`);
      if (path !== "/assets/uPlot.esm.js")
        assert.match(
          text,
          /^\/\/ @ts-check\n\/\/ \S/,
          `${path} starts with // @ts-check and a header comment`,
        );
    }
    for (const m of ["cells", "pair", "traces", "scores", "cohort", "scatter", "quality-filter", "gating"])
      assert.ok(seen.has(`/assets/${m}.js`), `app.js reaches ${m}.js`);
  });

  test("HEAD returns the headers without a body", async () => {
    const r = await raw(port, "/assets/app.js", { method: "HEAD" });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
    assert.ok(Number(r.headers["content-length"]) > 1000);
  });
});
