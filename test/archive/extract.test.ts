// ensureExtracted: exact layout, idempotence, progress, atomicity (temporary
// folder + rename), recovery from a crashed run, locking, refusals.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { explainWriteError } from "../../src/archive/extract.js";
import {
  ArchiveError,
  type ExtractProgress,
  ensureExtracted,
  lockFileOf,
  openRelease,
  partialDirOf,
  RELEASE_LAYOUT,
} from "../../src/archive/index.js";
import { tempDir } from "../support/cli.js";
import {
  listTree,
  makeZip,
  noise,
  patchZip64Uncompressed,
  rawStoredZip,
  smallRelease,
  writeReleaseTree,
  writeReleaseZip,
} from "./craft.js";

const MAIN = RELEASE_LAYOUT[0]!;
const ALL_ZIPS: string[] = RELEASE_LAYOUT.map((l) => l.zip);

async function withRelease(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    const spec = smallRelease();
    for (const z of ALL_ZIPS) await writeReleaseZip(dir, spec, z);
    await fn(dir);
  } finally {
    await cleanup();
  }
}

/** The tree the spec says the zips unpack into. */
async function expectedTree(): Promise<string[]> {
  const { dir, cleanup } = await tempDir();
  try {
    const spec = smallRelease();
    for (const z of ALL_ZIPS) await writeReleaseTree(dir, spec, z);
    return await listTree(dir);
  } finally {
    await cleanup();
  }
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(typeof r.pid === "number" && r.pid > 0);
  return r.pid;
}

describe("ensureExtracted", () => {
  test("unpacks the three zips exactly per the layout table", async () => {
    await withRelease(async (dir) => {
      const dirs = await ensureExtracted(dir);
      assert.deepEqual(dirs, {
        wehrDir: join(dir, "crcns-ac1", "wehr"),
        asari1Dir: join(dir, "crcns-ac1-asari-results-1", "asari-results-1"),
        asari2Dir: join(dir, "crcns-ac1-asari-results-2", "asari-results-2"),
      });
      const want = [...(await expectedTree()), ...ALL_ZIPS].sort();
      assert.deepEqual(await listTree(dir), want); // no .partial or .lock left
      const spec = smallRelease();
      for (const [name, data] of Object.entries(spec["crcns-ac1.zip"]!)) {
        assert.deepEqual(
          new Uint8Array(await readFile(join(dir, "crcns-ac1", ...name.split("/")))),
          data,
          name,
        );
      }
    });
  });

  test("streaming every member (no in-memory path) gives the same tree", async () => {
    await withRelease(async (dir) => {
      await ensureExtracted(dir, { inMemoryBytes: 0 });
      assert.deepEqual(await listTree(dir), [...(await expectedTree()), ...ALL_ZIPS].sort());
      const spec = smallRelease();
      for (const z of ALL_ZIPS) {
        const folder = RELEASE_LAYOUT.find((l) => l.zip === z)!.folder;
        for (const [name, data] of Object.entries(spec[z]!)) {
          assert.deepEqual(new Uint8Array(await readFile(join(dir, folder, ...name.split("/")))), data, name);
        }
      }
    });
  });

  test("a local header longer than the central record is read correctly", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const big = noise(5000, 11);
      await writeFile(
        join(dir, "crcns-ac1.zip"),
        rawStoredZip([
          { name: "wehr/Summary.mat", data: new TextEncoder().encode("s"), localExtra: new Uint8Array(700) },
          { name: "wehr/b.mat", data: big, localExtra: new Uint8Array(3000) },
        ]),
      );
      const src = await openRelease(dir, { need: { wehr: true, asari: false } });
      try {
        assert.deepEqual(new Uint8Array(await src.readFile("crcns-ac1/wehr/b.mat")), big);
        assert.equal(src.bytesRead(), 5000);
      } finally {
        await src.close();
      }
      await ensureExtracted(dir, { need: { wehr: true, asari: false }, inMemoryBytes: 0 });
      assert.deepEqual(new Uint8Array(await readFile(join(dir, "crcns-ac1", "wehr", "b.mat"))), big);
    } finally {
      await cleanup();
    }
  });

  test("is idempotent: a second call touches nothing and does not need the zips", async () => {
    await withRelease(async (dir) => {
      await ensureExtracted(dir);
      const summary = join(dir, "crcns-ac1", "wehr", "Summary.mat");
      const before = await stat(summary);
      const tree = await listTree(dir);
      for (const z of ALL_ZIPS) await rm(join(dir, z));
      let calls = 0;
      await ensureExtracted(dir, { onProgress: () => calls++ });
      assert.equal(calls, 0);
      const after = await stat(summary);
      assert.equal(after.ino, before.ino);
      assert.equal(after.mtimeMs, before.mtimeMs);
      assert.deepEqual(
        await listTree(dir),
        tree.filter((p) => !ALL_ZIPS.includes(p)),
      );
    });
  });

  test("reports progress per zip up to its declared total", async () => {
    await withRelease(async (dir) => {
      const events: ExtractProgress[] = [];
      await ensureExtracted(dir, { onProgress: (e) => events.push({ ...e }) });
      const spec = smallRelease();
      for (const z of ALL_ZIPS) {
        const mine = events.filter((e) => e.zip === z);
        const total = Object.values(spec[z]!).reduce((n, d) => n + d.length, 0);
        assert.ok(mine.length > 0, z);
        for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done);
        assert.ok(mine.every((e) => e.total === total));
        assert.equal(mine.at(-1)!.done, total);
        const entries = new Set(mine.map((e) => e.entry).filter((e) => e !== ""));
        assert.deepEqual([...entries].sort(), Object.keys(spec[z]!).sort());
      }
    });
  });

  test("a partial temporary folder and a stale lock from a crashed run are cleaned and redone", async () => {
    await withRelease(async (dir) => {
      const tmp = partialDirOf(dir, MAIN);
      await mkdir(join(tmp, "wehr"), { recursive: true });
      await writeFile(join(tmp, "wehr", "Summary.mat"), "half-written");
      await writeFile(join(tmp, "junk.txt"), "junk");
      await writeFile(
        lockFileOf(dir, MAIN),
        JSON.stringify({ pid: deadPid(), host: (await import("node:os")).hostname() }),
      );
      await ensureExtracted(dir);
      assert.deepEqual(await listTree(dir), [...(await expectedTree()), ...ALL_ZIPS].sort());
      assert.equal(
        (await readFile(join(dir, "crcns-ac1", "wehr", "Summary.mat"), "utf8")).slice(0, 10),
        "MATLAB 5.0",
      );
    });
  });

  test("a partial temporary folder without a lock is cleaned too", async () => {
    await withRelease(async (dir) => {
      const tmp = partialDirOf(dir, RELEASE_LAYOUT[1]!);
      await mkdir(join(tmp, "asari-results-1"), { recursive: true });
      await ensureExtracted(dir);
      assert.deepEqual(await listTree(dir), [...(await expectedTree()), ...ALL_ZIPS].sort());
    });
  });

  test("a lock held by a live process stops extraction with a clear message", async () => {
    await withRelease(async (dir) => {
      const lock = lockFileOf(dir, MAIN);
      const { hostname } = await import("node:os");
      await writeFile(lock, JSON.stringify({ pid: process.ppid, host: hostname() }));
      await assert.rejects(ensureExtracted(dir), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.match(e.message, /another ac1 process is unpacking crcns-ac1\.zip/);
        assert.ok(e.message.includes(lock));
        return true;
      });
      assert.deepEqual(await listTree(dir), [".crcns-ac1.lock", ...ALL_ZIPS].sort());
    });
  });

  test("an unreadable lock is held while fresh and broken once old", async () => {
    await withRelease(async (dir) => {
      const lock = lockFileOf(dir, MAIN);
      await writeFile(lock, "");
      await assert.rejects(ensureExtracted(dir), /another ac1 process/);
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(lock, old, old);
      await ensureExtracted(dir);
      assert.deepEqual(await listTree(dir), [...(await expectedTree()), ...ALL_ZIPS].sort());
    });
  });

  test("concurrent calls in one process share one extraction", async () => {
    await withRelease(async (dir) => {
      const [a, b] = await Promise.all([ensureExtracted(dir), ensureExtracted(dir)]);
      assert.deepEqual(a, b);
      assert.deepEqual(await listTree(dir), [...(await expectedTree()), ...ALL_ZIPS].sort());
    });
  });

  test("an existing folder without its anchor is not overwritten", async () => {
    await withRelease(async (dir) => {
      await mkdir(join(dir, "crcns-ac1", "wehr"), { recursive: true });
      await writeFile(join(dir, "crcns-ac1", "wehr", "mine.txt"), "user data");
      await assert.rejects(ensureExtracted(dir), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.equal(
          e.message,
          `${join(dir, "crcns-ac1")} exists but is incomplete (no wehr/Summary.mat); remove it so crcns-ac1.zip can be unpacked again`,
        );
        return true;
      });
      assert.equal(await readFile(join(dir, "crcns-ac1", "wehr", "mine.txt"), "utf8"), "user data");
    });
  });

  test("a zip without the anchor is refused before anything is written", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, "crcns-ac1.zip"), await makeZip([{ name: "other/x.mat", data: "x" }]));
      await assert.rejects(
        ensureExtracted(dir, { need: { wehr: true, asari: false } }),
        /crcns-ac1\.zip: has no wehr\/Summary\.mat; not the CRCNS-AC1 crcns-ac1\.zip\?/,
      );
      assert.deepEqual(await listTree(dir), ["crcns-ac1.zip"]);
    } finally {
      await cleanup();
    }
  });

  test("missing zips: crcns-ac1.zip always needed, results zips only for Asari", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(ensureExtracted(dir), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.ok(
          e.message.includes(join(dir, "crcns-ac1.zip")) && e.message.includes("ac1 download"),
          e.message,
        );
        return true;
      });
      const spec = smallRelease();
      await writeReleaseZip(dir, spec, "crcns-ac1.zip");
      await assert.rejects(ensureExtracted(dir), /crcns-ac1-asari-results-1\.zip/);
      // Not needed: skipped; a present results zip is not unpacked either.
      await writeReleaseZip(dir, spec, "crcns-ac1-asari-results-2.zip");
      const dirs = await ensureExtracted(dir, { need: { wehr: true, asari: false } });
      assert.equal(dirs.asari2Dir, join(dir, "crcns-ac1-asari-results-2", "asari-results-2"));
      const tree = await listTree(dir);
      assert.ok(tree.includes("crcns-ac1/wehr/Summary.mat"));
      assert.ok(!tree.some((p) => p.startsWith("crcns-ac1-asari-results-2/")));
    } finally {
      await cleanup();
    }
  });

  test("declared sizes beyond the free disk space are refused before writing", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const declared = 100_000_000_000_000n; // 100 TB, in a ZIP64 extra field
      const buf = patchZip64Uncompressed(
        await makeZip([
          { name: "wehr/Summary.mat", data: "s" },
          { name: "wehr/big.mat", data: noise(1000, 1), zip64: true },
        ]),
        "wehr/big.mat",
        declared,
      );
      await writeFile(join(dir, "crcns-ac1.zip"), buf);
      const limits = { maxRatio: 1e15, maxEntryBytes: 1e15, maxTotalBytes: 1e15 };
      await assert.rejects(
        ensureExtracted(dir, { need: { wehr: true, asari: false }, limits }),
        (e: unknown) => {
          assert.ok(e instanceof ArchiveError);
          assert.match(
            e.message,
            new RegExp(
              `^not enough free space in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} to unpack .*crcns-ac1\\.zip: needs 100000000000001 bytes, \\d+ available`,
            ),
          );
          return true;
        },
      );
      assert.deepEqual(await listTree(dir), ["crcns-ac1.zip"]);
      // With the default limits the same zip is a zip bomb.
      await assert.rejects(
        ensureExtracted(dir, { need: { wehr: true, asari: false } }),
        /more than the limit|zip bomb/,
      );
    } finally {
      await cleanup();
    }
  });

  test("zip directory entries (including empty ones) are created", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, "crcns-ac1.zip"),
        await makeZip([
          { name: "wehr/", dir: true },
          { name: "wehr/empty/", dir: true },
          { name: "wehr/Summary.mat", data: "s" },
        ]),
      );
      await ensureExtracted(dir, { need: { wehr: true, asari: false } });
      assert.deepEqual(await listTree(dir), [
        "crcns-ac1.zip",
        "crcns-ac1/",
        "crcns-ac1/wehr/",
        "crcns-ac1/wehr/Summary.mat",
        "crcns-ac1/wehr/empty/",
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe("explainWriteError", () => {
  test("a full disk names the zip, the folder and the size needed", () => {
    const e = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const out = explainWriteError(e, "/d/crcns-ac1.zip", "/d", 1234);
    assert.ok(out instanceof ArchiveError);
    assert.equal(
      out.message,
      "disk full while unpacking /d/crcns-ac1.zip into /d (it needs 1234 bytes); free some space or point --path / AC1_DATA_DIR elsewhere",
    );
  });
  test("other filesystem errors are wrapped, ArchiveErrors and bugs pass through", () => {
    const eacces = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    assert.match(
      String((explainWriteError(eacces, "/z.zip", "/d", 1) as Error).message),
      /cannot unpack \/z\.zip into \/d: EACCES/,
    );
    const ae = new ArchiveError("x");
    assert.equal(explainWriteError(ae, "/z", "/d", 1), ae);
    const bug = new TypeError("bug");
    assert.equal(explainWriteError(bug, "/z", "/d", 1), bug);
  });
});
