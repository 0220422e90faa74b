// A worker for the pool tests (not a test file): answers tasks that echo,
// wait, throw (an error of any ac1 class, a plain Error, an uncloneable
// result), read a MAT file (its MatError, if any, comes from the real
// reader), crash (an uncaught error outside the task), exit the thread, or
// create zlib objects without end (inflate-loop: what a build's workers do).
// whoami answers with workerData's tag and the setup message's.

import { workerData } from "node:worker_threads";
import { deflateSync, inflateSync } from "node:zlib";
import { matToJson, openMat } from "../../src/mat/index.js";
import { serveTasks } from "../../src/parallel/serve.js";
import { ERROR_SAMPLES, type ErrorSampleName } from "../errors/samples.js";

export type EchoTask =
  | { op: "echo"; value: unknown }
  | { op: "sum"; data: Float64Array }
  | { op: "sleep"; ms: number; value: unknown }
  | { op: "throw-sample"; name: ErrorSampleName }
  | { op: "read-mat"; bytes: Uint8Array; label: string }
  | { op: "throw-plain"; message: string }
  | { op: "uncloneable" }
  | { op: "crash"; message: string }
  | { op: "exit"; code: number }
  | { op: "whoami"; afterMs?: number }
  // inflates small zlib streams forever, yielding to the event loop now and then (never answers)
  | { op: "inflate-loop" }
  // a synchronous loop that never yields (only terminate() ends it)
  | { op: "spin" };

let tag = (workerData as { tag?: string } | undefined)?.tag ?? "";

serveTasks<EchoTask, unknown, { tag?: string; fail?: string }>(
  async (task) => {
    switch (task.op) {
      case "echo":
        return { result: task.value };
      case "sum": {
        let s = 0;
        for (const v of task.data) s += v;
        // Moves a fresh buffer back.
        const out = new Float64Array([s, task.data.length]);
        return { result: out, transfer: [out.buffer] };
      }
      case "sleep":
        await new Promise((r) => setTimeout(r, task.ms));
        return { result: task.value };
      case "throw-sample":
        throw ERROR_SAMPLES[task.name]();
      case "read-mat":
        return { result: matToJson(openMat(task.bytes, task.label)) };
      case "throw-plain":
        throw new TypeError(task.message);
      case "uncloneable":
        return { result: { f: () => 1 } };
      case "crash":
        setTimeout(() => {
          throw new Error(task.message);
        }, 0);
        return new Promise(() => {}); // never answers: the crash must not leave the caller waiting
      case "exit":
        process.exit(task.code);
        break;
      case "inflate-loop": {
        const stream = deflateSync(new Uint8Array(64).fill(1));
        for (;;) {
          for (let i = 0; i < 50; i++) inflateSync(stream);
          await new Promise((r) => setImmediate(r));
        }
      }
      case "spin":
        for (;;) {
          // never yields to the event loop
        }
      case "whoami":
        // afterMs keeps the worker busy, so that tasks sent together land on different workers
        if (task.afterMs !== undefined) await new Promise((r) => setTimeout(r, task.afterMs));
        return { result: tag };
    }
    throw new Error(`unknown op ${(task as { op: string }).op}`);
  },
  {
    // The pool's setup message: a tag that whoami answers with (after workerData's), or a failure.
    onSetup: (setup) => {
      if (setup.fail !== undefined) throw new RangeError(setup.fail);
      tag = `${tag}${setup.tag ?? ""}`;
    },
  },
);
