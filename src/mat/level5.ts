// Level 5 MAT files (v6/v7, either byte order): the 128-byte header (text,
// version, endian indicator, subsystem offset; v7.3 HDF5 files are detected
// and refused), then one entry per top-level variable whose header is decoded
// now and whose value is decoded on demand.

import { MAX_MAT_VARIABLES } from "../limits.js";
import { FileBudget, type MatReadLimits } from "./budget.js";
import { inflateHead, inflateWhole } from "./compressed.js";
import { MatError } from "./errors.js";
import type { MatEntry, MatFile, MatHeader } from "./file.js";
import { makeMatFile } from "./file.js";
import { MI } from "./format.js";
import { readMatrix } from "./matrix.js";
import { jsonClass, readMatrixHead } from "./matrix-head.js";
import { Ctx, readTag } from "./tags.js";
import type { MatValue } from "./value.js";

/** Opens a Level 5 file (the caller has seen its MI/IM endian indicator). */
export function openLevel5(bytes: Uint8Array, label: string, limits: MatReadLimits): MatFile {
  const le = bytes[126] === 0x49; // "IM" read in file order means little-endian
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(124, le);
  if (version === 0x0200) {
    throw new MatError(
      label,
      124,
      "MATLAB v7.3 file (HDF5 container): not supported; re-save with save -v7, or read it with an HDF5 library",
    );
  }
  if (version !== 0x0100)
    throw new MatError(label, 124, `unknown MAT-file version 0x${version.toString(16).padStart(4, "0")}`);
  let text = "";
  for (let i = 0; i < 116; i++) text += String.fromCharCode(bytes[i] as number);
  text = text.replace(/[\s\0]+$/, "");
  const header: MatHeader = { text, version, endian: le ? "<" : ">", level: 5 };
  // Subsystem offset: all spaces or all zeros means none.
  let subsys = -1;
  let allBlank = true;
  for (let i = 116; i < 124; i++) if (bytes[i] !== 0x20 && bytes[i] !== 0) allBlank = false;
  if (!allBlank) {
    const off = dv.getBigUint64(116, le);
    if (off < BigInt(Number.MAX_SAFE_INTEGER)) subsys = Number(off);
  }
  const fileCtx = new Ctx(bytes, le, label, -1, false, false);
  const budget = new FileBudget(limits.maxDecodedBytes);
  /** Decodes variable `index` with the file's budget. */
  const decodeWith = (index: number, ctx: Ctx, decode: () => MatValue): MatValue => {
    const b = budget.begin(index);
    ctx.budget = b;
    try {
      const v = decode();
      budget.end(index, b);
      return v;
    } finally {
      ctx.budget = undefined;
    }
  };
  const entries: MatEntry[] = [];
  let pos = 128;
  while (pos < bytes.length) {
    if (entries.length >= MAX_MAT_VARIABLES)
      fileCtx.fail(pos, `more than ${MAX_MAT_VARIABLES} variables (corrupt or hostile)`);
    const tag = readTag(fileCtx, pos, bytes.length, "variable");
    const at = pos;
    // Top-level elements are not padded after miCOMPRESSED; miMATRIX counts are already multiples of 8.
    const next = tag.data + tag.count;
    if (tag.type === MI.COMPRESSED) {
      const comp = bytes.subarray(tag.data, next);
      const { tag: inner, head } = inflateHead(label, at, comp, le);
      if (at !== subsys && head.name !== "") {
        const innerCount = inner.count;
        const index = entries.length;
        entries.push({
          info: { name: head.name, class: jsonClass(head), dims: head.dims, byteOffset: at },
          decode: () => {
            const buf = inflateWhole(label, at, comp, innerCount, limits.maxVariableBytes);
            const ctx = new Ctx(buf, le, label, at, false, true);
            return decodeWith(index, ctx, () => readMatrix(ctx, 0, buf.length, 0, "compressed variable"));
          },
        });
      }
    } else if (tag.type === MI.MATRIX) {
      if (tag.count === 0) fileCtx.fail(at, "variable with an empty miMATRIX (no name)");
      const head = readMatrixHead(fileCtx, tag);
      if (at !== subsys && head.name !== "") {
        const index = entries.length;
        entries.push({
          info: { name: head.name, class: jsonClass(head), dims: head.dims, byteOffset: at },
          decode: () => decodeWith(index, fileCtx, () => readMatrix(fileCtx, at, next, 0, "variable")),
        });
      }
    } else {
      fileCtx.fail(
        at,
        `top-level element of data type ${tag.type}, expected miMATRIX (14) or miCOMPRESSED (15)`,
      );
    }
    pos = next;
  }
  return makeMatFile(header, entries, label);
}
