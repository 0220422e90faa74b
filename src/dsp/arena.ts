// A thread's arena for Float64Arrays that live together and die together: a
// session's raw repeats, sliced by the walk, cleaned, and dropped when the
// session's unit ends (src/dataset/units.ts). Each repeat used to be an
// array of its own: fresh memory whose page faults, on this project's 2-core
// VMs, cost ~11 us a page (a worker of a parallel build spent a fifth of its
// faults slicing repeats), and whose external bytes drive V8's full
// collections. An arena hands out views of a few large buffers it keeps and
// reuses from unit to unit: reset() makes every array it gave out invalid at
// once, so only a caller that owns everything made from them may use one.
// Units that overlap in time on one thread (the serial build keeps several
// in flight while their files are read) each take an arena of the thread's
// pool (withFloat64Arena). Memory: the arenas of a thread keep at most
// MAX_ARENA_BYTES of buffers together (beyond, an array is allocated on its
// own, as before), so they pin no more than a small multiple of one
// session's raw repeats, whatever the archive.

/** Buffers are this large (a longer repeat gets a buffer of a whole number of them). */
export const ARENA_CHUNK_BYTES = 16 << 20;
/** The arenas of a thread keep at most this much (what is asked beyond it is allocated as before and not kept). */
export const MAX_ARENA_BYTES = 256 << 20;

/** Bytes that arenas sharing it may keep, and keep now. */
export class ArenaBudget {
  keptBytes = 0;
  constructor(readonly maxBytes: number = MAX_ARENA_BYTES) {}
}

export class Float64Arena {
  private readonly chunks: ArrayBuffer[] = [];
  /** Bytes of each chunk given out since the last reset (arrays are carved from the front). */
  private readonly used: number[] = [];

  /** An arena keeping at most what `budget` (which other arenas may share) has room for. */
  constructor(private readonly budget: ArenaBudget = new ArenaBudget()) {}

  /** A Float64Array of `n` elements, contents unspecified (the caller writes every one), valid until reset(). */
  alloc(n: number): Float64Array {
    const bytes = 8 * n;
    // First fit (at most MAX_ARENA_BYTES / ARENA_CHUNK_BYTES chunks): a long repeat that fits
    // no chunk leaves the others' room to the shorter ones.
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as ArrayBuffer;
      const at = this.used[i] as number;
      if (chunk.byteLength - at < bytes) continue;
      this.used[i] = at + bytes;
      return new Float64Array(chunk, at, n);
    }
    // A new chunk: ARENA_CHUNK_BYTES, or a whole number of them for a longer repeat (so that
    // repeats of nearly the same length in later units fit it too).
    const size = Math.max(1, Math.ceil(bytes / ARENA_CHUNK_BYTES)) * ARENA_CHUNK_BYTES;
    if (size > this.budget.maxBytes - this.budget.keptBytes) return new Float64Array(n);
    const chunk = new ArrayBuffer(size);
    this.chunks.push(chunk);
    this.used.push(bytes);
    this.budget.keptBytes += size;
    return new Float64Array(chunk, 0, n);
  }

  /** Takes back every array given out: their memory is handed out again. */
  reset(): void {
    this.used.fill(0);
  }

  /** Bytes of buffers the arena keeps. */
  get bytesKept(): number {
    let bytes = 0;
    for (const chunk of this.chunks) bytes += chunk.byteLength;
    return bytes;
  }
}

/** The thread's arenas no unit holds now, and the budget they all share. */
const idleArenas: Float64Arena[] = [];
const threadBudget = new ArenaBudget();

/**
 * Runs `fn` with the allocator of an arena of the thread's pool, and resets
 * the arena when `fn` settles: nothing `fn` allocated from it may outlive
 * the call. Calls that overlap in time get arenas of their own.
 */
export async function withFloat64Arena<T>(
  fn: (alloc: (n: number) => Float64Array) => Promise<T>,
): Promise<T> {
  const arena = idleArenas.pop() ?? new Float64Arena(threadBudget);
  try {
    return await fn((n) => arena.alloc(n));
  } finally {
    arena.reset();
    idleArenas.push(arena);
  }
}

/**
 * Drops the arenas no unit holds (their memory goes back to the allocator):
 * a build calls it when it ends, so a process that goes on after a build
 * on its own thread does not keep its repeats' memory.
 */
export function releaseIdleArenas(): void {
  for (const arena of idleArenas.splice(0)) threadBudget.keptBytes -= arena.bytesKept;
}

/** Bytes the thread's pool of arenas keeps now. */
export function arenaKeptBytes(): number {
  return threadBudget.keptBytes;
}
