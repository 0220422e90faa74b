// Golden tests: every file of scipy's MATLAB-written corpus decodes to the
// interchange JSON computed with scipy.io.loadmat (make_goldens.py), and every
// file scipy rejects is rejected here with a MatError naming the byte offset.
// A readable file without its golden JSON (or a golden without its file) is a
// failure, not a silent skip: only the files make_goldens.py leaves out on
// purpose (NOT_GOLDEN there and here) are tested by hand below.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { MatError, matJsonChunks, matToJson, openMat } from "../../src/mat/index.js";
import { fixture } from "../support/paths.js";

const dir = fixture("mat", "corpus");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".mat"))
  .sort();
const rejected = JSON.parse(readFileSync(`${dir}/rejected.json`, "utf8")) as Record<string, string>;
/** Readable files without a golden (make_goldens.py NOT_GOLDEN), each tested by hand below. */
const NOT_GOLDEN = new Set(["nasty_duplicate_fieldnames.mat"]);

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
    assert.deepEqual(got, expected);
    // the streamed form (ac1 mat) is the same document
    assert.deepEqual(JSON.parse([...matJsonChunks(file)].join("")), expected);
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

test("duplicate field names are kept in file order", () => {
  const bytes = new Uint8Array(readFileSync(`${dir}/nasty_duplicate_fieldnames.mat`));
  const all = openMat(bytes, "n.mat").readAll();
  const structs = all.map((v) => v.value).filter((v) => v.kind === "struct");
  assert.ok(structs.length > 0);
  const counts = new Map<string, number>();
  for (const s of structs)
    for (const f of s.kind === "struct" ? s.fields : []) counts.set(f, (counts.get(f) ?? 0) + 1);
  assert.ok(
    [...counts.values()].some((c) => c > 1),
    "some field name repeats",
  );
});
