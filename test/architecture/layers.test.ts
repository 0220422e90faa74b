// The layer rule of CONTRIBUTING.md, checked on the sources: data flows one
// way (bytes, arrays, datasets, exports, evaluation and views), so a module
// imports only from its own folder or from a folder on a lower layer. Every
// relative import of every src/**/*.ts (static, re-export and dynamic
// `import()`) is read with the TypeScript pre-processor, not a regex; an
// import that leaves src/ is refused, and a bare one must name a node:
// built-in or a dependency of package.json. A new top-level folder or file
// must be given its layer here (and in CONTRIBUTING.md) before it can be
// imported. (Not seen: an import whose specifier is computed at run time.)

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

/** The packages src/ may import by name: its dependencies. */
const PACKAGES = new Set(
  Object.keys(
    (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { dependencies?: object })
      .dependencies ?? {},
  ),
);

/**
 * Every import of `file` (its text `text`) that leaves its unit, as an edge
 * between units; `stray` gets the imports that are no edge at all (out of
 * src/, or a bare name that is neither a node: built-in nor a dependency).
 */
function edgesOf(file: string, text: string, stray: string[]): Edge[] {
  const info = ts.preProcessFile(text, true, true);
  const from = unitOf(file);
  const edges: Edge[] = [];
  const where = relative(projectRoot, file);
  for (const { fileName: spec } of info.importedFiles) {
    if (!spec.startsWith(".")) {
      if (!spec.startsWith("node:") && !PACKAGES.has(spec))
        stray.push(`${where} imports the package ${spec}`);
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (relative(SRC, target).startsWith("..")) {
      stray.push(`${where} imports ${spec}, outside src/`);
      continue;
    }
    const to = unitOf(target);
    if (to !== from) edges.push({ from, to, file: where, spec });
  }
  return edges;
}

/** The edges that go up a layer or sideways to another unit of the same layer. */
function upward(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => (layerOf.get(e.to) ?? Infinity) >= (layerOf.get(e.from) ?? -1))
    .map((e) => `${e.file} imports ${e.spec} (${e.from} may not import ${e.to})`);
}

const files = sourceFiles(SRC);
const strays: string[] = [];
const edges = files.flatMap((f) => edgesOf(f, readFileSync(f, "utf8"), strays));

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
    assert.deepEqual(upward(edges), []);
  });

  test("no import leaves src/, and the only packages named are node: built-ins and dependencies", () => {
    assert.deepEqual(strays, []);
  });

  test("the check sees every form of import (planted in a module of src/dsp)", () => {
    const planted = [
      'import { a } from "../dataset/a.js";',
      'import type { B } from "../cache/b.js";',
      'export * from "../pipeline/c.js";',
      'export { d } from "../export/d.js";',
      'const e = await import("../viewer/e.js");',
      'type F = typeof import("../cli/f.js");',
      'import "../parallel/g.js";',
      'import { h } from "./h.js";',
      'import { i } from "../errors.js";',
      'import { j } from "../../test/support/j.js";',
      'import k from "left-pad";',
      'import { l } from "node:fs";',
    ].join("\n");
    const stray: string[] = [];
    const found = edgesOf(join(SRC, "dsp", "planted.ts"), planted, stray);
    assert.deepEqual(
      upward(found).map((m) => m.replace(/ \(.*/, "")),
      ["a", "b", "c", "d", "e", "f", "g"].map((x, i) => {
        const unit = ["dataset", "cache", "pipeline", "export", "viewer", "cli", "parallel"][i];
        return `src/dsp/planted.ts imports ../${unit}/${x}.js`;
      }),
    );
    assert.deepEqual(stray, [
      "src/dsp/planted.ts imports ../../test/support/j.js, outside src/",
      "src/dsp/planted.ts imports the package left-pad",
    ]);
  });

  test("metrics and evaluation import only what CONTRIBUTING.md allows them", () => {
    const stray = edges
      .filter((e) => ONLY[e.from] !== undefined && !ONLY[e.from]!.includes(e.to))
      .map((e) => `${e.file} imports ${e.spec} (${e.from} may import only ${ONLY[e.from]!.join(", ")})`);
    assert.deepEqual(stray, []);
  });
});
