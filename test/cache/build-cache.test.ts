// The persistent build cache's entries: atomic and verified (corrupt ones
// removed, temp files ignored, concurrent stores safe), clear/resolve/list,
// the bound on their bytes (least recently used go first), and an entry
// copied into an export with its manifest rewritten.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BuildCache, CacheError } from "../../src/cache/build-cache.js";
import { buildsMaxBytes, DEFAULT_BUILDS_MAX_BYTES } from "../../src/cache/builds-bound.js";
import { CACHE_FORMAT_VERSION } from "../../src/cache/key.js";
import { type ExportManifest, writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { withManifestSplit } from "../../src/export/modeller.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { zipComment } from "../../src/zip/records.js";
import { sampleDataset } from "../export/sample.js";
import { runAc1, tempDir } from "../support/cli.js";
import { plainDataset } from "../support/dataset.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-cache-")));
after(() => cleanup());

describe("BuildCache", () => {
  const key = "a".repeat(64);

  it("stores and loads a dataset (a sealed, compressed export; deep-equal)", async () => {
    const cache = new BuildCache(join(dir, "c1"));
    assert.equal(await cache.load(key), null);
    assert.equal(cache.lastReason, "miss");
    const data = sampleDataset("waveform");
    await cache.store(key, data);
    const back = await cache.load(key);
    assert.ok(back);
    assert.deepEqual(plainDataset(back), plainDataset(data));
    assert.equal(cache.lastReason, undefined);
    assert.equal((await cache.load(key, { path: "/moved/data" }))!.options.path, "/moved/data");
    const list = await cache.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.key, key);
    assert.equal(list[0]!.bytes, (await stat(join(cache.entriesDir, `${key}.npz`))).size);
    // the options not at their defaults (the sample's 1 band per octave) and the data folder it was built from
    assert.equal(
      list[0]!.summary,
      "3 neurons, 3 stims, waveform 2000 Hz, dt 5 ms, wehr,asari A1,MGB; bins_per_octave 1; from /data/ac1",
    );
  });

  it("detects a corrupt entry (flipped byte), removes it and says why", async () => {
    const cache = new BuildCache(join(dir, "c2"));
    await cache.store(key, sampleDataset("spectrogram"));
    const path = join(cache.entriesDir, `${key}.npz`);
    const bytes = await readFile(path);
    const at = bytes.indexOf(Buffer.from("stim_1.npy")) + 200; // inside stim_1's payload
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    await writeFile(path, bytes);
    const r = await cache.loadWithReason(key);
    assert.equal(r.data, null);
    assert.match(r.reason!, /corrupt cache entry .* removed: .*does not match its record \(SHA-256\)/);
    await assert.rejects(stat(path), { code: "ENOENT" });
    assert.equal(await cache.load(key), null);
    assert.equal(cache.lastReason, "miss");
  });

  it("detects a truncated entry", async () => {
    const cache = new BuildCache(join(dir, "c3"));
    await cache.store(key, sampleDataset("spectrogram"));
    const path = join(cache.entriesDir, `${key}.npz`);
    await truncate(path, (await stat(path)).size - 100);
    assert.equal(await cache.load(key), null);
    assert.match(cache.lastReason!, /corrupt cache entry/);
  });

  it("does not trust an entry stored under another key's name", async () => {
    const cache = new BuildCache(join(dir, "c4"));
    await cache.store(key, sampleDataset("spectrogram"));
    const other = "b".repeat(64);
    await writeFile(
      join(cache.entriesDir, `${other}.npz`),
      await readFile(join(cache.entriesDir, `${key}.npz`)),
    );
    assert.equal(await cache.load(other), null);
    assert.match(cache.lastReason!, /records key/);
    // an export that is not a cache entry at all
    const third = "c".repeat(64);
    await writeDatasetNpz(sampleDataset("spectrogram"), join(cache.entriesDir, `${third}.npz`));
    assert.equal(await cache.load(third), null);
    assert.match(cache.lastReason!, /carries no cache record/);
  });

  it("ignores temp files in list(); load() and clear() remove those of dead writers at once, not live ones", async () => {
    const cache = new BuildCache(join(dir, "c5"));
    await cache.store(key, sampleDataset("spectrogram"));
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const alive = process.ppid; // the test runner: running
    const name = (c: string, pid: number, tag: string) => `${c.repeat(64)}.npz.tmp-${pid}-${tag}`;
    const deadTemp = join(cache.entriesDir, name("d", dead, "0badc0de"));
    await writeFile(deadTemp, "partial, its writer was killed a moment ago");
    const liveTemp = join(cache.entriesDir, name("e", alive, "0badc0df"));
    await writeFile(liveTemp, "partial, still being written");
    const oldLiveTemp = join(cache.entriesDir, name("f", alive, "0badc0e0"));
    await writeFile(oldLiveTemp, "partial, its pid reused since");
    await utimes(oldLiveTemp, new Date(2000, 0, 1), new Date(2000, 0, 1));
    assert.deepEqual(
      (await cache.list()).map((e) => e.key),
      [key],
    );
    assert.equal(await cache.load("d".repeat(64)), null);
    assert.deepEqual((await readdir(cache.entriesDir)).sort(), [`${key}.npz`, name("e", alive, "0badc0df")]);
    await writeFile(deadTemp, "another one");
    assert.equal(await cache.clear(), 1);
    assert.deepEqual(await readdir(cache.entriesDir), [name("e", alive, "0badc0df")]);
  });

  it("two concurrent stores of the same key leave one valid entry and no temp files", async () => {
    const cache = new BuildCache(join(dir, "c6"));
    const a = sampleDataset("spectrogram", 1);
    const b = sampleDataset("spectrogram", 2);
    await Promise.all([
      cache.store(key, a),
      cache.store(key, b),
      new BuildCache(join(dir, "c6")).store(key, a),
    ]);
    assert.deepEqual(await readdir(cache.entriesDir), [`${key}.npz`]);
    const back = await cache.load(key);
    assert.ok(back);
    const p = plainDataset(back);
    assert.ok([plainDataset(a), plainDataset(b)].some((x) => JSON.stringify(x) === JSON.stringify(p)));
  });

  it("clear(key), resolve(prefix) and key validation", async () => {
    const cache = new BuildCache(join(dir, "c7"));
    const k2 = `ab${"0".repeat(62)}`;
    await cache.store(key, sampleDataset("spectrogram"));
    await cache.store(k2, sampleDataset("spectrogram"));
    assert.deepEqual(await cache.resolve("a"), [key, k2].sort());
    assert.deepEqual(await cache.resolve("ab"), [k2]);
    assert.equal(await cache.clear(k2), 1);
    assert.equal(await cache.clear(k2), 0);
    assert.deepEqual(
      (await cache.list()).map((e) => e.key),
      [key],
    );
    await assert.rejects(cache.load("../../etc/passwd"), CacheError);
    await assert.rejects(cache.store("ABC", sampleDataset("spectrogram")), CacheError);
    assert.deepEqual(await new BuildCache(join(dir, "never-created")).list(), []);
    assert.equal(await new BuildCache(join(dir, "never-created")).clear(), 0);
  });
});

describe("BuildCache bound (least recently used go first)", () => {
  const [k1, k2, k3] = ["1", "2", "3"].map((c) => c.repeat(64)) as [string, string, string];
  const entry = (cache: BuildCache, k: string) => join(cache.entriesDir, `${k}.npz`);
  const keys = async (cache: BuildCache) => (await cache.list()).map((e) => e.key).sort();

  it("after a store, removes the entries unused the longest until all fit; a hit counts as a use", async () => {
    const roomy = new BuildCache(join(dir, "b1"), 1 << 30);
    assert.equal(await roomy.store(k1, sampleDataset("spectrogram", 1)), true);
    assert.equal(await roomy.store(k2, sampleDataset("spectrogram", 2)), true);
    const size = (await stat(entry(roomy, k1))).size;
    // k1 stored first, k2 later, then k1 loaded (used now): k2 is the least recently used
    await utimes(entry(roomy, k1), new Date(2020, 0, 1), new Date(2020, 0, 1));
    await utimes(entry(roomy, k2), new Date(2021, 0, 1), new Date(2021, 0, 1));
    assert.ok(await roomy.load(k1));
    assert.ok((await stat(entry(roomy, k1))).mtimeMs > new Date(2021, 0, 1).getTime());
    const bounded = new BuildCache(join(dir, "b1"), Math.floor(2.5 * size));
    assert.equal(bounded.maxBytes, Math.floor(2.5 * size));
    assert.equal(await bounded.store(k3, sampleDataset("spectrogram", 3)), true);
    assert.deepEqual(await keys(bounded), [k1, k3]);
    // copying an entry to an export is a use too
    await utimes(entry(roomy, k1), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const r = await roomy.exportTo(k1, join(dir, "b1-copy.npz"), (m) => m);
    assert.ok(r.manifest);
    assert.ok((await stat(entry(roomy, k1))).mtimeMs > new Date(2021, 0, 1).getTime());
    assert.equal(await bounded.trim(size), 1);
    assert.deepEqual(await keys(bounded), [k1]);
  });

  it("keeps the entry just stored over older ones, and drops it only when it alone is over the bound", async () => {
    const roomy = new BuildCache(join(dir, "b2"), 1 << 30);
    await roomy.store(k1, sampleDataset("spectrogram", 1));
    const size = (await stat(entry(roomy, k1))).size;
    await utimes(entry(roomy, k1), new Date(2030, 0, 1), new Date(2030, 0, 1)); // "newer" than the next store
    const one = new BuildCache(join(dir, "b2"), size + 100);
    assert.equal(await one.store(k2, sampleDataset("spectrogram", 1)), true);
    assert.deepEqual(await keys(one), [k2]);
    const tiny = new BuildCache(join(dir, "b2"), 100);
    assert.equal(await tiny.store(k3, sampleDataset("spectrogram", 1)), false);
    assert.deepEqual(await keys(tiny), []);
    assert.deepEqual(await readdir(tiny.entriesDir), []);
  });

  it("bound 0 stores nothing; AC1_CACHE_BUILDS_MAX sets the default; bad bounds are one-line errors", async () => {
    const none = new BuildCache(join(dir, "b3"), 0);
    assert.equal(await none.store(k1, sampleDataset("spectrogram")), false);
    assert.deepEqual(await none.list(), []);
    assert.equal(buildsMaxBytes({}), DEFAULT_BUILDS_MAX_BYTES);
    assert.equal(buildsMaxBytes({ AC1_CACHE_BUILDS_MAX: " " }), DEFAULT_BUILDS_MAX_BYTES);
    assert.equal(buildsMaxBytes({ AC1_CACHE_BUILDS_MAX: "1.5G" }), 1.5 * 1024 ** 3);
    assert.equal(buildsMaxBytes({ AC1_CACHE_BUILDS_MAX: "0" }), 0);
    assert.throws(
      () => buildsMaxBytes({ AC1_CACHE_BUILDS_MAX: "a lot" }),
      /AC1_CACHE_BUILDS_MAX: expected a size/,
    );
    assert.throws(() => new BuildCache(join(dir, "b3"), -1), CacheError);
    assert.throws(() => new BuildCache(join(dir, "b3"), 1.5), CacheError);
  });

  it("ac1 cache list shows the bound; a bad AC1_CACHE_BUILDS_MAX is one line, exit 1", async () => {
    const cdir = join(dir, "b4");
    await new BuildCache(cdir).store(k1, sampleDataset("spectrogram"));
    const list = await runAc1(["cache", "list", "--dir", cdir], { env: { AC1_CACHE_BUILDS_MAX: "3G" } });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /^1 entry, .* of at most 3\.00 GiB in /m);
    const bad = await runAc1(["cache", "list", "--dir", cdir], { env: { AC1_CACHE_BUILDS_MAX: "lots" } });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /^ac1 cache: AC1_CACHE_BUILDS_MAX: expected a size/);
  });
});

/** Every member of an .npz, decoded: name -> its bytes (header and payload), in zip order. */
async function members(path: string): Promise<[string, Buffer][]> {
  const r = await NpzReader.load(path);
  try {
    const out: [string, Buffer][] = [];
    for (const key of r.keys()) {
      const a = await r.read(key);
      out.push([
        key,
        Buffer.concat([
          Buffer.from(JSON.stringify([a.dtype, a.shape, a.fortranOrder])),
          Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
        ]),
      ]);
    }
    return out;
  } finally {
    await r.close();
  }
}

describe("BuildCache.exportTo", () => {
  const key = "d".repeat(64);

  it("copies the entry into the export writeDatasetNpz writes, with the manifest rewritten (data folder, split)", async () => {
    const cache = new BuildCache(join(dir, "e1"));
    const data = sampleDataset("spectrogram", 3, { rejected: true });
    await cache.store(key, data);
    const entry = join(cache.entriesDir, `${key}.npz`);
    const sealed = zipComment(await readFile(entry));
    assert.ok(sealed, "the entry is sealed");
    assert.match(
      new TextDecoder().decode(sealed.comment),
      /"format":"ac1-build-cache".*"sha256":"[0-9a-f]{64}"/,
    );
    // What a fresh export of the same arrays, in another folder and with a split, holds.
    const split = sampleDataset("spectrogram", 3, { rejected: true, split: true });
    const fresh = join(dir, "e1-fresh.npz");
    await writeDatasetNpz({ ...split, options: { ...split.options, path: "/moved/data" } }, fresh);
    const out = join(dir, "e1-copy.npz");
    const seen: string[] = [];
    const r = await cache.exportTo(key, out, (m) => {
      seen.push(m.options.path);
      return withManifestSplit(
        { ...m, options: { ...m.options, path: "/moved/data" } },
        split.split ?? null,
      ) as ExportManifest;
    });
    assert.ok(r.manifest);
    assert.deepEqual(seen, [data.options.path]);
    assert.deepEqual(await members(out), await members(fresh));
    assert.equal(
      zipComment(await readFile(out))?.comment.length ?? 0,
      0,
      "the export carries no cache record",
    );
    // Without the split and in the stored folder: the export of the stored data itself.
    const plain = join(dir, "e1-plain.npz");
    await writeDatasetNpz(data, plain);
    await cache.exportTo(key, out, (m) => m);
    assert.deepEqual(await members(out), await members(plain));
  });

  it("a damaged entry is removed and nothing is written; a miss writes nothing", async () => {
    const cache = new BuildCache(join(dir, "e2"));
    await cache.store(key, sampleDataset("waveform"));
    const entry = join(cache.entriesDir, `${key}.npz`);
    const bytes = await readFile(entry);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x10, 100);
    await writeFile(entry, bytes);
    const out = join(dir, "e2.npz");
    const r = await cache.exportTo(key, out, (m) => m);
    assert.equal(r.manifest, null);
    assert.match(r.reason ?? "", /corrupt cache entry .* removed: .*SHA-256/);
    await assert.rejects(stat(out), { code: "ENOENT" });
    await assert.rejects(stat(entry), { code: "ENOENT" });
    assert.deepEqual(await cache.exportTo(key, out, (m) => m), { manifest: null, reason: "miss" });
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith("e2.npz")),
      [],
      "no temp file",
    );
  });

  it("an entry whose end record is damaged (the seal does not cover it) is removed and nothing is written", async () => {
    const cache = new BuildCache(join(dir, "e4"));
    await cache.store(key, sampleDataset("spectrogram"));
    const entry = join(cache.entriesDir, `${key}.npz`);
    const bytes = await readFile(entry);
    const end = zipComment(bytes)?.endRecordAt ?? -1;
    // the second disk number, the entries on this disk, the directory's size: fields our reader does not check
    for (const field of [6, 8, 12]) {
      const bad = Buffer.from(bytes);
      bad.writeUInt8(bad.readUInt8(end + field) ^ 0x01, end + field);
      await writeFile(entry, bad);
      const out = join(dir, `e4-${field}.npz`);
      const r = await cache.exportTo(key, out, (m) => m);
      assert.equal(r.manifest, null, `field ${field}`);
      assert.match(
        r.reason ?? "",
        /corrupt cache entry .* removed: entry damaged: the end record at byte \d+\b/,
      );
      await assert.rejects(stat(entry), { code: "ENOENT" });
    }
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith("e4-")),
      [],
      "nothing written",
    );
  });

  it("an entry of several read slices: copied when intact; damaged in any slice, or cut short, it is removed", async () => {
    const cache = new BuildCache(join(dir, "e3"));
    await cache.store(key, sampleDataset("spectrogram"));
    const entry = join(cache.entriesDir, `${key}.npz`);
    const sample = await NpzReader.load(entry);
    const manifest = encodeUnicodeScalar(await sample.readString("manifest"));
    await sample.close();
    /** The entry rewritten, sealed as a store seals it, with 10.5 MB of stored members behind the manifest. */
    const bigEntry = async (): Promise<Buffer> => {
      const seal = (sha256: string) =>
        JSON.stringify({
          format: "ac1-build-cache",
          version: CACHE_FORMAT_VERSION,
          key,
          created_at: new Date().toISOString(),
          summary: "big",
          sha256,
        });
      const w = NpzWriter.create(entry, { compress: false, seal });
      await w.addMember("manifest.npy", Buffer.concat([encodeNpyHeader(manifest.dtype, []), manifest.data]));
      for (let i = 0; i < 3; i++)
        await w.add(`big_${i}`, "|u1", [3_500_000], new Uint8Array(3_500_000).fill(i + 1));
      await w.close();
      return readFile(entry);
    };
    const bytes = await bigEntry();
    const out = join(dir, "e3.npz");
    const r = await cache.exportTo(key, out, (m) => m);
    assert.ok(r.manifest, r.reason);
    const copy = await NpzReader.load(out);
    assert.deepEqual(copy.keys(), ["manifest", "big_0", "big_1", "big_2"]);
    assert.deepEqual((await copy.read("big_2")).data, new Uint8Array(3_500_000).fill(3));
    await copy.close();
    // a byte flipped in the second and in the third 4 MiB slice, then the entry cut short
    for (const damage of [5_000_000, 9_000_000, -1]) {
      const bad = Buffer.from(bytes);
      if (damage >= 0) bad.writeUInt8(bad.readUInt8(damage) ^ 0x01, damage);
      await writeFile(entry, damage >= 0 ? bad : bad.subarray(0, 9_000_000));
      const damaged = await cache.exportTo(key, join(dir, "e3-damaged.npz"), (m) => m);
      assert.equal(damaged.manifest, null);
      assert.match(
        damaged.reason ?? "",
        damage >= 0
          ? /corrupt cache entry .* removed: .*SHA-256/
          : /corrupt cache entry .* removed: .*no cache record/,
      );
      await assert.rejects(stat(entry), { code: "ENOENT" });
    }
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith("e3-damaged")),
      [],
      "nothing written",
    );
  });
});
