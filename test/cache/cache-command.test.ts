// The `ac1 cache` command: list (plain and --json) and clear (a key prefix
// or all) of the build cache, a --dir naming a file (one line, exit 1; the
// library refuses it too), and bad usage as one line with a non-zero exit.

import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BuildCache, CacheError } from "../../src/cache/build-cache.js";
import { sampleDataset } from "../export/sample.js";
import { runAc1, tempDir } from "../support/cli.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-cache-")));
after(() => cleanup());

describe("ac1 cache", () => {
  it("--help", async () => {
    const r = await runAc1(["cache", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: ac1 cache list/);
    assert.match(r.stdout, /clear \[KEY\]/);
  });

  it("list, list --json, clear KEY-prefix, clear all", async () => {
    const cdir = join(dir, "cli");
    const cache = new BuildCache(cdir);
    const k1 = `1234567${"0".repeat(57)}`;
    const k2 = `1234568${"0".repeat(57)}`;
    await cache.store(k1, sampleDataset("spectrogram"));
    await cache.store(k2, sampleDataset("waveform"));

    const list = await runAc1(["cache", "list", "--dir", cdir]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim().split("\n").length, 2);
    assert.match(list.stdout, /1234567000000000 .* 3 neurons, 3 stims, spectrogram/);
    assert.match(list.stderr, /2 entries/);

    const json = await runAc1(["cache", "list", "--json"], { env: { AC1_CACHE_DIR: cdir } });
    assert.equal(json.code, 0, json.stderr);
    const entries = JSON.parse(json.stdout) as { key: string; bytes: number }[];
    assert.deepEqual(entries.map((e) => e.key).sort(), [k1, k2]);

    const ambiguous = await runAc1(["cache", "clear", "123456", "--dir", cdir]);
    assert.notEqual(ambiguous.code, 0);
    assert.match(ambiguous.stderr, /matches 2 entries/);
    assert.equal(ambiguous.stdout, "");

    const one = await runAc1(["cache", "clear", "1234568", "--dir", cdir]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`removed 1 entry \\(${k2}\\)`));

    const missing = await runAc1(["cache", "clear", "ffffff", "--dir", cdir]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no entry with key ffffff/);

    const all = await runAc1(["cache", "clear", "--dir", cdir]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /removed 1 entry/);
    const empty = await runAc1(["cache", "list", "--dir", cdir]);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /no entries/);
  });

  it("list and clear with --dir naming a file: one line saying it is not a folder, exit 1", async () => {
    const file = join(dir, "cache-dir-is-a-file");
    await writeFile(file, "not a cache\n");
    for (const args of [
      ["cache", "list", "--dir", file],
      ["cache", "list", "--json", "--dir", file],
      ["cache", "clear", "--dir", file],
      ["cache", "clear", "abcdef", "--dir", file],
    ]) {
      const r = await runAc1(args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0] ?? "",
        /^ac1 cache: .*cache-dir-is-a-file is a file, not a folder; the build cache needs a folder/,
      );
    }
    assert.equal(await readFile(file, "utf8"), "not a cache\n");
    // The library: a file in place of the cache folder or of its builds folder is an error, not an empty cache.
    await assert.rejects(new BuildCache(file).list(), CacheError);
    await assert.rejects(new BuildCache(file).clear(), /cache-dir-is-a-file is a file, not a folder/);
    await assert.rejects(new BuildCache(file).clear("a".repeat(64)), CacheError);
    await assert.rejects(new BuildCache(join(file, "below")).resolve("abc"), /a part of this path is a file/);
    const buildsIsAFile = join(dir, "builds-is-a-file");
    await mkdir(buildsIsAFile);
    await writeFile(join(buildsIsAFile, "builds"), "");
    await assert.rejects(
      new BuildCache(buildsIsAFile).list(),
      /builds-is-a-file\/builds is a file, not a folder/,
    );
  });

  it("bad usage is one line on stderr and a non-zero exit", async () => {
    for (const args of [
      ["cache"],
      ["cache", "frobnicate"],
      ["cache", "list", "--bogus"],
      ["cache", "clear", "XYZ"],
    ]) {
      const r = await runAc1(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});
