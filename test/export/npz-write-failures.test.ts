// The .npz writer when a write fails: atomic replacement (the previous file
// untouched, no temp file left), bad sources, names and levels refused, a
// failed write-back or an unwritable destination an ExportError.

import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExportError } from "../../src/export/errors.js";
import { SYNC_AHEAD_BYTES } from "../../src/export/file-appender.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { isNpzTempName } from "../../src/export/npz-temp-files.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { tempDir } from "../support/cli.js";
import { writeSample } from "./npz-sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-npz-")));
after(() => cleanup());

describe("NpzWriter failure handling", () => {
  it("a throwing data source leaves the previous file untouched and no temp file", async () => {
    const path = join(dir, "atomic.npz");
    await writeSample(path, true);
    const before = await readFile(path);
    const w = NpzWriter.create(path, { compress: false });
    await w.add("ok", "<f4", [2], Float32Array.from([1, 2]));
    await assert.rejects(
      w.add("bad", "<f4", [1000], async function* () {
        yield new Uint8Array(400);
        throw new Error("disk on fire");
      }),
      (e: unknown) => e instanceof ExportError && /disk on fire/.test(e.message) && e.message.includes(path),
    );
    await w.abort();
    assert.deepEqual(await readFile(path), before);
    assert.deepEqual((await readdir(dir)).filter(isNpzTempName), []);
  });

  it("a source yielding the wrong number of bytes fails the same way", async () => {
    const path = join(dir, "short.npz");
    const w = NpzWriter.create(path);
    await assert.rejects(
      w.add("x", "<f4", [4], async function* () {
        yield new Uint8Array(8);
      }),
      /yielded 8 bytes, its shape needs 16/,
    );
    await w.abort();
    await assert.rejects(readFile(path), { code: "ENOENT" });
    assert.deepEqual((await readdir(dir)).filter(isNpzTempName), []);
  });

  it("honours compressionLevel and rejects invalid levels", async () => {
    const data = new Float32Array(200_000).map((_, i) => Math.round(Math.sin(i / 500) * 100));
    const sizes: number[] = [];
    for (const level of [1, 9]) {
      const path = join(dir, `level-${level}.npz`);
      const w = NpzWriter.create(path, { compressionLevel: level });
      await w.add("x", "<f4", [data.length], data);
      await w.close();
      const r = await NpzReader.open(path);
      sizes.push(r.info("x").compressedSize);
      assert.deepEqual((await r.read("x")).data, data);
      await r.close();
    }
    assert.ok(sizes[1]! < sizes[0]!, `level 9 (${sizes[1]}) smaller than level 1 (${sizes[0]})`);
    assert.throws(
      () => NpzWriter.create(join(dir, "bad-level.npz"), { compressionLevel: 0 }),
      /compressionLevel must be an integer 1\.\.9/,
    );
  });

  it("rejects mismatched buffers, duplicate and invalid names before writing", async () => {
    const w = NpzWriter.create(join(dir, "names.npz"));
    await assert.rejects(w.add("x", "<f4", [3], new Float32Array(2)), /needs 12 bytes, got 8/);
    await w.add("x", "<f4", [1], new Float32Array(1));
    await assert.rejects(w.add("x", "<f4", [1], new Float32Array(1)), /duplicate/);
    await assert.rejects(w.add("a/b", "<f4", [1], new Float32Array(1)), /invalid array name/);
    await w.close();
    await assert.rejects(w.add("y", "<f4", [1], new Float32Array(1)), /writer is closed/);
  });

  it("a write-back error reported by a datasync started ahead fails the close: no file, no temp file", async () => {
    // More than SYNC_AHEAD_BYTES, so the writer starts writeback while it writes; that datasync
    // fails (as an EIO from the disk would) and the error, which the kernel reports only once,
    // must fail the close even though the final fsync would pass.
    const big = new Float64Array((2 * SYNC_AHEAD_BYTES) / 8 + 1000).map((_, i) => i);
    const path = join(dir, "sync-ahead.npz");
    process.env.AC1_TEST_FAIL_AT = "npz-sync-ahead:EIO";
    try {
      const w = NpzWriter.create(path, { compress: false });
      await w.add("x", "<f8", [big.length], big);
      await assert.rejects(
        w.close(),
        (e: unknown) =>
          e instanceof ExportError &&
          e.message ===
            `${path}: writing the .npz failed: EIO: injected by AC1_TEST_FAIL_AT at npz-sync-ahead`,
      );
    } finally {
      delete process.env.AC1_TEST_FAIL_AT;
    }
    await assert.rejects(readFile(path), { code: "ENOENT" });
    assert.deepEqual((await readdir(dir)).filter(isNpzTempName), []);
    // Without the failure, the same write is whole.
    const w = NpzWriter.create(path, { compress: false });
    await w.add("x", "<f8", [big.length], big);
    await w.close();
    const r = await NpzReader.open(path);
    assert.deepEqual((await r.read("x")).data, big);
    await r.close();
  });

  it("an unwritable destination is an ExportError and leaves nothing behind", async () => {
    const path = join(dir, "no-such-folder", "x.npz");
    const w = NpzWriter.create(path);
    await assert.rejects(
      (async () => {
        await w.add("x", "<f4", [1], new Float32Array(1));
        await w.close();
      })(),
      (e: unknown) => e instanceof ExportError && e.message.includes(path),
    );
    await w.abort();
  });
});
