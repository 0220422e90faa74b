// The seal of a build cache entry (src/cache/build-cache.ts): the zip's end
// record carries the entry's record (key, cache format, creation time, summary
// and the SHA-256 of every byte before it), so one file holds the entry and its
// proof: written by sealOf, read by recordOf, checked by checkEntry. The
// SHA-256 covers every byte before the end record, whose own fields are
// checked against the directory they point to (src/zip/end-record-check.ts);
// the members' CRC-32s are not checked again on a hit (a full inflate,
// ~100 ms on a 20 MB export). The cache folder is trusted
// as the installed code is: an entry forged with a matching SHA-256 could as
// well carry matching CRCs.

import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { CacheError } from "../errors.js";
import { readFully } from "../zip/byte-source.js";
import { endRecordProblem, endRecordsSpan } from "../zip/end-record-check.js";
import { zipComment } from "../zip/records.js";
import { CACHE_FORMAT_VERSION } from "./key.js";

/** The record a sealed entry carries in its zip comment. */
interface EntryRecord {
  format: typeof RECORD_FORMAT;
  version: number;
  key: string;
  created_at: string;
  /** One line (summarizeData). */
  summary: string;
  /** SHA-256 (hex) of every byte of the entry before its end record. */
  sha256: string;
}

const RECORD_FORMAT = "ac1-build-cache";

/** The last endRecordsSpan(size) bytes of the file at `path` (fewer if it is shorter than `size` by now). */
export async function tailOf(path: string, size: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(endRecordsSpan(size));
    return buf.subarray(0, await readFully(fh, buf, 0, buf.length, size - buf.length));
  } finally {
    await fh.close();
  }
}

/** The zip comment that seals an entry stored under `key`. */
export function sealOf(key: string, summary: () => string): (sha256: string) => string {
  return (sha256) => {
    const record: EntryRecord = {
      format: RECORD_FORMAT,
      version: CACHE_FORMAT_VERSION,
      key,
      created_at: new Date().toISOString(),
      summary: summary(),
      sha256,
    };
    return JSON.stringify(record);
  };
}

/** The record in a sealed entry's zip comment (`bytes`: the whole file, or its tail), undefined when there is none. */
export function recordOf(bytes: Uint8Array): { record: Partial<EntryRecord>; bodyBytes: number } | undefined {
  const sealed = zipComment(bytes);
  if (sealed === undefined || sealed.comment.length === 0) return undefined;
  try {
    const record = JSON.parse(new TextDecoder().decode(sealed.comment)) as Partial<EntryRecord>;
    if (record === null || typeof record !== "object" || record.format !== RECORD_FORMAT) return undefined;
    return { record, bodyBytes: sealed.endRecordAt };
  } catch {
    return undefined;
  }
}

/**
 * The record of the entry stored under `key` whose last bytes (`tail`) of
 * `size` are given, checked against the key and the cache format: the
 * SHA-256 it records and how many bytes from the start that covers.
 */
function checkedRecord(key: string, tail: Uint8Array, size: number): { sha256: unknown; bodyBytes: number } {
  const sealed = recordOf(tail);
  if (sealed === undefined) throw new CacheError("entry carries no cache record (not sealed by ac1)");
  // (the seal covers every byte before the end record, not the record itself)
  const problem = endRecordProblem(tail, size - tail.length);
  if (problem !== undefined) throw new CacheError(`entry damaged: ${problem}`);
  const { record } = sealed;
  if (record.key !== key)
    throw new CacheError(`entry records key ${JSON.stringify(record.key)}, not its file name`);
  if (record.version !== CACHE_FORMAT_VERSION)
    throw new CacheError(
      `entry has cache format ${JSON.stringify(record.version)}, expected ${CACHE_FORMAT_VERSION}`,
    );
  return { sha256: record.sha256, bodyBytes: size - tail.length + sealed.bodyBytes };
}

function damaged(): CacheError {
  return new CacheError("entry content does not match its record (SHA-256): damaged since it was stored");
}

/** Bytes read per call when an entry is checked (each slice is hashed while the next is read). */
const READ_SLICE_BYTES = 1 << 20;

/**
 * Checks the entry `key` open as `fh` (`size` bytes) against the record it
 * carries: its key, its cache format and the SHA-256 of its content. The
 * tail is read first (the record, and so how many bytes the SHA-256
 * covers), then the rest through two reused slices, each hashed while the
 * next is read (bounded memory at any size). Throws a CacheError saying
 * what is wrong.
 */
export async function checkEntry(fh: FileHandle, key: string, size: number): Promise<void> {
  const end = size - endRecordsSpan(size);
  const slices = [0, 1].map(() => new Uint8Array(Math.min(READ_SLICE_BYTES, end)));
  const readAt = async (into: Uint8Array, at: number): Promise<Uint8Array> => {
    if ((await readFully(fh, into, 0, into.length, at)) < into.length)
      throw new CacheError(`entry ends before its ${size} bytes`);
    return into;
  };
  // the slice of the body from `at` (READ_SLICE_BYTES, or up to `end`), into reused slice k
  const sliceAt = (at: number, k: number) =>
    readAt((slices[k] as Uint8Array).subarray(0, Math.min(READ_SLICE_BYTES, end - at)), at);
  const tail = await readAt(new Uint8Array(size - end), end);
  const { sha256, bodyBytes } = checkedRecord(key, tail, size);
  const hash = createHash("sha256");
  let at = 0;
  let k = 0;
  let next = end > 0 ? sliceAt(0, k) : null;
  while (next !== null) {
    const got = await next;
    at += got.length;
    k ^= 1;
    next = at < end ? sliceAt(at, k) : null;
    // (a failed read is awaited at the next turn; hashing never throws)
    hash.update(got);
  }
  // the body ends in the tail, at the end record
  hash.update(tail.subarray(0, bodyBytes - end));
  if (hash.digest("hex") !== sha256) throw damaged();
}
