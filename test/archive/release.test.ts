// openRelease / ZipSource / CompositeSource: the same release read from zips,
// from unpacked trees, and from every mix of the two must look identical
// through ReleaseSource; missing data gives clear errors.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  ArchiveError,
  CompositeSource,
  DirSource,
  openRelease,
  planRelease,
  RELEASE_LAYOUT,
  type ReleaseSource,
  ZipSource,
} from "../../src/archive/index.js";
import { tempDir } from "../support/cli.js";
import { type ReleaseSpec, smallRelease, writeReleaseTree, writeReleaseZip } from "./craft.js";

const ZIPS = RELEASE_LAYOUT.map((l) => l.zip);
const FOLDERS = RELEASE_LAYOUT.map((l) => l.folder);

/** Every folder listing and file content reachable from the root, as one comparable object. */
async function snapshot(
  src: ReleaseSource,
): Promise<{ dirs: Record<string, string[]>; files: Record<string, string> }> {
  const dirs: Record<string, string[]> = {};
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    const list = await src.listDir(dir);
    dirs[dir] = list.map((e) => `${e.name}${e.isDir ? "/" : ""}`);
    for (const e of list) {
      const p = dir === "" ? e.name : `${dir}/${e.name}`;
      assert.equal(await src.exists(p), true, p);
      if (e.isDir) await walk(p);
      else files[p] = Buffer.from(await src.readFile(p)).toString("base64");
    }
  };
  await walk("");
  return { dirs, files };
}

function expectedFiles(spec: ReleaseSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layout of RELEASE_LAYOUT) {
    for (const [name, data] of Object.entries(spec[layout.zip]!)) {
      out[`${layout.folder}/${name}`] = Buffer.from(data).toString("base64");
    }
  }
  return out;
}

/** Lays out the release with each zip either zipped ("z") or unpacked ("t"). */
async function layout(dir: string, spec: ReleaseSpec, kinds: string): Promise<void> {
  for (const [i, zip] of ZIPS.entries()) {
    if (kinds[i] === "z") await writeReleaseZip(dir, spec, zip);
    else await writeReleaseTree(dir, spec, zip);
  }
}

describe("openRelease", () => {
  test("all-tree, all-zip and every mix give identical listings and bytes", async () => {
    const spec = smallRelease();
    const want = expectedFiles(spec);
    let reference: Awaited<ReturnType<typeof snapshot>> | undefined;
    for (const kinds of ["ttt", "zzz", "tzz", "ztz", "zzt", "tzt"]) {
      const { dir, cleanup } = await tempDir();
      try {
        await layout(dir, spec, kinds);
        const src = await openRelease(dir);
        try {
          const snap = await snapshot(src);
          assert.deepEqual(
            snap.dirs[""],
            [...FOLDERS].sort().map((f) => `${f}/`),
            kinds,
          );
          assert.deepEqual(snap.files, want, kinds);
          if (reference === undefined) reference = snap;
          else assert.deepEqual(snap, reference, kinds);
          // Each folder is served the way the layout says.
          for (const [i, l] of RELEASE_LAYOUT.entries()) {
            const where = src.describe(l.anchor);
            if (kinds[i] === "z")
              assert.equal(where, `${join(dir, l.zip)}!${l.anchor.slice(l.folder.length + 1)}`);
            else assert.equal(where, join(dir, ...l.anchor.split("/")));
          }
        } finally {
          await src.close();
        }
      } finally {
        await cleanup();
      }
    }
  });

  test("listing details: sorted by code unit, implied folders, files are not folders", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, smallRelease(), "zzz");
      const src = await openRelease(dir);
      try {
        // a zip's listing gives each file's (uncompressed) size: a build's estimate of a session's work
        const z = await src.readFile("crcns-ac1/wehr/Stimuli/category1/Z.mat");
        assert.ok(z.length > 0);
        assert.deepEqual(await src.listDir("crcns-ac1/wehr/Stimuli/category1"), [
          { name: "Z.mat", isDir: false, bytes: z.length },
          { name: "a.mat", isDir: false, bytes: 0 },
        ]);
        assert.deepEqual(
          (await src.listDir("crcns-ac1/wehr/Stimuli/fragments")).map((e) => e.name),
          ["10.mat", "3.mat"],
        );
        assert.deepEqual(await src.listDir("crcns-ac1"), [
          { name: "asari", isDir: true },
          { name: "wehr", isDir: true },
        ]);
        assert.deepEqual(await src.listDir("crcns-ac1/wehr/Summary.mat"), []);
        assert.deepEqual(await src.listDir("crcns-ac1/none"), []);
        assert.deepEqual(await src.listDir("elsewhere"), []);
        assert.equal(await src.exists("crcns-ac1/wehr/Results"), true);
        assert.equal(await src.exists("crcns-ac1/wehr/Results/"), true);
        assert.equal(await src.exists("crcns-ac1/wehr/Resul"), false);
        assert.equal(await src.exists(""), true);
        assert.equal((await src.readFile("crcns-ac1/wehr/Stimuli/category1/a.mat")).length, 0);
        await assert.rejects(
          src.readFile("crcns-ac1/wehr/none.mat"),
          (e: unknown) =>
            e instanceof ArchiveError &&
            /crcns-ac1\.zip!wehr\/none\.mat: no such file in the zip/.test(e.message),
        );
        await assert.rejects(
          src.readFile("crcns-ac1/wehr"),
          (e: unknown) => e instanceof ArchiveError && /is a folder/.test(e.message),
        );
        await assert.rejects(
          src.readFile("elsewhere/x"),
          (e: unknown) => e instanceof ArchiveError && /no such file/.test(e.message),
        );
        await assert.rejects(
          src.readFile("../crcns-ac1.zip"),
          (e: unknown) => e instanceof ArchiveError && /refused path/.test(e.message),
        );
      } finally {
        await src.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("bytesRead counts compressed bytes for zips, file bytes for trees", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "zzt");
      const zs = await ZipSource.open(dir, ["crcns-ac1.zip"]);
      const big = "wehr/Results/20020701-mw-002/20020701-mw-002-001.mat";
      const compressed = zs.archive("crcns-ac1")!.member(big)!.compressedSize;
      await zs.close();
      const src = await openRelease(dir);
      try {
        assert.equal(src.bytesRead(), 0);
        const data = await src.readFile(`crcns-ac1/${big}`);
        assert.equal(data.length, 3 * 1024 * 1024 + 17);
        assert.equal(src.bytesRead(), compressed);
        assert.ok(compressed < 20_000, `zeros compress well (${compressed})`);
        await src.readFile("crcns-ac1-asari-results-2/asari-results-2/20060301-ha9-010/r.mat");
        assert.equal(src.bytesRead(), compressed + 2500);
      } finally {
        await src.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("many concurrent reads return the right bytes", async () => {
    const spec = smallRelease();
    const want = expectedFiles(spec);
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "zzz");
      const src = await openRelease(dir);
      try {
        const paths = Object.keys(want);
        const all = [...paths, ...paths, ...paths];
        const got = await Promise.all(all.map((p) => src.readFile(p)));
        for (const [i, p] of all.entries()) assert.equal(Buffer.from(got[i]!).toString("base64"), want[p], p);
      } finally {
        await src.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("auto prefers an unpacked tree, zip mode prefers the zip", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "zzz");
      await layout(dir, spec, "ttt");
      assert.deepEqual(
        (await planRelease(dir)).map((p) => p.how),
        ["tree", "tree", "tree"],
      );
      assert.deepEqual(
        (await planRelease(dir, { mode: "zip" })).map((p) => p.how),
        ["zip", "zip", "zip"],
      );
      const z = await openRelease(dir, { mode: "zip" });
      try {
        assert.match(z.describe("crcns-ac1/wehr/Summary.mat"), /crcns-ac1\.zip!wehr\/Summary\.mat$/);
      } finally {
        await z.close();
      }
      const t = await openRelease(dir);
      try {
        assert.equal(t.describe("crcns-ac1/wehr/Summary.mat"), join(dir, "crcns-ac1", "wehr", "Summary.mat"));
      } finally {
        await t.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("extract mode unpacks what is zipped and then reads trees", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "tzz");
      const seen = new Set<string>();
      const src = await openRelease(dir, { mode: "extract", onProgress: (e) => seen.add(e.zip) });
      try {
        assert.deepEqual([...seen].sort(), [
          "crcns-ac1-asari-results-1.zip",
          "crcns-ac1-asari-results-2.zip",
        ]);
        assert.deepEqual((await snapshot(src)).files, expectedFiles(spec));
        for (const l of RELEASE_LAYOUT)
          assert.ok(!src.describe(l.anchor).includes("!"), src.describe(l.anchor));
      } finally {
        await src.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("a missing crcns-ac1.zip names both paths and how to get the data", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(openRelease(dir), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.ok(e.message.includes(join(dir, "crcns-ac1.zip")), e.message);
        assert.ok(e.message.includes(join(dir, "crcns-ac1", "wehr", "Summary.mat")), e.message);
        assert.match(e.message, /ac1 download/);
        assert.match(e.message, /https:\/\/crcns\.org\/data-sets\/ac\/ac-1/);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
      // Even when only Asari is wanted: crcns-ac1.zip holds the Asari stimuli.
      await assert.rejects(openRelease(dir, { need: { wehr: false, asari: true } }), /crcns-ac1\.zip/);
    } finally {
      await cleanup();
    }
  });

  test("an incomplete tree without its zip is reported as such", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "tzz");
      await rm(join(dir, "crcns-ac1", "wehr", "Summary.mat"));
      await assert.rejects(openRelease(dir), /crcns-ac1 exists but is incomplete/);
    } finally {
      await cleanup();
    }
  });

  test("results zips may be absent only when Asari is not needed", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await writeReleaseZip(dir, spec, "crcns-ac1.zip");
      await assert.rejects(openRelease(dir), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.ok(e.message.includes(join(dir, "crcns-ac1-asari-results-1.zip")), e.message);
        assert.ok(e.message.includes(join(dir, "crcns-ac1-asari-results-1", "asari-results-1")), e.message);
        return true;
      });
      const src = await openRelease(dir, { need: { wehr: true, asari: false } });
      try {
        assert.deepEqual(await src.listDir(""), [{ name: "crcns-ac1", isDir: true }]);
        assert.deepEqual(await src.listDir("crcns-ac1-asari-results-1/asari-results-1"), []);
        assert.equal(await src.exists("crcns-ac1-asari-results-1"), false);
      } finally {
        await src.close();
      }
    } finally {
      await cleanup();
    }
  });

  test("an invalid mode is refused", async () => {
    await assert.rejects(
      openRelease("/nonexistent", { mode: "fast" as never }),
      (e: unknown) => e instanceof ArchiveError && /invalid release mode "fast"/.test(e.message),
    );
  });
});

describe("ZipSource.open", () => {
  test("opens the zips present, maps each under its folder", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await writeReleaseZip(dir, spec, "crcns-ac1.zip");
      await writeReleaseZip(dir, spec, "crcns-ac1-asari-results-2.zip");
      const src = await ZipSource.open(dir);
      try {
        assert.deepEqual(src.folders(), ["crcns-ac1", "crcns-ac1-asari-results-2"]);
        assert.deepEqual(await src.listDir("crcns-ac1-asari-results-2"), [
          { name: "asari-results-2", isDir: true },
        ]);
        assert.equal(
          src.describe("crcns-ac1/wehr/Summary.mat"),
          `${join(dir, "crcns-ac1.zip")}!wehr/Summary.mat`,
        );
      } finally {
        await src.close();
      }
      await assert.rejects(
        ZipSource.open(dir, ["crcns-ac1-asari-results-1.zip"]),
        (e: unknown) =>
          e instanceof ArchiveError && /crcns-ac1-asari-results-1\.zip: zip not found/.test(e.message),
      );
      await assert.rejects(ZipSource.open(dir, ["other.zip"]), /other\.zip: not a CRCNS-AC1 release zip/);
    } finally {
      await cleanup();
    }
  });

  test("a release zip that is a FIFO or a folder is refused at once (a FIFO's open would block)", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const fifo = join(dir, ZIPS[1] as string);
      execFileSync("mkfifo", [fifo]);
      await mkdir(join(dir, ZIPS[2] as string));
      // A writer waiting for a reader: without the check the open would get its bytes (not hang).
      const writer = spawn("sh", ["-c", `printf 'PK' > '${fifo}'`], { stdio: "ignore" });
      try {
        await assert.rejects(
          ZipSource.open(dir, [ZIPS[1] as string]),
          (e: unknown) =>
            e instanceof ArchiveError &&
            e.message === `${fifo}: not a regular file (a FIFO, socket or device), refused`,
        );
      } finally {
        writer.kill();
      }
      await assert.rejects(
        ZipSource.open(dir, [ZIPS[2] as string]),
        (e: unknown) =>
          e instanceof ArchiveError &&
          e.message === `${join(dir, ZIPS[2] as string)}: is a folder, not a zip`,
      );
    } finally {
      await cleanup();
    }
  });

  test("no zip at all", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(ZipSource.open(dir), /none of the release zips/);
    } finally {
      await cleanup();
    }
  });
});

describe("CompositeSource", () => {
  test("routes by top folder and refuses bad mounts", async () => {
    const spec = smallRelease();
    const { dir, cleanup } = await tempDir();
    try {
      await layout(dir, spec, "tzt");
      const zs = await ZipSource.open(dir, ["crcns-ac1-asari-results-1.zip"]);
      const tree = new DirSource(dir);
      const c = new CompositeSource(dir, [
        { folder: "crcns-ac1", source: tree },
        { folder: "crcns-ac1-asari-results-1", source: zs },
      ]);
      try {
        assert.deepEqual(c.folders(), ["crcns-ac1", "crcns-ac1-asari-results-1"]);
        assert.equal(c.sourceOf("crcns-ac1"), tree);
        // The unpacked results-2 tree exists on disk but is not mounted, so it is invisible.
        assert.equal(await c.exists("crcns-ac1-asari-results-2/asari-results-2"), false);
        assert.equal(
          (await c.readFile("crcns-ac1-asari-results-1/asari-results-1/20050102-ha2-003/rec1.mat")).length,
          1500,
        );
        assert.equal(c.bytesRead(), zs.bytesRead());
      } finally {
        await c.close();
      }
      assert.throws(() => new CompositeSource(dir, [{ folder: "a/b", source: tree }]), ArchiveError);
    } finally {
      await cleanup();
    }
  });
});
