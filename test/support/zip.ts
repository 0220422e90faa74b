// Zips built in memory for tests (yazl, fixed mtimes) and deterministic
// filler bytes, shared by the archive, export and CLI tests.

import yazl from "yazl";
import { mulberry32 } from "../../src/random/index.js";

export interface CraftEntry {
  name: string;
  data?: Uint8Array | string;
  dir?: boolean;
  compress?: boolean;
  /** Unix mode incl. file type bits (e.g. 0o120777 for a symlink). */
  mode?: number;
  zip64?: boolean;
}

/** Builds a zip in memory. */
export function makeZip(entries: CraftEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(2020, 0, 1);
  for (const e of entries) {
    if (e.dir) {
      zip.addEmptyDirectory(e.name, { mtime, ...(e.mode !== undefined ? { mode: e.mode } : {}) });
    } else {
      const data =
        typeof e.data === "string" ? Buffer.from(e.data) : Buffer.from(e.data ?? new Uint8Array(0));
      zip.addBuffer(data, e.name, {
        mtime,
        compress: e.compress ?? true,
        forceZip64Format: e.zip64 ?? false,
        ...(e.mode !== undefined ? { mode: e.mode } : {}),
      });
    }
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

/** Deterministic pseudo-random bytes (mulberry32), so tests need no fixtures. */
export function noise(n: number, seed: number): Uint8Array {
  const next = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}
