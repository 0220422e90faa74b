// Level 4 MAT files (MATLAB 4, `save -v4`): a headerless sequence of 2-D
// matrices, each a 20-byte header (MOPT, mrows, ncols, imagf, namlen) in the
// writer's byte order, the name, then real and imaginary values. Full
// matrices are class double, text matrices char, sparse matrices are stored
// as (row, col, value) triplets and converted to compressed columns.

import { MAX_MAT_VARIABLES } from "../limits.js";
import { FileBudget, type MatReadLimits } from "./budget.js";
import { MatError } from "./errors.js";
import type { MatEntry, MatHeader } from "./file.js";
import { NAME_CHARS_RE } from "./format.js";
import type { MatSparse, MatValue } from "./value.js";

interface L4Head {
  le: boolean;
  precision: number;
  type: number;
  mrows: number;
  ncols: number;
  imagf: number;
  namlen: number;
}

const PRECISION_SIZE = [8, 4, 4, 2, 2, 1];

/** Parse a Level 4 matrix header at `pos` trying both byte orders; undefined when implausible. */
function parseHead(dv: DataView, pos: number): L4Head | undefined {
  if (pos + 20 > dv.byteLength) return undefined;
  for (const le of [true, false]) {
    const mopt = dv.getInt32(pos, le);
    if (mopt < 0 || mopt > 4052) continue;
    const m = Math.floor(mopt / 1000);
    const o = Math.floor(mopt / 100) % 10;
    const p = Math.floor(mopt / 10) % 10;
    const t = mopt % 10;
    if (m !== (le ? 0 : 1) || o !== 0 || p > 5 || t > 2) continue;
    const mrows = dv.getInt32(pos + 4, le);
    const ncols = dv.getInt32(pos + 8, le);
    const imagf = dv.getInt32(pos + 12, le);
    const namlen = dv.getInt32(pos + 16, le);
    if (mrows < 0 || ncols < 0 || (imagf !== 0 && imagf !== 1) || namlen < 1) continue;
    return { le, precision: p, type: t, mrows, ncols, imagf, namlen };
  }
  return undefined;
}

function readValues(dv: DataView, pos: number, n: number, h: L4Head): Float64Array {
  const out = new Float64Array(n);
  const le = h.le;
  switch (h.precision) {
    case 0:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(pos + 8 * i, le);
      break;
    case 1:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(pos + 4 * i, le);
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(pos + 4 * i, le);
      break;
    case 3:
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(pos + 2 * i, le);
      break;
    case 4:
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(pos + 2 * i, le);
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(pos + i);
  }
  return out;
}

function fail(label: string, pos: number, problem: string): never {
  throw new MatError(label, pos, problem);
}

function toSparse(
  label: string,
  at: number,
  h: L4Head,
  real: Float64Array,
  imag: Float64Array | undefined,
): MatSparse {
  const rows = h.mrows;
  const cols = h.ncols;
  if (rows < 1 || (cols !== 3 && cols !== 4))
    fail(label, at, `Level 4 sparse matrix is ${rows}x${cols}, expected (nnz+1)x3 or x4`);
  const nnz = rows - 1;
  const nrows = real[nnz] as number;
  const ncols = real[rows + nnz] as number;
  if (
    !Number.isInteger(nrows) ||
    !Number.isInteger(ncols) ||
    nrows < 0 ||
    ncols < 0 ||
    nrows > 0x7fffffff ||
    ncols > 0x7fffffff
  ) {
    fail(label, at, `Level 4 sparse matrix: impossible size ${nrows}x${ncols} in its last row`);
  }
  if (ncols + 1 > 1 << 28 && ncols > 16 * (rows + 1))
    fail(label, at, `Level 4 sparse matrix: ${ncols} columns is implausible`);
  const complex = cols === 4 || imag !== undefined;
  const order = new Array<number>(nnz);
  for (let k = 0; k < nnz; k++) {
    const r = real[k] as number;
    const c = real[rows + k] as number;
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 1 || r > nrows || c < 1 || c > ncols) {
      fail(label, at, `Level 4 sparse matrix: entry ${k + 1} at (${r}, ${c}) is outside ${nrows}x${ncols}`);
    }
    order[k] = k;
  }
  order.sort(
    (a, b) =>
      (real[rows + a] as number) - (real[rows + b] as number) || (real[a] as number) - (real[b] as number),
  );
  const ir: number[] = [];
  const vr: number[] = [];
  const vi: number[] = [];
  const colOf: number[] = [];
  for (const k of order) {
    const r = (real[k] as number) - 1;
    const c = (real[rows + k] as number) - 1;
    const re = real[2 * rows + k] as number;
    const im = cols === 4 ? (real[3 * rows + k] as number) : imag ? (imag[2 * rows + k] as number) : 0;
    const last = ir.length - 1;
    if (last >= 0 && ir[last] === r && colOf[last] === c) {
      vr[last] = (vr[last] as number) + re;
      vi[last] = (vi[last] as number) + im;
    } else {
      ir.push(r);
      colOf.push(c);
      vr.push(re);
      vi.push(im);
    }
  }
  const jc = new Int32Array(ncols + 1);
  for (const c of colOf) jc[c + 1] = (jc[c + 1] as number) + 1;
  for (let j = 0; j < ncols; j++) jc[j + 1] = (jc[j + 1] as number) + (jc[j] as number);
  const v: MatSparse = {
    kind: "sparse",
    class: "double",
    dims: [nrows, ncols],
    ir: Int32Array.from(ir),
    jc,
    real: Float64Array.from(vr),
  };
  if (complex) v.imag = Float64Array.from(vi);
  return v;
}

/** Read a Level 4 file; undefined when the first bytes are not a plausible Level 4 header. */
export function readLevel4(
  bytes: Uint8Array,
  label: string,
  limits: MatReadLimits,
): { header: MatHeader; entries: MatEntry[] } | undefined {
  const budget = new FileBudget(limits.maxDecodedBytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = parseHead(dv, 0);
  if (!first) return undefined;
  const header: MatHeader = { text: "", version: 0, endian: first.le ? "<" : ">", level: 4 };
  const entries: MatEntry[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const at = pos;
    if (entries.length >= MAX_MAT_VARIABLES)
      fail(label, at, `more than ${MAX_MAT_VARIABLES} variables (corrupt or hostile)`);
    const h = parseHead(dv, pos);
    if (!h) {
      if (pos + 20 > bytes.length)
        fail(label, pos, `truncated Level 4 matrix header (${bytes.length - pos} bytes left)`);
      fail(label, pos, "invalid Level 4 matrix header");
    }
    pos += 20;
    if (h.namlen > bytes.length - pos)
      fail(label, at + 16, `name of ${h.namlen} bytes, only ${bytes.length - pos} left in the file`);
    let name = "";
    for (let i = 0; i < h.namlen; i++) {
      const c = bytes[pos + i] as number;
      if (c === 0) break;
      if (c >= 128) fail(label, pos + i, `name byte 0x${c.toString(16)} is not ASCII`);
      name += String.fromCharCode(c);
    }
    if (!NAME_CHARS_RE.test(name))
      fail(label, pos, `variable name ${JSON.stringify(name)} is not a MATLAB identifier`);
    pos += h.namlen;
    const n = h.mrows * h.ncols;
    const partBytes = n * (PRECISION_SIZE[h.precision] as number);
    const total = partBytes * (h.imagf ? 2 : 1);
    if (total > bytes.length - pos) {
      fail(
        label,
        at,
        `matrix ${name} is ${h.mrows}x${h.ncols} (${total} bytes of data), only ${bytes.length - pos} bytes left in the file`,
      );
    }
    const dataPos = pos;
    pos += total;
    const hh = h;
    const index = entries.length;
    const decode = (): MatValue => {
      // what the value takes: float64 parts, then char codes or the sparse conversion (~64 bytes an entry)
      const b = budget.begin(index);
      const need = n * 8 * (hh.imagf ? 2 : 1) + (hh.type === 1 ? n * 2 : hh.type === 2 ? hh.mrows * 64 : 0);
      const problem = b.charge(need);
      if (problem) fail(label, at, `matrix ${name}: ${problem}`);
      const v = decodeValue();
      budget.end(index, b);
      return v;
    };
    const decodeValue = (): MatValue => {
      const real = readValues(dv, dataPos, n, hh);
      const imag = hh.imagf ? readValues(dv, dataPos + partBytes, n, hh) : undefined;
      const dims = [hh.mrows, hh.ncols];
      if (hh.type === 1) {
        const codes = new Uint16Array(n);
        for (let i = 0; i < n; i++) {
          const c = real[i] as number;
          if (!Number.isInteger(c) || c < 0 || c > 0xffff)
            fail(label, dataPos, `text matrix ${name}: value ${c} is not a character code`);
          codes[i] = c;
        }
        return { kind: "char", dims, codes };
      }
      if (hh.type === 2) return toSparse(label, at, hh, real, imag);
      return imag
        ? { kind: "numeric", class: "double", dims, real, imag }
        : { kind: "numeric", class: "double", dims, real };
    };
    const cls = h.type === 1 ? "char" : "double";
    let dims = [h.mrows, h.ncols];
    if (h.type === 2 && h.mrows >= 1 && h.ncols >= 2) {
      const corner = readValues(new DataView(bytes.buffer, bytes.byteOffset + dataPos, partBytes), 0, n, {
        ...h,
        mrows: h.mrows,
      });
      dims = [corner[h.mrows - 1] as number, corner[2 * h.mrows - 1] as number];
    }
    entries.push({ info: { name, class: cls, dims, byteOffset: at }, decode });
  }
  return { header, entries };
}
