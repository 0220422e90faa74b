// miCOMPRESSED elements (Level 5, v7): inflating just enough of one to read
// its variable header (for listing), or the whole of it with its declared
// size as the cap (for decoding). zlib checks the stream end and Adler-32;
// the size an element claims is checked against what deflate can produce
// before anything is inflated.

import { inflateSync, constants as zlibConstants } from "node:zlib";
import { MatError } from "./errors.js";
import { MI } from "./format.js";
import { emptyHead, type MatrixHead, readMatrixHead } from "./matrix-head.js";
import { Ctx, NeedMoreBytes, readTag, type Tag } from "./tags.js";

/** Deflate cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

function zlibProblem(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, " ");
}

/**
 * Most bytes inflated while looking for a variable header. Headers are a few
 * hundred bytes; the first 256 compressed bytes inflate to at most ~264 KB.
 */
const HEAD_INFLATE_CAP = 8 << 20;

/** Inflate just enough of a compressed element to parse its variable header. */
export function inflateHead(
  label: string,
  at: number,
  comp: Uint8Array,
  le: boolean,
): { ctx: Ctx; tag: Tag; head: MatrixHead } {
  let take = Math.min(comp.length, 256);
  for (;;) {
    let out: Uint8Array;
    try {
      out = inflateSync(comp.subarray(0, take), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: HEAD_INFLATE_CAP,
      });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new MatError(
          label,
          at,
          `variable header not complete within the first ${HEAD_INFLATE_CAP} inflated bytes`,
        );
      }
      throw new MatError(label, at, `corrupt zlib stream in compressed element: ${zlibProblem(e)}`);
    }
    const full = take === comp.length;
    const ctx = new Ctx(
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
      le,
      label,
      at,
      !full,
      false,
    );
    try {
      const tag = readTag(ctx, 0, Number.MAX_SAFE_INTEGER, "compressed variable");
      if (tag.type !== MI.MATRIX) ctx.fail(0, `data type ${tag.type}, expected miMATRIX (14)`);
      if (tag.count === 0) return { ctx, tag, head: emptyHead(tag) };
      const head = readMatrixHead(ctx, { ...tag, count: tag.count });
      return { ctx, tag, head };
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      if (full) throw new MatError(label, at, "compressed element ends inside the variable header");
      take = Math.min(comp.length, take * 4);
    }
  }
}

/**
 * Inflate a whole compressed element, checking stream end, Adler-32 and exact
 * length. The size its inner tag declares is checked against `maxBytes` (the
 * reader's limit for one variable) and against what deflate can produce
 * before anything is inflated; zlib never produces more than that size.
 */
export function inflateWhole(
  label: string,
  at: number,
  comp: Uint8Array,
  innerCount: number,
  maxBytes: number,
): Uint8Array {
  const expected = 8 + innerCount;
  if (expected > (comp.length + 64) * MAX_DEFLATE_RATIO) {
    throw new MatError(
      label,
      at,
      `compressed element of ${comp.length} bytes claims ${expected} inflated bytes (impossible for deflate)`,
    );
  }
  if (expected > maxBytes) {
    throw new MatError(
      label,
      at,
      `compressed variable claims ${expected} inflated bytes, more than the ${maxBytes} the reader allows one variable`,
    );
  }
  let out: Uint8Array;
  try {
    out = inflateSync(comp, {
      maxOutputLength: expected,
      chunkSize: Math.max(64 * 1024, Math.min(expected + 1024, comp.length * 16, 256 << 20)),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new MatError(
        label,
        at,
        `compressed element inflates to more than the ${expected} bytes its variable claims`,
      );
    }
    throw new MatError(label, at, `corrupt zlib stream in compressed element: ${zlibProblem(e)}`);
  }
  if (out.length !== expected) {
    throw new MatError(
      label,
      at,
      `compressed element inflates to ${out.length} bytes, its variable claims ${expected}`,
    );
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
