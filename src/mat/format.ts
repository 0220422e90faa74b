// The MAT Level 5 format's numbers (mat-format.md), shared by the reader and
// the writer: data type codes (miINT8 ...), array class ids (mxCELL ...), the
// array flags, each numeric class's own storage type, element sizes and the
// host byte order.

import type { NumericClass } from "./value.js";

/** Data element types (miXXX). */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** Array classes that are not numeric (mxXXX_CLASS). */
export const MX = {
  CELL: 1,
  STRUCT: 2,
  OBJECT: 3,
  CHAR: 4,
  SPARSE: 5,
  FUNCTION_HANDLE: 16,
  OPAQUE: 17,
} as const;

/** Array flags bits (in the array-flags word, next to the class id). */
export const FLAG_COMPLEX = 0x800;
export const FLAG_LOGICAL = 0x200;

/** Class id of each numeric class (mxDOUBLE_CLASS = 6 ... mxUINT64_CLASS = 15). */
export const NUMERIC_CLASS_ID: Readonly<Record<NumericClass, number>> = {
  double: 6,
  single: 7,
  int8: 8,
  uint8: 9,
  int16: 10,
  uint16: 11,
  int32: 12,
  uint32: 13,
  int64: 14,
  uint64: 15,
};

/** The numeric class of a class id (undefined for the other classes). */
export const NUMERIC_CLASS_BY_ID: Readonly<Record<number, NumericClass>> = Object.fromEntries(
  Object.entries(NUMERIC_CLASS_ID).map(([cls, id]) => [id, cls as NumericClass]),
);

/** Name of every class id the reader knows (numeric classes by their own name). */
export const CLASS_NAME_BY_ID: Readonly<Record<number, string>> = {
  [MX.CELL]: "cell",
  [MX.STRUCT]: "struct",
  [MX.OBJECT]: "object",
  [MX.CHAR]: "char",
  [MX.SPARSE]: "sparse",
  [MX.FUNCTION_HANDLE]: "function_handle",
  [MX.OPAQUE]: "opaque",
  ...NUMERIC_CLASS_BY_ID,
};

/** The data type that stores a numeric class's values unconverted. */
export const STORAGE_TYPE: Readonly<Record<NumericClass, number>> = {
  double: MI.DOUBLE,
  single: MI.SINGLE,
  int8: MI.INT8,
  uint8: MI.UINT8,
  int16: MI.INT16,
  uint16: MI.UINT16,
  int32: MI.INT32,
  uint32: MI.UINT32,
  int64: MI.INT64,
  uint64: MI.UINT64,
};

/** Element size in bytes of a numeric data type (0 = not numeric). */
export function numericSize(type: number): number {
  switch (type) {
    case MI.INT8:
    case MI.UINT8:
      return 1;
    case MI.INT16:
    case MI.UINT16:
      return 2;
    case MI.INT32:
    case MI.UINT32:
    case MI.SINGLE:
      return 4;
    case MI.DOUBLE:
    case MI.INT64:
    case MI.UINT64:
      return 8;
    default:
      return 0;
  }
}

/**
 * What a variable or field name read from a file may hold. Looser than
 * MATLAB's own rule (a letter first), like scipy: files written elsewhere
 * do use such names.
 */
export const NAME_CHARS_RE = /^[A-Za-z0-9_]+$/;

/** True on a little-endian host. */
export const HOST_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Reverses the byte order of every `size`-byte element of `b` (size 2, 4 or 8), in place. */
export function swapBytes(b: Uint8Array, size: number): void {
  const n = b.length;
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = b[i] as number;
      b[i] = b[i + 1] as number;
      b[i + 1] = t;
    }
  } else if (size === 4) {
    for (let i = 0; i < n; i += 4) {
      let t = b[i] as number;
      b[i] = b[i + 3] as number;
      b[i + 3] = t;
      t = b[i + 1] as number;
      b[i + 1] = b[i + 2] as number;
      b[i + 2] = t;
    }
  } else if (size === 8) {
    for (let i = 0; i < n; i += 8) {
      for (let k = 0; k < 4; k++) {
        const t = b[i + k] as number;
        b[i + k] = b[i + 7 - k] as number;
        b[i + 7 - k] = t;
      }
    }
  }
}
