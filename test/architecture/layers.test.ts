// The layer rule of CONTRIBUTING.md, checked on the sources: data flows one
// way (bytes, arrays, datasets, exports, evaluation and views), so a module
// imports only from its own folder or from a folder on a lower layer. Every
// relative import of every src/**/*.ts (static, re-export and dynamic
// `import()`) is read with the TypeScript pre-processor, not a regex. A new
// top-level folder or file must be given its layer here (and in
// CONTRIBUTING.md) before it can be imported.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import { projectRoot } from "../support/paths.js";

/** Each top-level unit of src/ (a folder, or a file without its extension) and its layer, lowest first. */
const LAYERS: readonly (readonly string[])[] = [
  ["errors", "limits", "temp-files", "file-reads", "file-writes", "test-hooks", "version"],
  ["mat", "dsp", "zip", "random", "store"],
  ["metrics", "preprocess"],
  ["archive"],
  ["download"],
  ["ac1"],
  ["dataset"],
  ["parallel", "export"],
  ["cache"],
  ["pipeline"],
  ["evaluation"],
  ["viewer"],
  ["cli"],
  ["index"],
];

/** Units held to a narrower rule than their layer's (CONTRIBUTING.md): all they may import besides themselves. */
const ONLY: Readonly<Record<string, readonly string[]>> = {
  metrics: ["errors", "dsp"],
  evaluation: ["errors", "export", "dataset", "metrics"],
};

const SRC = join(projectRoot, "src");

const layerOf = new Map<string, number>(
  LAYERS.flatMap((units, i) => units.map((u): [string, number] => [u, i])),
);

/** The top-level unit a path under src/ belongs to. */
function unitOf(path: string): string {
  const first = relative(SRC, path).split(sep)[0]!;
  return first.replace(/\.(ts|js)$/, "");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "vendor" ? [] : sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

/** Every relative import of `file` that leaves its unit, as an edge between units. */
function edgesOf(file: string): Edge[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const from = unitOf(file);
  const edges: Edge[] = [];
  for (const { fileName: spec } of info.importedFiles) {
    if (!spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (relative(SRC, target).startsWith("..")) continue;
    const to = unitOf(target);
    if (to !== from) edges.push({ from, to, file: relative(projectRoot, file), spec });
  }
  return edges;
}

const files = sourceFiles(SRC);
const edges = files.flatMap(edgesOf);

describe("layers (CONTRIBUTING.md)", () => {
  test("the sources were found and read", () => {
    assert.ok(files.length > 100, `only ${files.length} source files under ${SRC}`);
    assert.ok(edges.length > 100, `only ${edges.length} imports between folders`);
  });

  test("every top-level folder and file of src/ has a layer", () => {
    const units = [...new Set(files.map(unitOf))].sort();
    assert.deepEqual(
      units.filter((u) => !layerOf.has(u)),
      [],
      "give each new unit its layer in test/architecture/layers.test.ts and CONTRIBUTING.md",
    );
  });

  test("imports go only to lower layers (and within a folder)", () => {
    const upward = edges
      .filter((e) => (layerOf.get(e.to) ?? Infinity) >= (layerOf.get(e.from) ?? -1))
      .map((e) => `${e.file} imports ${e.spec} (${e.from} may not import ${e.to})`);
    assert.deepEqual(upward, []);
  });

  test("metrics and evaluation import only what CONTRIBUTING.md allows them", () => {
    const stray = edges
      .filter((e) => ONLY[e.from] !== undefined && !ONLY[e.from]!.includes(e.to))
      .map((e) => `${e.file} imports ${e.spec} (${e.from} may import only ${ONLY[e.from]!.join(", ")})`);
    assert.deepEqual(stray, []);
  });
});
