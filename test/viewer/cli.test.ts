// `ac1 view` as a user runs it: --help, usage errors, one-line errors for a
// missing or corrupt export, and a real serving session (URL on stdout,
// --port honoured, the API answers, Ctrl-C stops it with exit 0).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runAc1, tempDir } from "../support/cli.js";
import { cliPath } from "../support/paths.js";
import { writeFixture } from "./fixture.js";

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
  assert.match(r.stdout, /usage: ac1 view FILE\.npz \[--port P\] \[--no-open\]/);
  assert.match(r.stdout, /127\.0\.0\.1/);
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
