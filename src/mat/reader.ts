// Opening MAT files: Level 5 (v6/v7, either byte order, miCOMPRESSED) and
// Level 4, told apart by the Level 5 endian indicator; v7.3 (HDF5) files are
// detected and rejected. Listing variables decodes only each variable's header
// (compressed elements are inflated just far enough to see class, dims and
// name); read(name) decodes one variable. Every size read off the file is
// checked against the bytes present before anything is allocated; problems
// raise a MatError naming the byte offset. The format's parts live in their
// own modules: tags.ts, numeric.ts, matrix-head.ts, matrix.ts, char.ts,
// sparse.ts, compressed.ts, level5.ts, level4.ts.

import { readFile } from "node:fs/promises";
import { MatError } from "./errors.js";
import type { MatFile } from "./file.js";
import { makeMatFile } from "./file.js";
import { readLevel4 } from "./level4.js";
import { openLevel5 } from "./level5.js";

export type { MatFile, MatHeader, VariableInfo } from "./file.js";

function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Open a MAT file held in memory. `label` names it in error messages (a path or "zip!member"). */
export function openMat(bytes: Uint8Array, label: string): MatFile {
  const b = asPlainBytes(bytes);
  if (b.length >= 128 && ((b[126] === 0x49 && b[127] === 0x4d) || (b[126] === 0x4d && b[127] === 0x49))) {
    return openLevel5(b, label);
  }
  const l4 = readLevel4(b, label);
  if (l4) return makeMatFile(l4.header, l4.entries, label);
  if (b.length < 128)
    throw new MatError(
      label,
      0,
      `not a MAT file (${b.length} bytes, no Level 5 header and no Level 4 matrix)`,
    );
  throw new MatError(label, 126, "not a MAT file (no MI/IM endian indicator and no Level 4 matrix header)");
}

/** Read a file from disk and open it (the whole file is held in memory). */
export async function openMatFile(path: string): Promise<MatFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : `cannot read file (${code ?? (e as Error).message})`;
    throw new MatError(path, 0, why);
  }
  return openMat(bytes, path);
}
