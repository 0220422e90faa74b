// Locations the tests share: the project root (tests run from dist/test/...)
// and the committed fixtures under test/fixtures.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const fixturesDir = resolve(projectRoot, "test", "fixtures");
/** The `ac1` command as installed (package.json "bin"): the bundle tools/bundle.ts makes. */
export const cliPath = resolve(projectRoot, "dist", "bin", "ac1.js");
/** The command's modular entry point (the compiled module the bundle starts from). */
export const modularCliPath = resolve(projectRoot, "dist", "src", "cli", "main.js");

export function fixture(...parts: string[]): string {
  return join(fixturesDir, ...parts);
}
