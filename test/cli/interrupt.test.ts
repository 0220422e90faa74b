// Interruption at named points of the work (src/test-hooks.ts: the child
// stops there and the test signals it): while the build walks cells, while
// the build cache stores an entry, while the export is written or about to be
// renamed, while a download appends to its .part, while a zip is unpacked.
// Ctrl-C (SIGINT), SIGTERM and SIGHUP end `ac1` with status 1 and one
// "interrupted" line, leaving no partial file under a final name and no temp
// file; a process killed outright (SIGKILL) leaves its temp file to the next
// run or `ac1 cache clear`, which remove it at once (its pid is dead). A
// download's .part stays on purpose, and the next run resumes it.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { ensureExtracted, lockFileOf, partialDirOf } from "../../src/archive/index.js";
import { RELEASE_LAYOUT } from "../../src/archive/layout.js";
import { RELEASE_ZIPS } from "../../src/archive/location.js";
import { makeSynthArchive, type SynthArchive } from "../dataset/synth-expect.js";
import { FakeCrcns, zipLike } from "../download/server.js";
import { type CliResult, runAc1, startAc1, tempDir } from "../support/cli.js";
import { projectRoot } from "../support/paths.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-cli-interrupt-");
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

let runs = 0;
/** A fresh cache folder and output path for one run. */
function fresh(): { cache: string; out: string; env: Record<string, string> } {
  runs++;
  const cache = join(work.dir, `cache-${runs}`);
  return {
    cache,
    out: join(work.dir, `out-${runs}.npz`),
    env: { AC1_CACHE_DIR: cache, AC1_DATA_DIR: join(work.dir, "no-data") },
  };
}

/** Temp files (".tmp-") anywhere under `dir`. */
function temps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => n.includes(".tmp-"));
}

function assertInterrupted(r: CliResult, command: string, signal: string): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`\\nac1 ${command}: interrupted \\(${signal}\\)[^\\n]*\\n$`));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

/** Starts `ac1 args`, waits for it to pause at `point`, sends `signal`, returns how it ended. */
async function interruptAt(
  args: string[],
  env: Record<string, string>,
  point: string,
  signal: NodeJS.Signals,
): Promise<CliResult> {
  const run = startAc1(args, { env, pauseAt: point });
  await run.paused;
  run.child.kill(signal);
  return run.done;
}

test("interrupted while the build walks the cells: status 1, nothing written, nothing cached", async () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const { cache, out, env } = fresh();
    const r = await interruptAt(["build", "--path", synth.dir, "--out", out], env, "build-cell#3", signal);
    assertInterrupted(r, "build", signal);
    assert.ok(!existsSync(out));
    assert.deepEqual(temps(cache), []);
    assert.deepEqual(temps(work.dir), []);
  }
});

test("interrupted while the build cache stores the entry (writing, or complete and not yet renamed): no entry, no temp", async () => {
  for (const [point, signal] of [
    ["npz-write", "SIGINT"],
    ["npz-write#4", "SIGTERM"],
    ["npz-rename", "SIGINT"],
  ] as const) {
    const { cache, out, env } = fresh();
    const r = await interruptAt(["build", "--path", synth.dir, "--out", out], env, point, signal);
    assertInterrupted(r, "build", signal);
    assert.ok(!existsSync(out));
    const builds = join(cache, "builds");
    assert.deepEqual(existsSync(builds) ? readdirSync(builds) : [], [], `${point}: ${r.stderr}`);
  }
});

test("interrupted while the export is written or about to be renamed: no export, no temp, the message says so", async () => {
  for (const [point, signal] of [
    ["npz-write#2", "SIGINT"],
    ["npz-rename", "SIGTERM"],
  ] as const) {
    const { out, env } = fresh();
    const r = await interruptAt(
      ["build", "--path", synth.dir, "--out", out, "--no-cache"],
      env,
      point,
      signal,
    );
    assertInterrupted(r, "build", signal);
    assert.match(
      r.stderr,
      new RegExp(`interrupted \\(${signal}\\); no export written to .*out-\\d+\\.npz\\n$`),
    );
    assert.ok(!existsSync(out));
    assert.deepEqual(temps(work.dir), []);
  }
});

test("the build's spill file: removed by an interrupt at any stage, by a failed build, and after a build", async () => {
  // While the cells are walked (spill being appended), while the export is written from it (cache off).
  for (const [point, signal, args] of [
    ["build-cell#2", "SIGINT", []],
    ["npz-write#3", "SIGTERM", ["--no-cache"]],
    ["npz-write#3", "SIGHUP", ["--keep-rejected"]],
  ] as const) {
    const { cache, out, env } = fresh();
    const run = startAc1(["build", "--path", synth.dir, "--out", out, ...args], { env, pauseAt: point });
    await run.paused;
    // In the cache's entries folder; with the cache off (nothing written there), beside the output.
    const spills = temps(work.dir).filter((n) => /(^|\/)build-spill\.tmp-/.test(n));
    assert.equal(spills.length, 1, `${point}: the spill file exists while paused`);
    assert.equal(
      dirname(join(work.dir, spills[0] ?? "")),
      (args as readonly string[]).includes("--no-cache") ? work.dir : join(cache, "builds"),
    );
    run.child.kill(signal);
    const r = await run.done;
    assertInterrupted(r, "build", signal);
    assert.ok(!existsSync(out));
    assert.deepEqual(temps(work.dir), [], point);
  }
  // A build that fails after the spill file was made (an injected failure at the third cell), and a full disk.
  for (const fail of ["build-cell#3", "spill-write#2:ENOSPC"]) {
    const { out, env } = fresh();
    const r = await runAc1(["build", "--path", synth.dir, "--out", out, "--no-cache", "--quiet"], {
      env: { ...env, AC1_TEST_FAIL_AT: fail },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    if (fail.endsWith("ENOSPC"))
      assert.match(r.stderr, /build-spill\.tmp-\d+-[0-9a-f]{8}: the disk is full \(ENOSPC\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(!existsSync(out));
    assert.deepEqual(temps(work.dir), [], fail);
  }
  // A build that succeeds leaves only its entry.
  const { cache, out, env } = fresh();
  const ok = await runAc1(["build", "--path", synth.dir, "--out", out, "--quiet"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(temps(cache), []);
});

test("killed outright while storing: the next run, or ac1 cache clear, removes the dead writer's temp file at once", async () => {
  for (const next of ["clear", "build"] as const) {
    const { cache, out, env } = fresh();
    const run = startAc1(["build", "--path", synth.dir, "--out", out], { env, pauseAt: "npz-write#2" });
    await run.paused;
    run.child.kill("SIGKILL");
    const killed = await run.done;
    assert.equal(killed.code, -1);
    const builds = join(cache, "builds");
    // the build's spill file (its arrays, read back as the entry is written) and the entry's temp file
    const [spill, entry] = temps(builds).sort(
      (x, y) => Number(y.startsWith("build-")) - Number(x.startsWith("build-")),
    );
    assert.equal(temps(builds).length, 2, "a killed process cannot clean up");
    assert.match(spill ?? "", new RegExp(`^build-spill\\.tmp-${run.child.pid}-[0-9a-f]{8}$`));
    assert.match(entry ?? "", new RegExp(`\\.npz\\.tmp-${run.child.pid}-[0-9a-f]{8}$`));
    if (next === "clear") {
      const r = await runAc1(["cache", "clear"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readdirSync(builds), []);
    } else {
      const r = await runAc1(["build", "--path", synth.dir, "--out", out, "--quiet"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(temps(builds), []);
      assert.equal(readdirSync(builds).length, 1, "the new entry");
    }
  }
});

test("killed outright during a --no-cache build: the next export to the same file removes what it left beside it", async () => {
  const { out, env } = fresh();
  const folder = join(work.dir, `beside-${runs}`);
  mkdirSync(folder);
  const target = join(folder, "out.npz");
  // another output's temp file, its writer dead too: not this export's, so left alone
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  writeFileSync(join(folder, `other.npz.tmp-${dead}-0badc0de`), "another export's");
  const run = startAc1(["build", "--path", synth.dir, "--out", target, "--no-cache"], {
    env,
    pauseAt: "build-cell#2",
  });
  await run.paused;
  run.child.kill("SIGKILL");
  assert.equal((await run.done).code, -1);
  const left = readdirSync(folder).filter((n) => n.startsWith("build-spill.tmp-"));
  assert.equal(left.length, 1, "a killed process cannot clean up");
  const r = await runAc1(["build", "--path", synth.dir, "--out", target, "--no-cache", "--quiet"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(folder).sort(), [`other.npz.tmp-${dead}-0badc0de`, "out.npz"]);
  assert.ok(!existsSync(out));
});

test("interrupted download: status 1, the .part is kept (documented) and the lock removed; the next run resumes", async () => {
  const files = Object.fromEntries(RELEASE_ZIPS.map((n, i) => [n, { body: zipLike(3_000_000 + 1000 * i) }]));
  const server = await new FakeCrcns({ username: "u", password: "p", files }).start();
  try {
    const dir = join(work.dir, "download");
    const env = {
      AC1_CRCNS_LOGIN_URL: server.loginUrl,
      AC1_CRCNS_DOWNLOAD_BASE: server.downloadBase,
      AC1_DATA_DIR: dir,
      CRCNS_USERNAME: "u",
      CRCNS_PASSWORD: "p",
    };
    const r = await interruptAt(["download", "--quiet"], env, "download-part#2", "SIGINT");
    assertInterrupted(r, "download", "SIGINT");
    const names = readdirSync(dir);
    assert.ok(
      names.some((n) => n.endsWith(".zip.part")),
      names.join(", "),
    );
    assert.ok(!names.some((n) => n.endsWith(".zip")), "no zip under its final name");
    assert.ok(!names.includes(".ac1-download.lock"), "the lock is removed");
    const again = await runAc1(["download", "--quiet"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(dir).sort(), [...RELEASE_ZIPS].sort());
    assert.ok(
      server.log.some((x) => /^bytes=[1-9]/.test(x.range ?? "")),
      "the second run resumed with a Range request",
    );
  } finally {
    await server.close();
  }
});

test("a process unpacking a zip killed outright: the next extraction removes its temporary folder and lock and finishes", async () => {
  const data = join(work.dir, "extract");
  cpSync(synth.dir, data, { recursive: true });
  const layout = RELEASE_LAYOUT[0]!;
  const script = `
    const { ensureExtracted } = await import(${JSON.stringify(join(projectRoot, "dist", "src", "archive", "index.js"))});
    await ensureExtracted(${JSON.stringify(data)}, { checkFreeSpace: false });
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, AC1_TEST_PAUSE_AT: "extract-file#5" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (stderr.includes("ac1-test: paused at")) resolve();
    });
    child.on("close", () => reject(new Error(`the extraction ended before pausing: ${stderr}`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.on("close", r));
  assert.ok(existsSync(partialDirOf(data, layout)), "the killed process left its temporary folder");
  assert.ok(existsSync(lockFileOf(data, layout)), "and its lock");
  assert.ok(!existsSync(join(data, layout.folder)), "nothing under the final name");
  await ensureExtracted(data, { checkFreeSpace: false });
  assert.ok(existsSync(join(data, layout.anchor)));
  for (const l of RELEASE_LAYOUT) {
    assert.ok(!existsSync(partialDirOf(data, l)));
    assert.ok(!existsSync(lockFileOf(data, l)));
  }
});
