// Progress events and the final summary of a download run. The download layer
// only reports through these; rendering (progress bar, lines on stderr) is the
// caller's business (the CLI uses ProgressBar).

export interface PlannedFile {
  file: string;
  /** Size from the file list. */
  sizeBytes: number;
  /** Bytes already present: the complete file, or a .part to resume. */
  haveBytes: number;
  complete: boolean;
}

export type DownloadEvent =
  /** Logging in at the login URL (no credentials in the event). */
  | { type: "login"; url: string }
  /** Logged in; the file list was read. */
  | { type: "plan"; files: PlannedFile[]; toTransferBytes: number }
  /** A file is about to be fetched, resuming at offsetBytes. */
  | { type: "file-start"; file: string; sizeBytes: number; offsetBytes: number }
  /** Bytes arrived: fileBytes is the file's position, deltaBytes what this chunk added. */
  | { type: "bytes"; file: string; fileBytes: number; sizeBytes: number; deltaBytes: number }
  /**
   * The transfer starts over from byte 0 (server ignored Range, stale .part).
   * discardedBytes: bytes already counted as present or received that must be
   * fetched again (add them to the total still to transfer).
   */
  | { type: "restart"; file: string; reason: string; discardedBytes: number }
  /** A transient failure; the next attempt starts after delayMs. */
  | { type: "retry"; file: string; attempt: number; maxRetries: number; delayMs: number; reason: string }
  /** The file is complete and in place (skipped: it already was). */
  | {
      type: "file-done";
      file: string;
      path: string;
      sizeBytes: number;
      transferredBytes: number;
      skipped: boolean;
    };

export interface DownloadedFile {
  file: string;
  /** Absolute path of the complete file. */
  path: string;
  sizeBytes: number;
  /** "skipped": already complete; "resumed": continued a .part; "downloaded": fetched from byte 0. */
  status: "downloaded" | "resumed" | "skipped";
  /** Bytes received over the network for this file in this run. */
  transferredBytes: number;
  /** Retries after transient failures. */
  retries: number;
}

export interface DownloadSummary {
  dataDir: string;
  files: DownloadedFile[];
  transferredBytes: number;
  elapsedMs: number;
}
