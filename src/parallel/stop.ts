// Stopping a worker thread only where it is safe to. worker.terminate() stops
// a thread wherever its JavaScript happens to be, and Node (20) aborts the
// whole process if that is inside a zlib object's constructor, between the
// native handle's creation and its init ("close before init", an assertion
// in node_zlib.cc, reached from the worker's cleanup): a build's workers
// create a zlib object for every compressed MAT variable, thousands a
// second, so a build that failed or was interrupted while they worked died
// with a native stack trace now and then. Instead a worker is asked to stop
// (serveTasks answers the message at its next turn of the event loop, where
// no constructor is running, by exiting its thread) and only terminated when
// it has not stopped within a grace period (a task stuck in a long
// synchronous loop). Lowest layer of src/parallel: the interrupt handler
// (src/cli/interrupt.ts) uses it without loading the pool.

import type { Worker } from "node:worker_threads";
import type { StopMessage } from "./wire.js";

/** How long a worker has to stop when asked before it is terminated anyway. */
export const STOP_GRACE_MS = 2000;

/**
 * The workers of live pools (the interrupt handler stops them before the
 * process exits), each with its stop flag, one for its whole life: asked
 * twice (a failed build's stop, then an interrupt), a worker that is
 * already stopping has raised it, and a wait on it returns at once.
 */
const live = new Map<Worker, Int32Array>();

/** Registers a running worker until it exits. */
export function trackWorker(worker: Worker): void {
  live.set(worker, new Int32Array(new SharedArrayBuffer(4)));
  worker.once("exit", () => live.delete(worker));
}

/** Posts the stop request; returns the flag the worker raises just before it exits, or null if it cannot be asked (not live). */
function askToStop(worker: Worker): Int32Array | null {
  const flag = live.get(worker);
  if (flag === undefined) return null;
  if (Atomics.load(flag, 0) === 1) return flag; // stopping already
  try {
    worker.postMessage({ stop: flag.buffer as SharedArrayBuffer } satisfies StopMessage);
    return flag;
  } catch {
    return null;
  }
}

/**
 * Stops `worker`: asks it, waits for it to exit, terminates it if it has
 * not within `graceMs` (at once if it cannot be asked: never tracked, or
 * exited already). Resolves once it has exited.
 */
export async function stopWorker(worker: Worker, graceMs: number = STOP_GRACE_MS): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), askToStop(worker) === null ? 0 : graceMs);
  });
  const first = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (first === "late") await worker.terminate().catch(() => 0);
}

/**
 * For a process about to exit (an interrupt): asks every live worker to
 * stop and blocks this thread until each has said it is stopping or
 * `graceMs` has passed, so that the exit does not tear a worker down in the
 * middle of a zlib constructor. Synchronous: nothing else runs on this
 * thread meanwhile (no write goes on, no file is renamed).
 */
export function stopLiveWorkersNow(graceMs: number = STOP_GRACE_MS): void {
  const asked: Int32Array[] = [];
  for (const worker of live.keys()) {
    const flag = askToStop(worker);
    if (flag !== null) asked.push(flag);
  }
  const deadline = Date.now() + graceMs;
  for (const flag of asked) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    Atomics.wait(flag, 0, 0, left);
  }
}
