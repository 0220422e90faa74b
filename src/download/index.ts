// The CRCNS download client (archive.md, "Download"): logs in to crcns.org,
// checks the session, reads the dataset's file list and fetches the three
// release zips into the data folder, resuming partial files and skipping
// complete ones. Public API: downloadRelease, resolveCredentials,
// terminalPrompt, DownloadError and the event/summary types.

import { mkdir, statfs } from "node:fs/promises";
import { join, resolve } from "node:path";
import { RELEASE_ZIPS } from "../archive/location.js";
import { OptionError } from "../errors.js";
import { type Credentials, type Prompt, resolveCredentials } from "./credentials.js";
import { datasetUrl, describeUrl, type Endpoints, HostPolicy, resolveEndpoints } from "./endpoints.js";
import { CRCNS_REGISTER_URL, DownloadError } from "./errors.js";
import type { DownloadEvent, DownloadedFile, DownloadSummary, PlannedFile } from "./events.js";
import { findEntry, parseFileList } from "./filelist.js";
import {
  discard,
  type FetchLike,
  isHtmlResponse,
  NetworkError,
  readText,
  Session,
  type SessionRequest,
} from "./http.js";
import { lockDataDir } from "./lock.js";
import { fileSize, partPathOf, type RetryPolicy, transferFile } from "./transfer.js";

export { type Credentials, type Prompt, resolveCredentials, terminalPrompt } from "./credentials.js";
export { DEFAULT_DOWNLOAD_BASE, DEFAULT_LOGIN_URL, resolveEndpoints } from "./endpoints.js";
export { CRCNS_REGISTER_URL, DownloadError, type DownloadErrorCode } from "./errors.js";
export type { DownloadEvent, DownloadedFile, DownloadSummary, PlannedFile } from "./events.js";

export interface DownloadOptions {
  /** Folder the zips go into (created if needed). */
  dataDir: string;
  username?: string;
  password?: string;
  /** Default: AC1_CRCNS_LOGIN_URL, else https://crcns.org/login_form. */
  loginUrl?: string;
  /** Default: AC1_CRCNS_DOWNLOAD_BASE, else https://download.crcns.org. */
  downloadBase?: string;
  /** Which files of the dataset folder to fetch; default the three release zips. */
  files?: readonly string[];
  /** Retries after consecutive transient failures per file (default 5). */
  retries?: number;
  /** First retry delay in ms, doubling per consecutive failure (default 1000). */
  backoffMs?: number;
  /** Upper bound of the retry delay in ms (default 30000). */
  maxBackoffMs?: number;
  /** Give up an attempt when no byte arrives for this long, in ms (default 60000). */
  idleTimeoutMs?: number;
  onEvent?: (e: DownloadEvent) => void;
  /** Asks for missing credentials; pass terminalPrompt() on a terminal, nothing otherwise. */
  prompt?: Prompt;
  /** Environment for credentials and endpoints (default process.env). */
  env?: Record<string, string | undefined>;
  /** fetch replacement (default the global fetch). */
  fetch?: FetchLike;
}

const LOGIN_MARKER = /logged in as/i;

/** Downloads the release zips into `opts.dataDir`; resolves to what was done. */
export async function downloadRelease(opts: DownloadOptions): Promise<DownloadSummary> {
  const started = Date.now();
  let secret: string | undefined;
  try {
    const env = opts.env ?? process.env;
    const files = checkFileNames(opts.files ?? RELEASE_ZIPS);
    const policy: RetryPolicy = {
      retries: checkCount(opts.retries ?? 5, "retries"),
      backoffMs: checkCount(opts.backoffMs ?? 1000, "backoffMs"),
      maxBackoffMs: checkCount(opts.maxBackoffMs ?? 30_000, "maxBackoffMs"),
      idleTimeoutMs: Math.max(1, checkCount(opts.idleTimeoutMs ?? 60_000, "idleTimeoutMs")),
    };
    const endpoints = resolveEndpoints({ loginUrl: opts.loginUrl, downloadBase: opts.downloadBase }, env);
    const credentials = await resolveCredentials({
      username: opts.username,
      password: opts.password,
      env,
      prompt: opts.prompt,
    });
    secret = credentials.password;
    const dataDir = resolve(opts.dataDir);
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (e) {
      throw new DownloadError(
        "DOWNLOAD_IO",
        `cannot create the data folder ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
    const unlock = await lockDataDir(dataDir);
    try {
      return await fetchAll(opts, dataDir, files, endpoints, credentials, policy, started);
    } finally {
      await unlock();
    }
  } catch (e) {
    throw scrub(e, secret);
  }
}

/** Logs in, reads the file list and fetches every file not yet complete. */
async function fetchAll(
  opts: DownloadOptions,
  dataDir: string,
  files: readonly string[],
  endpoints: Endpoints,
  credentials: Credentials,
  policy: RetryPolicy,
  started: number,
): Promise<DownloadSummary> {
  const emit = opts.onEvent ?? (() => undefined);
  const client = new CrcnsClient(endpoints, credentials, policy, emit, opts.fetch);

  await client.login();
  const listUrl = datasetUrl(endpoints, "filelist.txt");
  const entries = parseFileList(await client.getPage(listUrl, "the file list"));

  const planned: PlannedFile[] = [];
  for (const file of files) {
    const { sizeBytes } = findEntry(entries, file, describeUrl(listUrl));
    const dest = join(dataDir, file);
    const complete = (await fileSize(dest)) === sizeBytes;
    const part = complete ? 0 : ((await fileSize(partPathOf(dest))) ?? 0);
    planned.push({
      file,
      sizeBytes,
      haveBytes: complete ? sizeBytes : part <= sizeBytes ? part : 0,
      complete,
    });
  }
  const toTransferBytes = planned.reduce((sum, p) => sum + p.sizeBytes - p.haveBytes, 0);
  emit({ type: "plan", files: planned, toTransferBytes });
  await checkFreeSpace(dataDir, toTransferBytes);

  const done: DownloadedFile[] = [];
  for (const p of planned) {
    done.push(
      await transferFile({
        session: client.session,
        url: datasetUrl(endpoints, p.file),
        file: p.file,
        destPath: join(dataDir, p.file),
        expectedBytes: p.sizeBytes,
        policy,
        emit,
        relogin: () => client.login(),
      }),
    );
  }
  return {
    dataDir,
    files: done,
    transferredBytes: done.reduce((sum, f) => sum + f.transferredBytes, 0),
    elapsedMs: Date.now() - started,
  };
}

/** Login, session check and small pages, with retries on network errors and 5xx. */
class CrcnsClient {
  readonly session: Session;

  constructor(
    private readonly endpoints: Endpoints,
    private readonly credentials: Credentials,
    private readonly policy: RetryPolicy,
    private readonly emit: (e: DownloadEvent) => void,
    fetchImpl?: FetchLike,
  ) {
    this.session = new Session(new HostPolicy(endpoints), fetchImpl);
  }

  /** POSTs the login form, then checks that the dataset page says "logged in as". */
  async login(): Promise<void> {
    const { loginUrl } = this.endpoints;
    this.emit({ type: "login", url: describeUrl(loginUrl) });
    const form = {
      "form.submitted": "1",
      js_enabled: "0",
      pwd_empty: "0",
      __ac_name: this.credentials.username,
      __ac_password: this.credentials.password,
      submit: "Log in",
    };
    const answer = await this.request(loginUrl, { method: "POST", form }, "the login form");
    await discard(answer);
    if (answer.status === 404) {
      throw new DownloadError(
        "DOWNLOAD_NOT_FOUND",
        `the login form ${describeUrl(loginUrl)} does not exist (HTTP 404)`,
      );
    }
    const checkUrl = datasetUrl(this.endpoints, "");
    const page = await this.request(checkUrl, {}, "the dataset page");
    if (page.status === 404) {
      await discard(page);
      throw new DownloadError(
        "DOWNLOAD_NOT_FOUND",
        `the dataset page ${describeUrl(checkUrl)} does not exist (HTTP 404)`,
      );
    }
    let text = "";
    if (page.status === 200) text = await this.readBody(page, checkUrl);
    else await discard(page);
    if (!LOGIN_MARKER.test(text)) {
      throw new DownloadError(
        "DOWNLOAD_AUTH",
        `CRCNS rejected the login: ${describeUrl(checkUrl)} does not show "logged in as" after signing in at ${describeUrl(loginUrl)}; check the user name and password (free account: ${CRCNS_REGISTER_URL})`,
      );
    }
  }

  /** GETs a small text page that must not be HTML (the file list). */
  async getPage(url: URL, what: string): Promise<string> {
    const response = await this.request(url, {}, what);
    if (response.status === 404) {
      await discard(response);
      throw new DownloadError(
        "DOWNLOAD_NOT_FOUND",
        `${what} ${describeUrl(url)} does not exist (HTTP 404, path ${url.pathname})`,
      );
    }
    if (response.status !== 200) {
      await discard(response);
      throw new DownloadError(
        "DOWNLOAD_HTTP",
        `${what} ${describeUrl(url)} answered HTTP ${response.status}`,
      );
    }
    if (isHtmlResponse(response)) {
      await discard(response);
      throw new DownloadError(
        "DOWNLOAD_HTML",
        `${describeUrl(url)} sent an HTML page instead of ${what}: CRCNS rejected the credentials or the list is missing`,
      );
    }
    return this.readBody(response, url);
  }

  private async readBody(response: Response, url: URL): Promise<string> {
    try {
      return await readText(response);
    } catch (e) {
      if (e instanceof NetworkError)
        throw new DownloadError("DOWNLOAD_NETWORK", `cannot read ${describeUrl(url)}: ${e.reason}`);
      throw e;
    }
  }

  /** A request retried on network failures and 5xx answers; resolves to the final response. */
  private async request(url: URL, req: SessionRequest, what: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const { response } = await this.session.request(url, {
          ...req,
          signal: AbortSignal.timeout(this.policy.idleTimeoutMs),
        });
        if (response.status < 500) return response;
        await discard(response);
        reason = `HTTP ${response.status}`;
        if (attempt >= this.policy.retries) {
          throw new DownloadError(
            "DOWNLOAD_HTTP",
            `${what} ${describeUrl(url)} answered ${reason} after ${attempt + 1} attempt(s)`,
          );
        }
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        reason = e.reason;
        if (attempt >= this.policy.retries) {
          throw new DownloadError(
            "DOWNLOAD_NETWORK",
            `cannot reach ${what} ${describeUrl(url)}: ${reason} (${attempt + 1} attempt(s))`,
          );
        }
      }
      const delayMs = Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** attempt);
      this.emit({
        type: "retry",
        file: what,
        attempt: attempt + 1,
        maxRetries: this.policy.retries,
        delayMs,
        reason,
      });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

function checkFileNames(files: readonly string[]): string[] {
  for (const f of files) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f)) {
      throw new DownloadError(
        "DOWNLOAD_FILELIST",
        `not a plain file name of the dataset: ${JSON.stringify(f)}`,
      );
    }
  }
  return [...new Set(files)];
}

function checkCount(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new OptionError(name, n, "a whole number >= 0");
  return n;
}

/** Refuses to start when the data folder's file system cannot hold what is left to fetch. */
async function checkFreeSpace(dataDir: string, neededBytes: number): Promise<void> {
  if (neededBytes === 0) return;
  let freeBytes: number;
  try {
    const st = await statfs(dataDir);
    freeBytes = Number(st.bavail) * Number(st.bsize);
  } catch {
    return; // not supported here: the write itself will report a full disk
  }
  if (Number.isFinite(freeBytes) && freeBytes < neededBytes) {
    throw new DownloadError(
      "DOWNLOAD_DISK_FULL",
      `not enough free space in ${dataDir}: ${neededBytes} bytes to download, ${freeBytes} available; free some space or choose another folder with --path / AC1_DATA_DIR`,
    );
  }
}

/**
 * Last line of defence: no message may carry the password (none is built
 * with it; this guards against future mistakes). Passwords shorter than
 * Plone's minimum of 5 characters would match ordinary words and are left
 * alone.
 */
function scrub(e: unknown, secret: string | undefined): unknown {
  if (secret === undefined || secret.length < 5) return e;
  const clean = (s: string) => s.split(secret).join("***");
  if (e instanceof Error) {
    if (e.message.includes(secret) || (e.stack ?? "").includes(secret)) {
      const code = e instanceof DownloadError ? e.code : "DOWNLOAD_NETWORK";
      const replacement = new DownloadError(code, clean(e.message));
      return replacement;
    }
    return e;
  }
  return typeof e === "string" ? clean(e) : e;
}
