// Stopping workers where it is safe to (src/parallel/stop.ts): pools whose
// workers create zlib objects without end, closed again and again, or the
// process interrupted meanwhile, never abort node ("close before init"):
// each run ends with its own status and words. With worker.terminate() the
// close rounds below aborted within a few dozen rounds on this project's
// machines.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";

const child = new URL("./stop-child.js", import.meta.url).pathname;

function run(
  args: string[],
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => {
      stdout += d;
    });
    p.stderr.on("data", (d) => {
      stderr += d;
    });
    p.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test("pools closed while their workers inflate: 40 rounds, no abort", async () => {
  const r = await run(["close", "40"]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "survived\n");
  assert.equal(r.code, 0);
});

test("an interrupt while workers inflate: the one line and status 1, every time", async () => {
  for (let i = 0; i < 6; i++) {
    const r = await run(["interrupt"]);
    assert.equal(r.stderr, "\nac1 stop-test: interrupted (SIGINT)\n", `run ${i}`);
    assert.equal(r.code, 1, `run ${i}: ${r.stderr}`);
  }
});
