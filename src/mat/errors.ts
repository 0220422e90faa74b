// The error raised for malformed or unsupported MAT files: it names the file
// (path or "zip!member"), the byte offset where the problem was found and
// what is wrong, as one line: "<file>: byte <offset>: <problem>".

import { Ac1Error } from "../errors.js";

export class MatError extends Ac1Error {
  readonly file: string;
  readonly offset: number;
  readonly problem: string;
  constructor(file: string, offset: number, problem: string, options?: { cause?: unknown }) {
    super("MAT_FORMAT", `${file}: byte ${offset}: ${problem}`, options);
    this.name = "MatError";
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }
}
