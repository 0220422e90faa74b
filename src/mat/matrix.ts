// Decoding a whole Level 5 miMATRIX into a MatValue: numeric and logical
// arrays, cells and structs (recursively, up to MAX_DEPTH), with char and
// sparse arrays handed to their own decoders. Errors inside containers carry
// the element's path ("field x of element 3: ...").

import { VALUE_OVERHEAD_BYTES } from "./budget.js";
import { decodeChar } from "./char.js";
import { MatError } from "./errors.js";
import { MI, MX, NAME_CHARS_RE, NUMERIC_CLASS_BY_ID } from "./format.js";
import { checkedNumel, type MatrixHead, readMatrixHead } from "./matrix-head.js";
import { decodeNumeric } from "./numeric.js";
import { decodeSparse } from "./sparse.js";
import { type Ctx, readTag, type Tag } from "./tags.js";
import type { MatNumeric, MatStruct, MatValue } from "./value.js";

/** Deepest nesting of cells/structs accepted. */
export const MAX_DEPTH = 64;
/** Most elements accepted for a struct array without fields (costs no bytes in the file). */
const MAX_FIELDLESS_ELEMENTS = 1 << 24;

/** Decode the miMATRIX starting at `pos` (its tag). */
export function readMatrix(ctx: Ctx, pos: number, end: number, depth: number, what: string): MatValue {
  return readMatrixAt(ctx, readTag(ctx, pos, end, what), depth, what);
}

/** Re-throw a MatError from inside a container with the element's path in front of the problem. */
function withPath(e: unknown, path: string): never {
  if (e instanceof MatError) {
    // keep messages one readable line: deep paths are elided
    const problem =
      e.problem.startsWith("... ") || e.problem.length > 300
        ? e.problem.replace(/^(\.\.\. )?/, "... ")
        : `${path}: ${e.problem}`;
    throw new MatError(e.file, e.offset, problem);
  }
  throw e;
}

function readMatrixAt(ctx: Ctx, tag: Tag, depth: number, what: string): MatValue {
  const pos = tag.pos;
  if (tag.type !== MI.MATRIX) ctx.fail(pos, `${what}: data type ${tag.type}, expected miMATRIX (14)`);
  ctx.charge(pos, VALUE_OVERHEAD_BYTES, what);
  if (tag.count === 0) return { kind: "numeric", class: "double", dims: [0, 0], real: new Float64Array(0) };
  if (depth > MAX_DEPTH) ctx.fail(pos, `${what}: cells/structs nested deeper than ${MAX_DEPTH} levels`);
  return decodeMatrixBody(ctx, tag, readMatrixHead(ctx, tag), depth);
}

function decodeMatrixBody(ctx: Ctx, tag: Tag, head: MatrixHead, depth: number): MatValue {
  const { end } = head;
  const cls = NUMERIC_CLASS_BY_ID[head.classId];
  if (cls) {
    const n = checkedNumel(ctx, tag.pos, head.dims);
    const realTag = readTag(ctx, head.body, end, "real part");
    if (head.logical) {
      const data = decodeNumeric(ctx, realTag, "uint8", n, "logical data");
      ctx.charge(tag.pos, n, "logical data");
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (data as Uint8Array)[i] ? 1 : 0;
      return { kind: "logical", dims: head.dims, data: out };
    }
    const real = decodeNumeric(ctx, realTag, cls, n, "real part");
    const v: MatNumeric = { kind: "numeric", class: cls, dims: head.dims, real };
    if (head.complex) {
      const imagTag = readTag(ctx, realTag.next, end, "imaginary part");
      v.imag = decodeNumeric(ctx, imagTag, cls, n, "imaginary part");
    }
    return v;
  }
  switch (head.classId) {
    case MX.CHAR:
      return decodeChar(ctx, head);
    case MX.SPARSE:
      return decodeSparse(ctx, tag, head);
    case MX.CELL: {
      const n = checkedNumel(ctx, tag.pos, head.dims);
      if (n * 8 > end - head.body)
        ctx.fail(tag.pos, `cell of ${n} elements cannot fit in ${end - head.body} bytes`);
      ctx.charge(tag.pos, n * 8, "cell");
      const cells: MatValue[] = new Array(n);
      let pos = head.body;
      let i = 0;
      try {
        for (; i < n; i++) {
          const t = readTag(ctx, pos, end, "element");
          cells[i] = readMatrixAt(ctx, t, depth + 1, "element");
          pos = t.next;
        }
      } catch (e) {
        withPath(e, `cell element ${i + 1}`);
      }
      return { kind: "cell", dims: head.dims, cells };
    }
    case MX.STRUCT:
      return decodeStruct(ctx, tag, head, head.body, depth);
    case MX.OBJECT:
      return { kind: "unsupported", class: "object", classname: head.classname };
    case MX.FUNCTION_HANDLE:
      return { kind: "unsupported", class: "function_handle" };
    case MX.OPAQUE:
      return { kind: "unsupported", class: "opaque", classname: head.classname };
    default:
      return ctx.fail(tag.pos, `unknown array class ${head.classId}`);
  }
}

function decodeStruct(ctx: Ctx, tag: Tag, head: MatrixHead, pos: number, depth: number): MatStruct {
  const { end } = head;
  const lenTag = readTag(ctx, pos, end, "field name length");
  if (lenTag.type !== MI.INT32 || lenTag.count !== 4)
    ctx.fail(pos, "field name length: expected one miINT32");
  ctx.need(lenTag.data, 4, end, "field name length");
  const slot = ctx.i32(lenTag.data);
  const namesTag = readTag(ctx, lenTag.next, end, "field names");
  if (namesTag.type !== MI.INT8 && namesTag.type !== MI.UINT8)
    ctx.fail(lenTag.next, `field names: data type ${namesTag.type}, expected miINT8`);
  ctx.need(namesTag.data, namesTag.count, end, "field names");
  let nfields = 0;
  if (namesTag.count > 0) {
    if (slot <= 0 || namesTag.count % slot !== 0) {
      ctx.fail(
        lenTag.data,
        `field name length ${slot} does not divide the ${namesTag.count}-byte names element`,
      );
    }
    nfields = namesTag.count / slot;
  }
  const fields: string[] = [];
  for (let f = 0; f < nfields; f++) {
    let name = "";
    const at = namesTag.data + f * slot;
    for (let i = 0; i < slot; i++) {
      const c = ctx.buf[at + i] as number;
      if (c === 0) break;
      if (c >= 128) ctx.fail(at, `field name byte 0x${c.toString(16)} is not ASCII`);
      name += String.fromCharCode(c);
    }
    if (!NAME_CHARS_RE.test(name))
      ctx.fail(at, `field name ${JSON.stringify(name)} is not a MATLAB identifier`);
    fields.push(name);
  }
  const n = checkedNumel(ctx, tag.pos, head.dims);
  if (nfields === 0 && n > MAX_FIELDLESS_ELEMENTS)
    ctx.fail(tag.pos, `struct array without fields claims ${n} elements`);
  if (n * nfields * 8 > end - namesTag.next) {
    ctx.fail(
      tag.pos,
      `struct of ${n} elements x ${nfields} fields cannot fit in ${end - namesTag.next} bytes`,
    );
  }
  ctx.charge(tag.pos, n * (nfields * 8 + 32), "struct");
  const elements: MatValue[][] = new Array(n);
  let p = namesTag.next;
  let e = 0;
  let f = 0;
  try {
    for (; e < n; e++) {
      const row: MatValue[] = new Array(nfields);
      for (f = 0; f < nfields; f++) {
        const t = readTag(ctx, p, end, "value");
        row[f] = readMatrixAt(ctx, t, depth + 1, "value");
        p = t.next;
      }
      elements[e] = row;
    }
  } catch (err) {
    withPath(err, `field ${fields[f]} of element ${e + 1}`);
  }
  return { kind: "struct", dims: head.dims, fields, elements };
}
