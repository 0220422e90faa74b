// The zip core, below both the archive layer (release zips) and the export
// layer (.npz files): reading a zip's central directory (zip64 included) with
// caps on every count and size, entry-name and type safety, and members read
// whole, into the caller's buffers, by prefix or as a stream, each with a
// caller-chosen cap, inflated and verified (size and CRC-32).
//   ZipReader.open(source, { limits, toError }) -> entries, readEntry, readEntryInto,
//     readEntryPrefix, openEntryStream
//   FileSource / BufferSource: the bytes of a zip on disk or in memory
// Failures are ZipFault (kind, entry, problem); each caller maps them to its
// own errors with `toError`.

export { BufferSource, type ByteSource, FileSource, readFully } from "./byte-source.js";
export { crc32 } from "./crc32.js";
export type { CentralRecord } from "./directory.js";
export { reasonOf, type ZipErrorFactory, ZipFault, type ZipFaultKind } from "./fault.js";
export { DEFAULT_OPEN_LIMITS, type ZipOpenLimits } from "./limits.js";
export { type CheckedEntryName, checkEntryName, type EntryNameRules, unsafePathReason } from "./names.js";
export {
  type CappedReadOptions,
  type ReadOptions,
  type StreamOptions,
  type ZipEntry,
  type ZipOpenOptions,
  ZipReader,
} from "./zip-reader.js";
