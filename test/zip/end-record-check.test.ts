// endRecordProblem (src/zip/end-record-check.ts): the end records
// centralDirectory writes pass, classic and zip64 (by the directory's offset
// or by the entry count), with or without a comment,
// and with or without the file's start in the bytes given; every byte of them
// changed (but the zip64 record's "made by" and "version needed", which no
// reader uses) is found, as is a tail cut before them.

import assert from "node:assert/strict";
import { test } from "node:test";
import { END_RECORDS_MAX_BYTES, endRecordProblem } from "../../src/zip/end-record-check.js";
import { EOCD_BYTES, ZIP64_EOCD_BYTES, ZIP64_LOCATOR_BYTES } from "../../src/zip/format.js";
import { centralDirectory, type WrittenEntry } from "../../src/zip/records.js";

function fakeEntries(n: number): WrittenEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `m_${i}.npy`,
    method: 0,
    crc32: 0x1234 + i,
    compressedSize: 100 + (i % 7),
    uncompressedSize: 100 + (i % 7),
    flags: 0,
    dosTime: 0,
    dosDate: 0x21,
    localHeaderOffset: i * 200,
  }));
}

const few = fakeEntries(3);
/** Just enough entries that the count alone calls for the zip64 records. */
const many = fakeEntries(0xffff);

/** The directory and end records of `entries` as they would sit from byte `offset` of a file. */
function records(offset: number, comment = "", entries = few): Uint8Array {
  return new Uint8Array(Buffer.concat(centralDirectory(entries, offset, new TextEncoder().encode(comment))));
}

const cases: { what: string; offset: number; comment?: string; zip64: boolean; entries?: WrittenEntry[] }[] =
  [
    { what: "classic", offset: 600, zip64: false },
    { what: "classic, sealed", offset: 600, comment: '{"sha256":"00"}', zip64: false },
    { what: "zip64 (the directory past 4 GiB)", offset: 5_000_000_000, zip64: true },
    { what: "zip64, sealed", offset: 5_000_000_000, comment: "seal", zip64: true },
    { what: "zip64 (65535 entries)", offset: 700, zip64: true, entries: many },
  ];

test("the end records centralDirectory writes pass, whole or as their last bytes", () => {
  for (const c of cases) {
    const bytes = records(c.offset, c.comment, c.entries);
    assert.equal(endRecordProblem(bytes, c.offset), undefined, c.what);
    // only the last bytes, as read from a file (here: the end records alone)
    const ends =
      EOCD_BYTES + (c.comment?.length ?? 0) + (c.zip64 ? ZIP64_EOCD_BYTES + ZIP64_LOCATOR_BYTES : 0);
    const tail = bytes.subarray(bytes.length - ends);
    assert.equal(endRecordProblem(tail, c.offset + bytes.length - ends), undefined, `${c.what}, tail`);
    assert.ok(END_RECORDS_MAX_BYTES >= ends);
  }
});

test("every byte of the end records changed is found, but the zip64 record's version fields", () => {
  for (const c of cases) {
    const bytes = records(c.offset, c.comment, c.entries);
    const eocd = bytes.length - (c.comment?.length ?? 0) - EOCD_BYTES;
    const first = c.zip64 ? eocd - ZIP64_LOCATOR_BYTES - ZIP64_EOCD_BYTES : eocd;
    for (let at = first; at < eocd + EOCD_BYTES; at++) {
      // zip64 record: made by (12-13) and version needed (14-15) are not read by anyone
      if (c.zip64 && at - first >= 12 && at - first < 16) continue;
      for (const flip of [0x01, 0x80]) {
        const bad = bytes.slice();
        bad[at] = (bad[at] as number) ^ flip;
        assert.notEqual(
          endRecordProblem(bad, c.offset),
          undefined,
          `${c.what}: byte ${at - first} ^ ${flip}`,
        );
      }
    }
  }
});

test("the directory said to sit elsewhere, a missing end record, or bytes after it: each named", () => {
  const bytes = records(600);
  assert.match(endRecordProblem(bytes, 601) ?? "", /does not end there/);
  assert.match(
    endRecordProblem(bytes.subarray(0, bytes.length - 1), 600) ?? "",
    /no end of central directory/,
  );
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.match(endRecordProblem(longer, 600) ?? "", /no end of central directory/);
});
