// `ac1 view` as a user runs it: --help, usage errors, one-line errors for a
// missing or corrupt export or a bad --pred PRED.npz, and real serving
// sessions (URL on stdout, --port and --pred honoured, the API answers,
// Ctrl-C stops it with exit 0).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { SummaryJson } from "../../src/viewer/api-types.js";
import { runAc1, tempDir } from "../support/cli.js";
import { cliPath } from "../support/paths.js";
import { predictedPairs, writeFixture, writePredictions } from "./fixture.js";

let dir: string;
let cleanup: () => Promise<void>;
let exportPath: string;

before(async () => {
  const tmp = await tempDir("ac1-view-cli-");
  dir = tmp.dir;
  cleanup = tmp.cleanup;
  exportPath = (await writeFixture(dir)).path;
});

after(async () => {
  await cleanup?.();
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0] as string;
}

test("ac1 view --help describes the command", async () => {
  const r = await runAc1(["view", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: ac1 view FILE\.npz \[--port P\] \[--pred PRED\.npz\] \[--no-open\]/);
  assert.match(r.stdout, /127\.0\.0\.1/);
  assert.match(r.stdout, /--pred PRED\.npz/);
  assert.match(r.stdout, /ccmax >= 0\.5/);
});

test("ac1 view without a file, with two files, or with a bad port is a usage error", async () => {
  for (const args of [
    ["view"],
    ["view", "a.npz", "b.npz"],
    ["view", "x.npz", "--port", "abc"],
    ["view", "x.npz", "--port", "70000"],
    ["view", "x.npz", "--bogus"],
  ]) {
    const r = await runAc1(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr);
  }
});

test("a missing export is one line naming the file", async () => {
  const missing = join(dir, "nope.npz");
  const r = await runAc1(["view", missing]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(
    oneLine(r.stderr),
    new RegExp(`ac1 view: .*${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*no such file`),
  );
});

test("a corrupt or truncated export is one line, no stack trace", async () => {
  const garbage = join(dir, "garbage.npz");
  await writeFile(garbage, Buffer.from("this is not a zip file at all, just text\n".repeat(20)));
  const truncated = join(dir, "truncated.npz");
  const full = await readFile(exportPath);
  await writeFile(truncated, full.subarray(0, Math.floor(full.length / 2)));
  for (const path of [garbage, truncated, dir]) {
    const r = await runAc1(["view", path]);
    assert.equal(r.code, 1, `${path}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    const line = oneLine(r.stderr);
    assert.match(line, /^ac1 view: /);
    assert.doesNotMatch(line, /internal error|\bat .*\.js:\d+/);
  }
});

/** Starts `ac1 view` and resolves with the URL it prints. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, "view", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ac1 view printed no URL in time; stderr: ${err}`));
    }, 30_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, url: out.slice(0, nl), exit });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ac1 view exited (${code}) before printing a URL: ${err}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

test("ac1 view serves on 127.0.0.1, prints the URL, and stops on Ctrl-C", async () => {
  const { child, url, exit } = await serve([exportPath, "--no-open"]);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(`${url}api/summary`);
    assert.equal(res.status, 200);
    const summary = (await res.json()) as { neuronCount: number; file: string };
    assert.equal(summary.neuronCount, 5);
    assert.equal(summary.file, "viewer-fixture.npz");
    const page = await fetch(url);
    assert.match(await page.text(), /<title>ac1 viewer<\/title>/);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exit, 0);
});

test("ac1 view --port P uses that port, and a busy port is one clear line", async () => {
  const port = await freePort();
  const { child, url, exit } = await serve([exportPath, "--port", String(port), "--no-open"]);
  try {
    assert.equal(url, `http://127.0.0.1:${port}/`);
    const busy = await runAc1(["view", exportPath, "--port", String(port), "--no-open"]);
    assert.equal(busy.code, 1);
    assert.match(oneLine(busy.stderr), new RegExp(`--port ${port}: port already in use`));
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exit, 0);
});

test("ac1 view --pred with a bad PRED.npz is one line naming the key, exit 1, before serving", async () => {
  const f = await writeFixture(dir, "pred-cli.npz");
  // A prediction for a pair without data (stim 0, neuron 2: every repeat rejected).
  const bad = await writePredictions(dir, f.data, [{ s: 1, n: 0 }], "bad-pred.npz");
  const renamed = join(dir, "bad-pred-renamed.npz");
  const bytes = await readFile(bad);
  // Same length name in the zip (local header and directory): pred_1_0 -> pred_0_2.
  await writeFile(
    renamed,
    Buffer.from(bytes.toString("latin1").replaceAll("pred_1_0", "pred_0_2"), "latin1"),
  );
  for (const [path, key] of [
    [renamed, /pred_0_2.*no data for stim 0/],
    [join(dir, "missing-pred.npz"), /missing-pred\.npz/],
  ] as const) {
    const r = await runAc1(["view", f.path, "--pred", path, "--no-open"], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, `${path}: ${r.stderr}`);
    assert.equal(r.stdout, "", "nothing served, no URL printed");
    const line = oneLine(r.stderr);
    assert.match(line, /^ac1 view: /);
    assert.match(line, key);
  }
});

test("ac1 view --pred serves the predictions", async () => {
  const f = await writeFixture(dir, "pred-ok.npz");
  const pred = await writePredictions(dir, f.data);
  const { child, url, exit } = await serve([f.path, "--pred", pred, "--no-open"]);
  try {
    const summary = (await (await fetch(`${url}api/summary`)).json()) as SummaryJson;
    assert.deepEqual(summary.predictions, { file: "pred.npz", pairs: predictedPairs().length, neurons: 3 });
    const scores = await fetch(`${url}api/scores`);
    assert.equal(scores.status, 200);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exit, 0);
});
