// The streaming .npz writer and the lazy reader round trip: stored and
// deflated, random access and whole-file load, in-memory and streamed
// sources, a directory larger than the read-ahead window, zip64 zips from
// another tool.

import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import yazl from "yazl";
import { ExportError } from "../../src/export/errors.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { isNpzTempName } from "../../src/export/npz-temp-files.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { tempDir } from "../support/cli.js";
import { npy, writeSample } from "./npz-sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-npz-")));
after(() => cleanup());

describe("NpzWriter + NpzReader round trip", () => {
  for (const [compress, how] of [
    [false, "open"],
    [true, "open"],
    [false, "load"],
    [true, "load"],
  ] as const) {
    it(`${compress ? "deflated" : "stored"}, ${how}`, async () => {
      const path = join(dir, `sample-${compress}-${how}.npz`);
      await writeSample(path, compress);
      const r = await NpzReader[how](path);
      try {
        assert.deepEqual(r.keys(), ["a", "b", "c", "d", "s", "streamed", "big"]);
        assert.equal(r.has("a"), true);
        assert.equal(r.has("zz"), false);
        const info = r.info("a");
        assert.equal(info.dtype, "<f4");
        assert.deepEqual(info.shape, [2, 3]);
        assert.equal(info.deflated, compress);
        assert.equal(info.size, encodeNpyHeader("<f4", [2, 3]).length + 24);
        const a = await r.read("a");
        assert.ok(a.data instanceof Float32Array);
        assert.deepEqual(Array.from(a.data as Float32Array), [1, 2, 3, 4, 5, Number.NaN]);
        const b = await r.read("b");
        assert.ok(b.data instanceof Float64Array);
        assert.equal(b.data.length, 0);
        assert.deepEqual(Array.from((await r.read("c")).data as Int32Array), [-1, 0, 2147483647]);
        assert.deepEqual(Array.from((await r.read("d")).data as Uint8Array), [0, 1, 254, 255]);
        assert.equal(await r.readString("s"), "héllo 🐦");
        const st = await r.read("streamed");
        assert.deepEqual(st.shape, [3, 1000]);
        assert.equal((st.data as Float32Array)[2999], 2999);
        const big = (await r.read("big")).data as Float32Array;
        assert.equal(big.length, 3_000_000);
        assert.equal(big[2_999_999], Math.fround(Math.sin(2_999_999 / 100)));
        await assert.rejects(r.read("zz"), ExportError);
        await assert.rejects(r.readString("a"), /expected a unicode/);
      } finally {
        await r.close();
      }
      assert.deepEqual((await readdir(dir)).filter(isNpzTempName), []);
    });
  }

  it("reads a directory larger than its read-ahead window (many members)", async () => {
    const path = join(dir, "many.npz");
    const w = NpzWriter.create(path, { compress: false });
    for (let i = 0; i < 300; i++) await w.add(`member_with_a_long_name_${i}`, "<i4", [1], Int32Array.of(i));
    await w.close();
    const r = await NpzReader.open(path, { directoryWindowBytes: 1000 });
    assert.equal(r.keys().length, 300);
    assert.deepEqual(Array.from((await r.read("member_with_a_long_name_299")).data as Int32Array), [299]);
    await r.close();
  });

  it("reads members of zips written by other tools (zip64 records, stored and deflated)", async () => {
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from(npy("<f8", [2], Float64Array.from([0.5, -1]))), "x.npy", {
      compress: true,
      forceZip64Format: true,
    });
    z.addBuffer(Buffer.from(npy("<i4", [1], Int32Array.from([42]))), "y.npy", {
      compress: false,
      forceZip64Format: true,
    });
    z.end({ forceZip64Format: true, comment: "" });
    const chunks: Buffer[] = [];
    await new Promise<void>((res) => {
      z.outputStream.on("data", (c: Buffer) => chunks.push(c));
      z.outputStream.on("end", () => res());
    });
    const path = join(dir, "zip64.npz");
    await writeFile(path, Buffer.concat(chunks));
    const r = await NpzReader.open(path);
    assert.deepEqual(Array.from((await r.read("x")).data as Float64Array), [0.5, -1]);
    assert.deepEqual(Array.from((await r.read("y")).data as Int32Array), [42]);
    await r.close();
  });
});
