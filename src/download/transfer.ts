// Fetching one file of the release into the data folder: streamed to
// `<file>.part`, resumed with `Range: bytes=<have>-` (starting over when the
// server answers 200 instead of 206), checked against the size in the file
// list, renamed into place atomically. Dropped connections, stalls and 5xx
// answers are retried with exponential backoff; a .part is kept across
// failures so the same command resumes it.

import { type FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { isDiskFull } from "../file-writes.js";
import { pausePoint } from "../test-hooks.js";
import { describeUrl } from "./endpoints.js";
import { DownloadError } from "./errors.js";
import type { DownloadEvent, DownloadedFile } from "./events.js";
import { discard, isHtmlResponse, looksLikeHtml, NetworkError, networkReason, type Session } from "./http.js";

export interface RetryPolicy {
  /** Retries after consecutive transient failures (progress resets the count). */
  retries: number;
  /** First backoff delay; doubles on each consecutive failure. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Abort an attempt when no byte arrives for this long. */
  idleTimeoutMs: number;
}

export interface TransferJob {
  session: Session;
  url: URL;
  file: string;
  destPath: string;
  expectedBytes: number;
  policy: RetryPolicy;
  emit: (e: DownloadEvent) => void;
  /** Logs in again (once per file) when the session was lost mid-run. */
  relogin: () => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

/** A failure worth retrying; `bytes` were written before it happened. */
class TransientFailure extends Error {
  constructor(
    readonly reason: string,
    readonly bytes: number,
  ) {
    super(reason);
  }
}

/** The server answered with a login page or refused access: log in again once. */
class SessionLost extends Error {
  constructor(readonly error: DownloadError) {
    super(error.message);
  }
}

/** The transfer must start over from byte 0 (not counted as a failure). */
class StartOver extends Error {
  constructor(
    readonly reason: string,
    readonly bytes: number,
  ) {
    super(reason);
  }
}

const WRITE_BATCH_BYTES = 1 << 20;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Size of a regular file, or undefined when absent. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError(e, `reading ${path}`);
  }
}

export function partPathOf(destPath: string): string {
  return `${destPath}.part`;
}

export async function transferFile(job: TransferJob): Promise<DownloadedFile> {
  const { file, destPath, expectedBytes, policy } = job;
  const sleep = job.sleep ?? defaultSleep;
  const partPath = partPathOf(destPath);
  if ((await fileSize(destPath)) === expectedBytes) {
    job.emit({
      type: "file-done",
      file,
      path: destPath,
      sizeBytes: expectedBytes,
      transferredBytes: 0,
      skipped: true,
    });
    return {
      file,
      path: destPath,
      sizeBytes: expectedBytes,
      status: "skipped",
      transferredBytes: 0,
      retries: 0,
    };
  }
  const initialPart = (await fileSize(partPath)) ?? 0;
  let resumed = initialPart > 0 && initialPart <= expectedBytes;
  job.emit({ type: "file-start", file, sizeBytes: expectedBytes, offsetBytes: resumed ? initialPart : 0 });

  let transferred = 0;
  let retries = 0;
  let consecutiveFailures = 0;
  let relogged = false;
  for (;;) {
    let have = (await fileSize(partPath)) ?? 0;
    if (have > expectedBytes) {
      await removeFile(partPath);
      job.emit({
        type: "restart",
        file,
        reason: `${partPath} (${have} bytes) is larger than the listed size`,
        discardedBytes: 0, // never counted as present (see PlannedFile.haveBytes)
      });
      have = 0;
      resumed = false;
    }
    if (have === expectedBytes) break;
    try {
      const done = await attempt(job, partPath, have);
      transferred += done.written;
      if (done.restarted) resumed = false;
      break;
    } catch (e) {
      if (e instanceof StartOver) {
        transferred += e.bytes;
        resumed = false;
        await removeFile(partPath);
        job.emit({ type: "restart", file, reason: e.reason, discardedBytes: have + e.bytes });
        continue;
      }
      if (e instanceof SessionLost) {
        if (relogged) throw e.error;
        relogged = true;
        await job.relogin();
        continue;
      }
      if (!(e instanceof TransientFailure)) throw e;
      transferred += e.bytes;
      consecutiveFailures = e.bytes > 0 ? 1 : consecutiveFailures + 1;
      if (consecutiveFailures > policy.retries) {
        const kept = (await fileSize(partPath)) ?? 0;
        throw new DownloadError(
          "DOWNLOAD_INTERRUPTED",
          `download of ${file} failed after ${policy.retries} retries (${e.reason}); ${kept} of ${expectedBytes} bytes are kept in ${partPath}: run the same command again to resume`,
        );
      }
      retries++;
      const delayMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (consecutiveFailures - 1));
      job.emit({
        type: "retry",
        file,
        attempt: consecutiveFailures,
        maxRetries: policy.retries,
        delayMs,
        reason: e.reason,
      });
      await sleep(delayMs);
    }
  }

  const finalSize = await fileSize(partPath);
  if (finalSize !== expectedBytes) {
    throw new DownloadError(
      "DOWNLOAD_SIZE",
      `${partPath} has ${finalSize ?? 0} bytes, the file list says ${expectedBytes}`,
    );
  }
  try {
    await rename(partPath, destPath);
  } catch (e) {
    throw ioError(e, `moving ${partPath} to ${destPath}`);
  }
  job.emit({
    type: "file-done",
    file,
    path: destPath,
    sizeBytes: expectedBytes,
    transferredBytes: transferred,
    skipped: false,
  });
  return {
    file,
    path: destPath,
    sizeBytes: expectedBytes,
    status: resumed ? "resumed" : "downloaded",
    transferredBytes: transferred,
    retries,
  };
}

/**
 * One HTTP request for the rest of the file, appended to the .part file.
 * Resolves to the bytes written (and whether the server made it start over
 * from byte 0) when the file is complete; throws
 * TransientFailure / StartOver / SessionLost / DownloadError otherwise.
 */
async function attempt(
  job: TransferJob,
  partPath: string,
  have: number,
): Promise<{ written: number; restarted: boolean }> {
  const { url, file, expectedBytes } = job;
  const where = describeUrl(url);
  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(), job.policy.idleTimeoutMs);
  };
  armIdleTimer();
  let fh: FileHandle | undefined;
  let written = 0;
  let restarted = false;
  try {
    let response: Response;
    try {
      ({ response } = await job.session.request(url, {
        headers: have > 0 ? { range: `bytes=${have}-` } : {},
        signal: controller.signal,
      }));
    } catch (e) {
      if (e instanceof NetworkError) throw new TransientFailure(e.reason, 0);
      throw e;
    }
    const status = response.status;
    if (status !== 200 && status !== 206) {
      const contentRange = response.headers.get("content-range");
      await discard(response);
      if (status === 404) {
        throw new DownloadError(
          "DOWNLOAD_NOT_FOUND",
          `${where} does not exist on the server (HTTP 404, path ${url.pathname})`,
        );
      }
      if (status === 401 || status === 403) {
        throw new SessionLost(
          new DownloadError(
            "DOWNLOAD_AUTH",
            `${where} refused access (HTTP ${status}): CRCNS did not accept the login for this file`,
          ),
        );
      }
      if (status === 416 && have > 0) {
        const total = /\/(\d+)\s*$/.exec(contentRange ?? "")?.[1];
        if (total !== undefined && Number(total) !== expectedBytes)
          throw await wrongSize(job, partPath, Number(total), true);
        throw new StartOver(`the server refused to resume at byte ${have} (HTTP 416)`, 0);
      }
      if (status >= 500 || status === 429 || status === 408)
        throw new TransientFailure(`server error HTTP ${status}`, 0);
      throw new DownloadError("DOWNLOAD_HTTP", `${where} answered HTTP ${status} where ${file} was expected`);
    }
    if (isHtmlResponse(response)) {
      await discard(response);
      throw new SessionLost(htmlInsteadOfZip(job));
    }
    let start = have;
    if (status === 206) {
      const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(response.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== have) {
        await discard(response);
        throw new StartOver(`the server answered a resume at byte ${have} with a different range`, 0);
      }
      if (m[3] !== "*" && Number(m[3]) !== expectedBytes) {
        await discard(response);
        throw await wrongSize(job, partPath, Number(m[3]), true);
      }
    } else if (have > 0) {
      // 200 to a Range request: the body is the whole file, so take it from byte 0.
      start = 0;
      restarted = true;
      job.emit({
        type: "restart",
        file,
        reason: `the server ignored the request to resume at byte ${have} (answered 200, not 206)`,
        discardedBytes: have,
      });
    }
    const lengthHeader = response.headers.get("content-length");
    if (
      lengthHeader !== null &&
      /^\d+$/.test(lengthHeader) &&
      start + Number(lengthHeader) !== expectedBytes
    ) {
      await discard(response);
      throw await wrongSize(job, partPath, start + Number(lengthHeader), have > 0);
    }
    if (!response.body) throw new TransientFailure("empty response", 0);

    try {
      fh = await open(partPath, start === 0 ? "w" : "a");
    } catch (e) {
      await discard(response);
      throw ioError(e, `opening ${partPath}`);
    }
    const reader = response.body.getReader();
    const handle = fh;
    // Chunks are written in batches of about WRITE_BATCH_BYTES: one write per
    // network chunk (~64 KB) halves the throughput on a fast link.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const batch = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
      pending = [];
      await writeAll(handle, batch, partPath, start + written, expectedBytes);
      written += batch.byteLength;
      pendingBytes = 0;
    };
    let received = 0;
    let first = start === 0;
    for (;;) {
      let step: { done: boolean; value?: unknown };
      try {
        step = await reader.read();
      } catch (e) {
        await flush();
        throw new TransientFailure(networkReason(e), written);
      }
      if (step.done) break;
      const chunk = step.value as Uint8Array;
      armIdleTimer();
      if (first && chunk.byteLength > 0) {
        first = false;
        if (looksLikeHtml(chunk)) {
          await reader.cancel().catch(() => undefined);
          throw new SessionLost(htmlInsteadOfZip(job));
        }
      }
      if (start + received + chunk.byteLength > expectedBytes) {
        await reader.cancel().catch(() => undefined);
        await fh.close().catch(() => undefined);
        fh = undefined;
        throw await wrongSize(job, partPath, undefined, true, start + received + chunk.byteLength);
      }
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      received += chunk.byteLength;
      if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
      job.emit({
        type: "bytes",
        file,
        fileBytes: start + received,
        sizeBytes: expectedBytes,
        deltaBytes: chunk.byteLength,
      });
    }
    await flush();
    if (start + written < expectedBytes) {
      throw new TransientFailure(
        `the connection closed after ${start + written} of ${expectedBytes} bytes`,
        written,
      );
    }
    try {
      await fh.sync();
    } catch (e) {
      throw writeError(e, partPath, start + written, expectedBytes);
    }
    return { written, restarted };
  } finally {
    clearTimeout(idleTimer);
    if (fh) await fh.close().catch(() => undefined);
  }
}

async function writeAll(
  fh: FileHandle,
  chunk: Uint8Array,
  partPath: string,
  have: number,
  expectedBytes: number,
): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    try {
      const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    } catch (e) {
      throw writeError(e, partPath, have + offset, expectedBytes);
    }
  }
  await pausePoint("download-part");
}

function writeError(e: unknown, partPath: string, keptBytes: number, expectedBytes: number): DownloadError {
  const code = (e as NodeJS.ErrnoException).code;
  if (isDiskFull(e)) {
    return new DownloadError(
      "DOWNLOAD_DISK_FULL",
      `no space left on the device while writing ${partPath} (${code}); the ${keptBytes} of ${expectedBytes} bytes received are kept: free some space and run the same command again to resume`,
      { cause: e },
    );
  }
  return ioError(e, `writing ${partPath}`);
}

function ioError(e: unknown, doing: string): DownloadError {
  const err = e as NodeJS.ErrnoException;
  return new DownloadError("DOWNLOAD_IO", `failed ${doing}: ${err.code ?? err.message ?? String(e)}`, {
    cause: e,
  });
}

function htmlInsteadOfZip(job: TransferJob): DownloadError {
  return new DownloadError(
    "DOWNLOAD_HTML",
    `${describeUrl(job.url)} sent an HTML page instead of ${job.file}: CRCNS rejected the credentials or the file is missing`,
  );
}

/** The .part is removed: its bytes cannot be trusted to belong to the listed file. */
async function wrongSize(
  job: TransferJob,
  partPath: string,
  serverBytes: number | undefined,
  hadPart: boolean,
  atLeast?: number,
): Promise<DownloadError> {
  const got = serverBytes !== undefined ? `${serverBytes} bytes` : `more than ${(atLeast ?? 0) - 1} bytes`;
  await rm(partPath, { force: true }).catch(() => undefined);
  return new DownloadError(
    "DOWNLOAD_SIZE",
    `${describeUrl(job.url)} has the wrong size: the server sends ${got}, the file list says ${job.expectedBytes}${hadPart ? `; ${partPath} was discarded` : ""}`,
  );
}

async function removeFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (e) {
    throw ioError(e, `removing ${path}`);
  }
}
