// The .npz writer's members: adds in parallel written in call order, the
// sealed end record, members copied as stored (addEncoded, addMember), and the
// deflate memo keyed by content (add) or by the array's identity (addKeyed).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExportError } from "../../src/export/errors.js";
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
import { NpzWriter } from "../../src/export/npz-writer.js";
import { zipComment } from "../../src/zip/records.js";
import { tempDir } from "../support/cli.js";
import { writeSample } from "./npz-sample.js";

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
