// `ac1 mat`: JSON on stdout for good files; for bad files nothing on stdout,
// one line on stderr naming file, byte offset and problem, non-zero exit.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runAc1, tempDir } from "../support/cli.js";
import { fixture } from "../support/paths.js";

test("ac1 mat prints the interchange JSON", async () => {
  const file = fixture("mat", "corpus", "teststructarr_7.4_GLNX86.mat");
  const r = await runAc1(["mat", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const expected = JSON.parse(
    readFileSync(fixture("mat", "corpus", "teststructarr_7.4_GLNX86.json"), "utf8"),
  );
  assert.deepEqual(JSON.parse(r.stdout), expected);
});

test("ac1 mat on a struct whose field name repeats: every value printed, as scipy names them (plain and --pretty)", async () => {
  const file = fixture("mat", "corpus", "nasty_duplicate_fieldnames.mat");
  const scipy = JSON.parse(readFileSync(fixture("mat", "corpus", "nasty_duplicate_fieldnames.json"), "utf8"));
  for (const args of [
    ["mat", file],
    ["mat", file, "--pretty"],
  ]) {
    const r = await runAc1(args);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const summary = doc.variables.Summary;
    assert.deepEqual(summary.file_fields.filter((f: string) => f === "Station_Q").length, 4);
    delete summary.file_fields;
    assert.deepEqual(doc, scipy);
    const values = ["Station_Q", "_1_Station_Q", "_2_Station_Q", "_3_Station_Q"].map(
      (k) => summary.data[0][k],
    );
    assert.ok(values.every((v) => v !== undefined));
  }
});

test("ac1 mat on a corrupt file: one stderr line with file and byte offset, nothing on stdout", async () => {
  const file = fixture("mat", "corpus", "corrupted_zlib_checksum.mat");
  const r = await runAc1(["mat", file]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]?.includes(`${file}: byte 128: `), r.stderr);
  assert.match(lines[0] ?? "", /incorrect data check/);
});

test("ac1 mat prints nothing when a later variable is corrupt", async () => {
  const file = fixture("mat", "corpus", "corrupted_zlib_data.mat");
  const r = await runAc1(["mat", file]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /corrupted_zlib_data\.mat: byte \d+: /);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1);
});

test("ac1 mat on v7.3, a missing file, a folder, an empty file and a non-MAT file", async () => {
  const h5 = await runAc1(["mat", fixture("mat", "corpus", "testhdf5_7.4_GLNX86.mat")]);
  assert.notEqual(h5.code, 0);
  assert.equal(h5.stdout, "");
  assert.match(h5.stderr, /v7\.3.*HDF5/);
  const { dir, cleanup } = await tempDir();
  try {
    const missing = await runAc1(["mat", join(dir, "nope.mat")]);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /^ac1 mat: \S*nope\.mat: no such file$/m);
    assert.equal(missing.stderr.trimEnd().split("\n").length, 1);
    const folder = await runAc1(["mat", dir]);
    assert.notEqual(folder.code, 0);
    assert.equal(folder.stdout, "");
    assert.equal(folder.stderr.trimEnd().split("\n").length, 1, folder.stderr);
    assert.match(folder.stderr, /: is a folder, not a file$/m);
    assert.doesNotMatch(folder.stderr, /byte 0/);
    const empty = join(dir, "empty.mat");
    await writeFile(empty, "");
    const none = await runAc1(["mat", empty]);
    assert.notEqual(none.code, 0);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /empty\.mat: byte 0: not a MAT file \(0 bytes/);
    const text = join(dir, "text.mat");
    await writeFile(text, "this is not a MAT file at all, just text that is long enough ".repeat(4));
    const bad = await runAc1(["mat", text]);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /text\.mat: byte \d+: not a MAT file/);
  } finally {
    await cleanup();
  }
});

test("ac1 mat --help and usage errors", async () => {
  const help = await runAc1(["mat", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: ac1 mat FILE\.mat/);
  const none = await runAc1(["mat"]);
  assert.notEqual(none.code, 0);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /expected one FILE\.mat/);
});
