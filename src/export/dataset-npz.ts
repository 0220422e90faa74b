// The dataset export ("ac1-npz", version 1, ../shared/spec/interchange.md),
// its entry points: writing a DatasetData as a NumPy .npz (writeDatasetNpz:
// manifest, stim_<s>, resp_<s>_<n>, the modeller keys of modeller.ts and the
// per-repeat provenance of provenance-columns.ts), loading it back in full
// (readDatasetNpz) and opening it lazily (openDatasetExport and the load*
// forms, an ExportView of export-view.ts). The manifest itself is
// manifest.ts.

import { deferredOf, isLazyDataset } from "../dataset/deferred.js";
import type { DatasetData, LazyDataset } from "../dataset/model.js";
import { MAX_NPZ_LOAD_RATIO, manifestByteCap } from "../limits.js";
import { ExportError } from "./errors.js";
import { type ExportView, NpzExportView } from "./export-view.js";
import { buildManifest, manifestJson, readManifest } from "./manifest.js";
import type { DeflateMemo } from "./member-encoding.js";
import { memberOf, modellerArrays, type NamedArray } from "./modeller.js";
import { encodeNpyHeader } from "./npy.js";
import { encodeUnicodeScalar } from "./npy-unicode.js";
import { NpzReader, type NpzReaderOptions } from "./npz-reader.js";
import { NpzWriter } from "./npz-writer.js";
import { provenanceMembers } from "./provenance-columns.js";

// The manifest's type travels with what writes and reads it.
export type { ExportManifest } from "./manifest.js";

/** How writeDatasetNpz writes. */
export interface WriteDatasetOptions {
  /** Deflate members (default true). */
  compress?: boolean;
  /** Deflate level 1..9 when compressing (default 6). */
  compressionLevel?: number;
  /** Called after each array with payload bytes written so far and in total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Extra top-level manifest fields; must not clash with the spec's keys. */
  manifestExtra?: Record<string, unknown>;
  /** Seal the file (NpzWriter's `seal`: the build cache's record in the zip's end record). */
  seal?: (bodySha256: string) => string;
  /** Deflated members kept by content (NpzWriter's `deflateMemo`): what did not change is not deflated again. */
  deflateMemo?: DeflateMemo;
}

/** Bytes per value of the dtypes the export writes. */
const ITEM_BYTES: Readonly<Record<string, number>> = { "<f4": 4, "<i4": 4, "<f8": 8, "|u1": 1 };

/** Bytes of a member's values, from its dtype and shape (before it is read). */
function bytesOf(a: NamedArray): number {
  const item = ITEM_BYTES[a.dtype];
  if (item === undefined) throw new ExportError(`cannot export: ${a.name} has dtype ${a.dtype}`);
  return a.shape.reduce((x, d) => x * d, item);
}

/**
 * Writes `data` as an ac1-npz export at `path` (atomically: through a temp
 * file renamed into place). Arrays are streamed from the dataset's own
 * buffers, nothing concatenated; a LazyDataset's arrays are read one at a
 * time as the writer comes to them (the writer's window, below, bounds how
 * many are held at once).
 */
export async function writeDatasetNpz(
  dataIn: DatasetData | LazyDataset,
  path: string,
  opts: WriteDatasetOptions = {},
): Promise<void> {
  const data = isLazyDataset(dataIn) ? dataIn : deferredOf(dataIn);
  const S = data.stims.length;
  const N = data.neuronMeta.length;
  if (data.stimMeta.length !== S || data.responses.length !== S) {
    throw new ExportError(
      `cannot export to ${path}: ${S} stims but ${data.stimMeta.length} stim metadata and ${data.responses.length} response rows`,
    );
  }
  const manifest = buildManifest(data);
  const modeller = modellerArrays(data, path);
  const provenance = provenanceMembers(data.provenance);
  manifest.provenance = provenance.table;
  for (const [k, v] of Object.entries(opts.manifestExtra ?? {})) {
    if (Object.hasOwn(manifest, k))
      throw new ExportError(
        `cannot export to ${path}: extra manifest field ${JSON.stringify(k)} clashes with a standard one`,
      );
    manifest[k] = v;
  }
  const text = encodeUnicodeScalar(manifestJson(manifest));

  const arrays: NamedArray[] = [];
  arrays.push({ name: "manifest", dtype: text.dtype, shape: [], read: () => text.data });
  for (let s = 0; s < S; s++) arrays.push(memberOf(`stim_${s}`, "<f4", data.stims[s]!, `stim ${s}`, path));
  for (let s = 0; s < S; s++) {
    const row = data.responses[s]!;
    if (row.length !== N)
      throw new ExportError(
        `cannot export to ${path}: response row ${s} has ${row.length} entries for ${N} neurons`,
      );
    for (let n = 0; n < N; n++) {
      const block = row[n];
      if (!block) continue;
      arrays.push(memberOf(`resp_${s}_${n}`, "<f4", block, `response (${s}, ${n})`, path));
    }
  }
  const provenanceArrays = provenance.members.map(
    ({ name, dtype, shape, data: values }): NamedArray => ({ name, dtype, shape, read: () => values }),
  );
  arrays.push(...modeller.afterResponses, ...provenanceArrays, ...modeller.afterProvenance);
  // What readManifest accepts of an .npz of this many members: an export it would refuse is not written.
  const manifestBytes = encodeNpyHeader(text.dtype, []).byteLength + text.data.byteLength;
  const manifestCap = manifestByteCap(arrays.length);
  if (manifestBytes > manifestCap)
    throw new ExportError(
      `cannot export to ${path}: its manifest would take ${manifestBytes} bytes, more than the ${manifestCap} a reader accepts for an .npz of ${arrays.length} members (${manifest.skipped_files.length} skipped files, ${S} stims: a release with that many broken files, or stims with that much metadata, is corrupt or hostile); nothing written`,
    );
  const payloadBytes = (x: NamedArray) => (x.name === "manifest" ? text.data.byteLength : bytesOf(x));
  const total = arrays.reduce((a, x) => a + payloadBytes(x), 0);
  const writer = NpzWriter.create(path, {
    compress: opts.compress ?? true,
    compressionLevel: opts.compressionLevel,
    seal: opts.seal,
    deflateMemo: opts.deflateMemo,
  });
  let done = 0;
  // Several members compress at once (on libuv's thread pool), written in order.
  const pending: { add: Promise<void>; bytes: number }[] = [];
  let pendingBytes = 0;
  const settleOldest = async () => {
    const oldest = pending.shift() as { add: Promise<void>; bytes: number };
    pendingBytes -= oldest.bytes;
    await oldest.add;
    done += oldest.bytes;
    opts.onProgress?.(done, total);
  };
  try {
    for (const a of arrays) {
      const bytes = payloadBytes(a);
      // An array with an identity of its own (a stim tensor) is read only if the memo lacks its member.
      const add =
        a.memoKey === undefined
          ? writer.add(a.name, a.dtype, a.shape, a.read())
          : writer.addKeyed(a.name, a.dtype, a.shape, a.memoKey, () => a.read());
      add.catch(() => {});
      pending.push({ add, bytes });
      pendingBytes += bytes;
      while (pending.length > MAX_PENDING_MEMBERS || (pending.length > 1 && pendingBytes > MAX_PENDING_BYTES))
        await settleOldest();
    }
    while (pending.length > 0) await settleOldest();
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** Members being compressed or waiting for their turn at most: enough to keep every core busy. */
const MAX_PENDING_MEMBERS = 16;
/** Their array bytes at most (the compressed copies are held until written). */
const MAX_PENDING_BYTES = 64 << 20;

/** The view of an opened reader (the reader is closed when its manifest fails the checks). */
async function viewOf(reader: NpzReader, path: string): Promise<NpzExportView> {
  try {
    const manifest = await readManifest(reader, path);
    return new NpzExportView(path, manifest, reader);
  } catch (e) {
    await reader.close();
    throw e;
  }
}

/** Opens an export lazily: manifest, zip directory and .npy headers now, arrays on demand. */
export async function openDatasetExport(path: string, readerOptions?: NpzReaderOptions): Promise<ExportView> {
  return viewOf(await NpzReader.open(path, readerOptions), path);
}

/**
 * Loads a whole export into memory: one sequential read of the file, then
 * every array copied into its own typed array (CRC-checked by default).
 */
export async function readDatasetNpz(path: string, readerOptions?: NpzReaderOptions): Promise<DatasetData> {
  const view = await viewOf(
    await NpzReader.load(path, { maxLoadRatio: MAX_NPZ_LOAD_RATIO, ...readerOptions }),
    path,
  );
  try {
    return await view.load();
  } finally {
    await view.close();
  }
}

/** Like openDatasetExport, but reads the whole file first (for callers that will read everything, e.g. the build cache). */
export async function loadDatasetExport(path: string, readerOptions?: NpzReaderOptions): Promise<ExportView> {
  return viewOf(await NpzReader.load(path, { maxLoadRatio: MAX_NPZ_LOAD_RATIO, ...readerOptions }), path);
}
