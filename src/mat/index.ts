// Public API of the MAT-file layer: read Level 5/4 files (v7.3 detected and
// rejected), write Level 5 files, build and inspect MatValue trees, convert to
// the interchange JSON.

export * from "./access.js";
export * from "./build.js";
export { MatError } from "./errors.js";
export type { MatFile, MatHeader, VariableInfo } from "./file.js";
export type { JsonValue } from "./json.js";
export { matJsonChunks, matToJson, valueToJson } from "./json.js";
export { type MatOpenOptions, type MatReadLimits, openMat, openMatFile } from "./reader.js";
export * from "./value.js";
export type { WriteMatOptions } from "./writer.js";
export { writeMat } from "./writer.js";
