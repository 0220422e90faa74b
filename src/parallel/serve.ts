// The worker-thread side of the pool (pool.ts): answers each task message with
// the handler's result (and the buffers its handler asks to move, if any; the
// dataset build asks for none: tasks.ts says why) or its error flattened
// to plain data (errorToData, src/errors.ts). Tasks are handled one at a time,
// in arrival order; the pool's setup message, if any, comes before them. A
// stop message ends the thread at once, between two turns of its event loop
// (src/parallel/stop.ts says why).

import { parentPort, type TransferListItem } from "node:worker_threads";
import { errorToData } from "../errors.js";
import type { ReplyMessage, SetupMessage, StopMessage, TaskMessage } from "./wire.js";

/** A handler's answer: the result and the buffers to move along with it. */
export interface TaskAnswer<R> {
  result: R;
  transfer?: TransferListItem[];
}

export interface ServeOptions<S> {
  /**
   * Receives the pool's `setup` (a SetupMessage, which arrives before any
   * task). If it throws, every task fails with its error.
   */
  onSetup?: (setup: S) => void;
}

/** Serves tasks on this worker thread until the pool terminates it. */
export function serveTasks<T, R, S = unknown>(
  handle: (task: T) => TaskAnswer<R> | Promise<TaskAnswer<R>>,
  opts: ServeOptions<S> = {},
): void {
  const port = parentPort;
  if (port === null) throw new Error("serveTasks must run inside a worker thread");
  let chain: Promise<void> = Promise.resolve();
  let setupError: unknown;
  let failedSetup = false;
  port.on("message", (msg: TaskMessage<T> | SetupMessage<S> | StopMessage) => {
    if ("stop" in msg) {
      // Between two turns of the event loop: no zlib constructor is half done (stop.ts).
      const flag = new Int32Array(msg.stop);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      process.exit(0);
    }
    if ("setup" in msg) {
      try {
        opts.onSetup?.(msg.setup);
      } catch (e) {
        failedSetup = true;
        setupError = e;
      }
      return;
    }
    chain = chain.then(async () => {
      let reply: ReplyMessage<R>;
      let transfer: TransferListItem[] = [];
      try {
        if (failedSetup) throw setupError;
        const answer = await handle(msg.task);
        reply = { id: msg.id, ok: true, result: answer.result };
        transfer = answer.transfer ?? [];
      } catch (e) {
        reply = { id: msg.id, ok: false, error: errorToData(e) };
      }
      try {
        port.postMessage(reply, transfer);
      } catch (e) {
        // The result could not be cloned: report that instead of going silent.
        port.postMessage({ id: msg.id, ok: false, error: errorToData(e) } satisfies ReplyMessage<R>);
      }
    });
  });
}
