// Level 5 parsing primitives (mat-format.md): the byte region being parsed
// (the file itself or one inflated miCOMPRESSED element) with its byte order
// and bounds checks, and the 8-byte data element tag (normal and small
// form). Every offset and count read off the file is checked here against the
// enclosing element and the bytes present.

import type { DecodeBudget } from "./budget.js";
import { MatError } from "./errors.js";

/** Thrown internally when a partially inflated header needs more bytes. */
export class NeedMoreBytes {}
export const NEED_MORE = new NeedMoreBytes();

/** A byte region being parsed: the file itself, or one inflated element. */
export class Ctx {
  readonly dv: DataView;
  /** The decode's memory budget (budget.ts); none while only headers are parsed. */
  budget: DecodeBudget | undefined;
  constructor(
    readonly buf: Uint8Array,
    readonly le: boolean,
    readonly label: string,
    /** File offset of the miCOMPRESSED element when buf is its inflated content, else -1. */
    readonly compressedAt: number,
    /** True when buf is a partial inflate: reads past its end ask for more. */
    readonly partial: boolean,
    /** True when buf belongs to the reader (inflated), so values may be views into it. */
    readonly owned: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(pos: number, problem: string): never {
    if (this.compressedAt >= 0) {
      throw new MatError(
        this.label,
        this.compressedAt,
        `in compressed element, inflated byte ${pos}: ${problem}`,
      );
    }
    throw new MatError(this.label, pos, problem);
  }
  /** Ensure [pos, pos+n) is inside `end` (the enclosing element) and present. */
  need(pos: number, n: number, end: number, what: string): void {
    if (pos + n > end)
      this.fail(
        pos,
        `${what} needs ${n} bytes, only ${Math.max(0, end - pos)} left in the enclosing element`,
      );
    if (pos + n > this.buf.length) {
      if (this.partial) throw NEED_MORE;
      this.fail(
        pos,
        `${what} needs ${n} bytes, ${this.dataName()} ends after ${Math.max(0, this.buf.length - pos)}`,
      );
    }
  }
  /** Counts `bytes` about to be allocated for `what` against the budget; fails at `pos` when they do not fit. */
  charge(pos: number, bytes: number, what: string): void {
    const problem = this.budget?.charge(bytes);
    if (problem) this.fail(pos, `${what}: ${problem}`);
  }
  dataName(): string {
    return this.compressedAt >= 0 ? "the inflated data" : "the file";
  }
  u32(pos: number): number {
    return this.dv.getUint32(pos, this.le);
  }
  i32(pos: number): number {
    return this.dv.getInt32(pos, this.le);
  }
}

export interface Tag {
  type: number;
  count: number;
  /** Where the tag starts. */
  pos: number;
  /** Where the data starts. */
  data: number;
  /** Where the next element starts (after padding, clamped to the enclosing end). */
  next: number;
}

export function readTag(ctx: Ctx, pos: number, end: number, what: string): Tag {
  if (pos + 8 > end || pos + 8 > ctx.buf.length) ctx.need(pos, 8, end, `${what} tag`);
  const first = ctx.u32(pos);
  const small = first >>> 16;
  if (small !== 0) {
    const type = first & 0xffff;
    if (small > 4) ctx.fail(pos, `${what}: small data element claims ${small} bytes (at most 4)`);
    return { type, count: small, pos, data: pos + 4, next: pos + 8 };
  }
  const count = ctx.u32(pos + 4);
  const data = pos + 8;
  if (data + count > end) {
    const where = end === ctx.buf.length && ctx.compressedAt < 0 ? "the file" : "the enclosing element";
    ctx.fail(pos, `${what}: element of ${count} bytes, only ${Math.max(0, end - data)} left in ${where}`);
  }
  if (data + count > ctx.buf.length && !ctx.partial) {
    ctx.fail(
      pos,
      `${what}: element of ${count} bytes, ${ctx.dataName()} ends after ${ctx.buf.length - data}`,
    );
  }
  const padded = data + Math.ceil(count / 8) * 8;
  return { type: first, count, pos, data, next: Math.min(padded, end) };
}
