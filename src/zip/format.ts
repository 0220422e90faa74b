// The zip format's fixed numbers (APPNOTE.TXT 4.3, 4.4, 4.5), shared by the
// reader (directory.ts, local-header.ts) and the writer's records
// (records.ts), so both sides speak the same format by construction.

export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const CENTRAL_SIGNATURE = 0x02014b50;
export const EOCD_SIGNATURE = 0x06054b50;
export const ZIP64_EOCD_SIGNATURE = 0x06064b50;
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
/** Extra field ids: zip64 sizes and offsets; Info-ZIP's Unicode path. */
export const ZIP64_EXTRA_ID = 0x0001;
export const UNICODE_PATH_EXTRA_ID = 0x7075;
/** General purpose flag bit 11: the name is UTF-8. */
export const FLAG_UTF8 = 0x800;
/** Fixed sizes of the end records. */
export const EOCD_BYTES = 22;
export const ZIP64_LOCATOR_BYTES = 20;
export const ZIP64_EOCD_BYTES = 56;
/** The longest zip comment (its length is a 16-bit field). */
export const MAX_ZIP_COMMENT_BYTES = 0xffff;
