// The MAT reader's memory bounds (src/limits.ts): how large one inflated
// variable may be, and how many bytes the values decoded from one file may
// take, all variables together. Decoders charge what they are about to
// allocate (a typed array at its class's size, a fixed cost per value) before
// allocating it, so a file whose values would expand past the budget (int8
// data of class double, millions of empty cells, an empty char array claiming
// a million characters) fails with a MatError instead of exhausting memory.

import { MAT_VALUE_OVERHEAD_BYTES, MAX_MAT_DECODED_BYTES, MAX_MAT_VARIABLE_BYTES } from "../limits.js";

export interface MatReadLimits {
  /** Largest inflated miCOMPRESSED element (one variable), bytes. */
  maxVariableBytes: number;
  /** Most bytes all values decoded from one file may take (each variable counted once), bytes. */
  maxDecodedBytes: number;
}

export const DEFAULT_MAT_READ_LIMITS: Readonly<MatReadLimits> = Object.freeze({
  maxVariableBytes: MAX_MAT_VARIABLE_BYTES,
  maxDecodedBytes: MAX_MAT_DECODED_BYTES,
});

/** What one decoded value costs besides its typed arrays. */
export const VALUE_OVERHEAD_BYTES = MAT_VALUE_OVERHEAD_BYTES;

/** The bytes one decode (one variable) may still allocate. */
export class DecodeBudget {
  private used = 0;
  constructor(
    /** Bytes this decode may take. */
    private readonly available: number,
    /** The file's whole budget, for the message. */
    readonly limit: number,
  ) {}

  /** Counts `bytes` about to be allocated; the problem when they do not fit, else null. */
  charge(bytes: number): string | null {
    this.used += bytes;
    if (this.used <= this.available) return null;
    return `decoding would take more than the ${this.limit} bytes the reader allows one file's values (corrupt or hostile sizes?)`;
  }

  get bytesUsed(): number {
    return this.used;
  }
}

/**
 * The decode budget of one file, shared by its variables: each variable is
 * counted once (a second read of it replaces its first count), so the bound
 * is a property of the file, not of how often it is read.
 */
export class FileBudget {
  private readonly charged = new Map<number, number>();
  private total = 0;
  constructor(readonly limit: number) {}

  /** A budget for decoding variable `index`: what the file's other variables leave. */
  begin(index: number): DecodeBudget {
    const own = this.charged.get(index) ?? 0;
    return new DecodeBudget(this.limit - (this.total - own), this.limit);
  }

  /** Records a completed decode of variable `index`. */
  end(index: number, budget: DecodeBudget): void {
    const own = this.charged.get(index) ?? 0;
    this.total += budget.bytesUsed - own;
    this.charged.set(index, budget.bytesUsed);
  }
}
