// What NpzWriter takes in: its options, an array's data (its bytes, or a
// source of its chunks) and a member as stored in a zip (deflated bytes,
// CRC-32 and size: what NpzReader.rawMember gives back, so that a member is
// copied from one .npz to another without being encoded again).

import type { DeflateMemo } from "./member-encoding.js";

export type NpzData = ArrayBufferView | (() => AsyncIterable<Uint8Array>);

/** A member as stored in a zip: its entry name, its stored bytes (deflated for method 8), CRC-32 and size. */
export interface StoredMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  uncompressedSize: number;
  chunks: Uint8Array[];
}

export interface NpzWriterOptions {
  /** Deflate the members (default true, like numpy.savez_compressed); false stores them. */
  compress?: boolean;
  /** Deflate level 1 (fastest) to 9 (smallest); default 6, numpy's (zlib's) default. */
  compressionLevel?: number;
  /** Modification time stamped on every member (default: now). */
  mtime?: Date;
  /**
   * Seals the file: the zip's end record gets the comment this returns,
   * given the SHA-256 (hex) of every byte before that record (members and
   * central directory). For files that must prove intact later (the build
   * cache's entries); at most 65535 bytes of UTF-8.
   */
  seal?: (bodySha256: string) => string;
  /**
   * Deflated members kept by content (member-encoding.ts): an array's member
   * of at least DEFLATE_MEMO_MIN_BYTES is taken from it when it holds the
   * same bytes deflated at this level, else deflated and offered to it.
   */
  deflateMemo?: DeflateMemo;
}
