// Copying an export with a new manifest: every member but the manifest is
// copied as it is stored (its deflated bytes, CRC-32 and size), the manifest
// is rewritten (parsed, changed by the caller, encoded and deflated again),
// so the copy costs one read and one write of the file, not a decode and a
// re-encode of every array. The members' contents stay byte for byte those
// of the source; only the manifest changes. This is how the build cache
// serves a hit (the stored export with this load's split), after checking
// the entry's SHA-256 (src/cache/entry-seal.ts). A file is read by random
// access, its members through one reused window (COPY_WINDOW_BYTES). When the
// manifest comes out as it was stored, and nothing asks for a seal, a mtime
// or a copy from memory, the copy is the file itself (whole-copy.ts: the
// kernel copies it, the end record loses its comment), as a cache hit that
// repeats the build's command line is; where the kernel cannot copy it,
// the members are laid out as above.

import { ExportError } from "./errors.js";
import { type ExportManifest, manifestJson, readManifestAndText } from "./manifest.js";
import { encodeNpyHeader } from "./npy.js";
import { encodeUnicodeScalar } from "./npy-unicode.js";
import { NpzReader } from "./npz-reader.js";
import { NpzWriter } from "./npz-writer.js";
import { copyWholeExport, WholeCopyUnavailable } from "./whole-copy.js";

export interface CopyExportOptions {
  /**
   * The manifest of the copy, from the source's (which it may change in
   * place). Called before a `check` has finished: it must have no effect
   * outside the manifest it returns.
   */
  rewrite: (manifest: ExportManifest) => ExportManifest;
  /**
   * Modification time stamped on the copy's members. Without it, a copy whose
   * manifest is the source's keeps the source's times (it is the source's
   * bytes) and any other copy is stamped now.
   */
  mtime?: Date;
  /** Seal the copy (NpzWriter's `seal`). */
  seal?: (bodySha256: string) => string;
  /** The whole of `src`, already read (and checked) by the caller: copied from instead of reading the file again. */
  bytes?: Uint8Array;
  /**
   * A check of `src` running alongside the copy (the build cache's SHA-256):
   * the copy goes into place only once it resolves; when it rejects, the
   * copy is abandoned (no file at `dest`, no temp file) and an ExportError
   * naming `dest` thrown, its cause the check's error.
   */
  check?: Promise<void>;
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
  // (awaited before the rename; a rejection before then is not an unhandled one)
  opts.check?.catch(() => {});
  // Members are copied as stored, never decoded: their .npy headers are not read either.
  const reader =
    opts.bytes === undefined
      ? await NpzReader.open(src, { readHeaders: false })
      : await NpzReader.fromBuffer(opts.bytes, src, { readHeaders: false });
  try {
    const keys = reader.keys();
    if (keys[0] !== "manifest") throw new ExportError(`${src}: the manifest is not the first member`);
    const stored = await readManifestAndText(reader, src);
    const manifest = opts.rewrite(stored.manifest);
    const json = manifestJson(manifest);
    if (
      json === stored.text &&
      opts.seal === undefined &&
      opts.mtime === undefined &&
      opts.bytes === undefined
    ) {
      try {
        await copyWholeExport(src, dest, opts.check);
        return manifest;
      } catch (e) {
        if (!(e instanceof WholeCopyUnavailable)) throw e;
      }
    }
    await copyMembers(reader, keys, json, dest, opts);
    return manifest;
  } finally {
    await reader.close();
  }
}

/** The copy laid out member by member: the manifest `json`, then every other member of `keys` as stored in `reader`. */
async function copyMembers(
  reader: NpzReader,
  keys: readonly string[],
  json: string,
  dest: string,
  opts: CopyExportOptions,
): Promise<void> {
  const text = encodeUnicodeScalar(json);
  const member = concat(encodeNpyHeader(text.dtype, []), text.data);
  const writer = NpzWriter.create(dest, { mtime: opts.mtime, seal: opts.seal });
  // Not awaited: the manifest compresses while the members are laid out behind it.
  const manifestWritten = writer.addMember("manifest.npy", member);
  manifestWritten.catch(() => {}); // its failure also fails the members' turn, awaited below
  try {
    await copyThroughWindow(reader, keys.slice(1), writer);
    await manifestWritten;
    await writer.close({ beforeRename: opts.check });
  } catch (e) {
    // The first failure: the manifest's own when its write failed (the members' turn fails with it).
    const first = await manifestWritten.then(
      () => e,
      (m: unknown) => m,
    );
    await writer.abort();
    throw first;
  }
}

/**
 * Members are read, run by run of neighbours, into one window of this many
 * bytes, reused: a copy touches a few MiB of memory whatever the file's size
 * (fresh memory costs page faults, which cost more than the copying), and a
 * member larger than the window is read alone. From bytes in memory the
 * members are views of them and the window is left untouched.
 */
export const COPY_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * The members `keys` of the source, in zip order: each run of neighbours
 * that fits the window is read with one read into it and written from it
 * before the next run is read.
 */
async function copyThroughWindow(
  reader: NpzReader,
  keys: readonly string[],
  writer: NpzWriter,
): Promise<void> {
  const window = new Uint8Array(Math.max(0, Math.min(COPY_WINDOW_BYTES, reader.rawSpan(keys))));
  let run: string[] = [];
  const writeRun = async () => {
    if (run.length === 0) return;
    await writer.addEncodedMembers(await reader.rawMembers(run, window), { borrowed: true });
    run = [];
  };
  for (const key of keys) {
    if (!(reader.rawSpan([key]) <= window.length)) {
      await writeRun();
      await writer.addEncodedMembers([await reader.rawMember(key)]);
      continue;
    }
    const first = run[0];
    // (a member before the run's first, in a zip not laid out in directory order, starts a run)
    const span = first === undefined ? 0 : reader.rawSpan([first, key]);
    if (first !== undefined && !(span > 0 && span <= window.length)) await writeRun();
    run.push(key);
  }
  await writeRun();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
