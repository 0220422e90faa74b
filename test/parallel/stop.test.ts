// Stopping workers where it is safe to (src/parallel/stop.ts): pools whose
// workers create zlib objects without end, closed again and again, or the
// process interrupted meanwhile, never abort node ("close before init"):
// each run ends with its own status and words. With worker.terminate() the
// close rounds below aborted within a few dozen rounds on this project's
// machines.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { stopWorker, trackWorker } from "../../src/parallel/stop.js";
import type { TaskMessage } from "../../src/parallel/wire.js";
import type { EchoTask } from "./echo-worker.js";

const echoWorker = new URL("./echo-worker.js", import.meta.url);

/** A tracked echo worker given `task`, and its exit code once it exits. */
async function workerOn(task: EchoTask): Promise<{ worker: Worker; exitCode: Promise<number> }> {
  const worker = new Worker(echoWorker);
  trackWorker(worker);
  const exitCode = new Promise<number>((resolve) => worker.once("exit", resolve));
  await new Promise((resolve) => worker.once("online", resolve));
  worker.postMessage({ id: 1, task } satisfies TaskMessage<EchoTask>);
  await new Promise((r) => setTimeout(r, 100));
  return { worker, exitCode };
}

test("a worker between two turns of its event loop stops when asked: it exits itself (code 0), not terminated (code 1)", async () => {
  const { worker, exitCode } = await workerOn({ op: "sleep", ms: 60_000, value: 0 });
  const t0 = performance.now();
  await stopWorker(worker, 10_000);
  assert.equal(await exitCode, 0);
  assert.ok(performance.now() - t0 < 5000);
});

test("a worker stuck in a synchronous loop is terminated once the grace has passed", async () => {
  const { worker, exitCode } = await workerOn({ op: "spin" });
  const t0 = performance.now();
  await stopWorker(worker, 300);
  assert.equal(await exitCode, 1);
  assert.ok(performance.now() - t0 >= 290, `${performance.now() - t0} ms`);
});

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
