// The in-memory model of MATLAB values read from (or written to) MAT files.
// Values are typed arrays with MATLAB dims (column-major), never nested JS
// arrays of numbers. The `class` is the MATLAB class, whatever narrower type
// the file stored the values in.

export type NumericClass =
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** The typed array a numeric class decodes to (double -> Float64Array, ...). */
export type NumericData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** Full numeric array. `real`/`imag` are column-major, length prod(dims). */
export interface MatNumeric {
  kind: "numeric";
  class: NumericClass;
  dims: number[];
  real: NumericData;
  imag?: NumericData;
}

/** Logical array: one byte (0/1) per element, column-major. */
export interface MatLogical {
  kind: "logical";
  dims: number[];
  data: Uint8Array;
}

/** Char array: UTF-16 code units, column-major (a 3x5 char matrix holds 15 units). */
export interface MatChar {
  kind: "char";
  dims: number[];
  codes: Uint16Array;
}

/** Sparse matrix in compressed-column form, exactly the non-zeros. */
export interface MatSparse {
  kind: "sparse";
  class: "double" | "logical";
  dims: [number, number];
  /** Row index (0-based) of each non-zero. */
  ir: Int32Array;
  /** Column starts, length ncols + 1. */
  jc: Int32Array;
  /** Values of the non-zeros (0/1 for logical). */
  real: Float64Array;
  imag?: Float64Array;
}

/** Cell array: one value per element, column-major. */
export interface MatCell {
  kind: "cell";
  dims: number[];
  cells: MatValue[];
}

/**
 * Struct array. `fields` are in file order (names may repeat in hostile
 * files); `elements[e][f]` is the value of field f in element e (column-major).
 */
export interface MatStruct {
  kind: "struct";
  dims: number[];
  fields: string[];
  elements: MatValue[][];
}

/** Objects, function handles and opaque (MCOS) values: recognised, not decoded. */
export interface MatUnsupported {
  kind: "unsupported";
  class: "object" | "function_handle" | "opaque";
  classname?: string;
}

export type MatValue = MatNumeric | MatLogical | MatChar | MatSparse | MatCell | MatStruct | MatUnsupported;

/** Number of elements for MATLAB dims (product; 1 for no dims). */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
