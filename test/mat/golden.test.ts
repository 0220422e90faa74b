// Golden tests: every file of scipy's MATLAB-written corpus decodes to the
// interchange JSON computed with scipy.io.loadmat (make_goldens.py), and every
// file scipy rejects is rejected here with a MatError naming the byte offset.
// A readable file without its golden JSON (or a golden without its file) is a
// failure, not a silent skip. scipy has no "file_fields" (the names as stored
// of a struct whose field names repeat, which the interchange adds beside
// scipy's renamed fields): it is taken out before comparing and checked by
// hand below.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import type { MatValue } from "../../src/mat/index.js";
import {
  double,
  MatError,
  matJsonChunks,
  matToJson,
  openMat,
  valueToJson,
  writeMat,
} from "../../src/mat/index.js";
import { uniqueNames } from "../../src/mat/json.js";
import { fixture } from "../support/paths.js";

const dir = fixture("mat", "corpus");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".mat"))
  .sort();
const rejected = JSON.parse(readFileSync(`${dir}/rejected.json`, "utf8")) as Record<string, string>;
/** Readable files without a golden (make_goldens.py NOT_GOLDEN), each tested by hand below: none now. */
const NOT_GOLDEN = new Set<string>();

/** `doc` without the "file_fields" keys the interchange adds to structs whose field names repeat. */
function withoutFileFields(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(withoutFileFields);
  if (doc === null || typeof doc !== "object") return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (k !== "file_fields") out[k] = withoutFileFields(v);
  return out;
}

test("the corpus is present", () => {
  assert.ok(files.length >= 100, `only ${files.length} corpus files`);
  assert.ok(Object.keys(rejected).length >= 7);
  for (const name of NOT_GOLDEN) assert.ok(files.includes(name), `${name} is missing from the corpus`);
  for (const name of Object.keys(rejected))
    assert.ok(files.includes(name), `${name} is missing from the corpus`);
  const goldens = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "rejected.json");
  for (const g of goldens)
    assert.ok(files.includes(g.replace(/\.json$/, ".mat")), `golden ${g} has no corpus file`);
});

for (const name of files) {
  const bytes = new Uint8Array(readFileSync(`${dir}/${name}`));
  const jsonPath = `${dir}/${name.replace(/\.mat$/, ".json")}`;
  if (rejected[name] !== undefined) {
    test(`${name} is rejected (scipy: ${rejected[name]?.slice(0, 60)})`, () => {
      assert.throws(
        () => matToJson(openMat(bytes, name)),
        (e: unknown) =>
          e instanceof MatError && e.message.startsWith(`${name}: byte `) && e.file === name && e.offset >= 0,
      );
    });
    continue;
  }
  if (NOT_GOLDEN.has(name)) continue;
  test(`${name} matches scipy`, () => {
    assert.ok(existsSync(jsonPath), `${name} has no golden ${jsonPath} (run make_goldens.py)`);
    const expected: unknown = JSON.parse(readFileSync(jsonPath, "utf8"));
    const file = openMat(bytes, name);
    const got = JSON.parse(JSON.stringify(matToJson(file)));
    assert.deepEqual(withoutFileFields(got), expected);
    // the streamed form (ac1 mat) is the same document
    assert.deepEqual(JSON.parse([...matJsonChunks(file)].join("")), got);
    // listing agrees with decoding
    const exp = expected as { variables: Record<string, { class: string; dims?: number[] }> };
    assert.deepEqual(
      file.variables.map((v) => v.name),
      Object.keys(exp.variables),
    );
    for (const v of file.variables) {
      const e = exp.variables[v.name];
      assert.equal(v.class, e?.class, `${v.name} class`);
      if (e?.dims) assert.deepEqual(v.dims, e.dims, `${v.name} dims`);
    }
  });
}

test("v7.3 files are rejected naming v7.3 and HDF5", () => {
  const bytes = new Uint8Array(readFileSync(`${dir}/testhdf5_7.4_GLNX86.mat`));
  assert.throws(
    () => openMat(bytes, "h.mat"),
    (e: unknown) => e instanceof MatError && /v7\.3/.test(e.message) && /HDF5/.test(e.message),
  );
});

test("repeated field names: scipy's names for the repeats, the stored names in file_fields, no value lost", () => {
  const bytes = new Uint8Array(readFileSync(`${dir}/nasty_duplicate_fieldnames.mat`));
  const file = openMat(bytes, "n.mat");
  const summary = file.read("Summary");
  assert.equal(summary.kind, "struct");
  if (summary.kind !== "struct") return;
  // the reader keeps the file's names, repeats included
  assert.equal(summary.fields.filter((f) => f === "Station_Q").length, 4);
  const doc = matToJson(file) as unknown as {
    variables: { Summary: { fields: string[]; file_fields?: string[]; data: Record<string, unknown>[] } };
  };
  const s = doc.variables.Summary;
  assert.deepEqual(s.file_fields, summary.fields);
  const at = summary.fields.indexOf("Station_Q");
  assert.deepEqual(s.fields.slice(at, at + 4), ["Station_Q", "_1_Station_Q", "_2_Station_Q", "_3_Station_Q"]);
  assert.equal(s.fields.length, summary.fields.length);
  // every value is there, under its own name, in file order
  const row = summary.elements[0] as MatValue[];
  s.fields.forEach((f, i) => {
    assert.deepEqual(s.data[0]?.[f], valueToJson(row[i] as MatValue), f);
  });
  assert.deepEqual(Object.keys(s.data[0] ?? {}), s.fields);
  // a struct without repeats has no file_fields: exactly the shape it always had
  const units = (s.data[0]?.Units ?? {}) as { class?: string; file_fields?: unknown };
  assert.equal(units.class, "struct");
  assert.equal(units.file_fields, undefined);
  // ac1 mat's streamed form and --pretty's re-parse keep all four
  const streamed = JSON.parse([...matJsonChunks(file)].join(""));
  assert.deepEqual(streamed, JSON.parse(JSON.stringify(doc)));
});

test("uniqueNames: scipy's renaming, counting on past names that are taken", () => {
  assert.equal(uniqueNames(["a", "b"]), null);
  assert.deepEqual(uniqueNames(["a", "a", "b", "a"]), ["a", "_1_a", "b", "_2_a"]);
  // scipy fails on these ("field '_1_a' occurs more than once"); the interchange counts on
  assert.deepEqual(uniqueNames(["a", "_1_a", "a", "a"]), ["a", "_1_a", "_2_a", "_3_a"]);
  assert.deepEqual(uniqueNames(["a", "a", "_1_a"]), ["a", "_2_a", "_1_a"]);
  assert.deepEqual(uniqueNames(["a", "a", "_2_a", "a"]), ["a", "_1_a", "_2_a", "_3_a"]);
  for (const names of [
    ["x", "x", "x", "_1_x", "_3_x", "x"],
    ["_1_x", "x", "x", "_1_x"],
  ]) {
    const u = uniqueNames(names) ?? names;
    assert.equal(new Set(u).size, u.length, JSON.stringify(u));
  }
});

test("repeated variable names: renamed the same way, the stored names in file_variables", () => {
  const bytes = writeMat([
    { name: "x", value: double([1]) },
    { name: "y", value: double([2]) },
    { name: "x", value: double([3]) },
  ]);
  const file = openMat(bytes, "v.mat");
  const doc = matToJson(file) as unknown as {
    variables: Record<string, { data: number[] }>;
    file_variables?: string[];
  };
  assert.deepEqual(Object.keys(doc.variables), ["x", "y", "_1_x"]);
  assert.deepEqual(doc.variables._1_x?.data, [3]);
  assert.deepEqual(doc.file_variables, ["x", "y", "x"]);
  assert.deepEqual(JSON.parse([...matJsonChunks(file)].join("")), JSON.parse(JSON.stringify(doc)));
  // without repeats: no file_variables
  assert.equal(
    (matToJson(openMat(writeMat([{ name: "x", value: double([1]) }]), "w.mat")) as Record<string, unknown>)
      .file_variables,
    undefined,
  );
});
