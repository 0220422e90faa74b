// The bounds that make a zip absurd (a zip bomb or garbage), and the one rule
// that judges an entry's declared method and sizes against them and against
// the file, before any of its bytes are read.

import type { CentralRecord } from "./directory.js";
import { LOCAL_HEADER_BYTES } from "./local-header.js";

export interface ZipOpenLimits {
  /** Largest uncompressed/compressed ratio accepted for a deflated entry (deflate itself cannot exceed ~1032). */
  maxRatio: number;
  /** Largest declared uncompressed size of one entry, bytes. */
  maxEntryBytes: number;
  /** Largest declared uncompressed size of the whole zip, bytes. */
  maxTotalBytes: number;
  /** Largest number of central-directory entries. */
  maxEntries: number;
}

const GiB = 1024 * 1024 * 1024;

export const DEFAULT_OPEN_LIMITS: Readonly<ZipOpenLimits> = Object.freeze({
  maxRatio: 1100,
  maxEntryBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxEntries: 2_000_000,
});

const FLAG_ENCRYPTED = 0x1;
const FLAG_STRONG_ENCRYPTION = 0x40;

/** Why a file entry's declared method and sizes are unacceptable, or null. */
export function sizeProblem(rec: CentralRecord, zipSize: number, lim: ZipOpenLimits): string | null {
  const { compressedSize: c, uncompressedSize: u, method } = rec;
  if ((rec.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0)
    return "encrypted entries are not supported";
  if (method !== 0 && method !== 8) return `unsupported compression method ${method}`;
  if (method === 0 && c !== u) return `stored entry declares ${u} bytes but holds ${c}`;
  if (u > lim.maxEntryBytes)
    return `declares ${u} bytes, more than the limit of ${lim.maxEntryBytes} (zip bomb?)`;
  if (method === 8 && u > Math.max(c, 1) * lim.maxRatio) {
    return `declares ${u} bytes from ${c} compressed bytes, a ratio above ${lim.maxRatio} (zip bomb?)`;
  }
  if (rec.localHeaderOffset + LOCAL_HEADER_BYTES + c > zipSize) {
    return `data (${c} bytes at offset ${rec.localHeaderOffset}) runs past the end of the ${zipSize}-byte zip (truncated?)`;
  }
  return null;
}
