// Where a build keeps its large per-pair arrays until they are written
// (ArrayStore): in memory (memoryStore: the in-memory load), or appended to
// one temp spill file and read back one array at a time (SpillFile: the
// export, whose peak memory then stays flat in the number of cells). The
// assembler holds only what put() returns (a Held: the array's length and how
// to read it back), so both stores give the same arrays, bit for bit.
//
// The spill file is raw little-endian values, appended, named by tempName in
// the folder it is given (the build cache's entries folder: the next load or
// `ac1 cache clear` sweeps one left by a process killed outright) and
// registered with trackTemp, so an interrupt removes it at once; close()
// removes it. I/O is synchronous: the assembler is, and each write or read is
// one array (a block of a few MB at most).

import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { ExportError } from "../errors.js";
import { isDiskFull } from "../file-writes.js";
import { tempName, trackTemp, untrackTemp } from "../temp-files.js";
import { failPoint } from "../test-hooks.js";

/** The typed arrays a store holds. */
export type StoredArray = Float32Array | Int32Array;

/** An array put in a store: its length, and its values read back (a fresh array, or the stored one in memory). */
export interface Held<A extends StoredArray> {
  readonly length: number;
  /** Whether each read() gives a new array the caller owns (and may overwrite), not the stored one. */
  readonly fresh: boolean;
  read(): A;
}

/** Keeps arrays until the export is written (see the header). */
export interface ArrayStore {
  put<A extends StoredArray>(a: A): Held<A>;
  /**
   * Starts an array of `length` values of `Ctor` whose bytes the caller then
   * writes in order (streamed from elsewhere: into a spill file, never whole
   * in memory).
   */
  begin<A extends StoredArray>(Ctor: new (n: number) => A, length: number): ArrayWriter<A>;
  /** Releases what the store holds (removes a spill file); idempotent. */
  close(): void;
}

/** An array being written into a store chunk by chunk (ArrayStore.begin). */
export interface ArrayWriter<A extends StoredArray> {
  /** Appends the array's next bytes. */
  write(chunk: Uint8Array): void;
  /** The array, once all its bytes are written; until then (or if never called) it takes no place in the store. */
  commit(): Held<A>;
}

/**
 * The bytes written so far into an array of `total` bytes (ArrayStore.begin's
 * writers): a chunk past its end, or a commit short of it, is an error
 * naming `where`.
 */
function byteTally(where: string, total: number) {
  let written = 0;
  return {
    /** Bytes written so far (where the next chunk goes). */
    get written(): number {
      return written;
    },
    /** Throws unless `n` more bytes fit. */
    check(n: number): void {
      if (written + n > total) throw new ExportError(`${where}: array overrun`);
    },
    add(n: number): void {
      written += n;
    },
    /** Throws unless every byte was written. */
    complete(): void {
      if (written !== total)
        throw new ExportError(`${where}: array committed with ${written} of ${total} bytes`);
    },
  };
}

/** The store that keeps every array in memory as it is (no copy; an array begun is made here). */
export function memoryStore(): ArrayStore {
  return {
    put: <A extends StoredArray>(a: A): Held<A> => ({ length: a.length, fresh: false, read: () => a }),
    begin: <A extends StoredArray>(Ctor: new (n: number) => A, length: number): ArrayWriter<A> => {
      const a = new Ctor(length);
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const tally = byteTally("memory store", bytes.length);
      return {
        write: (chunk: Uint8Array) => {
          tally.check(chunk.length);
          bytes.set(chunk, tally.written);
          tally.add(chunk.length);
        },
        commit: () => {
          tally.complete();
          return { length, fresh: false, read: () => a };
        },
      };
    },
    close: () => {},
  };
}

/** File name stem of a spill file (tempName adds the owner's pid and a random tag). */
export const SPILL_STEM = "build-spill";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The store that appends every array to one temp file and reads each back on demand. */
export class SpillFile implements ArrayStore {
  readonly path: string;
  private fd: number | null;
  /** Bytes written so far (the next array's offset). */
  private size = 0;
  /** The writer begun last and not committed (begin), if any. */
  private writing: object | null = null;

  /** Creates the spill file in `dir` (which must exist). */
  constructor(dir: string) {
    if (endianness() !== "LE") throw new Error("spill file: a little-endian machine is needed");
    this.path = tempName(join(dir, SPILL_STEM));
    trackTemp(this.path);
    try {
      this.fd = openSync(this.path, "wx+", 0o600);
    } catch (e) {
      untrackTemp(this.path);
      throw this.error(e, "cannot create it");
    }
  }

  /** Bytes held in the file. */
  get bytes(): number {
    return this.size;
  }

  private error(e: unknown, what: string): ExportError {
    const code = (e as NodeJS.ErrnoException).code;
    if (isDiskFull(e))
      return new ExportError(
        `${this.path}: the disk is full (${code}) while the build set its arrays aside there: free some space (or point AC1_CACHE_DIR at a larger disk) and try again`,
        { cause: e },
      );
    return new ExportError(`${this.path}: spill file: ${what}: ${message(e)}`, { cause: e });
  }

  private open(): number {
    if (this.fd === null) throw new ExportError(`${this.path}: spill file used after it was closed`);
    return this.fd;
  }

  put<A extends StoredArray>(a: A): Held<A> {
    // (a writer begun and not committed is given up: this array takes its place)
    const w = this.begin(a.constructor as new (n: number) => A, a.length);
    w.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return w.commit();
  }

  begin<A extends StoredArray>(Ctor: new (n: number) => A, length: number): ArrayWriter<A> {
    this.open();
    const offset = this.size;
    const bytes = length * (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const tally = byteTally(`${this.path}: spill file`, bytes);
    // The file's end moves only at commit, so the array being written is the
    // latest one begun: a writer begun or an array put since (the caller gave
    // this one up) takes its place, and this one may no longer write.
    const token = {};
    this.writing = token;
    const current = () => {
      if (this.writing !== token)
        throw new ExportError(`${this.path}: spill file: array written after another was begun or put`);
    };
    return {
      write: (chunk: Uint8Array) => {
        current();
        const fd = this.open();
        tally.check(chunk.length);
        try {
          // Test hook (inert unless AC1_TEST_FAIL_AT names "spill-write").
          failPoint("spill-write");
          let done = 0;
          while (done < chunk.length)
            done += writeSync(fd, chunk, done, chunk.length - done, offset + tally.written + done);
        } catch (e) {
          throw this.error(e, "cannot write to it");
        }
        tally.add(chunk.length);
      },
      commit: () => {
        current();
        tally.complete();
        this.writing = null;
        this.size += bytes;
        return { length, fresh: true, read: () => this.read(Ctor, offset, length) };
      },
    };
  }

  private read<A extends StoredArray>(Ctor: new (n: number) => A, offset: number, length: number): A {
    const fd = this.open();
    const out = new Ctor(length);
    const bytes = new Uint8Array(out.buffer);
    let done = 0;
    try {
      while (done < bytes.length) {
        const got = readSync(fd, bytes, done, bytes.length - done, offset + done);
        if (got === 0) throw new Error(`ends at byte ${offset + done}, ${bytes.length - done} bytes short`);
        done += got;
      }
    } catch (e) {
      throw this.error(e, "cannot read it back");
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // closing a file we only wrote and read: nothing to lose
      }
      this.fd = null;
    }
    rmSync(this.path, { force: true });
    untrackTemp(this.path);
  }
}
