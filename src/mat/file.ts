// A MAT file once opened: its header, the list of its variables (name,
// class, dims, offset) and one lazy decoder per variable. Level 4 and Level 5
// files both come out as a MatFile.

import { MatError } from "./errors.js";
import type { MatValue } from "./value.js";

export interface MatHeader {
  /** Header text with trailing spaces/NULs removed ("" for Level 4). */
  text: string;
  /** Raw 16-bit version field (256 for Level 5, 0 for Level 4). */
  version: number;
  endian: "<" | ">";
  level: 4 | 5;
}

export interface VariableInfo {
  name: string;
  /** JSON class: "double", ..., "logical", "char", "cell", "struct", "object", "function_handle", "opaque". */
  class: string;
  dims: number[];
  /** Offset of the variable's top-level element in the file. */
  byteOffset: number;
}

export interface MatFile {
  header: MatHeader;
  variables: VariableInfo[];
  has(name: string): boolean;
  read(name: string): MatValue;
  readAll(): { name: string; value: MatValue }[];
}

/** One variable of an opened file: what listing shows, and how to decode it. */
export interface MatEntry {
  info: VariableInfo;
  decode: () => MatValue;
}

/** The MatFile over `entries` (file order; a later variable of the same name wins for read()). */
export function makeMatFile(header: MatHeader, entries: MatEntry[], label: string): MatFile {
  const byName = new Map<string, MatEntry>();
  for (const e of entries) byName.set(e.info.name, e);
  return {
    header,
    variables: entries.map((e) => e.info),
    has: (name) => byName.has(name),
    read(name) {
      const e = byName.get(name);
      if (!e) throw new MatError(label, 0, `no variable named ${JSON.stringify(name)}`);
      return e.decode();
    },
    readAll: () => entries.map((e) => ({ name: e.info.name, value: e.decode() })),
  };
}
