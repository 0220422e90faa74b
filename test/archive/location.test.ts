// Default data/cache folders per platform and their environment overrides (interchange.md).

import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultCacheDir, defaultDataDir, RELEASE_LAYOUT, RELEASE_ZIPS } from "../../src/archive/index.js";

test("AC1_DATA_DIR and AC1_CACHE_DIR override every platform default", () => {
  for (const platform of ["linux", "darwin", "win32"] as const) {
    assert.equal(defaultDataDir({ AC1_DATA_DIR: "/data/ac1" }, platform), "/data/ac1");
    assert.equal(defaultCacheDir({ AC1_CACHE_DIR: "/cache/ac1" }, platform), "/cache/ac1");
  }
});

test("platform conventions when no override is set", () => {
  const home = homedir();
  assert.equal(defaultDataDir({}, "linux"), join(home, ".local", "share", "ac1"));
  assert.equal(defaultDataDir({ XDG_DATA_HOME: "/x" }, "linux"), join("/x", "ac1"));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/c" }, "linux"), join("/c", "ac1"));
  assert.equal(defaultDataDir({}, "darwin"), join(home, "Library", "Application Support", "ac1"));
  assert.equal(defaultDataDir({ LOCALAPPDATA: "L" }, "win32"), join("L", "ac1", "Data"));
});

test("the layout table covers exactly the release zips, each anchor inside its folder", () => {
  assert.deepEqual(
    RELEASE_LAYOUT.map((l) => l.zip),
    [...RELEASE_ZIPS],
  );
  assert.deepEqual(
    RELEASE_LAYOUT.map((l) => [l.folder, l.anchor]),
    [
      ["crcns-ac1", "crcns-ac1/wehr/Summary.mat"],
      ["crcns-ac1-asari-results-1", "crcns-ac1-asari-results-1/asari-results-1"],
      ["crcns-ac1-asari-results-2", "crcns-ac1-asari-results-2/asari-results-2"],
    ],
  );
});
