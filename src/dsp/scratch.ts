// Reusable scratch arrays for the filters' temporaries (the reflect-extended
// input of a median or Gaussian filter, the grid levels of the counting
// median). A build filters hundreds of repeats of ~10^5-10^6 samples, each
// through several such temporaries; allocating them afresh costs a zeroed
// allocation (page faults for large ones) and drives V8's external-memory
// garbage collections (measured: 26 full collections in a 10 s build with
// a 16 MB heap). One buffer per slot and thread is reused instead.
// A slot's array is valid until the next call for the same slot: only
// synchronous code that does not call itself through another user of the
// same slot may hold one, and none is ever returned to a caller.
// A slot's buffer is reserved at MAX_KEPT_BYTES of address space at its
// first use and never replaced: an ArrayBuffer's pages are backed by memory
// only once written (calloc of fresh mappings), so it costs what its
// longest request wrote. Grown by reallocation instead, each longer request
// wrote a new buffer's pages afresh: on `stims` a serial build's slots
// allocated 125 MB where their longest requests came to 34 MB, and on a VM
// a page touched for the first time costs more than the work on it
// (README, Performance). Where that much address space cannot be had (a
// strict overcommit policy, a `ulimit -v`), a slot holds its longest
// request's size and is reallocated when a longer one comes, as before.
// Memory: what the limits count is each slot's longest request, the memory
// it may hold: at most MAX_KEPT_BYTES per slot and MAX_KEPT_TOTAL_BYTES in
// all per thread (beyond, a request gets a buffer of its own, as before
// there were slots), so the scratch never pins more than a small multiple
// of the longest repeat, whatever the archive.

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
  // an Asari stim's spliced waveform, while its tensor is made (dataset/units.ts)
  | "stim-splice"
  // spikeTrain's supra-threshold mask and the PSTH made of it (preprocess/psth.ts, dataset/clean.ts)
  | "spike-mask"
  | "psth";

/** A slot's reserved buffer and the longest request it served, in bytes. */
interface Kept {
  buffer: ArrayBuffer;
  usedBytes: number;
}

const kept = new Map<ScratchSlot, Kept>();
/** The slots' longest requests summed: the memory they may hold. */
let keptBytes = 0;

function bufferFor(slot: ScratchSlot, bytes: number): ArrayBuffer {
  if (bytes > MAX_KEPT_BYTES) return new ArrayBuffer(bytes);
  const have = kept.get(slot);
  const grows = bytes - (have?.usedBytes ?? 0);
  if (grows > 0 && keptBytes + grows > MAX_KEPT_TOTAL_BYTES) return new ArrayBuffer(bytes);
  if (grows > 0) keptBytes += grows;
  if (have === undefined) {
    const k: Kept = { buffer: reserve(bytes), usedBytes: bytes };
    kept.set(slot, k);
    return k.buffer;
  }
  if (grows > 0) have.usedBytes = bytes;
  // only where the reservation failed
  if (have.buffer.byteLength < bytes) have.buffer = reserve(bytes);
  return have.buffer;
}

/** MAX_KEPT_BYTES of address space for a slot, or the request's size where that cannot be had. */
function reserve(bytes: number): ArrayBuffer {
  try {
    return new ArrayBuffer(MAX_KEPT_BYTES);
  } catch {
    return new ArrayBuffer(bytes);
  }
}

/** The longest requests of this thread's slots, summed, in bytes: the memory they may hold (their address space is larger). */
export function scratchKeptBytes(): number {
  return keptBytes;
}

/** A Float64Array of exactly n elements (contents unspecified) from the slot's buffer. */
export function scratchFloat64(slot: ScratchSlot, n: number): Float64Array {
  return new Float64Array(bufferFor(slot, 8 * n), 0, n);
}

/** A Uint8Array of exactly n elements (contents unspecified) from the slot's buffer. */
export function scratchUint8(slot: ScratchSlot, n: number): Uint8Array {
  return new Uint8Array(bufferFor(slot, n), 0, n);
}

/** An Int32Array of exactly n elements (contents unspecified) from the slot's buffer. */
export function scratchInt32(slot: ScratchSlot, n: number): Int32Array {
  return new Int32Array(bufferFor(slot, 4 * n), 0, n);
}
