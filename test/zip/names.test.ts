// Unit tests of zip entry-name and path safety (src/zip/names.ts) and of the
// CRC-32 fallback (src/zip/crc32.ts).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { crc32, crc32Portable } from "../../src/zip/crc32.js";
import { checkEntryName, unsafePathReason } from "../../src/zip/names.js";

describe("unsafePathReason", () => {
  test("accepts plain relative paths", () => {
    for (const p of ["a", "crcns-ac1/wehr/Summary.mat", "x y/é.mat", "a..b/c", "..a", "a/.hidden"]) {
      assert.equal(unsafePathReason(p), null, p);
    }
  });
  test("refuses each unsafe form with its own reason", () => {
    const cases: [string, RegExp][] = [
      ["", /empty name/],
      ["../x", /'\.\.' segment/],
      ["a/../../x", /'\.\.' segment/],
      ["a/..", /'\.\.' segment/],
      ["/etc/passwd", /absolute path/],
      ["C:/x", /drive-letter/],
      ["c:x", /drive-letter/],
      ["a\\b", /backslash/],
      ["..\\x", /backslash/],
      ["a//b", /empty path segment/],
      ["./a", /'\.' segment/],
      ["a\u0000b", /control character/],
      ["a\nb", /control character/],
    ];
    for (const [p, re] of cases) assert.match(unsafePathReason(p) ?? "accepted", re, JSON.stringify(p));
  });
});

describe("checkEntryName", () => {
  const REG = 0o100644 << 16;
  const DIR = 0o040755 << 16;
  const LNK = 0o120777 << 16;
  test("files and folders", () => {
    assert.deepEqual(checkEntryName("a/b.mat", REG), { path: "a/b.mat", isDir: false });
    assert.deepEqual(checkEntryName("a/b/", DIR), { path: "a/b", isDir: true });
    assert.deepEqual(checkEntryName("a/b/", 0x10), { path: "a/b", isDir: true }); // MS-DOS directory attribute
    assert.deepEqual(checkEntryName("a.mat", 0), { path: "a.mat", isDir: false }); // no attributes at all
  });
  test("symlinks, special files and inconsistent folders are refused", () => {
    assert.equal(checkEntryName("a/link", LNK), "symbolic link");
    assert.equal(checkEntryName("a/link/", LNK), "symbolic link");
    assert.match(String(checkEntryName("fifo", 0o010644 << 16)), /special file/);
    assert.match(String(checkEntryName("blk", 0o060644 << 16)), /special file/);
    assert.match(String(checkEntryName("d", DIR)), /directory attributes/);
    assert.match(String(checkEntryName("/abs", REG)), /absolute/);
    assert.match(String(checkEntryName("../x/", DIR)), /'\.\.'/);
    assert.match(String(checkEntryName("/", DIR)), /empty name|absolute/);
    assert.match(String(checkEntryName("wehr/a:stream", REG)), /colon in name/);
  });
  test("a colon is allowed when the names are never file names", () => {
    assert.deepEqual(checkEntryName("cell:1.npy", REG, { allowColon: true }), {
      path: "cell:1.npy",
      isDir: false,
    });
    assert.match(String(checkEntryName("../a:b", REG, { allowColon: true })), /'\.\.'/);
  });
});

describe("crc32", () => {
  test("known value", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32Portable(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
  test("fallback equals zlib, also when continued chunk by chunk", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(2000), (data, cut) => {
        const k = Math.min(cut, data.length);
        const whole = crc32Portable(data);
        assert.equal(crc32Portable(data.subarray(k), crc32Portable(data.subarray(0, k))), whole);
        assert.equal(crc32(data), whole);
        const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
        if (typeof native === "function") assert.equal(native(data) >>> 0, whole);
      }),
    );
  });
});
