// The viewer's static assets: an explicit allowlist from URL path to a file
// of the package (the browser app in src/viewer/web/ and uPlot from
// node_modules). The server serves exactly these and nothing else: there is
// no directory walk, so no request path can reach any other file.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  /** Absolute path of the file on disk. */
  file: string;
  contentType: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const HTML = "text/html; charset=utf-8";
const SVG = "image/svg+xml";

/** The package root: the nearest folder above this module holding package.json and src/viewer/web. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "viewer", "web"))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error(
        `ac1 viewer: cannot find the package root (with src/viewer/web) above ${fileURLToPath(import.meta.url)}`,
      );
    dir = up;
  }
}

/** uPlot's dist folder, resolved through the normal package resolution. */
function uplotDist(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("uplot"));
}

let cached: Map<string, Asset> | undefined;

/** URL path -> asset. Built once; every file must exist. */
export function viewerAssets(): Map<string, Asset> {
  if (cached) return cached;
  const web = join(packageRoot(), "src", "viewer", "web");
  const uplot = uplotDist();
  const map = new Map<string, Asset>([
    ["/", { file: join(web, "index.html"), contentType: HTML }],
    ["/index.html", { file: join(web, "index.html"), contentType: HTML }],
    ["/favicon.svg", { file: join(web, "favicon.svg"), contentType: SVG }],
    ["/assets/app.js", { file: join(web, "app.js"), contentType: JS }],
    ["/assets/api.js", { file: join(web, "api.js"), contentType: JS }],
    ["/assets/state.js", { file: join(web, "state.js"), contentType: JS }],
    ["/assets/nav.js", { file: join(web, "nav.js"), contentType: JS }],
    ["/assets/dom.js", { file: join(web, "dom.js"), contentType: JS }],
    ["/assets/theme.js", { file: join(web, "theme.js"), contentType: JS }],
    ["/assets/summary.js", { file: join(web, "summary.js"), contentType: JS }],
    ["/assets/cells.js", { file: join(web, "cells.js"), contentType: JS }],
    ["/assets/quality-filter.js", { file: join(web, "quality-filter.js"), contentType: JS }],
    ["/assets/stims.js", { file: join(web, "stims.js"), contentType: JS }],
    ["/assets/pair.js", { file: join(web, "pair.js"), contentType: JS }],
    ["/assets/stim-panel.js", { file: join(web, "stim-panel.js"), contentType: JS }],
    ["/assets/traces.js", { file: join(web, "traces.js"), contentType: JS }],
    ["/assets/scores.js", { file: join(web, "scores.js"), contentType: JS }],
    ["/assets/gating.js", { file: join(web, "gating.js"), contentType: JS }],
    ["/assets/rejected.js", { file: join(web, "rejected.js"), contentType: JS }],
    ["/assets/cohort.js", { file: join(web, "cohort.js"), contentType: JS }],
    ["/assets/plots.js", { file: join(web, "plots.js"), contentType: JS }],
    ["/assets/scatter.js", { file: join(web, "scatter.js"), contentType: JS }],
    ["/assets/colormap.js", { file: join(web, "colormap.js"), contentType: JS }],
    ["/assets/style.css", { file: join(web, "style.css"), contentType: CSS }],
    ["/assets/uPlot.esm.js", { file: join(uplot, "uPlot.esm.js"), contentType: JS }],
    ["/assets/uPlot.min.css", { file: join(uplot, "uPlot.min.css"), contentType: CSS }],
  ]);
  for (const [path, asset] of map) {
    if (!existsSync(asset.file)) throw new Error(`ac1 viewer: asset ${path} is missing (${asset.file})`);
  }
  cached = map;
  return map;
}
