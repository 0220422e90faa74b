// The interrupt's stop flag (src/temp-files.ts): once the process is being
// interrupted (removeTrackedTemps), no thread may name a new temp file, so
// the sweep of the tracked folders cannot miss one a worker creates behind
// its back. Runs in its own process (node --test): the flag stays set.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import {
  removeTrackedTemps,
  resumeTempFiles,
  tempName,
  tempStopBuffer,
  trackTempFolder,
} from "../../src/temp-files.js";

const MODULE = new URL("../../src/temp-files.js", import.meta.url).href;

/** Asks a worker that adopted the flag whether it may name a temp file now. */
function workerMayName(flag: SharedArrayBuffer): Promise<boolean> {
  const code = `
    const { workerData, parentPort } = await import("node:worker_threads");
    const t = await import(${JSON.stringify(MODULE)});
    t.adoptTempStop(workerData);
    try { t.tempName("/x"); parentPort.postMessage(true); } catch { parentPort.postMessage(false); }
  `;
  const w = new Worker(code, { eval: true, workerData: flag });
  return new Promise((resolve, reject) => {
    w.once("message", (m: boolean) => {
      void w.terminate();
      resolve(m);
    });
    w.once("error", reject);
  });
}

test("after removeTrackedTemps no thread names a temp file, and the tracked folders lose this process's temps", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ac1-temp-stop-"));
  try {
    const flag = tempStopBuffer();
    assert.equal(await workerMayName(flag), true);
    const mine = tempName(join(dir, "entry.bin"));
    writeFileSync(mine, "partial");
    writeFileSync(join(dir, "entry.bin.tmp-1-0badc0de"), "another process's");
    trackTempFolder(dir);
    removeTrackedTemps();
    assert.deepEqual(readdirSync(dir), ["entry.bin.tmp-1-0badc0de"]);
    assert.throws(() => tempName(join(dir, "next.bin")), /being interrupted/);
    assert.equal(await workerMayName(flag), false);
    resumeTempFiles();
    assert.match(tempName(join(dir, "next.bin")), /next\.bin\.tmp-/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
