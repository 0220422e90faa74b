// The public API is pinned: every name the package root (src/index.ts)
// exports, with its kind (runtime: class / function / object / constant; types:
// interface / type), must equal the committed snapshot
// test/api/public-api.snapshot.json. Adding, removing or renaming an export,
// or turning a type into a value, fails here until the snapshot is updated on
// purpose: AC1_UPDATE_API_SNAPSHOT=1 node --test dist/test/api/public-api.test.js
// rewrites it, and the diff goes into review with the change (CONTRIBUTING.md).
// The type names come from the compiled declarations (dist/src/index.d.ts)
// through the TypeScript checker, so `export *` could not hide anything.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import * as api from "../../src/index.js";
import { projectRoot } from "../support/paths.js";

const SNAPSHOT = join(projectRoot, "test", "api", "public-api.snapshot.json");
const DECLARATIONS = join(projectRoot, "dist", "src", "index.d.ts");

interface Surface {
  /** Runtime exports: name -> "class" | "function" | "object" | "constant". */
  values: Record<string, string>;
  /** Type-only exports: name -> "interface" | "type". */
  types: Record<string, string>;
}

function runtimeKind(v: unknown): string {
  if (typeof v === "function")
    return /^class\b/.test(Function.prototype.toString.call(v)) ? "class" : "function";
  if (typeof v === "object" && v !== null) return "object";
  return "constant";
}

function sorted(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The type-only exports of the compiled declarations, with their kind. */
function typeExports(): Record<string, string> {
  const program = ts.createProgram([DECLARATIONS], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    noLib: true, // only the symbols of our own declarations are needed, not a type check
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(DECLARATIONS);
  assert.ok(file, `no ${DECLARATIONS}: run the build first`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  assert.ok(moduleSymbol, "the declarations are not a module");
  const out: [string, string][] = [];
  for (const sym of checker.getExportsOfModule(moduleSymbol)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    if (target.flags & ts.SymbolFlags.Value) continue; // a runtime export (classes too): in `values`
    if (target.flags & ts.SymbolFlags.Interface) out.push([sym.name, "interface"]);
    else if (target.flags & ts.SymbolFlags.TypeAlias) out.push([sym.name, "type"]);
    else out.push([sym.name, `other (${ts.SymbolFlags[target.flags] ?? target.flags})`]);
  }
  return sorted(out);
}

test("the package root exports exactly the names of the committed snapshot", async () => {
  const current: Surface = {
    values: sorted(Object.entries(api).map(([name, v]) => [name, runtimeKind(v)])),
    types: typeExports(),
  };
  const text = `${JSON.stringify(current, null, 2)}\n`;
  if (process.env.AC1_UPDATE_API_SNAPSHOT === "1") {
    await writeFile(SNAPSHOT, text);
    return;
  }
  const committed = JSON.parse(await readFile(SNAPSHOT, "utf8")) as Surface;
  assert.deepEqual(
    current,
    committed,
    "the public API changed: if on purpose, update test/api/public-api.snapshot.json (see CONTRIBUTING.md)",
  );
});

test("the surface is the designed one: one entry point, no internals", () => {
  const names = new Set(Object.keys(api));
  assert.ok(names.has("loadDataset"));
  for (const internal of [
    "buildDataset",
    "buildDatasetParallel",
    "loadDatasetWithOrigin",
    "DatasetAssembler",
    "processCell",
    "stimSpectrogram",
    "stimWaveform",
    "sliceIndices",
    "symmetricHann",
  ]) {
    assert.equal(names.has(internal), false, `${internal} is internal`);
  }
});
