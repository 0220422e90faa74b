// The size rule of CONTRIBUTING.md: a module that outgrows ~500 lines is
// split along its seams. Every TypeScript module of src/, test/, bench/ and
// tools/ (not: vendored code, test/fixtures/), every script of the viewer's
// browser app, and every Python file under bench/, test/ (the fixtures'
// generator scripts and their modules included; the fixtures' data is not
// code), examples/ and tools/ is held to MAX_LINES: a little over 500, for a
// file with no seam left to cut (src/dataset/dataset.ts, the user's facade
// whose every method hands its work to a module of its own), never far over.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../support/paths.js";

const MAX_LINES = 520;

const ROOTS = ["src", "test", "bench", "tools"];
const PYTHON_ROOTS = ["bench", "test", "examples", "tools"];

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "vendor" || e.name === "fixtures" ? [] : modules(p);
    const web = p.includes(join("src", "viewer", "web")) && e.name.endsWith(".js");
    return (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) || web ? [p] : [];
  });
}

/** Every .py file under dir, test/fixtures/ included. */
function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return pythonFiles(p);
    return e.name.endsWith(".py") ? [p] : [];
  });
}

function lineCount(path: string): number {
  const text = readFileSync(path, "utf8");
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** "path: N lines" for each of files over MAX_LINES. */
function over(files: string[]): string[] {
  return files
    .map((f) => ({ f: relative(projectRoot, f), n: lineCount(f) }))
    .filter(({ n }) => n > MAX_LINES)
    .map(({ f, n }) => `${f}: ${n} lines`);
}

test(`no module over ${MAX_LINES} lines (CONTRIBUTING.md: split a file that outgrows ~500 along its seams)`, () => {
  const files = ROOTS.flatMap((r) => modules(join(projectRoot, r)));
  assert.ok(files.length > 300, `only ${files.length} modules found under ${ROOTS.join(", ")}`);
  assert.deepEqual(over(files), []);
});

test(`no Python file over ${MAX_LINES} lines (the same rule for the references, generators and examples)`, () => {
  const files = PYTHON_ROOTS.flatMap((r) => pythonFiles(join(projectRoot, r)));
  assert.ok(files.length > 20, `only ${files.length} Python files found under ${PYTHON_ROOTS.join(", ")}`);
  assert.ok(
    files.some((f) => f.includes(join("test", "fixtures"))),
    "no Python file found under test/fixtures",
  );
  assert.deepEqual(over(files), []);
});
