// The zip core (src/zip/): its central directory against yauzl's on zips yazl
// writes (zip64 included, from a file and from memory, any read-ahead), the
// four ways of reading a member agreeing with the data, name decoding (CP437,
// Info-ZIP Unicode Path), the per-read caps, and each structural fault.

import assert from "node:assert/strict";
import { mkdtemp, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import yauzl from "yauzl";
import {
  BufferSource,
  type ByteSource,
  FileSource,
  type ZipEntry,
  ZipFault,
  type ZipOpenOptions,
  ZipReader,
} from "../../src/zip/index.js";
import { type CraftEntry, makeZip, noise } from "../support/zip.js";
import { extraField, independentCrc32, rawStoredZip } from "./raw-zip.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ac1-zip-"));
});
after(() => rm(dir, { recursive: true, force: true }));

let fileNo = 0;
/** The zip opened both ways: from a file (with the given read-ahead) and from memory. */
async function bothWays(
  buf: Uint8Array,
  opts: ZipOpenOptions,
  fn: (zip: ZipReader, how: string) => Promise<void>,
): Promise<void> {
  const path = join(dir, `z${fileNo++}.zip`);
  await writeFile(path, buf);
  const sources: [string, () => Promise<ByteSource>][] = [
    ["file", async () => new FileSource(await open(path, "r"), buf.byteLength)],
    // read and inflated on this thread (what a build's workers use)
    [
      "file, synchronous",
      async () => new FileSource(await open(path, "r"), buf.byteLength, { synchronous: true }),
    ],
    ["memory", async () => new BufferSource(buf)],
  ];
  for (const [how, make] of sources) {
    const source = await make();
    let zip: ZipReader;
    try {
      zip = await ZipReader.open(source, opts);
    } catch (e) {
      await source.close();
      throw e;
    }
    try {
      await fn(zip, how);
    } finally {
      await zip.close();
    }
  }
}

async function yauzlEntries(buf: Buffer): Promise<yauzl.Entry[]> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, decodeStrings: true });
  const out: yauzl.Entry[] = [];
  for await (const e of zip.eachEntry()) out.push(e);
  return out;
}

async function streamed(zip: ZipReader, e: ZipEntry, maxBytes = e.uncompressedSize): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    await zip.openEntryStream(e, { maxBytes }),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** Every way of reading `e` gives `want`. */
async function checkReads(zip: ZipReader, e: ZipEntry, want: Uint8Array, how: string): Promise<void> {
  assert.deepEqual(Buffer.from(await zip.readEntry(e, { maxBytes: want.length })), Buffer.from(want), how);
  assert.deepEqual(await streamed(zip, e), Buffer.from(want), how);
  const cut = want.length >> 1;
  const a = new Uint8Array(cut);
  const b = new Uint8Array(want.length - cut);
  await zip.readEntryInto(e, [a, b]);
  assert.deepEqual(Buffer.concat([a, b]), Buffer.from(want), how);
  for (const n of [0, 1, 100, want.length]) {
    const head = await zip.readEntryPrefix(e, n);
    assert.ok(head.length >= Math.min(n, want.length), how);
    assert.deepEqual(Buffer.from(head.subarray(0, n)), Buffer.from(want.subarray(0, n)), how);
  }
}

async function fault(p: Promise<unknown>): Promise<ZipFault> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ZipFault, `expected a ZipFault, got ${String(e)}`);
    assert.ok(!e.message.includes("\n"));
    return e;
  }
  assert.fail("expected a ZipFault");
}

describe("central directory", () => {
  test("agrees with yauzl on zips yazl writes, and every read gives the data (property)", async () => {
    const entryArb = fc.record({
      name: fc.stringMatching(/^[a-zé_][a-z0-9é_]{0,12}(\/[a-z0-9_]{1,8}){0,2}$/),
      size: fc.oneof(fc.constant(0), fc.nat(3000), fc.constant(70_000)),
      seed: fc.nat(),
      compress: fc.boolean(),
      zeros: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entryArb, { minLength: 1, maxLength: 6, selector: (e) => e.name }),
        fc.boolean(),
        fc.integer({ min: 40, max: 5000 }),
        async (specs, zip64, window) => {
          // a name that is also a folder of another is a clash, not what this property is about
          const names = specs.map((s) => s.name);
          fc.pre(!names.some((n) => names.some((m) => m.startsWith(`${n}/`))));
          const datas = specs.map((s) => (s.zeros ? new Uint8Array(s.size) : noise(s.size, s.seed)));
          const entries: CraftEntry[] = specs.map((s, i) => ({
            name: s.name,
            data: datas[i],
            compress: s.compress,
            zip64,
          }));
          const buf = await makeZip(entries);
          const theirs = await yauzlEntries(buf);
          await bothWays(buf, { directoryWindowBytes: window }, async (zip, how) => {
            assert.equal(zip.entries.length, theirs.length, how);
            zip.entries.forEach((e, i) => {
              const y = theirs[i]!;
              assert.equal(e.name, y.fileName, how);
              assert.equal(e.method, y.compressionMethod, how);
              assert.equal(e.crc32, y.crc32, how);
              assert.equal(e.compressedSize, y.compressedSize, how);
              assert.equal(e.uncompressedSize, y.uncompressedSize, how);
              assert.equal(e.localHeaderOffset, y.relativeOffsetOfLocalHeader, how);
              assert.equal(e.externalAttributes, y.externalFileAttributes, how);
            });
            assert.equal(
              zip.totalUncompressedBytes,
              datas.reduce((n, d) => n + d.length, 0),
            );
            for (const [i, e] of zip.entries.entries()) await checkReads(zip, e, datas[i]!, how);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  test("names: CP437 without the UTF-8 flag, the Info-ZIP Unicode Path field when its CRC matches", async () => {
    const cp437 = Uint8Array.of(0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74); // "café.txt" in CP437
    const unicode = (stored: Uint8Array, name: string) => {
      const body = Buffer.alloc(5);
      body.writeUInt8(1, 0);
      body.writeUInt32LE(independentCrc32(stored), 1);
      return extraField(0x7075, Buffer.concat([body, Buffer.from(name, "utf8")]));
    };
    const stale = Buffer.alloc(5 + 3);
    stale.writeUInt8(1, 0);
    stale.writeUInt32LE(0x12345678, 1);
    stale.write("bad", 5);
    const buf = rawStoredZip([
      { name: cp437, data: noise(10, 1), flags: 0 },
      {
        name: "x/ascii.bin",
        data: noise(20, 2),
        flags: 0,
        centralExtra: unicode(Buffer.from("x/ascii.bin"), "x/ünï.bin"),
      },
      { name: "stale.bin", data: noise(5, 3), flags: 0, centralExtra: extraField(0x7075, stale) },
    ]);
    await bothWays(buf, {}, async (zip, how) => {
      assert.deepEqual(
        zip.entries.map((e) => e.path),
        ["café.txt", "x/ünï.bin", "stale.bin"],
        how,
      );
      assert.deepEqual(
        Buffer.from(await zip.readEntry(zip.entries[1]!, { maxBytes: 100 })),
        Buffer.from(noise(20, 2)),
      );
    });
  });

  test("a local header whose extra field is longer than the central one is followed", async () => {
    const data = noise(1000, 4);
    const buf = rawStoredZip([{ name: "a.bin", data, localExtra: extraField(0xcafe, new Uint8Array(300)) }]);
    await bothWays(buf, {}, async (zip, how) => checkReads(zip, zip.entries[0]!, data, how));
  });

  test("structural faults: not a zip, appended bytes, multi-disk, too many entries, a broken record", async () => {
    const good = rawStoredZip([
      { name: "a", data: noise(10, 1) },
      { name: "b", data: noise(10, 2) },
    ]);
    const cases: [string, Uint8Array, ZipOpenOptions, string, RegExp][] = [
      ["empty", new Uint8Array(0), {}, "not-zip", /^not a zip file, or truncated/],
      ["text", Buffer.from("<html>log in</html>"), {}, "not-zip", /^not a zip file, or truncated/],
      ["cut", good.subarray(0, good.length - 5), {}, "not-zip", /^not a zip file, or truncated/],
      [
        "appended",
        Buffer.concat([good, Buffer.from("junk")]),
        {},
        "not-zip",
        /declares a 0-byte comment but 4 bytes follow it/,
      ],
      [
        "multi-disk",
        rawStoredZip([{ name: "a", data: noise(1, 1) }], { disk: 1 }),
        {},
        "not-zip",
        /multi-disk/,
      ],
      ["limit", good, { maxEntries: 1 }, "directory", /declares 2 entries, more than the limit of 1/],
    ];
    const broken = Buffer.from(good);
    broken.writeUInt32LE(0xdeadbeef, broken.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
    cases.push(["record", broken, {}, "directory", /corrupt central directory \(after 1 entries\)/]);
    const crowded = Buffer.from(good);
    crowded.writeUInt16LE(40, crowded.length - 22 + 10);
    cases.push(["count", crowded, {}, "directory", /40 entries cannot fit in \d+ bytes/]);
    for (const [title, buf, opts, kind, re] of cases) {
      const f = await fault(ZipReader.open(new BufferSource(buf), opts));
      assert.equal(f.kind, kind, title);
      assert.match(f.problem, re, title);
    }
    // toError decides the caller's error
    const mine = new Error("mine");
    await assert.rejects(
      ZipReader.open(new BufferSource(Buffer.from("nope")), { toError: () => mine }),
      (e: unknown) => e === mine,
    );
  });

  test("unsafe names are refused at open, and ':' only when asked", async () => {
    const refused = async (name: string, opts: ZipOpenOptions, re: RegExp) => {
      const f = await fault(
        ZipReader.open(new BufferSource(rawStoredZip([{ name, data: noise(3, 1) }])), opts),
      );
      assert.equal(f.kind, "entry");
      assert.equal(f.entry, name);
      assert.match(f.problem, re);
    };
    await refused("../x", {}, /refused: '\.\.' segment/);
    await refused("a\\b", {}, /refused: backslash/);
    await refused("cell:1.npy", {}, /refused: colon/);
    const zip = await ZipReader.open(
      new BufferSource(rawStoredZip([{ name: "cell:1.npy", data: noise(3, 1) }])),
      {
        allowColonInNames: true,
      },
    );
    assert.equal(zip.entries[0]!.path, "cell:1.npy");
  });
});

describe("member reads", () => {
  test("each read has its own cap; a folder or a closed zip is refused", async () => {
    const data = noise(5000, 7);
    const buf = await makeZip([
      { name: "d/", dir: true },
      { name: "d/a.bin", data },
    ]);
    await bothWays(buf, {}, async (zip) => {
      const [folder, file] = zip.entries as [ZipEntry, ZipEntry];
      assert.equal(folder.isDir, true);
      assert.match((await fault(zip.readEntry(folder, { maxBytes: 10 }))).problem, /is a folder/);
      const f1 = await fault(zip.readEntry(file, { maxBytes: 4999 }));
      assert.deepEqual([f1.kind, f1.entry], ["data", "d/a.bin"]);
      assert.match(f1.problem, /5000 bytes is too large to read into memory \(limit 4999\)/);
      assert.match(
        (await fault(zip.openEntryStream(file, { maxBytes: 100 }))).problem,
        /5000 bytes is too large for this read \(limit 100\)/,
      );
      assert.equal((await streamed(zip, file)).length, 5000);
    });
    const zip = await ZipReader.open(new BufferSource(buf));
    await zip.close();
    assert.match((await fault(zip.readEntry(zip.entries[1]!, { maxBytes: 1e6 }))).problem, /already closed/);
  });

  test("a stream stops as soon as more than the declared size arrives, holding no more than a chunk", async () => {
    const data = new Uint8Array(4 << 20); // zeros: 4 MiB from a few KiB
    const buf = Buffer.from(await makeZip([{ name: "z.bin", data }]));
    // declare 1 MiB (within the deflate ratio of the compressed size)
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(1 << 20, cd + 24);
    const zip = await ZipReader.open(new BufferSource(buf));
    const e = zip.entries[0]!;
    let seen = 0;
    const stream = await zip.openEntryStream(e, { maxBytes: 1 << 20, onBytes: (n) => (seen += n) });
    const f = await fault(pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() })));
    assert.match(f.problem, /inflates to more than its declared 1048576 bytes/);
    assert.ok(seen <= 1 << 20, `${seen} bytes passed`);
    assert.match((await fault(zip.readEntry(e, { maxBytes: 1 << 20 }))).problem, /inflates to more than/);
    assert.match((await fault(zip.readEntryPrefix(e, 2 << 20))).problem, /inflates to more than/);
  });

  test("readRawRun gives each member's stored bytes as readRaw does, through one buffer, for any run", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.integer({ min: 0, max: 3000 }), compress: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 8 }),
        async (specs, from, count) => {
          const buf = await makeZip(
            specs.map((s, i) => ({ name: `m${i}.bin`, data: noise(s.size, i + 1), compress: s.compress })),
          );
          await bothWays(buf, {}, async (zip, how) => {
            const run = zip.entries.slice(from, from + count);
            const into = new Uint8Array(zip.rawSpan(run));
            const got = await zip.readRawRun(run, into);
            assert.equal(got.length, run.length);
            for (const [i, e] of run.entries())
              assert.ok(Buffer.from(await zip.readRaw(e)).equals(got[i] as Uint8Array), `${how} ${e.name}`);
            // out of file order: the same bytes (each member read alone)
            const reversed = [...run].reverse();
            const back = await zip.readRawRun(reversed, new Uint8Array(Math.max(0, zip.rawSpan(reversed))));
            for (const [i, e] of reversed.entries())
              assert.ok(
                Buffer.from(await zip.readRaw(e)).equals(back[i] as Uint8Array),
                `${how} ${e.name} reversed`,
              );
            if (run.length === 0) return;
            if (how === "file")
              assert.ok(
                got.every((b) => b.buffer === into.buffer),
                "views of the one buffer",
              );
            await assert.rejects(zip.readRawRun(run, new Uint8Array(into.length - 1)), RangeError);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  test("readRawRun: a local header longer than its record, or a truncated zip, as readRaw says", async () => {
    const a = noise(500, 3);
    const b = noise(700, 4);
    const buf = rawStoredZip([
      { name: "a.bin", data: a },
      { name: "b.bin", data: b, localExtra: extraField(0xcafe, new Uint8Array(40)) },
      { name: "c.bin", data: a },
    ]);
    await bothWays(buf, {}, async (zip, how) => {
      const got = await zip.readRawRun(zip.entries, new Uint8Array(zip.rawSpan(zip.entries)));
      assert.deepEqual(
        got.map((g) => Buffer.from(g)),
        [a, b, a].map((d) => Buffer.from(d)),
        how,
      );
    });
    // the file cut inside the second member's data after the zip was opened: the run's read is
    // short, and the member past the cut fails as readRaw fails
    const path = join(dir, "cut.zip");
    await writeFile(path, buf);
    const fh = await open(path, "r");
    const zip = await ZipReader.open(new FileSource(fh, buf.byteLength));
    try {
      await truncate(path, 30 + 5 + 500 + 30 + 5 + 40 + 100);
      const f = await fault(zip.readRawRun(zip.entries, new Uint8Array(zip.rawSpan(zip.entries))));
      const g = await fault(zip.readRaw(zip.entries[1]!));
      assert.deepEqual([f.entry, f.problem], [g.entry, g.problem]);
      assert.equal(f.entry, "b.bin");
    } finally {
      await zip.close();
    }
  });

  test("CRC-32 and size mismatches are found by every read; verifyCrc: false skips only the CRC", async () => {
    const data = noise(3000, 9);
    for (const compress of [false, true]) {
      const buf = Buffer.from(await makeZip([{ name: "c.bin", data, compress }]));
      const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      buf.writeUInt32LE(0x12345678, cd + 16);
      await bothWays(buf, {}, async (zip, how) => {
        const e = zip.entries[0]!;
        const crc = /CRC-32 mismatch \(stored 0x12345678, computed 0x[0-9a-f]{8}\)/;
        assert.match((await fault(zip.readEntry(e, { maxBytes: 1e6 }))).problem, crc, how);
        assert.match((await fault(zip.readEntryInto(e, [new Uint8Array(3000)]))).problem, crc, how);
        assert.match((await fault(streamed(zip, e))).problem, crc, how);
        assert.equal((await zip.readEntry(e, { maxBytes: 1e6, verifyCrc: false })).length, 3000);
        // a prefix is not verified: it is for headers
        assert.equal((await zip.readEntryPrefix(e, 10)).length >= 10, true);
      });
    }
  });
});
