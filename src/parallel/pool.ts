// A fixed pool of worker threads running one task at a time each, fed from a
// queue: a free worker takes the first task that prefers it, else the
// costliest task that prefers no worker (equal costs in the order queued),
// else the first task waiting (one that prefers a busy worker), so that no long
// task starts last and leaves the other workers idle at the end. Each worker
// first gets the pool's setup message, if any (some may have been started
// earlier and are adopted). Replies are matched to
// tasks by id; errors thrown by a task come back re-created as the same class
// (errorFromData). A worker that dies (uncaught error, exit, failed start-up)
// fails the whole pool at once: every queued and running task is rejected
// with a WorkerError, so a crash never leaves a caller waiting. close(), and
// a failure, stop the workers where it is safe to (stop.ts): asked, then
// terminated only if they do not stop within a grace period.

import { type TransferListItem, Worker } from "node:worker_threads";
import { errorFromData, WorkerError } from "../errors.js";
import { stopWorker, trackWorker } from "./stop.js";
import type { ReplyMessage, SetupMessage, TaskMessage } from "./wire.js";

/** A worker thread failed outside of a task (crash, exit, start-up error), or the pool was closed; defined in src/errors.ts. */
export { WorkerError };

export interface WorkerPoolOptions {
  /** Number of worker threads (>= 1). */
  size: number;
  /** Module the workers run; it answers tasks with serveTasks (serve.ts). */
  script: URL;
  /** Passed to every worker as workerData (structured-cloned). */
  workerData?: unknown;
  /**
   * Posted to every worker ahead of its first task (serveTasks' onSetup):
   * what a worker started before its job was known needs.
   */
  setup?: unknown;
  /**
   * Workers already started on `script` (e.g. by prestart.ts, while this
   * thread was still loading): adopted as the first slots; the rest are
   * started here. Each must be running, not yet handed to another pool.
   */
  workers?: readonly Worker[];
  /** What the pool is for, in error messages (e.g. "dataset build"). */
  name?: string;
}

/** How run() may place a task. */
export interface RunOptions {
  /** The worker (0 .. size-1) to give the task to when it is free; another one takes it rather than idle. */
  prefer?: number;
  /** Told which worker the task was given to. */
  onStart?: (worker: number) => void;
  /**
   * Estimated work, any unit the caller uses consistently (default 0): of
   * the tasks with no preference, a free worker takes the costliest first.
   */
  cost?: number;
}

interface Pending {
  id: number;
  task: unknown;
  prefer: number | undefined;
  onStart: ((worker: number) => void) | undefined;
  cost: number;
  transfer: readonly TransferListItem[];
  /** What the task is about, in error messages (e.g. a session name). */
  label: string | undefined;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  running: Pending | null;
}

export class WorkerPool<Task = unknown, Result = unknown> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private closing = false;
  private readonly name: string;

  constructor(options: WorkerPoolOptions) {
    const { size, script } = options;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`worker pool size must be an integer >= 1, got ${size}`);
    this.name = options.name ?? "worker pool";
    const adopted = options.workers ?? [];
    if (adopted.length > size)
      throw new RangeError(`worker pool of ${size}: given ${adopted.length} started workers`);
    for (let index = 0; index < size; index++) {
      const worker = adopted[index] ?? new Worker(script, { workerData: options.workerData });
      worker.ref(); // a started worker may have been unref'd while it waited
      trackWorker(worker);
      if (options.setup !== undefined) worker.postMessage({ setup: options.setup } satisfies SetupMessage);
      const slot: Slot = { index, worker, running: null };
      worker.on("message", (msg: ReplyMessage<Result>) => this.onReply(slot, msg));
      worker.on("messageerror", (e) => this.onMessageError(slot, e));
      worker.on("error", (e) =>
        this.fail(
          new WorkerError(`${this.name}: worker thread ${index} failed${this.during(slot)}: ${e.message}`, {
            cause: e,
          }),
        ),
      );
      worker.on("exit", (code) => {
        if (!this.closing)
          this.fail(
            new WorkerError(
              `${this.name}: worker thread ${index} exited unexpectedly with code ${code}${this.during(slot)}`,
            ),
          );
      });
      this.slots.push(slot);
    }
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.running !== null).length;
  }

  /**
   * Runs `task` on the next free worker. The buffers in `transfer` are moved
   * to the worker (detached here). Resolves to the worker's result; rejects
   * with the task's error, or a WorkerError when the pool failed or closed.
   */
  run(
    task: Task,
    transfer: readonly TransferListItem[] = [],
    label?: string,
    options: RunOptions = {},
  ): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new WorkerError(`${this.name}: the worker pool is closed`));
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        task,
        prefer: options.prefer,
        onStart: options.onStart,
        cost: options.cost ?? 0,
        transfer,
        label,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Stops every worker (stop.ts); tasks still queued or running are rejected. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.rejectAll(
      this.failure ?? new WorkerError(`${this.name}: the worker pool was closed before the task finished`),
    );
    await Promise.all(this.slots.map((s) => stopWorker(s.worker)));
  }

  /**
   * The queued task a free worker takes: the first that prefers it, else
   * the costliest with no preference (the first of equals), else the first
   * (a free worker never idles while tasks wait).
   */
  private takeFor(slot: Slot): Pending {
    let at = this.queue.findIndex((p) => p.prefer === slot.index);
    if (at < 0) {
      for (let i = 0; i < this.queue.length; i++) {
        const p = this.queue[i] as Pending;
        if (p.prefer === undefined && (at < 0 || p.cost > (this.queue[at] as Pending).cost)) at = i;
      }
    }
    if (at < 0) at = 0;
    return this.queue.splice(at, 1)[0] as Pending;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.running !== null) continue;
      const p = this.takeFor(slot);
      slot.running = p;
      p.onStart?.(slot.index);
      const msg: TaskMessage = { id: p.id, task: p.task };
      try {
        slot.worker.postMessage(msg, p.transfer as TransferListItem[]);
      } catch (e) {
        // Not cloneable (or a buffer already detached): this task fails, the worker stays usable.
        slot.running = null;
        p.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  private onReply(slot: Slot, msg: ReplyMessage<Result>): void {
    const p = slot.running;
    if (p === null || p.id !== msg.id) {
      this.fail(
        new WorkerError(
          `${this.name}: worker thread ${slot.index} answered task ${msg.id}, which it was not running`,
        ),
      );
      return;
    }
    slot.running = null;
    if (msg.ok) p.resolve(msg.result);
    else p.reject(errorFromData(msg.error));
    this.pump();
  }

  private onMessageError(slot: Slot, e: Error): void {
    const p = slot.running;
    slot.running = null;
    p?.reject(
      new WorkerError(
        `${this.name}: the reply of worker thread ${slot.index}${this.during(slot, p)} could not be read: ${e.message}`,
        { cause: e },
      ),
    );
    this.pump();
  }

  private during(slot: Slot, p: Pending | null = slot.running): string {
    return p?.label !== undefined ? ` while working on ${p.label}` : "";
  }

  /** First failure wins: reject everything, stop the other workers. */
  private fail(error: Error): void {
    if (this.failure || this.closing) return;
    this.failure = error;
    this.rejectAll(error);
    for (const s of this.slots) void stopWorker(s.worker);
  }

  private rejectAll(error: Error): void {
    const pending = [
      ...this.slots.map((s) => s.running).filter((p): p is Pending => p !== null),
      ...this.queue,
    ];
    this.queue.length = 0;
    for (const s of this.slots) s.running = null;
    for (const p of pending) p.reject(error);
  }
}
