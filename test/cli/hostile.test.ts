// The CLI against hostile input, as a user meets it: every failure is one
// line on stderr naming the file or flag, a non-zero exit (2 for a bad
// command line, 1 otherwise), no stack trace, nothing on stdout, and nothing
// left behind: no export and no temp file, also when the export is
// interrupted with Ctrl-C while it is being written.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ArchiveError, ensureExtracted, openRelease, planRelease } from "../../src/archive/index.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { type CliResult, runAc1, tempDir } from "../support/cli.js";
import { cliPath } from "../support/paths.js";
import { makeZip } from "../support/zip.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-hostile-");
  env = { AC1_CACHE_DIR: join(work.dir, "cache"), AC1_DATA_DIR: join(work.dir, "no-data-here") };
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

/** One line on stderr matching `message`, the exit code, nothing on stdout, no stack trace. */
function assertOneLineFailure(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(lines[0] ?? "", message);
}

function zipWith(name: string, text: string): Promise<Buffer> {
  return makeZip([{ name, data: text }]);
}

test("ac1 without a command: one line listing the commands, exit 2", async () => {
  assertOneLineFailure(
    await runAc1([]),
    2,
    /^ac1: no command given; one of .*build.*mat.* \(see ac1 --help\)$/,
  );
});

test("usage errors print the command's prefix once", async () => {
  for (const [args, message] of [
    [["mat"], /^ac1 mat: expected one FILE\.mat, got 0 \(see ac1 mat --help\)$/],
    [["view"], /^ac1 view: expected one FILE\.npz, got 0/],
    [["info"], /^ac1 info: give FILE\.npz or --path DIR/],
    [["demo", "extra"], /^ac1 demo: unexpected argument "extra"/],
    [["synth"], /^ac1 synth: --out DIR is required/],
    [["info", "x.npz", "--no-open"], /^ac1 info: unknown option --no-open \(see ac1 info --help\)$/],
    [["view", "x.npz", "--port"], /^ac1 view: --port needs a value \(see ac1 view --help\)$/],
    [["mat", "x.mat", "--pretty=yes"], /^ac1 mat: --pretty takes no value/],
  ] as [string[], RegExp][]) {
    assertOneLineFailure(await runAc1(args, { env }), 2, message);
  }
});

test("ac1 build checks the output folder before building and writes nothing", async () => {
  const aFile = join(work.dir, "a-file");
  writeFileSync(aFile, "x");
  const cases: [string, RegExp][] = [
    [join(work.dir, "no", "such", "out.npz"), /--out .*out\.npz: the folder .*such does not exist$/],
    [join(aFile, "out.npz"), /--out .*out\.npz: .*a-file is not a folder$/],
    [work.dir, /--out .*: is a folder, not a file$/],
  ];
  for (const [out, message] of cases) {
    const r = await runAc1(["build", "--path", synth.dir, "--out", out], { env });
    assertOneLineFailure(r, 1, message);
  }
  assert.ok(!existsSync(join(work.dir, "no")));
  assert.ok(!existsSync(join(work.dir, "cache")), "nothing was built, so nothing was cached");
});

test("ac1 demo and ac1 synth with a file where the --out folder should be", async () => {
  const aFile = join(work.dir, "in-the-way");
  writeFileSync(aFile, "x");
  for (const command of ["demo", "synth"]) {
    for (const out of [aFile, join(aFile, "below")]) {
      const r = await runAc1([command, "--out", out, "--quiet"], { env });
      assertOneLineFailure(
        r,
        1,
        new RegExp(`^ac1 ${command}: --out .*in-the-way.*: a file is in the way, not a folder$`),
      );
    }
  }
});

test("ac1 build and ac1 info --path on an empty folder and on a garbage crcns-ac1.zip", async () => {
  const empty = join(work.dir, "empty");
  mkdirSync(empty);
  const out = join(work.dir, "never.npz");
  assertOneLineFailure(
    await runAc1(["build", "--path", empty, "--out", out], { env }),
    1,
    /^ac1 build: CRCNS-AC1 data not found: .*empty.*ac1 download/,
  );
  const garbage = join(work.dir, "garbage");
  mkdirSync(garbage);
  for (const name of readdirSync(synth.dir))
    if (name.startsWith("crcns-ac1-asari-results")) copyFileSync(join(synth.dir, name), join(garbage, name));
  writeFileSync(join(garbage, "crcns-ac1.zip"), Buffer.alloc(5000, 0x5a));
  for (const args of [
    ["build", "--path", garbage, "--out", out, "--no-cache"],
    ["info", "--path", garbage, "--no-cache"],
  ]) {
    assertOneLineFailure(await runAc1(args, { env }), 1, /crcns-ac1\.zip: not a readable zip/);
  }
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(work.dir).filter((n) => n.includes(".tmp-")),
    [],
  );
});

test("ac1 build and ac1 info --path on a file: one line saying it is a file, not a folder", async () => {
  const file = join(work.dir, "a-file-not-a-folder");
  writeFileSync(file, "not a release\n");
  const out = join(work.dir, "never.npz");
  for (const [command, args] of [
    ["build", ["build", "--path", file, "--out", out]],
    ["info", ["info", "--path", file]],
    ["build", ["build", "--path", join(file, "below"), "--out", out, "--no-cache"]],
  ] as const) {
    assertOneLineFailure(
      await runAc1([...args], { env }),
      1,
      new RegExp(`^ac1 ${command}: .*a-file-not-a-folder.* is a file, not a folder; point --path`),
    );
  }
  assert.ok(!existsSync(out));
  // The library says the same, before looking for any zip.
  await assert.rejects(openRelease(file), (e: unknown) => {
    assert.ok(e instanceof ArchiveError);
    assert.match(e.message, /a-file-not-a-folder is a file, not a folder/);
    return true;
  });
  await assert.rejects(planRelease(file), /is a file, not a folder/);
  await assert.rejects(ensureExtracted(file), /is a file, not a folder/);
});

test("ac1 info and ac1 view on files that are not ac1 exports", async () => {
  const dir = join(work.dir, "npz");
  mkdirSync(dir);
  const files: [string, Buffer | null, RegExp][] = [
    ["missing.npz", null, /missing\.npz: no such file$/],
    ["empty.npz", Buffer.alloc(0), /empty\.npz: not an \.npz: not a zip file, or truncated/],
    ["garbage.npz", Buffer.alloc(3000, 0xa5), /garbage\.npz: not an \.npz: not a zip file, or truncated/],
    [
      "notes.npz",
      await zipWith("notes.txt", "hello"),
      /notes\.npz: member "notes\.txt": not a \.npy array, so this zip is not an \.npz$/,
    ],
  ];
  for (const [name, bytes, message] of files) {
    if (bytes) writeFileSync(join(dir, name), bytes);
    for (const command of ["info", "view"]) {
      const r = await runAc1([command, join(dir, name), ...(command === "view" ? ["--no-open"] : [])], {
        env,
      });
      assertOneLineFailure(r, 1, message);
    }
  }
  assertOneLineFailure(await runAc1(["view", dir, "--no-open"], { env }), 1, /npz: is a folder, not a file$/);
  // ac1 info also says how to summarise a release folder.
  assertOneLineFailure(
    await runAc1(["info", dir], { env }),
    1,
    /npz: is a folder, not a file; for a release folder, ac1 info --path .*npz$/,
  );
});

test("Ctrl-C while the export is being written leaves neither the export nor a temp file", async () => {
  // The signal is sent when the writer's temp file appears; a run that
  // finishes before the signal lands is repeated (the write is short).
  const outDir = join(work.dir, "interrupted");
  mkdirSync(outDir);
  const out = join(outDir, "x.npz");
  let interrupted: CliResult | null = null;
  for (let attempt = 0; attempt < 8 && !interrupted; attempt++) {
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [cliPath, "build", "--path", synth.dir, "--out", out, "--jobs", "1"],
        { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      let sent = false;
      const watcher = watch(outDir, (_event, name) => {
        if (sent || !name?.includes(".tmp-")) return;
        sent = true;
        child.kill("SIGINT");
      });
      child.on("error", reject);
      child.on("close", (code) => {
        watcher.close();
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
    if (!/interrupted \(SIGINT\)/.test(r.stderr)) {
      // the write was over before the signal landed (exit 0, or killed by the
      // signal after the export was in place): a complete export, no temp file
      assert.ok(r.code === 0 || r.code === -1, r.stderr);
      assert.deepEqual(readdirSync(outDir), ["x.npz"]);
      rmSync(out);
      continue;
    }
    interrupted = r;
  }
  assert.ok(interrupted, "the interrupt never landed during the write");
  assert.equal(interrupted.code, 1, interrupted.stderr);
  assert.equal(interrupted.stdout, "");
  assert.match(interrupted.stderr, /\nac1 build: interrupted \(SIGINT\); no export written to .*x\.npz\n$/);
  assert.deepEqual(readdirSync(outDir), []);
});
