// Unit tests of the validation of paths given to a ReleaseSource.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ArchiveError } from "../../src/archive/errors.js";
import { normalizeSourcePath } from "../../src/archive/paths.js";

describe("normalizeSourcePath", () => {
  test("root and trailing slash", () => {
    assert.equal(normalizeSourcePath("", "here"), "");
    assert.equal(normalizeSourcePath("a/b/", "here"), "a/b");
    assert.equal(normalizeSourcePath("a/b", "here"), "a/b");
  });
  test("refusals are ArchiveErrors naming the path and the place", () => {
    for (const p of ["../x", "/x", "a/../b", "a\\b", "C:/x", "/"]) {
      assert.throws(
        () => normalizeSourcePath(p, "/data"),
        (e: unknown) =>
          e instanceof ArchiveError &&
          e.message.startsWith("/data: refused path") &&
          e.message.includes(JSON.stringify(p)),
      );
    }
  });
});
