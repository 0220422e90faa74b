// Reusable scratch arrays for the filters' temporaries (the reflect-extended
// input of a median or Gaussian filter, the grid levels of the counting
// median). A build filters hundreds of repeats of ~10^5-10^6 samples, each
// through several such temporaries; allocating them afresh costs a zeroed
// allocation (page faults for large ones) and drives V8's external-memory
// garbage collections (measured: 26 full collections in a 10 s build with
// a 16 MB heap). One grow-only buffer per slot and thread is reused instead.
// A slot's array is valid until the next call for the same slot: only
// synchronous code that does not call itself through another user of the
// same slot may hold one, and none is ever returned to a caller.
// Memory: a thread keeps at most MAX_KEPT_BYTES per slot and
// MAX_KEPT_TOTAL_BYTES in all (beyond, a request gets a buffer of its own,
// as before there were slots), so the scratch never pins more than a small
// multiple of the longest repeat, whatever the archive.

/** Buffers above this size are not kept (a rare huge input does not pin its memory). */
const MAX_KEPT_BYTES = 64 << 20;
/** All slots of a thread keep at most this much. */
export const MAX_KEPT_TOTAL_BYTES = 192 << 20;

/** The temporaries that have a slot (each used by one function). */
export type ScratchSlot =
  | "median-ext"
  | "gauss-ext"
  | "bounds-ext"
  | "grid-levels"
  // medgauss's median (its Gaussian's input)
  | "medgauss-median"
  // spikeMask's re-detrended trace and its 10 ms median
  | "spike-y"
  | "spike-h"
  // a stim's detrended repeats while its cell is cleaned (dataset/clean.ts)
  | "detrended"
  // the cross-trial test's leave-one-out references
  | "xcorr-refs"
  // an Asari stim's spliced waveform, while its tensor is made (dataset/stages.ts)
  | "stim-splice";

const buffers = new Map<ScratchSlot, ArrayBuffer>();
let keptBytes = 0;

function bufferFor(slot: ScratchSlot, bytes: number): ArrayBuffer {
  const have = buffers.get(slot);
  if (have !== undefined && have.byteLength >= bytes) return have;
  const buf = new ArrayBuffer(Math.max(bytes, Math.min(2 * (have?.byteLength ?? 0), MAX_KEPT_BYTES)));
  const without = keptBytes - (have?.byteLength ?? 0);
  if (buf.byteLength <= MAX_KEPT_BYTES && without + buf.byteLength <= MAX_KEPT_TOTAL_BYTES) {
    buffers.set(slot, buf);
    keptBytes = without + buf.byteLength;
  }
  return buf;
}

/** Bytes the slots of this thread keep now. */
export function scratchKeptBytes(): number {
  return keptBytes;
}

/** A Float64Array of exactly n elements (contents unspecified) from the slot's buffer. */
export function scratchFloat64(slot: ScratchSlot, n: number): Float64Array {
  return new Float64Array(bufferFor(slot, 8 * n), 0, n);
}

/** An Int32Array of exactly n elements (contents unspecified) from the slot's buffer. */
export function scratchInt32(slot: ScratchSlot, n: number): Int32Array {
  return new Int32Array(bufferFor(slot, 4 * n), 0, n);
}
