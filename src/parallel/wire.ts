// What crosses the worker-thread boundary: task and reply messages, and
// errors flattened to plain data and re-created on the main thread, so an
// Ac1Error raised in a worker reaches the caller with the same code, name and
// message as in a serial build.

import { Ac1Error } from "../errors.js";

/** A plain-data error (structured-clone safe). */
export interface WireError {
  name: string;
  message: string;
  /** Ac1Error code, when the error was an Ac1Error. */
  code?: string;
  stack?: string;
}

/** Main thread -> worker: one task. */
export interface TaskMessage<T = unknown> {
  id: number;
  task: T;
}

/** Worker -> main thread: the reply to task `id`. */
export type ReplyMessage<R = unknown> =
  | { id: number; ok: true; result: R }
  | { id: number; ok: false; error: WireError };

/** Flattens any thrown value to a WireError. */
export function errorToWire(e: unknown): WireError {
  if (e instanceof Error) {
    const out: WireError = { name: e.name, message: e.message };
    if (e instanceof Ac1Error) out.code = e.code;
    if (e.stack !== undefined) out.stack = e.stack;
    return out;
  }
  return { name: "Error", message: String(e) };
}

/**
 * Re-creates a WireError: an Ac1Error (same code, name and message) when it
 * carried a code, else a plain Error with the same name and message. The
 * worker's stack is kept as the stack, for --debug.
 */
export function errorFromWire(w: WireError): Error {
  const e = w.code !== undefined ? new Ac1Error(w.code, w.message) : new Error(w.message);
  e.name = w.name;
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}

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
