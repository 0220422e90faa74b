// Build workers started ahead of a build (src/parallel/prestart.ts): how many
// start, handing them over, ending the ones nobody adopted, and that waiting
// workers never keep the process alive.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  discardPrestartedWorkers,
  prestartBuildWorkers,
  prestartedWorkersWaiting,
  takePrestartedWorkers,
} from "../../src/parallel/prestart.js";
import { tempDir } from "../support/cli.js";

after(() => discardPrestartedWorkers());

describe("prestartBuildWorkers", () => {
  it("starts workers until `count` wait, none for fewer than two jobs", async () => {
    assert.equal(prestartBuildWorkers(1), 0);
    assert.equal(prestartBuildWorkers(0), 0);
    assert.equal(prestartBuildWorkers(2.5), 0);
    assert.equal(prestartBuildWorkers(2), 2);
    assert.equal(prestartBuildWorkers(2), 0);
    assert.equal(prestartBuildWorkers(3), 1);
    const taken = takePrestartedWorkers(2);
    assert.equal(taken.length, 2);
    await Promise.all(taken.map((w) => w.terminate()));
    await discardPrestartedWorkers();
    assert.deepEqual(takePrestartedWorkers(3), []);
  });

  it("hands over only workers that are still alive", async (t) => {
    const { dir, cleanup } = await tempDir("ac1-prestart-");
    t.after(cleanup);
    const crashing = join(dir, "crash.mjs");
    await writeFile(crashing, 'throw new Error("broken install");\n');
    assert.equal(prestartBuildWorkers(2, pathToFileURL(crashing)), 2);
    // Both die on loading; a waiting worker that died is never handed over.
    for (let i = 0; i < 500 && prestartedWorkersWaiting() > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(prestartedWorkersWaiting(), 0);
    assert.deepEqual(takePrestartedWorkers(2), []);
  });

  it("does not keep a process alive that never starts a build", () => {
    const prestart = fileURLToPath(new URL("../../src/parallel/prestart.js", import.meta.url));
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import(${JSON.stringify(prestart)}).then((m) => console.log(m.prestartBuildWorkers(2)))`,
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "2");
    assert.ok(Date.now() - t0 < 20_000);
  });
});
