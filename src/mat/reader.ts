// Opening MAT files: Level 5 (v6/v7, either byte order, miCOMPRESSED) and
// Level 4, told apart by the Level 5 endian indicator; v7.3 (HDF5) files are
// detected and rejected. Listing variables decodes only each variable's header
// (compressed elements are inflated just far enough to see class, dims and
// name); read(name) decodes one variable. Every size read off the file is
// checked against the bytes present before anything is allocated; problems
// raise a MatError naming the byte offset. The format's parts live in their
// own modules: tags.ts, numeric.ts, matrix-head.ts, matrix.ts, char.ts,
// sparse.ts, compressed.ts, level5.ts, level4.ts.

import { open } from "node:fs/promises";
import { Ac1Error } from "../errors.js";
import { MAX_MAT_FILE_BYTES } from "../limits.js";
import { DEFAULT_MAT_READ_LIMITS, type MatReadLimits } from "./budget.js";
import { MatError } from "./errors.js";
import type { MatFile } from "./file.js";
import { makeMatFile } from "./file.js";
import { readLevel4 } from "./level4.js";
import { openLevel5 } from "./level5.js";

export type { MatReadLimits } from "./budget.js";
export type { MatFile, MatHeader, VariableInfo } from "./file.js";

/** The reader's memory bounds (src/limits.ts), each overridable. */
export interface MatOpenOptions extends Partial<MatReadLimits> {
  /** Largest file openMatFile reads into memory, bytes (default MAX_MAT_FILE_BYTES). */
  maxFileBytes?: number;
}

function readLimits(o: MatOpenOptions): MatReadLimits {
  return {
    maxVariableBytes: o.maxVariableBytes ?? DEFAULT_MAT_READ_LIMITS.maxVariableBytes,
    maxDecodedBytes: o.maxDecodedBytes ?? DEFAULT_MAT_READ_LIMITS.maxDecodedBytes,
  };
}

function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Open a MAT file held in memory. `label` names it in error messages (a path
 * or "zip!member"). Decoding is bounded by `options` (an inflated variable,
 * all decoded values; defaults in src/limits.ts): beyond them a MatError.
 */
export function openMat(bytes: Uint8Array, label: string, options: MatOpenOptions = {}): MatFile {
  const b = asPlainBytes(bytes);
  const limits = readLimits(options);
  if (b.length >= 128 && ((b[126] === 0x49 && b[127] === 0x4d) || (b[126] === 0x4d && b[127] === 0x49))) {
    return openLevel5(b, label, limits);
  }
  const l4 = readLevel4(b, label, limits);
  if (l4) return makeMatFile(l4.header, l4.entries, label);
  if (b.length < 128)
    throw new MatError(
      label,
      0,
      `not a MAT file (${b.length} bytes, no Level 5 header and no Level 4 matrix)`,
    );
  throw new MatError(label, 126, "not a MAT file (no MI/IM endian indicator and no Level 4 matrix header)");
}

/** Read a file from disk and open it (the whole file is held in memory: at most `options.maxFileBytes`). */
export async function openMatFile(path: string, options: MatOpenOptions = {}): Promise<MatFile> {
  const maxFileBytes = options.maxFileBytes ?? MAX_MAT_FILE_BYTES;
  let bytes: Uint8Array;
  try {
    const fh = await open(path, "r");
    try {
      const size = (await fh.stat()).size;
      if (size > maxFileBytes) {
        throw new MatError(
          path,
          0,
          `${size} bytes is more than the ${maxFileBytes} bytes the reader holds in memory`,
        );
      }
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof MatError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : `cannot read file (${code ?? (e as Error).message})`;
    // not a MatError: nothing of the file was read, so nothing is malformed at any byte
    throw new Ac1Error("INPUT", `${path}: ${why}`, { cause: e });
  }
  return openMat(bytes, path, options);
}
