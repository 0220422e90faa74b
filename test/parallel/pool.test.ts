// The worker pool: results matched to their tasks under out-of-order
// completion, buffers moved both ways, task errors re-created (an error of
// every ac1 class comes back as that class with its code, message, fields and
// cause; a MatError from the real reader keeps its byte offset), and a
// crashed or exiting worker, or a closed pool, failing every pending task
// instead of leaving it waiting.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { types } from "node:util";
import { Worker } from "node:worker_threads";
import { Ac1Error, isAc1Error, MatError } from "../../src/errors.js";
import { matToJson, openMat, scalar, writeMat } from "../../src/mat/index.js";
import { WorkerError, WorkerPool } from "../../src/parallel/pool.js";
import { compact, transferablesOf } from "../../src/parallel/wire.js";
import { assertSameError } from "../errors/compare.js";
import { ERROR_SAMPLES, type ErrorSampleName } from "../errors/samples.js";
import type { EchoTask } from "./echo-worker.js";

const script = new URL("./echo-worker.js", import.meta.url);

function pool(size: number, workerData?: unknown): WorkerPool<EchoTask, unknown> {
  return new WorkerPool<EchoTask, unknown>({ size, script, workerData, name: "test pool" });
}

describe("WorkerPool", () => {
  it("answers every task with its own result, whatever order they finish in", async () => {
    const p = pool(3);
    try {
      // Later tasks finish first: the replies must still go to the right callers.
      const delays = [60, 40, 20, 0, 50, 10, 30, 0];
      const results = await Promise.all(delays.map((ms, i) => p.run({ op: "sleep", ms, value: { i, ms } })));
      assert.deepEqual(
        results,
        delays.map((ms, i) => ({ i, ms })),
      );
      assert.equal(p.pending, 0);
    } finally {
      await p.close();
    }
  });

  it("gives a task to the worker it prefers when that one is free; a free worker never idles", async () => {
    const p = pool(2);
    try {
      const started: string[] = [];
      const on = (name: string) => ({ onStart: (w: number) => started.push(`${name}@${w}`) });
      const long = p.run({ op: "sleep", ms: 400, value: "long" }, [], "long", on("long"));
      const b = p.run({ op: "echo", value: "b" }, [], "b", on("b"));
      // Both workers busy: these wait. Worker 1 frees first and takes the one preferring it, not the
      // first queued; free again while worker 0 still sleeps, it takes the other rather than idle.
      const a = p.run({ op: "echo", value: "a" }, [], "a", { prefer: 0, ...on("a") });
      const c = p.run({ op: "echo", value: "c" }, [], "c", { prefer: 1, ...on("c") });
      assert.deepEqual(await Promise.all([long, b, a, c]), ["long", "b", "a", "c"]);
      assert.deepEqual(started, ["long@0", "b@1", "c@1", "a@1"]);
      // Nothing else to do: a free worker takes a task preferring a busy one.
      const started2: string[] = [];
      const busy = p.run({ op: "sleep", ms: 400, value: 1 }, [], "busy", {
        prefer: 0,
        onStart: (w) => started2.push(`busy@${w}`),
      });
      const d = p.run({ op: "echo", value: 2 }, [], "d", {
        prefer: 0,
        onStart: (w) => started2.push(`d@${w}`),
      });
      assert.deepEqual(await Promise.all([busy, d]), [1, 2]);
      assert.deepEqual(started2, ["busy@0", "d@1"]);
    } finally {
      await p.close();
    }
  });

  it("takes the costliest waiting task first (equal costs in order), after those preferring the worker", async () => {
    const p = pool(1);
    try {
      const started: string[] = [];
      const run = (name: string, opts: { cost?: number; prefer?: number } = {}) =>
        p.run({ op: "echo", value: name }, [], name, { ...opts, onStart: () => started.push(name) });
      const first = p.run({ op: "sleep", ms: 200, value: "first" }, [], "first");
      const queued = [
        run("small", { cost: 1 }),
        run("none"),
        run("big", { cost: 50 }),
        run("mid-a", { cost: 10 }),
        run("mid-b", { cost: 10 }),
        run("mine", { prefer: 0 }),
        run("index", { cost: Number.POSITIVE_INFINITY }),
      ];
      await Promise.all([first, ...queued]);
      assert.deepEqual(started, ["mine", "index", "big", "mid-a", "mid-b", "small", "none"]);
    } finally {
      await p.close();
    }
  });

  it("moves transferred buffers to the worker and back", async () => {
    const p = pool(1);
    try {
      const data = Float64Array.from({ length: 1000 }, (_, i) => i);
      const result = (await p.run({ op: "sum", data }, [data.buffer])) as Float64Array;
      assert.equal(data.byteLength, 0, "the sent buffer is detached here");
      assert.ok(result instanceof Float64Array);
      assert.deepEqual(Array.from(result), [499500, 1000]);
    } finally {
      await p.close();
    }
  });

  it("passes workerData to every worker", async () => {
    const p = pool(2, { tag: "hello" });
    try {
      assert.deepEqual(await Promise.all([p.run({ op: "whoami" }), p.run({ op: "whoami" })]), [
        "hello",
        "hello",
      ]);
    } finally {
      await p.close();
    }
  });

  it("posts its setup to every worker before the first task, after workerData", async () => {
    const p = new WorkerPool<EchoTask, unknown>({
      size: 2,
      script,
      workerData: { tag: "data+" },
      setup: { tag: "setup" },
      name: "test pool",
    });
    try {
      const answers = await Promise.all([1, 2, 3, 4].map(() => p.run({ op: "whoami" })));
      assert.deepEqual(answers, ["data+setup", "data+setup", "data+setup", "data+setup"]);
    } finally {
      await p.close();
    }
  });

  it("fails every task of a worker whose setup failed, with the setup's error", async () => {
    const p = new WorkerPool<EchoTask, unknown>({
      size: 1,
      script,
      setup: { fail: "no such option" },
      name: "test pool",
    });
    try {
      await assert.rejects(p.run({ op: "echo", value: 1 }), {
        name: "RangeError",
        message: "no such option",
      });
      await assert.rejects(p.run({ op: "echo", value: 2 }), {
        name: "RangeError",
        message: "no such option",
      });
    } finally {
      await p.close();
    }
  });

  it("adopts workers started earlier (unref'd while they waited) and starts the rest", async () => {
    const early = new Worker(script, { workerData: { tag: "early-" } });
    early.unref();
    const p = new WorkerPool<EchoTask, unknown>({
      size: 2,
      script,
      workerData: { tag: "late-" },
      setup: { tag: "set" },
      workers: [early],
      name: "test pool",
    });
    try {
      // Two tasks that keep their worker busy land on different workers: the adopted one and a new one.
      const answers = await Promise.all([
        p.run({ op: "whoami", afterMs: 100 }),
        p.run({ op: "whoami", afterMs: 100 }),
      ]);
      assert.deepEqual(answers.sort(), ["early-set", "late-set"]);
    } finally {
      await p.close();
    }
    assert.throws(
      () =>
        new WorkerPool<EchoTask, unknown>({ size: 1, script, workers: [early, early], name: "test pool" }),
      RangeError,
    );
  });

  it("re-creates an error of every class thrown by a task as that class, with its fields and cause", async () => {
    const p = pool(2);
    try {
      for (const name of Object.keys(ERROR_SAMPLES) as ErrorSampleName[]) {
        const expected = ERROR_SAMPLES[name]();
        await assert.rejects(p.run({ op: "throw-sample", name }), (e: unknown) => {
          assertSameError(e, expected);
          assert.ok(types.isNativeError(e), `${name}: a real Error object`);
          assert.ok(isAc1Error(e, expected.code));
          assert.match((e as Error).stack ?? "", /samples\.js/, `${name}: the worker's stack is kept`);
          return true;
        });
      }
    } finally {
      await p.close();
    }
  });

  it("keeps the byte offset of a MatError the real reader raises inside a worker", async () => {
    const p = pool(1);
    try {
      const whole = writeMat(
        [
          { name: "x", value: scalar(1) },
          { name: "y", value: scalar(2) },
        ],
        { compress: false },
      );
      const truncated = whole.slice(0, whole.length - 5);
      let local: unknown;
      try {
        matToJson(openMat(truncated, "cut.mat"));
      } catch (e) {
        local = e;
      }
      assert.ok(local instanceof MatError, "the truncated file fails on this thread too");
      await assert.rejects(p.run({ op: "read-mat", bytes: truncated, label: "cut.mat" }), (e: unknown) => {
        assert.ok(e instanceof MatError);
        assert.ok(isAc1Error(e, "MAT_FORMAT"));
        assert.equal(e.offset, local.offset);
        assert.ok(e.offset > 0);
        assert.equal(e.file, "cut.mat");
        assertSameError(e, local);
        return true;
      });
    } finally {
      await p.close();
    }
  });

  it("re-creates a plain error as a plain error, and keeps working after task errors", async () => {
    const p = pool(2);
    try {
      await assert.rejects(p.run({ op: "throw-plain", message: "boom" }), (e: unknown) => {
        assert.ok(e instanceof Error && !(e instanceof Ac1Error));
        assert.equal(e.name, "TypeError");
        assert.equal(e.message, "boom");
        return true;
      });
      await assert.rejects(p.run({ op: "uncloneable" }), /could not be cloned/);
      assert.equal(await p.run({ op: "echo", value: 42 }), 42, "the pool survives task errors");
    } finally {
      await p.close();
    }
  });

  it("fails every pending task when a worker crashes, without hanging", async () => {
    const p = pool(2);
    try {
      const slow = p.run({ op: "sleep", ms: 5000, value: 1 });
      const queued = [p.run({ op: "echo", value: 2 }), p.run({ op: "echo", value: 3 })];
      const crash = p.run({ op: "crash", message: "kaboom" }, [], "cell 2005-ha1-001");
      const all = await Promise.allSettled([slow, crash, ...queued]);
      // The crash reaches the crashing task and the one still running on the other worker.
      const crashed = all[1] as PromiseRejectedResult;
      assert.equal(crashed.status, "rejected");
      assert.ok(crashed.reason instanceof WorkerError);
      assert.match(
        crashed.reason.message,
        /test pool: worker thread \d failed while working on cell 2005-ha1-001: kaboom/,
      );
      assert.equal(all[0]?.status, "rejected");
      await assert.rejects(p.run({ op: "echo", value: 4 }), WorkerError, "a failed pool refuses new work");
    } finally {
      await p.close();
    }
  });

  it("fails the running task when a worker exits", async () => {
    const p = pool(1);
    try {
      await assert.rejects(p.run({ op: "exit", code: 7 }, [], "stim 3"), (e: unknown) => {
        assert.ok(e instanceof WorkerError);
        assert.equal(e.code, "WORKER");
        assert.match(e.message, /exited unexpectedly with code 7 while working on stim 3/);
        return true;
      });
    } finally {
      await p.close();
    }
  });

  it("rejects queued and running tasks on close, and new ones after", async () => {
    const p = pool(1);
    const running = p.run({ op: "sleep", ms: 5000, value: 1 });
    const queued = p.run({ op: "echo", value: 2 });
    const checks = [assert.rejects(running, WorkerError), assert.rejects(queued, WorkerError)];
    await p.close();
    await Promise.all(checks);
    await assert.rejects(p.run({ op: "echo", value: 3 }), /closed/);
  });

  it("rejects a bad size", () => {
    assert.throws(() => pool(0), RangeError);
  });
});

describe("wire helpers", () => {
  it("moves only whole, distinct buffers; compacts views", () => {
    const whole = new Float64Array(4);
    const parent = new Float64Array(10);
    const view = parent.subarray(2, 5);
    assert.deepEqual(transferablesOf([whole, whole, view, new Float64Array(0)]), [whole.buffer]);
    const c = compact(view);
    assert.notEqual(c.buffer, parent.buffer);
    assert.equal(c.byteLength, c.buffer.byteLength);
    assert.equal(compact(whole), whole);
  });
});
