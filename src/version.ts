// The package version (from package.json) and a fingerprint of the code that
// shapes a dataset, so a build cache entry made by other code is never
// trusted, even when a development checkout keeps the same version number.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

let version: string | undefined;
/** The version field of ac1's package.json ("unknown" if it cannot be read). */
export function packageVersion(): string {
  if (version === undefined) {
    version = "unknown";
    // Compiled layout: dist/src/version.js -> ../../package.json.
    for (const rel of ["../../package.json", "../package.json"]) {
      try {
        const pkg = JSON.parse(readFileSync(join(here, rel), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "ac1" && pkg.version) {
          version = pkg.version;
          break;
        }
      } catch {
        // try the next candidate
      }
    }
  }
  return version;
}

/** Folders whose code decides the numbers of a dataset (not the CLI, viewer, download or build cache). */
const OUTPUT_SHAPING = [
  "mat",
  "dsp",
  "metrics",
  "preprocess",
  "archive",
  "ac1",
  "dataset",
  "parallel",
  "export",
  // the intermediate results a build reads back (their encoding)
  "store",
];

/**
 * The bundled command's fingerprint, set by tools/bundle.ts (esbuild's
 * define) to codeFingerprint() of the modules it bundled; undeclared in the
 * modules themselves.
 */
declare const __AC1_CODE_FINGERPRINT__: string | undefined;

let fingerprint: string | undefined =
  typeof __AC1_CODE_FINGERPRINT__ === "string" ? __AC1_CODE_FINGERPRINT__ : undefined;
/**
 * sha256 (first 16 hex digits) over the module files of the folders that
 * shape a dataset, in a fixed order: changes whenever that code changes.
 * (The bundled command carries the value of the modules it was made from.)
 */
export function codeFingerprint(): string {
  if (fingerprint === undefined) {
    const hash = createHash("sha256");
    for (const folder of OUTPUT_SHAPING) {
      for (const file of listModules(join(here, folder))) {
        hash.update(file.slice(here.length));
        hash.update(readFileSync(file));
      }
    }
    fingerprint = hash.digest("hex").slice(0, 16);
  }
  return fingerprint;
}

function listModules(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listModules(p));
    else if (e.name.endsWith(".js") || e.name.endsWith(".ts")) {
      if (!e.name.endsWith(".d.ts") && !e.name.endsWith(".map")) out.push(p);
    }
  }
  return out;
}
