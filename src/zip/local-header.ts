// The zip local file header (APPNOTE 4.3.7): the 30 fixed bytes before each
// member's data, whose name and extra-field lengths say where the data
// starts (they need not equal the central directory's).

import { LOCAL_HEADER_SIGNATURE } from "./format.js";

/** Size of the fixed part of a local file header. */
export const LOCAL_HEADER_BYTES = 30;

/**
 * Absolute offset of a member's data, given the first LOCAL_HEADER_BYTES of
 * its local header (read at `headerOffset`); undefined when the signature is
 * wrong. The caller checks `header` is complete and the data within the file.
 */
export function localDataStart(header: Uint8Array, headerOffset: number): number | undefined {
  const dv = new DataView(header.buffer, header.byteOffset, LOCAL_HEADER_BYTES);
  if (dv.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) return undefined;
  return headerOffset + LOCAL_HEADER_BYTES + dv.getUint16(26, true) + dv.getUint16(28, true);
}
