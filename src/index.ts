// The ac1 package root: the public API.
export { Ac1Error, OptionError } from "./errors.js";
export type * from "./mat/value.js";
export type * from "./ac1/types.js";
export type * from "./dataset/model.js";
