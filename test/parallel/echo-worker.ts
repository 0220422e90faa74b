// A worker for the pool tests (not a test file): answers tasks that echo,
// wait, throw (an Ac1Error, a plain Error, an uncloneable result), crash
// (an uncaught error outside the task) or exit the thread.

import { workerData } from "node:worker_threads";
import { Ac1Error } from "../../src/errors.js";
import { serveTasks } from "../../src/parallel/serve.js";

export type EchoTask =
  | { op: "echo"; value: unknown }
  | { op: "sum"; data: Float64Array }
  | { op: "sleep"; ms: number; value: unknown }
  | { op: "throw-ac1"; code: string; message: string }
  | { op: "throw-plain"; message: string }
  | { op: "uncloneable" }
  | { op: "crash"; message: string }
  | { op: "exit"; code: number }
  | { op: "whoami" };

const tag = (workerData as { tag?: string } | undefined)?.tag ?? "";

serveTasks<EchoTask, unknown>(async (task) => {
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
    case "throw-ac1":
      throw new Ac1Error(task.code, task.message);
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
    case "whoami":
      return { result: tag };
  }
  throw new Error(`unknown op ${(task as { op: string }).op}`);
});
