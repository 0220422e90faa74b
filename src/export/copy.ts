// Copying an export with a new manifest: every member but the manifest is
// copied as it is stored (its deflated bytes, CRC-32 and size), the manifest
// is rewritten (parsed, changed by the caller, encoded and deflated again),
// so the copy costs one read and one write of the file, not a decode and a
// re-encode of every array. The members' contents stay byte for byte those
// of the source; only the manifest changes. This is how the build cache
// serves a hit (the stored export with this load's split), after checking
// the entry's SHA-256 (src/cache/build-cache.ts). Files up to 64 MiB are
// read whole, larger ones by random access.

import { stat } from "node:fs/promises";
import { ExportError } from "./errors.js";
import { type ExportManifest, manifestJson, readManifest } from "./manifest.js";
import { encodeNpyHeader, encodeUnicodeScalar } from "./npy.js";
import { NpzReader } from "./npz-reader.js";
import { NpzWriter, type StoredMember } from "./npz-writer.js";

export interface CopyExportOptions {
  /** The manifest of the copy, from the source's (which it may change in place). */
  rewrite: (manifest: ExportManifest) => ExportManifest;
  /** Modification time stamped on the copy's members (default: now). */
  mtime?: Date;
  /** Seal the copy (NpzWriter's `seal`). */
  seal?: (bodySha256: string) => string;
  /** The whole of `src`, already read (and checked) by the caller: copied from instead of reading the file again. */
  bytes?: Uint8Array;
}

/**
 * Writes `dest` (atomically, through a temp file) as a copy of the export
 * file `src` whose manifest is `rewrite(manifest of src)`; every other
 * member is copied as stored, in the same order. The manifest must be the
 * first member (as writeDatasetNpz writes it). Resolves to the manifest
 * written.
 */
export async function copyExport(
  src: string,
  dest: string,
  opts: CopyExportOptions,
): Promise<ExportManifest> {
  // Members are copied as stored, never decoded: their .npy headers are not read either.
  const reader =
    opts.bytes === undefined
      ? await openSource(src)
      : await NpzReader.fromBuffer(opts.bytes, src, { readHeaders: false });
  try {
    const keys = reader.keys();
    if (keys[0] !== "manifest") throw new ExportError(`${src}: the manifest is not the first member`);
    const manifest = opts.rewrite(await readManifest(reader, src));
    const text = encodeUnicodeScalar(manifestJson(manifest));
    const member = concat(encodeNpyHeader(text.dtype, []), text.data);
    const writer = NpzWriter.create(dest, { mtime: opts.mtime, seal: opts.seal });
    // Not awaited: the manifest compresses while the members are laid out behind it.
    const manifestWritten = writer.addMember("manifest.npy", member);
    manifestWritten.catch(() => {}); // its failure also fails the members' turn, awaited below
    try {
      // The other members in batches of up to COPY_BATCH_BYTES stored bytes, each written in one turn.
      let batch: StoredMember[] = [];
      let batchBytes = 0;
      for (const key of keys.slice(1)) {
        const raw = await reader.rawMember(key);
        batch.push(raw);
        for (const c of raw.chunks) batchBytes += c.byteLength;
        if (batchBytes >= COPY_BATCH_BYTES) {
          await writer.addEncodedMembers(batch);
          batch = [];
          batchBytes = 0;
        }
      }
      await writer.addEncodedMembers(batch);
      await manifestWritten;
      await writer.close();
    } catch (e) {
      // The first failure: the manifest's own when its write failed (the members' turn fails with it).
      const first = await manifestWritten.then(
        () => e,
        (m: unknown) => m,
      );
      await writer.abort();
      throw first;
    }
    return manifest;
  } finally {
    await reader.close();
  }
}

/**
 * Members are written in batches of this many stored bytes (or one larger
 * member): few turns of the writer, while a file read by random access holds
 * one batch in memory.
 */
const COPY_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Exports up to WHOLE_READ_BYTES are read whole (one read: the quickest
 * copy), larger ones by random access (one member at a time in memory: the
 * build that just stored the entry still holds its dataset).
 */
export const WHOLE_READ_BYTES = 64 * 1024 * 1024;

async function openSource(src: string): Promise<NpzReader> {
  let size = 0;
  try {
    size = (await stat(src)).size;
  } catch {
    // NpzReader.load names the problem
  }
  return size > WHOLE_READ_BYTES
    ? NpzReader.open(src, { readHeaders: false })
    : NpzReader.load(src, { readHeaders: false });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
