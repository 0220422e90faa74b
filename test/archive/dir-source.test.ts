// DirSource: listing order, missing paths, reads, refusals, byte counts.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readToEnd } from "../../src/archive/dir-source.js";
import { ArchiveError, DirSource } from "../../src/archive/index.js";
import { MAX_RELEASE_FILE_BYTES } from "../../src/limits.js";
import { tempDir } from "../support/cli.js";

describe("DirSource", () => {
  test("lists sorted by code unit, reads files, counts bytes", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const d = join(dir, "crcns-ac1", "wehr");
      await mkdir(join(d, "Results", "20020624-mw-001"), { recursive: true });
      for (const n of ["b.mat", "B.mat", "_x", "a10", "a9", "é"]) await writeFile(join(d, n), n);
      const src = new DirSource(dir);
      const list = await src.listDir("crcns-ac1/wehr");
      assert.deepEqual(
        list.map((e) => e.name),
        ["B.mat", "Results", "_x", "a10", "a9", "b.mat", "é"],
      );
      assert.deepEqual(
        list.filter((e) => e.isDir).map((e) => e.name),
        ["Results"],
      );
      assert.deepEqual(await src.listDir("crcns-ac1/wehr/"), list);
      assert.deepEqual(await src.listDir("crcns-ac1/nothing"), []);
      assert.deepEqual(await src.listDir("crcns-ac1/wehr/b.mat"), []); // a file is not a folder
      assert.equal(await src.exists("crcns-ac1/wehr/b.mat"), true);
      assert.equal(await src.exists("crcns-ac1/wehr/Results"), true);
      assert.equal(await src.exists("crcns-ac1/wehr/zzz"), false);
      assert.equal(await src.exists("crcns-ac1/wehr/b.mat/x"), false);
      assert.equal(new TextDecoder().decode(await src.readFile("crcns-ac1/wehr/a10")), "a10");
      assert.equal(src.bytesRead(), 3);
      assert.equal(src.describe("crcns-ac1/wehr/a10"), join(dir, "crcns-ac1", "wehr", "a10"));
      await src.close();
    } finally {
      await cleanup();
    }
  });

  test("a file larger than the read cap is refused from its size, before any of it is read", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const d = join(dir, "crcns-ac1", "wehr");
      await mkdir(d, { recursive: true });
      // a sparse file: 3 GB that take no disk space (and would take 3 GB of memory if read)
      await writeFile(join(d, "huge.mat"), "");
      await truncate(join(d, "huge.mat"), 3_000_000_000);
      const src = new DirSource(dir);
      assert.equal(src.maxReadBytes, MAX_RELEASE_FILE_BYTES);
      const before = process.resourceUsage().maxRSS;
      await assert.rejects(src.readFile("crcns-ac1/wehr/huge.mat"), (e: unknown) => {
        assert.ok(e instanceof ArchiveError);
        assert.match(
          e.message,
          new RegExp(
            `huge\\.mat: 3000000000 bytes is too large to read into memory \\(limit ${MAX_RELEASE_FILE_BYTES}\\)$`,
          ),
        );
        return true;
      });
      assert.ok((process.resourceUsage().maxRSS - before) / 1024 < 50);
      assert.equal(src.bytesRead(), 0);
      await writeFile(join(d, "small.mat"), "x".repeat(100));
      await assert.rejects(
        new DirSource(dir, 99).readFile("crcns-ac1/wehr/small.mat"),
        /100 bytes is too large/,
      );
      assert.equal((await new DirSource(dir, 100).readFile("crcns-ac1/wehr/small.mat")).length, 100);
    } finally {
      await cleanup();
    }
  });

  test("a whole file read to its end, whatever the size fstat gave (a file that shrank or grew meanwhile)", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      // no period that divides a read chunk: a chunk read into the wrong place shows
      const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7 + Math.floor(i / 251) * 13) & 0xff);
      const file = join(dir, "f.bin");
      await writeFile(file, bytes);
      const fd = openSync(file, "r");
      try {
        for (const size of [200_000, 199_900, 10, 0, 200_100, 300_000]) {
          const got = readToEnd(fd, size, 1 << 20);
          assert.ok(got !== null, `size ${size}`);
          assert.deepEqual(Buffer.from(got), Buffer.from(bytes), `size ${size}`);
        }
        // the size fstat gave: the one buffer it was read into, not a copy
        const whole = readToEnd(fd, 200_000, 1 << 20) as Uint8Array;
        assert.equal(whole.buffer.byteLength, 200_000);
        // grown past the bound: refused (reading stops a chunk past it)
        assert.equal(readToEnd(fd, 10, 150_000), null);
        assert.equal(readToEnd(fd, 10, 199_999), null);
        assert.ok(readToEnd(fd, 10, 200_000) !== null);
      } finally {
        closeSync(fd);
      }
    } finally {
      await cleanup();
    }
  });

  test("missing files and folders give ArchiveErrors naming the path", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, "f"));
      const src = new DirSource(dir);
      await assert.rejects(
        src.readFile("f/none.mat"),
        (e: unknown) =>
          e instanceof ArchiveError && e.message === `${join(dir, "f", "none.mat")}: no such file`,
      );
      await assert.rejects(
        src.readFile("f"),
        (e: unknown) => e instanceof ArchiveError && /is a folder/.test(e.message),
      );
    } finally {
      await cleanup();
    }
  });

  test("a FIFO or a device under a file's name is refused at once, without blocking or reading it", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, "s"));
      // a plain open of a FIFO blocks (this thread, for good) until a writer opens it
      execFileSync("mkfifo", [join(dir, "s", "fifo.mat")]);
      // a device reads zeros without end: up to the size limit, 256 MiB read for nothing
      await symlink("/dev/zero", join(dir, "s", "zero.mat"));
      await symlink("/dev/null", join(dir, "s", "null.mat"));
      // A writer waiting for a reader: without the check the read would get its bytes (not hang).
      const writer = spawn("sh", ["-c", `printf 'MATLAB' > '${join(dir, "s", "fifo.mat")}'`], {
        stdio: "ignore",
      });
      const src = new DirSource(dir);
      try {
        for (const name of ["fifo.mat", "zero.mat", "null.mat"]) {
          await assert.rejects(
            src.readFile(`s/${name}`),
            (e: unknown) =>
              e instanceof ArchiveError &&
              e.message === `${join(dir, "s", name)}: not a regular file (a FIFO, socket or device), refused`,
            name,
          );
        }
      } finally {
        writer.kill();
      }
      assert.equal(src.bytesRead(), 0);
    } finally {
      await cleanup();
    }
  });

  test("refuses paths that escape the root", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const inner = join(dir, "root");
      await mkdir(inner);
      await writeFile(join(dir, "secret"), "s");
      const src = new DirSource(inner);
      for (const p of ["../secret", "/etc/passwd", "a/../../secret", "..\\secret", "C:/x"]) {
        await assert.rejects(
          src.readFile(p),
          (e: unknown) => e instanceof ArchiveError && /refused path/.test(e.message),
          p,
        );
        await assert.rejects(src.listDir(p), ArchiveError, p);
        await assert.rejects(src.exists(p), ArchiveError, p);
      }
    } finally {
      await cleanup();
    }
  });

  test("follows symlinks the user placed in the tree; skips dangling ones", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, "real", "sub"), { recursive: true });
      await mkdir(join(dir, "tree"));
      await symlink(join(dir, "real"), join(dir, "tree", "linked"));
      await symlink(join(dir, "nowhere"), join(dir, "tree", "dangling"));
      const src = new DirSource(join(dir, "tree"));
      assert.deepEqual(await src.listDir(""), [{ name: "linked", isDir: true }]);
      assert.deepEqual(await src.listDir("linked"), [{ name: "sub", isDir: true }]);
    } finally {
      await cleanup();
    }
  });
});
