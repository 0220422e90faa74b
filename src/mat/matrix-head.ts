// The head of a Level 5 miMATRIX element: array flags (class, complex,
// logical, nzmax), dimensions, name and, for objects and opaque values, the
// class name. Listing a file's variables decodes only this part.

import {
  CLASS_NAME_BY_ID,
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  MI,
  MX,
  NAME_CHARS_RE,
  NUMERIC_CLASS_BY_ID,
} from "./format.js";
import { type Ctx, readTag, type Tag } from "./tags.js";

export interface MatrixHead {
  classId: number;
  complex: boolean;
  logical: boolean;
  nzmax: number;
  dims: number[];
  name: string;
  /** Position after the name (class-specific parts start here). */
  body: number;
  /** End of the miMATRIX content. */
  end: number;
  /** Class name for objects/opaque values. */
  classname?: string;
}

function readName(ctx: Ctx, pos: number, end: number, what: string): { name: string; next: number } {
  const tag = readTag(ctx, pos, end, what);
  if (tag.type !== MI.INT8 && tag.type !== MI.UINT8 && tag.type !== MI.UTF8) {
    ctx.fail(pos, `${what}: data type ${tag.type}, expected miINT8`);
  }
  ctx.need(tag.data, tag.count, end, what);
  let name = "";
  for (let i = 0; i < tag.count; i++) {
    const c = ctx.buf[tag.data + i] as number;
    if (c === 0) break;
    if (c >= 128) ctx.fail(pos, `${what}: byte 0x${c.toString(16)} is not ASCII`);
    name += String.fromCharCode(c);
  }
  return { name, next: tag.next };
}

/** Parse flags, dims and name of the miMATRIX whose tag is `tag`. */
export function readMatrixHead(ctx: Ctx, tag: Tag): MatrixHead {
  const end = tag.data + tag.count;
  const flagsTag = readTag(ctx, tag.data, end, "array flags");
  if (flagsTag.type !== MI.UINT32 || flagsTag.count !== 8) {
    ctx.fail(
      tag.data,
      `array flags: expected 8 bytes of miUINT32, got type ${flagsTag.type} with ${flagsTag.count} bytes`,
    );
  }
  ctx.need(flagsTag.data, 8, end, "array flags");
  const word = ctx.u32(flagsTag.data);
  const classId = word & 0xff;
  const nzmax = ctx.u32(flagsTag.data + 4);
  const head: MatrixHead = {
    classId,
    complex: (word & FLAG_COMPLEX) !== 0,
    logical: (word & FLAG_LOGICAL) !== 0,
    nzmax,
    dims: [],
    name: "",
    body: flagsTag.next,
    end,
  };
  if (!(classId in CLASS_NAME_BY_ID)) ctx.fail(tag.data, `unknown array class ${classId}`);
  let pos = flagsTag.next;
  if (classId !== MX.OPAQUE) {
    const dimsTag = readTag(ctx, pos, end, "dimensions");
    if (dimsTag.type !== MI.INT32 && dimsTag.type !== MI.UINT32) {
      ctx.fail(pos, `dimensions: data type ${dimsTag.type}, expected miINT32`);
    }
    if (dimsTag.count % 4 !== 0) ctx.fail(pos, `dimensions: ${dimsTag.count} bytes is not a multiple of 4`);
    const ndims = dimsTag.count / 4;
    if (ndims < 2) ctx.fail(pos, `dimensions: ${ndims} dimension(s), at least 2 required`);
    ctx.need(dimsTag.data, dimsTag.count, end, "dimensions");
    for (let i = 0; i < ndims; i++) {
      const d = dimsTag.type === MI.INT32 ? ctx.i32(dimsTag.data + 4 * i) : ctx.u32(dimsTag.data + 4 * i);
      if (d < 0 || d > 0x7fffffff) ctx.fail(dimsTag.data + 4 * i, `dimension ${i + 1} is ${d}, impossible`);
      head.dims.push(d);
    }
    pos = dimsTag.next;
  }
  const nm = readName(ctx, pos, end, "array name");
  if (nm.name !== "" && !NAME_CHARS_RE.test(nm.name))
    ctx.fail(pos, `array name ${JSON.stringify(nm.name)} is not a MATLAB identifier`);
  head.name = nm.name;
  pos = nm.next;
  if (classId === MX.OPAQUE) {
    const typeSystem = readName(ctx, pos, end, "opaque type system");
    const cn = readName(ctx, typeSystem.next, end, "opaque class name");
    head.classname = cn.name;
    pos = cn.next;
  } else if (classId === MX.OBJECT) {
    const cn = readName(ctx, pos, end, "object class name");
    head.classname = cn.name;
    pos = cn.next;
  }
  head.body = pos;
  return head;
}

export function checkedNumel(ctx: Ctx, pos: number, dims: number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  if (!Number.isSafeInteger(n)) ctx.fail(pos, `dims [${dims.join(",")}] hold too many elements`);
  return n;
}

export function jsonClass(head: MatrixHead): string {
  if (head.classId === MX.SPARSE) return head.logical ? "logical" : "double";
  if (head.logical && NUMERIC_CLASS_BY_ID[head.classId]) return "logical";
  return CLASS_NAME_BY_ID[head.classId] ?? "unknown";
}

export function emptyHead(tag: Tag): MatrixHead {
  return {
    classId: 6,
    complex: false,
    logical: false,
    nzmax: 0,
    dims: [0, 0],
    name: "",
    body: tag.data,
    end: tag.data,
  };
}
