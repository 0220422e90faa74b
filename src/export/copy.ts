// Copying an export with a new manifest: every member but the manifest is
// copied as it is stored (its deflated bytes, CRC-32 and size), the manifest
// is rewritten (parsed, changed by the caller, encoded and deflated again),
// so the copy costs one read and one write of the file, not a decode and a
// re-encode of every array. The members' contents stay byte for byte those
// of the source; only the manifest changes. How the build cache serves a hit
// (the stored export with this load's data folder and split) and stores a
// fresh export (without its split). The source is read whole (a dataset's
// size, which the build held in memory anyway) and, when the caller knows
// it, checked against its SHA-256 before anything is renamed into place.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
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

/** An export held in memory, and its path for messages. */
export interface ExportBytes {
  bytes: Uint8Array;
  path: string;
}

/** Reads a file whole, as an ExportError naming it when it cannot be read. */
export async function readWhole(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new ExportError(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** SHA-256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes `dest` (atomically, through a temp file) as a copy of the export
 * `src` (a file, or one read already) whose manifest is `rewrite(manifest of
 * src)`; every other member is copied as stored, in the same order. The
 * manifest must be the first member (as writeDatasetNpz writes it).
 * Resolves to the manifest written.
 */
export async function copyExport(
  from: string | ExportBytes,
  dest: string,
  opts: CopyExportOptions,
): Promise<ExportManifest> {
  const { bytes, path: src } = typeof from === "string" ? { bytes: await readWhole(from), path: from } : from;
  // Members are copied as stored, never decoded: their .npy headers are not read either.
  const reader = await NpzReader.fromBuffer(bytes, src, { readHeaders: false });
  try {
    const keys = reader.keys();
    if (keys[0] !== "manifest") throw new ExportError(`${src}: the manifest is not the first member`);
    const manifest = opts.rewrite(await readManifest(reader, src));
    const text = encodeUnicodeScalar(manifestJson(manifest));
    const member = concat(encodeNpyHeader(text.dtype, []), text.data);
    const writer = NpzWriter.create(dest, { mtime: opts.mtime, seal: opts.seal });
    try {
      await writer.addMember("manifest.npy", member);
      for (const key of keys.slice(1)) {
        const raw = await reader.rawMember(key);
        await writer.addEncoded(raw.name, raw);
      }
      await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    return manifest;
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
