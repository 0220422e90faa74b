// Bundles the `ac1` command with esbuild, after tsc (`npm run build`):
// dist/bin/ac1.js (the command), dist/bin/worker.js (its build worker, which
// prestart.ts finds beside it as ./worker.js) and the chunks they share.
// Why: Node 20 loads ES modules one file at a time (resolve, read, translate,
// link each), about 1.5 ms a module: a cold build spent ~200 ms loading ~100
// modules before its first unit and each worker ~130 ms more, and a cache
// hit ~100 ms of its ~250 ms. The bundle loads a few files instead. It is
// split at the code's dynamic imports: one single file would hoist every
// import of node's own modules and of yazl to its top, and load them all
// even for a cache hit, which needs few of them.
// Only the command is bundled: the library (package.json "exports") stays
// the modular dist/src, and the bundle is made from those very modules. It
// carries their code fingerprint (src/version.ts), computed here from
// dist/src, so a build cache entry is keyed by exactly the code that made it
// whether the modular entry or the bundle wrote it (even if dist/src is
// recompiled later without bundling again). Packages in node_modules stay
// external (resolved at run time, as for the modules).

import { chmodSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { codeFingerprint } from "../src/version.js";

/** The compiled tree: this file runs as dist/tools/bundle.js. */
const dist = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the bundle goes (package.json "bin" points at ac1.js). */
const BUNDLE_DIR = join(dist, "bin");

/** Writes dist/bin (ac1.js, worker.js and their chunks) anew from the compiled modules in dist/src. */
async function bundleCli(): Promise<void> {
  // (chunk names carry their content's hash: the previous bundle's would stay)
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  await build({
    entryPoints: {
      ac1: join(dist, "src", "cli", "main.js"),
      worker: join(dist, "src", "parallel", "worker.js"),
    },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    define: { __AC1_CODE_FINGERPRINT__: JSON.stringify(codeFingerprint()) },
    sourcemap: "linked",
    logLevel: "warning",
  });
  chmodSync(join(BUNDLE_DIR, "ac1.js"), 0o755);
}

await bundleCli();
