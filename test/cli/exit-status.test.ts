// The exit statuses are 0 (success), 1 (failure, interruption, or a bug) and
// 2 (bad command line), whatever happens: an unexpected exception inside a
// command or thrown from a callback is one "internal error" line naming it a
// bug (the stack only with --debug) and status 1, never 70; a full disk while
// writing the export or a cache entry is one line and no partial file; a
// reader closing our standard output early is one line and status 1.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { double, writeMat } from "../../src/mat/index.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { type CliResult, runAc1, startAc1, tempDir } from "../support/cli.js";
import { cliPath } from "../support/paths.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-status-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache"), AC1_DATA_DIR: join(work.dir, "no-data") };
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

const INTERNAL =
  /^ac1 build: internal error \(a bug in ac1; please report it\): .+ \(run with --debug for the stack trace\)$/;

function lines(r: CliResult): string[] {
  return r.stderr.trimEnd().split("\n");
}

test("an unexpected exception inside a command: status 1, one line naming it a bug; --debug adds the stack", async () => {
  const out = join(work.dir, "bug.npz");
  const args = ["build", "--path", synth.dir, "--out", out, "--no-cache", "--quiet"];
  const r = await runAc1(args, { env: { ...env, AC1_TEST_FAIL_AT: "build-cell#2" } });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(lines(r).length, 1, r.stderr);
  assert.match(lines(r)[0] ?? "", INTERNAL);
  assert.match(r.stderr, /Error: failure injected by AC1_TEST_FAIL_AT at build-cell/);
  const d = await runAc1([...args, "--debug"], { env: { ...env, AC1_TEST_FAIL_AT: "build-cell#2" } });
  assert.equal(d.code, 1, d.stderr);
  assert.match(d.stderr, /\n\s+at /, "the stack with --debug");
  assert.match(lines(d).at(-1) ?? "", INTERNAL);
  assert.ok(!existsSync(out));
});

test("an exception thrown from a callback, outside the command's promise: status 1, one line", async () => {
  const preload = pathToFileURL(
    join(dirname(fileURLToPath(import.meta.url)), "..", "support", "throw-later.js"),
  );
  const out = join(work.dir, "callback.npz");
  const run = startAc1(["build", "--path", synth.dir, "--out", out, "--no-cache", "--quiet", "--jobs", "1"], {
    env,
    node: ["--import", preload.href],
  });
  const r = await run.done;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lines(r).length, 1, r.stderr);
  assert.match(lines(r)[0] ?? "", INTERNAL);
  assert.match(r.stderr, /TypeError: thrown from a timer callback/);
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(work.dir).filter((n) => n.includes(".tmp-")),
    [],
  );
});

test("an exception thrown from a callback in the middle of a build removes its temp files (the spill file)", async () => {
  const preload = pathToFileURL(
    join(dirname(fileURLToPath(import.meta.url)), "..", "support", "throw-on-pause.js"),
  );
  const outDir = join(work.dir, "mid-build");
  mkdirSync(outDir);
  const out = join(outDir, "mid.npz");
  for (const jobs of ["1", "2"]) {
    const run = startAc1(
      ["build", "--path", synth.dir, "--out", out, "--no-cache", "--quiet", "--jobs", jobs],
      {
        env: { ...env, AC1_TEST_PAUSE_AT: "build-cell#2" },
        node: ["--import", preload.href],
      },
    );
    const r = await run.done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /TypeError: thrown from a timer callback while paused/);
    assert.match(lines(r).at(-1) ?? "", INTERNAL);
    assert.deepEqual(readdirSync(outDir), [], `--jobs ${jobs}: nothing left beside the output`);
  }
});

test("statuses 0, 1 and 2: success, a failure, a bad command line", async () => {
  assert.equal((await runAc1(["--version"])).code, 0);
  assert.equal((await runAc1(["mat", join(work.dir, "missing.mat")])).code, 1);
  assert.equal((await runAc1(["mat"])).code, 2);
  assert.equal((await runAc1(["no-such-command"])).code, 2);
  assert.equal((await runAc1(["build", "--no-such-flag"])).code, 2);
  assert.equal((await runAc1([])).code, 2);
});

test("a full disk while writing the export: status 1, one line, no export and no temp file", async () => {
  const out = join(work.dir, "full.npz");
  const r = await runAc1(["build", "--path", synth.dir, "--out", out, "--no-cache", "--quiet"], {
    env: { ...env, AC1_TEST_FAIL_AT: "npz-file-write#3:ENOSPC" },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(lines(r).length, 1, r.stderr);
  assert.match(
    lines(r)[0] ?? "",
    /^ac1 build: .*full\.npz: the disk is full \(ENOSPC\); nothing was written there: free some space and try again$/,
  );
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(work.dir).filter((n) => n.includes(".tmp-")),
    [],
  );
});

test("a full disk while storing the cache entry: the build goes on and exports, the entry is not stored, no temp file", async () => {
  const out = join(work.dir, "cache-full.npz");
  const cache = join(work.dir, "cache-full");
  const r = await runAc1(["build", "--path", synth.dir, "--out", out], {
    env: { ...env, AC1_CACHE_DIR: cache, AC1_TEST_FAIL_AT: "npz-file-write:ENOSPC" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /could not store it in the build cache: .*the disk is full \(ENOSPC\)/);
  assert.ok(existsSync(out));
  assert.deepEqual(readdirSync(join(cache, "builds")), []);
});

test("standard output closed by its reader: status 1 and one line, no crash", async () => {
  const mat = join(work.dir, "big.mat");
  writeFileSync(
    mat,
    writeMat([{ name: "x", value: double(Array.from({ length: 400_000 }, (_, i) => i / 7)) }]),
  );
  const child = spawn(process.execPath, [cliPath, "mat", mat], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 1, stderr);
  assert.equal(stderr, "ac1 mat: standard output was closed before all output was written\n");
});
