// The intermediate-results cache's entries: round trip bit for bit (whole or
// streamed), damaged / truncated / misplaced ones are misses and removed,
// writes leave no temp file (nor does an interrupt), the byte bound removes
// the least recently used first, list per kind, clear, and its size setting.

import assert from "node:assert/strict";
import { mkdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CacheError } from "../../src/errors.js";
import { parseByteSize } from "../../src/store/bounds.js";
import type { IntermediateBlob, IntermediateKind } from "../../src/store/intermediate-format.js";
import { IntermediateCache, intermediateMaxBytes } from "../../src/store/intermediates.js";
import {
  removeTrackedTemps,
  resumeTempFiles,
  tempName,
  trackedTemps,
  trackTempFolder,
  untrackTempFolder,
} from "../../src/temp-files.js";
import { tempDir } from "../support/cli.js";
import { files } from "./cache-support.js";

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-intermediates-"));
});
after(() => cleanup());

const KEY = (c: string) => c.repeat(64);

function sampleBlob(): IntermediateBlob {
  return {
    header: { a: Number.NaN, b: -0, c: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5], s: "x" },
    arrays: [
      Float32Array.of(1.25, Number.NaN, -0),
      new Float64Array(0),
      Int32Array.of(-7, 3, 2 ** 31 - 1),
      Uint8Array.of(0, 255, 7),
    ],
  };
}

describe("IntermediateCache entries", () => {
  it("round-trip header and arrays bit for bit; a hit marks the entry used; no temp file is left", async () => {
    const cache = new IntermediateCache(join(root, "rt"));
    await cache.put("stim", KEY("a"), sampleBlob());
    assert.deepEqual(trackedTemps(), []);
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("a")}.bin`]);
    const path = join(cache.root, "stim", `${KEY("a")}.bin`);
    await utimes(path, new Date(1e12), new Date(1e12));
    const got = await cache.get("stim", KEY("a"));
    assert.ok(got);
    const h = got.header as { a: number; b: number; c: number[]; s: string };
    assert.ok(Number.isNaN(h.a));
    assert.ok(Object.is(h.b, -0));
    assert.deepEqual(h.c, [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]);
    assert.equal(h.s, "x");
    const want = sampleBlob().arrays;
    assert.equal(got.arrays.length, 4);
    got.arrays.forEach((a, i) => {
      assert.equal(a.constructor, want[i]?.constructor);
      assert.deepEqual(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        Buffer.from((want[i] as Float32Array).buffer),
      );
    });
    assert.ok((await stat(path)).mtimeMs > 1e12 + 1000, "a hit sets the mtime to now");
    // within ten minutes of the last mark, a hit leaves it; after, it marks again
    const fiveAgo = new Date(Date.now() - 5 * 60_000);
    await utimes(path, fiveAgo, fiveAgo);
    assert.ok(await cache.get("stim", KEY("a")));
    assert.ok(
      Math.abs((await stat(path)).mtimeMs - fiveAgo.getTime()) < 1,
      "marked moments ago: left as it is",
    );
    const elevenAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(path, elevenAgo, elevenAgo);
    assert.ok(await cache.get("stim", KEY("a")));
    assert.ok((await stat(path)).mtimeMs > Date.now() - 60_000, "marked long ago: marked now");
    assert.equal(await cache.get("stim", KEY("b")), null, "a miss");
    assert.equal(await cache.get("clean", KEY("a")), null, "kinds are apart");
  });

  it("hasEntries: false for a missing or empty cache and one with only temp files, true once an entry is stored", async () => {
    const cache = new IntermediateCache(join(root, "has"));
    assert.equal(await cache.hasEntries(), false);
    await mkdir(join(cache.root, "clean"), { recursive: true });
    await writeFile(join(cache.root, "clean", "x.bin.tmp-1-ab"), "partial");
    assert.equal(await cache.hasEntries(), false);
    await cache.put("stim", KEY("e"), sampleBlob());
    assert.equal(await cache.hasEntries(), true);
  });

  it("many reads and writes at once all complete (open files are bounded, none is dropped)", async () => {
    const cache = new IntermediateCache(join(root, "many"));
    const keys = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, "0"));
    await Promise.all(keys.map((k) => cache.put("stim", k, sampleBlob())));
    const got = await Promise.all(keys.map((k) => cache.get("stim", k)));
    assert.ok(got.every((b) => b !== null && b.arrays.length === 4));
    assert.deepEqual(cache.removed, []);
  });

  it("an entry of thousands of arrays round-trips; a kind's folder removed between puts is made again", async () => {
    const cache = new IntermediateCache(join(root, "wide"));
    const arrays = Array.from({ length: 3000 }, (_, i) =>
      Float32Array.from({ length: i % 5 }, (_, j) => i + j / 8),
    );
    await cache.put("clean", KEY("c"), { header: { n: 3000 }, arrays });
    const got = await cache.get("clean", KEY("c"));
    assert.ok(got);
    assert.equal(got.arrays.length, 3000);
    for (const [i, a] of got.arrays.entries()) assert.deepEqual([...a], [...(arrays[i] as Float32Array)]);
    await rm(join(cache.root, "clean"), { recursive: true });
    await cache.put("clean", KEY("d"), sampleBlob());
    assert.ok(await cache.get("clean", KEY("d")));
    assert.deepEqual(trackedTemps(), []);
  });

  it("a damaged, truncated or misplaced entry is a miss and is removed", async () => {
    const cache = new IntermediateCache(join(root, "bad"));
    const path = (kind: IntermediateKind, c: string) => join(cache.root, kind, `${KEY(c)}.bin`);
    await cache.put("clean", KEY("1"), sampleBlob());
    const bytes = await readFile(path("clean", "1"));
    bytes[40] = (bytes[40] as number) ^ 0xff;
    await writeFile(path("clean", "1"), bytes);
    assert.equal(await cache.get("clean", KEY("1")), null);
    assert.match(cache.removed.at(-1) ?? "", /does not match its seal/);

    await cache.put("clean", KEY("2"), sampleBlob());
    await truncate(path("clean", "2"), 50);
    assert.equal(await cache.get("clean", KEY("2")), null);

    await cache.put("clean", KEY("3"), sampleBlob());
    await writeFile(path("clean", "4"), await readFile(path("clean", "3")));
    assert.equal(await cache.get("clean", KEY("4")), null, "an entry under another key's name");
    assert.match(cache.removed.at(-1) ?? "", /not its place/);

    await writeFile(path("clean", "5"), "not an entry at all, but long enough to hold a seal: 0123456789");
    assert.equal(await cache.get("clean", KEY("5")), null);
    assert.match(cache.removed.at(-1) ?? "", /bad magic/);
    assert.deepEqual(await files(join(cache.root, "clean")), [`${KEY("3")}.bin`]);
  });

  it("a bad entry is removed only if no other file took its name since it was read (a build sharing the cache renamed a good one there)", async () => {
    const cache = new IntermediateCache(join(root, "replaced"));
    const path = join(cache.root, "clean", `${KEY("1")}.bin`);
    await cache.put("clean", KEY("1"), sampleBlob());
    const { statSync } = await import("node:fs");
    const readThen = statSync(path);
    await cache.put("clean", KEY("1"), sampleBlob()); // renamed into place: another file under the name
    cache.dropFile(path, readThen, new CacheError("damaged"));
    assert.ok((await cache.get("clean", KEY("1"))) !== null, "the entry stored since is kept");
    cache.dropFile(path, statSync(path), new CacheError("damaged"));
    assert.equal(await cache.get("clean", KEY("1")), null, "the very file read is removed");
    cache.dropFile(path, undefined, new CacheError("gone already")); // nothing to remove: no error
  });

  it("readStreamed: a hit streams the entry's header and every array's bytes as get() gives them; damaged entries are removed", async () => {
    const cache = new IntermediateCache(join(root, "streamed"));
    const path = (c: string) => join(cache.root, "stim", `${KEY(c)}.bin`);
    // arrays longer than the stream's 1 MiB buffer, of every dtype, and empty ones
    const big = new Float32Array((1 << 18) + 3).map((_, i) => Math.sin(i));
    const blob: IntermediateBlob = {
      header: { shape: [1, big.length], x: Number.NaN },
      arrays: [big, new Uint8Array(0), Float64Array.of(-0, 2.5), Int32Array.of(5), Uint8Array.of(1, 2, 3)],
    };
    await cache.put("stim", KEY("a"), blob);
    const streamOf = (c: string, header?: (data: unknown) => void) => {
      const got: {
        data?: unknown;
        arrays?: readonly { dtype: string; length: number }[];
        bytes: Buffer[][];
      } = {
        bytes: [],
      };
      const r = cache.readStreamed("stim", KEY(c), {
        header: (data, arrays) => {
          header?.(data);
          got.data = data;
          got.arrays = arrays;
          got.bytes = arrays.map((): Buffer[] => []);
        },
        bytes: (i, chunk) => {
          assert.ok(chunk.length <= 1 << 20);
          got.bytes[i]!.push(Buffer.from(chunk)); // a copy: the chunk is a view of a reused buffer
        },
      });
      return { r, got };
    };
    const { r, got } = streamOf("a");
    assert.equal(r, "hit");
    const whole = (await cache.get("stim", KEY("a"))) as IntermediateBlob;
    assert.deepEqual(got.data, whole.header);
    assert.deepEqual(
      got.arrays,
      [
        ["f4", big.length],
        ["u1", 0],
        ["f8", 2],
        ["i4", 1],
        ["u1", 3],
      ].map(([dtype, length]) => ({ dtype, length })),
    );
    whole.arrays.forEach((a, i) => {
      const want = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      assert.ok(Buffer.concat(got.bytes[i]!).equals(want), `array ${i}`);
    });

    assert.equal(streamOf("b").r, "miss");
    // a flipped byte in the last array: the sink saw bytes, but the answer is "damaged" and the entry is gone
    await cache.put("stim", KEY("c"), blob);
    const bytes = await readFile(path("c"));
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
    await writeFile(path("c"), bytes);
    assert.equal(streamOf("c").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /does not match its seal/);
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("a")}.bin`]);
    // truncated, under another key's name, not an entry
    await cache.put("stim", KEY("d"), blob);
    await truncate(path("d"), 100_000);
    assert.equal(streamOf("d").r, "damaged");
    await writeFile(path("e"), await readFile(path("a")));
    assert.equal(streamOf("e").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /not its place/);
    await writeFile(path("f"), "not an entry at all, but long enough to hold a seal: 0123456789");
    assert.equal(streamOf("f").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /bad magic/);
    // the sink rejects the header: damaged; the sink fails otherwise: its error, the entry kept
    await cache.put("stim", KEY("9"), blob);
    const r2 = streamOf("9", () => {
      throw new CacheError("entry does not hold a stim tensor");
    });
    assert.equal(r2.r, "damaged");
    const closed = new Error("spill file used after it was closed");
    assert.throws(
      () =>
        cache.readStreamed("stim", KEY("a"), {
          header: () => {
            throw closed;
          },
          bytes: () => {},
        }),
      (e) => e === closed,
      "an error of the sink's own in header(), not the entry's: thrown, the entry kept",
    );
    // a FIFO under an entry's name: not a regular file, and the open does not block
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path("7")]);
    assert.equal(streamOf("7").r, "damaged");
    assert.match(cache.removed.at(-1) ?? "", /not a regular file/);
    assert.equal(await cache.get("stim", KEY("7")), null);
    await cache.put("stim", KEY("8"), blob);
    const full = new Error("ENOSPC: the disk is full");
    assert.throws(
      () =>
        cache.readStreamed("stim", KEY("8"), {
          header: () => {},
          bytes: () => {
            throw full;
          },
        }),
      (e) => e === full,
    );
    assert.deepEqual(await files(join(cache.root, "stim")), [`${KEY("8")}.bin`, `${KEY("a")}.bin`]);
  });

  it("trim keeps the total under the bound, least recently used first; list counts per kind; clear empties", async () => {
    const cache = new IntermediateCache(join(root, "trim"));
    const kinds: [IntermediateKind, string][] = [
      ["index", "1"],
      ["clean", "2"],
      ["stim", "3"],
      ["stim", "4"],
      ["deflated", "5"],
    ];
    for (const [i, [kind, c]] of kinds.entries()) {
      await cache.put(kind, KEY(c), sampleBlob());
      const t = new Date(1e12 + i * 60_000);
      await utimes(join(cache.root, kind, `${KEY(c)}.bin`), t, t);
    }
    const size = async (kind: IntermediateKind, c: string) =>
      (await stat(join(cache.root, kind, `${KEY(c)}.bin`))).size;
    const sizes = await Promise.all(kinds.map(([kind, c]) => size(kind, c)));
    const [s1, s2, s3, s4, s5] = sizes as [number, number, number, number, number];
    let list = await cache.list();
    assert.deepEqual(
      list.map((k) => [k.kind, k.entries, k.bytes]),
      [
        ["index", 1, s1],
        ["clean", 1, s2],
        ["stim", 2, s3 + s4],
        ["deflated", 1, s5],
      ],
    );
    const total = s1 + s2 + s3 + s4 + s5;
    assert.equal(await cache.trim(total), 0, "within the bound: nothing removed");
    assert.equal(await cache.trim(total - s1 - s2), 2);
    list = await cache.list();
    assert.deepEqual(
      list.map((k) => k.entries),
      [0, 0, 2, 1],
      "the two oldest went",
    );
    assert.equal(await cache.clear(), 3);
    assert.deepEqual(
      (await cache.list()).map((k) => k.entries),
      [0, 0, 0, 0],
    );
  });

  it("an interrupt removes this process's temp files in the kinds' folders (workers' writes too), not others'", async () => {
    const cache = new IntermediateCache(join(root, "interrupt"));
    await cache.put("clean", KEY("7"), sampleBlob());
    const [folder] = cache.kindFolders().filter((f) => f.endsWith("clean"));
    const ours = tempName(join(folder as string, `${KEY("8")}.bin`));
    const theirs = join(folder as string, `${KEY("9")}.bin.tmp-999999999-0badf00d`);
    await writeFile(ours, "partial");
    await writeFile(theirs, "partial");
    for (const f of cache.kindFolders()) trackTempFolder(f);
    removeTrackedTemps();
    resumeTempFiles(); // this process goes on: temp files may be named again
    for (const f of cache.kindFolders()) untrackTempFolder(f);
    assert.deepEqual(await files(folder as string), [
      `${KEY("7")}.bin`,
      `${KEY("9")}.bin.tmp-999999999-0badf00d`,
    ]);
    // a dead owner's leftover goes with the next listing
    await cache.list();
    assert.deepEqual(await files(folder as string), [`${KEY("7")}.bin`]);
  });

  it("sizes: AC1_CACHE_INTERMEDIATES_MAX and parseByteSize", () => {
    assert.equal(parseByteSize("2G", "x"), 2 * 1024 ** 3);
    assert.equal(parseByteSize("500M", "x"), 500 * 1024 ** 2);
    assert.equal(parseByteSize("1.5GiB", "x"), 1.5 * 1024 ** 3);
    assert.equal(parseByteSize("64k", "x"), 65536);
    assert.equal(parseByteSize("0", "x"), 0);
    assert.throws(() => parseByteSize("lots", "AC1_CACHE_INTERMEDIATES_MAX"), CacheError);
    assert.equal(intermediateMaxBytes({}), 2 * 1024 ** 3);
    assert.equal(intermediateMaxBytes({ AC1_CACHE_INTERMEDIATES_MAX: "100M" }), 100 * 1024 ** 2);
  });
});
