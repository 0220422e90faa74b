// The MAT layer's error, MatError ("<file>: byte <offset>: <problem>"),
// defined with every other error class in src/errors.ts and re-exported here
// for the layer's own imports.

export { MatError } from "../errors.js";
