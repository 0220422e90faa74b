// Decoding Level 5 sparse arrays (compressed columns: ir, jc, values), with
// the structural checks (jc starts at 0 and never decreases, row indices in
// range) and MATLAB's one-byte logical sparse data (scipy gh-3539).

import { MI, numericSize } from "./format.js";
import type { MatrixHead } from "./matrix-head.js";
import { decodeNumeric } from "./numeric.js";
import { type Ctx, readTag, type Tag } from "./tags.js";
import type { MatSparse } from "./value.js";

export function decodeSparse(ctx: Ctx, tag: Tag, head: MatrixHead): MatSparse {
  const { end } = head;
  if (head.dims.length !== 2) ctx.fail(tag.pos, `sparse array with ${head.dims.length} dims (must be 2)`);
  const [nrows, ncols] = head.dims as [number, number];
  const irTag = readTag(ctx, head.body, end, "sparse ir");
  const irSize = numericSize(irTag.type);
  if (irSize === 0 || irTag.count % irSize !== 0)
    ctx.fail(irTag.pos, "sparse ir: not a whole number of integers");
  const irAll = decodeNumeric(ctx, irTag, "int32", irTag.count / irSize, "sparse ir") as Int32Array;
  const jcTag = readTag(ctx, irTag.next, end, "sparse jc");
  const jcSize = numericSize(jcTag.type);
  if (jcSize === 0 || jcTag.count / jcSize !== ncols + 1) {
    ctx.fail(jcTag.pos, `sparse jc: expected ${ncols + 1} column starts for ${ncols} columns`);
  }
  const jc = decodeNumeric(ctx, jcTag, "int32", ncols + 1, "sparse jc") as Int32Array;
  if (jc[0] !== 0) ctx.fail(jcTag.data, `sparse jc[0] is ${jc[0]}, must be 0`);
  for (let j = 0; j < ncols; j++) {
    if ((jc[j + 1] as number) < (jc[j] as number))
      ctx.fail(jcTag.data, `sparse jc decreases at column ${j + 1}`);
  }
  const nnz = jc[ncols] as number;
  if (nnz > irAll.length) ctx.fail(jcTag.data, `sparse jc claims ${nnz} non-zeros, ir holds ${irAll.length}`);
  const ir = irAll.length === nnz ? irAll : irAll.slice(0, nnz);
  for (let k = 0; k < nnz; k++) {
    const r = ir[k] as number;
    if (r < 0 || r >= nrows) ctx.fail(irTag.data, `sparse row index ${r} outside 0..${nrows - 1}`);
  }
  const readValues = (t: Tag, what: string): Float64Array => {
    let tt = t;
    // MATLAB wrote logical sparse data tagged miDOUBLE but one byte per value (scipy gh-3539).
    if (head.logical && numericSize(t.type) > 1 && t.count === nnz && nnz > 0) tt = { ...t, type: MI.UINT8 };
    const size = numericSize(tt.type);
    if (size === 0 || tt.count % size !== 0) ctx.fail(t.pos, `${what}: not a whole number of values`);
    const have = tt.count / size;
    if (have < nnz) ctx.fail(t.pos, `${what}: holds ${have} values, jc says ${nnz} non-zeros`);
    const all = decodeNumeric(ctx, tt, "double", have, what) as Float64Array;
    return have === nnz ? all : all.slice(0, nnz);
  };
  const prTag = readTag(ctx, jcTag.next, end, "sparse values");
  const real = readValues(prTag, "sparse values");
  const v: MatSparse = {
    kind: "sparse",
    class: head.logical ? "logical" : "double",
    dims: [nrows, ncols],
    ir,
    jc,
    real,
  };
  if (head.logical) for (let k = 0; k < nnz; k++) real[k] = real[k] ? 1 : 0;
  if (head.complex)
    v.imag = readValues(readTag(ctx, prTag.next, end, "sparse imaginary part"), "sparse imaginary part");
  return v;
}
