// Public surface of the export layer: .npy/.npz primitives and the ac1-npz
// dataset export (write, full read, lazy view).

export {
  loadDatasetExport,
  openDatasetExport,
  readDatasetNpz,
  type WriteDatasetOptions,
  writeDatasetNpz,
} from "./dataset-npz.js";
export { ExportError } from "./errors.js";
export type { ExportView } from "./export-view.js";
export {
  buildManifest,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportManifest,
  FATE_CODES,
  type ManifestOptions,
  parseManifest,
} from "./manifest.js";
export type { DeflateMemo, EncodedMember } from "./member-encoding.js";
export {
  addModellerKeys,
  metadataOf,
  modellerArrays,
  parseSplit,
  REJECTED_UNINDEXED_KEY,
  rejectedRowLinks,
  SPECTROGRAM_FLOOR_DB,
  timeBlock,
} from "./modeller.js";
export { encodeNpyHeader } from "./npy.js";
export {
  allocateTypedArray,
  type NpyTypedArray,
  npyDataLength,
  npyTypedArray,
  parseDtype,
} from "./npy-dtype.js";
export { type ParsedNpy, parseNpy, parseNpyHeader } from "./npy-parse.js";
export { decodeUnicodeScalar, encodeUnicodeScalar } from "./npy-unicode.js";
export {
  MAX_WHOLE_FILE_BYTES,
  type NpzArray,
  type NpzMemberInfo,
  NpzReader,
  type NpzReaderOptions,
} from "./npz-reader.js";
export { isNpzTempName, removeUnfinishedNpzFiles } from "./npz-temp-files.js";
export { NpzWriter } from "./npz-writer.js";
export type { NpzData, NpzWriterOptions } from "./npz-writer-types.js";
