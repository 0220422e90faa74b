// Errors of the CRCNS download client: DownloadError, with one code per kind
// of failure a user can cause or meet (missing credentials, rejected login,
// HTML instead of a zip, 404, full disk, a transfer that keeps dropping, a
// size that disagrees with the file list; see AC1_ERROR_CODES in
// src/errors.ts, where the class lives), and a one-line message that says
// what to do. Messages never contain credentials, request bodies or URLs with
// user information (see describeUrl in endpoints.ts).

export { DownloadError, type DownloadErrorCode } from "../errors.js";

/** Where to get an account, for messages about credentials. */
export const CRCNS_REGISTER_URL = "https://crcns.org/register";
