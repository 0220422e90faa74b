// Copying an export with a new manifest: every member but the manifest is
// copied as it is stored (its deflated bytes, CRC-32 and size), the manifest
// is rewritten (parsed, changed by the caller, encoded and deflated again),
// so the copy costs one read and one write of the file, not a decode and a
// re-encode of every array. The members' contents stay byte for byte those
// of the source; only the manifest changes. This is how the build cache
// serves a hit (the stored export with this load's split); before it copies,
// the cache checks the entry's SHA-256 (src/cache), and the copy checks
// every member's stored bytes against its CRC-32 as it goes (checkMembers),
// so a damaged or tampered entry is never copied into an export. Files up to
// MAX_WHOLE_FILE_BYTES are read whole, larger ones by random access.

import { createInflateRaw } from "node:zlib";
import { MAX_NPZ_MEMBER_BYTES } from "../limits.js";
import { crc32 } from "../zip/crc32.js";
import { ExportError } from "./errors.js";
import { type ExportManifest, manifestJson, readManifest } from "./manifest.js";
import { encodeNpyHeader, encodeUnicodeScalar } from "./npy.js";
import { NpzReader } from "./npz-reader.js";
import { NpzWriter } from "./npz-writer.js";

export interface CopyExportOptions {
  /** The manifest of the copy, from the source's (which it may change in place). */
  rewrite: (manifest: ExportManifest) => ExportManifest;
  /** Modification time stamped on the copy's members (default: now). */
  mtime?: Date;
  /** Seal the copy (NpzWriter's `seal`). */
  seal?: (bodySha256: string) => string;
}

/** A member as stored (NpzReader.rawMember). */
type RawMember = Awaited<ReturnType<NpzReader["rawMember"]>>;

/**
 * Why a member's stored bytes are not what its entry records (they must
 * inflate, or be stored, to its size with its CRC-32), or null when they
 * are. Inflated on the thread pool, chunk by chunk: nothing of the output is
 * kept but its length and CRC.
 */
function storedMemberProblem(raw: RawMember): Promise<string | null> {
  if (raw.uncompressedSize > MAX_NPZ_MEMBER_BYTES) {
    return Promise.resolve(
      `member ${raw.name} declares ${raw.uncompressedSize} bytes, over the ${MAX_NPZ_MEMBER_BYTES} an export member may hold`,
    );
  }
  const mismatch = `member ${raw.name} does not match its recorded size and CRC-32`;
  if (raw.method === 0) {
    let crc = 0;
    let n = 0;
    for (const c of raw.chunks) {
      crc = crc32(c, crc);
      n += c.byteLength;
    }
    return Promise.resolve(n === raw.uncompressedSize && crc >>> 0 === raw.crc32 >>> 0 ? null : mismatch);
  }
  return new Promise((resolve) => {
    const inflater = createInflateRaw({ chunkSize: 1 << 20 });
    let crc = 0;
    let n = 0;
    inflater.on("data", (c: Buffer) => {
      crc = crc32(c, crc);
      n += c.byteLength;
      if (n > raw.uncompressedSize) {
        inflater.destroy();
        resolve(mismatch);
      }
    });
    inflater.on("error", (e) => resolve(`member ${raw.name} does not inflate: ${e.message}`));
    inflater.on("end", () =>
      resolve(n === raw.uncompressedSize && crc >>> 0 === raw.crc32 >>> 0 ? null : mismatch),
    );
    for (const c of raw.chunks) inflater.write(c);
    inflater.end();
  });
}

/** What copyExport did: the manifest written, or why the source's stored bytes were refused (nothing written). */
export type CopyExportResult =
  | { manifest: ExportManifest; damaged?: undefined }
  | { manifest: null; damaged: string };

/** Stored members checked at once while the copy goes on (each holds its stored bytes only). */
const CHECKS_IN_FLIGHT = 4;

/**
 * Writes `dest` (atomically, through a temp file) as a copy of the export
 * file `src` whose manifest is `rewrite(manifest of src)`; every other
 * member is copied as stored, in the same order. The manifest must be the
 * first member (as writeDatasetNpz writes it). With `checkMembers`, every
 * member's stored bytes are checked against its size and CRC-32 while the
 * copy is written (on the thread pool), and a mismatch writes nothing and
 * resolves to `damaged` saying which member; failures to read or write
 * throw.
 */
export async function copyExport(
  src: string,
  dest: string,
  opts: CopyExportOptions & { checkMembers?: boolean },
): Promise<CopyExportResult> {
  // Members are copied as stored, never decoded: their .npy headers are not read either.
  const reader = await NpzReader.load(src, { readHeaders: false });
  try {
    const keys = reader.keys();
    if (keys[0] !== "manifest") throw new ExportError(`${src}: the manifest is not the first member`);
    const checks: Promise<string | null>[] = [];
    let damaged: string | null = null;
    const check = async (raw: RawMember): Promise<void> => {
      if (!opts.checkMembers) return;
      if (checks.length >= CHECKS_IN_FLIGHT) damaged ??= await (checks.shift() as Promise<string | null>);
      checks.push(storedMemberProblem(raw));
    };
    if (opts.checkMembers) {
      // the manifest is decoded first: its stored bytes checked before
      const problem = await storedMemberProblem(await reader.rawMember("manifest"));
      if (problem !== null) return { manifest: null, damaged: `${src}: ${problem}` };
    }
    const manifest = opts.rewrite(await readManifest(reader, src));
    const text = encodeUnicodeScalar(manifestJson(manifest));
    const member = concat(encodeNpyHeader(text.dtype, []), text.data);
    const writer = NpzWriter.create(dest, { mtime: opts.mtime, seal: opts.seal });
    try {
      await writer.addMember("manifest.npy", member);
      for (const key of keys.slice(1)) {
        if (damaged !== null) break;
        const raw = await reader.rawMember(key);
        await check(raw);
        await writer.addEncoded(raw.name, raw);
      }
      for (const problem of await Promise.all(checks)) damaged ??= problem;
      if (damaged !== null) {
        await writer.abort();
        return { manifest: null, damaged: `${src}: ${damaged}` };
      }
      await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    return { manifest };
  } finally {
    await reader.close();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
