// The zip records our writer emits (src/zip/records.ts), read back by our
// reader and by yauzl: local headers with sizes, the central directory, the
// zip64 end records once the entry count needs them, UTF-8 names, and the
// end record's comment (the build cache's seal) found again by zipComment.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import yauzl from "yauzl";
import { crc32 } from "../../src/zip/crc32.js";
import { BufferSource, ZipReader } from "../../src/zip/index.js";
import {
  centralDirectory,
  dosDateTime,
  localHeader,
  type WrittenEntry,
  zipComment,
} from "../../src/zip/records.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ac1-zip-records-"));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A stored zip of `members` (name -> content) built from the records alone. */
function buildZip(members: [string, Uint8Array][], comment?: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const entries: WrittenEntry[] = [];
  let offset = 0;
  const time = dosDateTime(new Date(2024, 4, 6, 7, 8, 10));
  for (const [name, data] of members) {
    const e: WrittenEntry = {
      name,
      method: 0,
      crc32: crc32(data),
      compressedSize: data.length,
      uncompressedSize: data.length,
      flags: 0,
      ...time,
      localHeaderOffset: offset,
    };
    const h = localHeader(e);
    parts.push(h, data);
    offset += h.length + data.length;
    entries.push(e);
  }
  parts.push(...centralDirectory(entries, offset, comment));
  return new Uint8Array(Buffer.concat(parts));
}

function yauzlNames(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on("end", () => resolve(names));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

test("members, UTF-8 names and contents read back by our reader and by yauzl", async () => {
  const members: [string, Uint8Array][] = [
    ["a.npy", new Uint8Array([1, 2, 3])],
    ["empty.npy", new Uint8Array(0)],
    ["oiseau-🐦.npy", new TextEncoder().encode("tweet")],
  ];
  const bytes = buildZip(members);
  const zip = await ZipReader.open(new BufferSource(bytes));
  assert.deepEqual(
    zip.entries.map((e) => e.name),
    members.map(([n]) => n),
  );
  for (const [i, e] of zip.entries.entries())
    assert.deepEqual([...(await zip.readEntry(e, { maxBytes: 100 }))], [...(members[i]?.[1] ?? [])]);
  const path = join(dir, "small.zip");
  await writeFile(path, bytes);
  assert.deepEqual(
    await yauzlNames(path),
    members.map(([n]) => n),
  );
  assert.equal(zipComment(bytes)?.comment.length, 0);
});

test("more than 65535 members: the zip64 end records", async () => {
  const members: [string, Uint8Array][] = Array.from({ length: 70_000 }, (_, i) => [
    `m${i}.npy`,
    new Uint8Array([i & 0xff]),
  ]);
  const bytes = buildZip(members);
  const zip = await ZipReader.open(new BufferSource(bytes), { maxEntries: 100_000 });
  assert.equal(zip.entries.length, 70_000);
  const last = zip.entries[69_999];
  assert.ok(last);
  assert.equal(last.name, "m69999.npy");
  assert.deepEqual([...(await zip.readEntry(last, { maxBytes: 10 }))], [69_999 & 0xff]);
  const path = join(dir, "many.zip");
  await writeFile(path, bytes);
  assert.equal((await yauzlNames(path)).length, 70_000);
});

test("the end record's comment: written, found again, and the body before it", async () => {
  const comment = new TextEncoder().encode(JSON.stringify({ seal: "x".repeat(100) }));
  const bytes = buildZip([["a.npy", new Uint8Array([9])]], comment);
  const found = zipComment(bytes);
  assert.ok(found);
  assert.deepEqual(found.comment, comment);
  assert.equal(found.endRecordAt, bytes.length - 22 - comment.length);
  const zip = await ZipReader.open(new BufferSource(bytes));
  assert.equal(zip.entries.length, 1, "readers skip the comment");
  // Not a zip end: nothing found.
  assert.equal(zipComment(new Uint8Array(100)), undefined);
  assert.throws(() => centralDirectory([], 0, new Uint8Array(0x10000)), RangeError);
});
