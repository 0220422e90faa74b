// What crosses the worker-thread boundary: task and reply messages (a
// failed task's error as ErrorData, flattened by errorToData in the worker and
// re-created by errorFromData on the main thread, both in src/errors.ts, so an
// error raised in a worker reaches the caller as the same class with the same
// code, message and fields as in a serial build), and the helpers that decide
// which buffers move instead of being copied.

import type { ErrorData } from "../errors.js";

/** Main thread -> worker: one task. */
export interface TaskMessage<T = unknown> {
  id: number;
  task: T;
}

/**
 * Main thread -> worker: what the worker needs before its first task (the
 * pool's `setup`), posted ahead of every task, never answered.
 */
export interface SetupMessage<S = unknown> {
  setup: S;
}

/**
 * Main thread -> worker: stop (src/parallel/stop.ts). The worker raises the
 * flag in `stop` (an Int32Array's memory) and exits its thread at once.
 */
export interface StopMessage {
  stop: SharedArrayBuffer;
}

/** Worker -> main thread: the reply to task `id`. */
export type ReplyMessage<R = unknown> =
  | { id: number; ok: true; result: R }
  | { id: number; ok: false; error: ErrorData };

/**
 * The buffers of `arrays` that can be moved (not copied) to another thread:
 * each distinct ArrayBuffer once, and only when the view covers all of it
 * (moving a buffer shared with other data would detach that data too).
 */
export function transferablesOf(arrays: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    const buf = a.buffer;
    if (!(buf instanceof ArrayBuffer)) continue; // SharedArrayBuffer: shared, never moved
    if (a.byteOffset === 0 && a.byteLength === buf.byteLength && buf.byteLength > 0) out.add(buf);
  }
  return [...out];
}

/**
 * `x` itself when it owns its whole buffer, else a compact copy, so that
 * sending it copies (or moves) only its own bytes, never a larger parent
 * buffer it is a window into.
 */
export function compact<T extends Float64Array | Float32Array>(x: T): T {
  return x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : (x.slice() as T);
}
