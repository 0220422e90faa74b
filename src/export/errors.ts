// The export layer's error, ExportError: anything wrong with a .npy/.npz file
// or an export (unreadable or hostile input, a dataset that cannot be
// represented, a failed write). Defined with every other error class in
// src/errors.ts and re-exported here for the layer's own imports.

export { ExportError } from "../errors.js";
