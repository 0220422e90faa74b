// Errors of the CRCNS download client. Every failure a user can cause or meet
// (missing credentials, rejected login, HTML instead of a zip, 404, full disk,
// a transfer that keeps dropping, a size that disagrees with the file list)
// has its own code so callers can tell them apart, and a one-line message
// that says what to do. Messages never contain credentials, request bodies or
// URLs with user information (see describeUrl in endpoints.ts).

import { Ac1Error } from "../errors.js";

/** Machine-readable codes of DownloadError, one per kind of failure. */
export const DOWNLOAD_ERROR_CODES = [
  /** No username or password from arguments, environment or a terminal. */
  "DOWNLOAD_CREDENTIALS",
  /** CRCNS did not accept the login (no "logged in as" page afterwards). */
  "DOWNLOAD_AUTH",
  /** An HTML page arrived where a zip or the file list was expected. */
  "DOWNLOAD_HTML",
  /** The server answered 404 for a path. */
  "DOWNLOAD_NOT_FOUND",
  /** Any other unexpected HTTP status (after retries for 5xx). */
  "DOWNLOAD_HTTP",
  /** CRCNS could not be reached (login, file list) after retries. */
  "DOWNLOAD_NETWORK",
  /** The connection kept dropping; the .part file is kept for resuming. */
  "DOWNLOAD_INTERRUPTED",
  /** The server sent a different number of bytes than the file list says. */
  "DOWNLOAD_SIZE",
  /** No space left on the device holding the data folder. */
  "DOWNLOAD_DISK_FULL",
  /** Another local file-system failure (permissions, read-only folder). */
  "DOWNLOAD_IO",
  /** The file list is missing an entry or cannot be read. */
  "DOWNLOAD_FILELIST",
  /** Another download holds the data folder's lock. */
  "DOWNLOAD_BUSY",
  /** An endpoint or redirect that is not HTTPS to an allowed host. */
  "DOWNLOAD_URL",
] as const;

export type DownloadErrorCode = (typeof DOWNLOAD_ERROR_CODES)[number];

export class DownloadError extends Ac1Error {
  declare readonly code: DownloadErrorCode;
  constructor(code: DownloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "DownloadError";
  }
}

/** Where to get an account, for messages about credentials. */
export const CRCNS_REGISTER_URL = "https://crcns.org/register";
