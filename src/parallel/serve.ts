// The worker-thread side of the pool (pool.ts): answers each task message with
// the handler's result (and the buffers its handler asks to move, if any; the
// dataset build asks for none: tasks.ts says why) or its error flattened
// to plain data (errorToData, src/errors.ts). Tasks are handled one at a time,
// in arrival order.

import { parentPort, type TransferListItem } from "node:worker_threads";
import { errorToData } from "../errors.js";
import type { ReplyMessage, TaskMessage } from "./wire.js";

/** A handler's answer: the result and the buffers to move along with it. */
export interface TaskAnswer<R> {
  result: R;
  transfer?: TransferListItem[];
}

/** Serves tasks on this worker thread until the pool terminates it. */
export function serveTasks<T, R>(handle: (task: T) => TaskAnswer<R> | Promise<TaskAnswer<R>>): void {
  const port = parentPort;
  if (port === null) throw new Error("serveTasks must run inside a worker thread");
  let chain: Promise<void> = Promise.resolve();
  port.on("message", (msg: TaskMessage<T>) => {
    chain = chain.then(async () => {
      let reply: ReplyMessage<R>;
      let transfer: TransferListItem[] = [];
      try {
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
