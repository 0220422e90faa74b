// The streaming .npz writer and the lazy reader: round trips (stored and
// deflated, in-memory and streamed sources), atomic replacement on failure,
// and hostile zips (truncated, corrupt, lying sizes) failing with ExportError.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import yazl from "yazl";
import { ExportError } from "../../src/export/errors.js";
import { SYNC_AHEAD_BYTES } from "../../src/export/file-appender.js";
import {
  DEFLATE_MEMO_MIN_BYTES,
  type DeflateMemo,
  type EncodedMember,
  keyedMemberDigest,
  memberDigest,
} from "../../src/export/member-encoding.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { isNpzTempName } from "../../src/export/npz-temp-files.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { MAX_NPZ_MEMBERS } from "../../src/limits.js";
import { zipComment } from "../../src/zip/records.js";
import { tempDir } from "../support/cli.js";
import { makeZip } from "../support/zip.js";

/** An in-memory memo that counts what it is asked and given. */
class MapMemo implements DeflateMemo {
  readonly held = new Map<string, EncodedMember>();
  gets = 0;
  hits = 0;
  puts = 0;
  async get(digest: string): Promise<EncodedMember | undefined> {
    this.gets++;
    const m = this.held.get(digest);
    if (m !== undefined) this.hits++;
    return m;
  }
  async put(digest: string, member: EncodedMember): Promise<void> {
    this.puts++;
    this.held.set(digest, member);
  }
}

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-npz-")));
after(() => cleanup());

async function writeSample(path: string, compress: boolean): Promise<void> {
  const w = NpzWriter.create(path, { compress });
  await w.add("a", "<f4", [2, 3], Float32Array.from([1, 2, 3, 4, 5, Number.NaN]));
  await w.add("b", "<f8", [0], new Float64Array(0));
  await w.add("c", "<i4", [3], Int32Array.from([-1, 0, 2147483647]));
  await w.add("d", "|u1", [2, 2], Uint8Array.from([0, 1, 254, 255]));
  const text = encodeUnicodeScalar("héllo 🐦");
  await w.add("s", text.dtype, [], text.data);
  await w.add("streamed", "<f4", [3, 1000], async function* () {
    for (let r = 0; r < 3; r++)
      yield new Uint8Array(Float32Array.from({ length: 1000 }, (_, i) => r * 1000 + i).buffer);
  });
  // a larger member that spans several stream slices
  const big = new Float32Array(3_000_000);
  for (let i = 0; i < big.length; i++) big[i] = Math.sin(i / 100);
  await w.add("big", "<f4", [big.length], big);
  await w.close();
}

function zipBuffer(members: [string, Uint8Array, boolean][]): Promise<Buffer> {
  return makeZip(members.map(([name, data, compress]) => ({ name, data, compress })));
}

function npy(dtype: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const h = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(h.length + data.byteLength);
  out.set(h);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h.length);
  return out;
}

/** Both ways of opening (random access and whole-file load) must fail with an ExportError naming the file. */
async function expectExportError(path: string, re: RegExp, readKey?: string): Promise<void> {
  for (const how of ["open", "load"] as const) {
    await assert.rejects(
      async () => {
        const r = await NpzReader[how](path);
        try {
          if (readKey) await r.read(readKey);
        } finally {
          await r.close();
        }
      },
      (e: unknown) => {
        assert.ok(e instanceof ExportError, `${how}: expected ExportError, got ${String(e)}`);
        assert.match(e.message, re, how);
        assert.ok(e.message.includes(path), e.message);
        return true;
      },
    );
  }
}

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

describe("hostile .npz input", () => {
  it("not a zip", async () => {
    const path = join(dir, "text.npz");
    await writeFile(path, "hello, I am not a zip file at all");
    await expectExportError(path, /text\.npz: not an \.npz: not a zip file, or truncated/);
  });

  it("missing file", async () => {
    await expectExportError(join(dir, "absent.npz"), /absent\.npz: no such file$/);
  });

  it("a folder", async () => {
    await expectExportError(dir, /: is a folder, not a file$/);
  });

  it("a zip holding something other than .npy arrays", async () => {
    const path = join(dir, "notes.npz");
    await writeFile(path, await zipBuffer([["notes.txt", new TextEncoder().encode("hello"), false]]));
    await expectExportError(
      path,
      /notes\.npz: member "notes\.txt": not a \.npy array, so this zip is not an \.npz$/,
    );
  });

  it("truncated zip (the directory is gone)", async () => {
    const full = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), false]]);
    const path = join(dir, "trunc.npz");
    await writeFile(path, full.subarray(0, full.length - 30));
    await expectExportError(path, /trunc\.npz: not an \.npz: not a zip file, or truncated/);
  });

  it("a member whose npy shape is larger than its data", async () => {
    const h = encodeNpyHeader("<f4", [100]);
    const member = new Uint8Array(h.length + 8);
    member.set(h);
    const path = join(dir, "short-member.npz");
    await writeFile(path, await zipBuffer([["a.npy", member, true]]));
    await expectExportError(path, /needs 400 bytes after its 128-byte header, the member holds 8/);
  });

  it("a member with a bad npy magic", async () => {
    const m = npy("<f4", [1], new Float32Array(1));
    m[0] = 0;
    const path = join(dir, "magic.npz");
    await writeFile(path, await zipBuffer([["a.npy", m, false]]));
    await expectExportError(path, /bad magic/);
  });

  it("a member claiming a huge uncompressed size", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), true]]);
    // patch the central directory's uncompressed size (offset 24 in the record)
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(0xfffffff0, cd + 24);
    const path = join(dir, "huge.npz");
    await writeFile(path, buf);
    await expectExportError(
      path,
      /member "a\.npy": declares 4294967280 bytes from \d+ compressed bytes, a ratio above/,
    );
  });

  it("a stored member whose data runs past the end of the file", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), false]]);
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(1_000_000, cd + 20);
    buf.writeUInt32LE(1_000_000, cd + 24);
    const path = join(dir, "overflow.npz");
    await writeFile(path, buf);
    await expectExportError(path, /overflow|past the end|claims/);
  });

  it("a corrupted stored payload fails the CRC check", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], Float32Array.from([1, 2, 3, 4])), false]]);
    const at = buf.indexOf(Buffer.from(new Float32Array([3]).buffer));
    buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
    const path = join(dir, "crc.npz");
    await writeFile(path, buf);
    await expectExportError(path, /CRC-32 mismatch/, "a");
  });

  it("a corrupted deflate stream", async () => {
    const data = new Float32Array(5000).map((_, i) => i % 7);
    const buf = await zipBuffer([["a.npy", npy("<f4", [5000], data), true]]);
    const local = buf.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    for (let i = local + 30 + 5 + 40; i < local + 30 + 5 + 80; i++)
      buf.writeUInt8(buf.readUInt8(i) ^ 0x5a, i);
    const path = join(dir, "inflate.npz");
    await writeFile(path, buf);
    await expectExportError(path, /corrupt deflate data|CRC-32|inflates to|bad magic|header/, "a");
  });

  it("more members than the limit: refused from the directory's count, before any member is read", async () => {
    const members: [string, Uint8Array, boolean][] = ["a", "b", "c"].map((k) => [
      `${k}.npy`,
      npy("<f4", [1], new Float32Array(1)),
      false,
    ]);
    const buf = await zipBuffer(members);
    assert.equal(MAX_NPZ_MEMBERS, 1 << 18);
    await assert.rejects(
      NpzReader.fromBuffer(buf, "m.npz", { maxMembers: 2 }),
      /^ExportError: m\.npz: declares 3 entries, more than the limit of 2$/,
    );
    assert.deepEqual((await NpzReader.fromBuffer(buf, "m.npz", { maxMembers: 3 })).keys(), ["a", "b", "c"]);
  });

  it("duplicate member names", async () => {
    const m = npy("<f4", [1], new Float32Array(1));
    const path = join(dir, "dup.npz");
    await writeFile(
      path,
      await zipBuffer([
        ["a.npy", m, false],
        ["a.npy", m, false],
      ]),
    );
    await expectExportError(path, /duplicate member/);
  });

  it("random corruption and truncation never produce anything but ExportError (property)", async () => {
    const seeds: Buffer[] = [];
    for (const compress of [false, true]) {
      const path = join(dir, `fuzz-seed-${compress}.npz`);
      const w = NpzWriter.create(path, { compress });
      await w.add("a", "<f4", [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
      const text = encodeUnicodeScalar('{"k": "v"}');
      await w.add("m", text.dtype, [], text.data);
      await w.add("c", "<i4", [3], Int32Array.from([7, 8, 9]));
      await w.close();
      seeds.push(await readFile(path));
    }
    const path = join(dir, "fuzz.npz");
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (which, flips, cut) => {
          const bytes = Buffer.from(seeds[which]!);
          for (const [at, x] of flips)
            bytes.writeUInt8(bytes.readUInt8(at % bytes.length) ^ x, at % bytes.length);
          await writeFile(path, cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
          for (const how of ["open", "load"] as const) {
            let r: NpzReader | undefined;
            try {
              r = await NpzReader[how](path);
              for (const k of r.keys()) {
                const info = r.info(k);
                if (info.dtype.includes("U")) await r.readString(k);
                else await r.read(k);
              }
            } catch (e) {
              assert.ok(e instanceof ExportError, `${how}: ${String((e as Error)?.stack ?? e)}`);
            } finally {
              await r?.close();
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("NpzWriter: members in parallel, sealed files, members copied as stored", () => {
  it("adds not awaited one by one are written in call order, each compressed on its own", async () => {
    const path = join(dir, "parallel.npz");
    const w = NpzWriter.create(path);
    const arrays = Array.from({ length: 40 }, (_, k) =>
      Float32Array.from({ length: 5000 + 997 * k }, (_, i) => Math.sin(i / (k + 1))),
    );
    await Promise.all(arrays.map((a, k) => w.add(`x${k}`, "<f4", [a.length], a)));
    await w.close();
    const r = await NpzReader.open(path);
    try {
      assert.deepEqual(
        r.keys(),
        arrays.map((_, k) => `x${k}`),
      );
      for (const [k, a] of arrays.entries()) assert.deepEqual((await r.read(`x${k}`)).data, a);
    } finally {
      await r.close();
    }
  });

  it("seal: the end record carries the comment made from the SHA-256 of the bytes before it", async () => {
    const path = join(dir, "sealed.npz");
    let given = "";
    const w = NpzWriter.create(path, {
      seal: (sha) => {
        given = sha;
        return `sealed ${sha}`;
      },
    });
    await w.add("a", "<f8", [3], Float64Array.from([1, 2, 3]));
    await w.add("s", "<f4", [2], async function* () {
      yield new Uint8Array(Float32Array.from([4, 5]).buffer);
    });
    await w.close();
    const bytes = await readFile(path);
    const sealed = zipComment(bytes);
    assert.ok(sealed);
    assert.equal(new TextDecoder().decode(sealed.comment), `sealed ${given}`);
    assert.equal(createHash("sha256").update(bytes.subarray(0, sealed.endRecordAt)).digest("hex"), given);
    const r = await NpzReader.open(path);
    assert.deepEqual(r.keys(), ["a", "s"]);
    await r.close();
  });

  it("addEncoded copies a member from another .npz as stored; addMember writes whole .npy bytes", async () => {
    const src = join(dir, "copy-src.npz");
    await writeSample(src, true);
    const reader = await NpzReader.load(src, { readHeaders: false });
    const dest = join(dir, "copy-dest.npz");
    const w = NpzWriter.create(dest);
    const text = encodeUnicodeScalar("first");
    await w.addMember("first.npy", Buffer.concat([encodeNpyHeader(text.dtype, []), text.data]));
    for (const key of reader.keys()) {
      const raw = await reader.rawMember(key);
      await w.addEncoded(raw.name, raw);
    }
    await w.close();
    await reader.close();
    const a = await NpzReader.load(src);
    const b = await NpzReader.load(dest);
    try {
      assert.deepEqual(b.keys(), ["first", ...a.keys()]);
      assert.equal(await b.readString("first"), "first");
      for (const key of a.keys()) assert.deepEqual(await b.read(key), await a.read(key));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a deflate memo: members of DEFLATE_MEMO_MIN_BYTES and more are deflated once per content and level, the file the same byte for byte", async () => {
    const floats = DEFLATE_MEMO_MIN_BYTES / 4;
    const big = Float32Array.from({ length: floats + 3 }, (_, i) => Math.sin(i / 7));
    const big2 = Float32Array.from({ length: 2 * floats }, (_, i) => Math.cos(i / 5));
    const small = Float32Array.from({ length: 100 }, (_, i) => i);
    const mtime = new Date(2020, 0, 2, 3, 4, 6);
    const write = async (name: string, opts: { memo?: DeflateMemo; level?: number; compress?: boolean }) => {
      const path = join(dir, name);
      const w = NpzWriter.create(path, {
        mtime,
        deflateMemo: opts.memo,
        compressionLevel: opts.level,
        compress: opts.compress,
      });
      await Promise.all([
        w.add("big", "<f4", [big.length], big),
        w.add("small", "<f4", [small.length], small),
        w.add("big2", "<f4", [2, floats], big2),
      ]);
      await w.close();
      return readFile(path);
    };
    const plain = await write("memo-plain.npz", {});
    const memo = new MapMemo();
    const first = await write("memo-1.npz", { memo });
    assert.deepEqual([memo.gets, memo.hits, memo.puts], [2, 0, 2], "the small member is not looked up");
    assert.ok(first.equals(plain), "a memo that misses changes nothing");
    const second = await write("memo-2.npz", { memo });
    assert.deepEqual(
      [memo.gets, memo.hits, memo.puts],
      [4, 2, 2],
      "taken from the memo, nothing deflated again",
    );
    assert.ok(second.equals(plain), "a member from the memo is the member deflated here");
    // keyed by the level and the whole member (the .npy header too)
    const header = encodeNpyHeader("<f4", [big.length]);
    const digest = memberDigest([header, new Uint8Array(big.buffer)], 6);
    assert.ok(memo.held.has(digest));
    assert.notEqual(memberDigest([header, new Uint8Array(big.buffer)], 1), digest);
    const level1 = await write("memo-3.npz", { memo, level: 1 });
    assert.deepEqual([memo.gets, memo.hits, memo.puts], [6, 2, 4]);
    assert.ok(level1.equals(await write("memo-plain-1.npz", { level: 1 })));
    // stored members never consult it
    await write("memo-stored.npz", { memo, compress: false });
    assert.deepEqual([memo.gets, memo.puts], [6, 4]);
    // an entry of another size than the member's (a foreign or stale one) is not used
    const held = memo.held.get(digest) as EncodedMember;
    memo.held.set(digest, { ...held, uncompressedSize: held.uncompressedSize + 1 });
    const again = await write("memo-4.npz", { memo });
    assert.ok(again.equals(plain));
    assert.equal(
      memo.held.get(digest)?.uncompressedSize,
      held.uncompressedSize,
      "deflated again and offered",
    );
  });

  it("addKeyed: a member the memo holds under the array's identity is written without reading it; else read once, deflated and offered", async () => {
    const floats = DEFLATE_MEMO_MIN_BYTES / 4;
    const big = Float32Array.from({ length: 3 * floats + 1 }, (_, i) => Math.sin(i / 9));
    const small = Float32Array.from({ length: 10 }, (_, i) => i);
    const mtime = new Date(2020, 0, 2, 3, 4, 6);
    let reads = 0;
    const write = async (name: string, memo?: DeflateMemo, key = "stim k frames 7", level?: number) => {
      const path = join(dir, name);
      const w = NpzWriter.create(path, { mtime, deflateMemo: memo, compressionLevel: level });
      const read =
        <A extends ArrayBufferView>(a: A) =>
        () => {
          reads++;
          return a;
        };
      await Promise.all([
        w.addKeyed("big", "<f4", [1, big.length], key, read(big)),
        w.addKeyed("small", "<f4", [small.length], key, read(small)),
      ]);
      await w.close();
      return readFile(path);
    };
    const plainWriter = async (name: string) => {
      const path = join(dir, name);
      const w = NpzWriter.create(path, { mtime });
      await w.add("big", "<f4", [1, big.length], big);
      await w.add("small", "<f4", [small.length], small);
      await w.close();
      return readFile(path);
    };
    const plain = await plainWriter("keyed-plain.npz");
    const plainLevel = async (level: number) => {
      const path = join(dir, `keyed-plain-${level}.npz`);
      const w = NpzWriter.create(path, { mtime, compressionLevel: level });
      await w.add("big", "<f4", [1, big.length], big);
      await w.add("small", "<f4", [small.length], small);
      await w.close();
      return readFile(path);
    };
    assert.ok((await write("keyed-nomemo.npz")).equals(plain), "without a memo: add()");
    assert.equal(reads, 2);
    const memo = new MapMemo();
    reads = 0;
    assert.ok((await write("keyed-1.npz", memo)).equals(plain));
    assert.deepEqual(
      [reads, memo.gets, memo.hits, memo.puts],
      [2, 1, 0, 1],
      "the small member is not looked up",
    );
    const digest = keyedMemberDigest("stim k frames 7", "<f4", [1, big.length], 6);
    assert.ok(memo.held.has(digest), "offered under the identity, not under its bytes' digest");
    reads = 0;
    assert.ok((await write("keyed-2.npz", memo)).equals(plain));
    assert.deepEqual([reads, memo.hits], [1, 1], "the big array is not read");
    // the identity, the shape and the level each name another member
    assert.notEqual(keyedMemberDigest("stim k frames 8", "<f4", [1, big.length], 6), digest);
    assert.notEqual(keyedMemberDigest("stim k frames 7", "<f4", [big.length, 1], 6), digest);
    assert.notEqual(keyedMemberDigest("stim k frames 7", "<f4", [1, big.length], 1), digest);
    reads = 0;
    await write("keyed-3.npz", memo, "stim k frames 8");
    assert.equal(reads, 2, "another identity: read");
    reads = 0;
    const hits = memo.hits;
    assert.ok((await write("keyed-level1.npz", memo, "stim k frames 7", 1)).equals(await plainLevel(1)));
    assert.deepEqual([reads, memo.hits], [2, hits], "another level: not taken from the memo");
    assert.ok(memo.held.has(keyedMemberDigest("stim k frames 7", "<f4", [1, big.length], 1)));
    // a member of another size under the identity (a stale or foreign entry) is not used
    const held = memo.held.get(digest) as EncodedMember;
    memo.held.set(digest, { ...held, uncompressedSize: held.uncompressedSize - 4 });
    reads = 0;
    assert.ok((await write("keyed-4.npz", memo)).equals(plain));
    assert.equal(reads, 2);
    assert.equal(
      memo.held.get(digest)?.uncompressedSize,
      held.uncompressedSize,
      "deflated again and offered",
    );
    // values of another length than the shape's: the add fails, the file is not written
    const w = NpzWriter.create(join(dir, "keyed-bad.npz"), { mtime });
    await assert.rejects(
      w.addKeyed("big", "<f4", [1, big.length + 1], "k", () => big),
      (e) => e instanceof ExportError && /needs \d+ bytes, got/.test(e.message),
    );
    await w.abort();
    const w2 = NpzWriter.create(join(dir, "keyed-bad2.npz"), { mtime, deflateMemo: new MapMemo() });
    await assert.rejects(
      w2.addKeyed("big", "<f4", [1, big.length + 1], "k", () => big),
      (e) => e instanceof ExportError && /needs \d+ bytes, got/.test(e.message),
    );
    await w2.abort();
  });
});
