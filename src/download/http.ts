// The HTTP session used to talk to CRCNS: Node's own fetch with a cookie jar
// and redirects followed by hand (redirect: "manual"), so cookies set on a
// 302 (Plone's login answer) are kept and every hop is checked against the
// HostPolicy before anything, cookies or a form body, is sent there.

import { packageVersion } from "../version.js";
import { CookieJar } from "./cookies.js";
import { describeUrl, type HostPolicy } from "./endpoints.js";
import { DownloadError } from "./errors.js";

const MAX_REDIRECTS = 10;
const USER_AGENT = `ac1/${packageVersion()} (CRCNS-AC1 downloader; Node.js fetch)`;

export type FetchLike = (input: URL, init: RequestInit) => Promise<Response>;

export interface SessionRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Form fields for a POST (sent application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  signal?: AbortSignal;
}

/** A network-level failure (no HTTP answer): worth retrying. */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${reason}`, options);
    this.name = "NetworkError";
  }
}

export class Session {
  readonly jar: CookieJar;

  constructor(
    private readonly policy: HostPolicy,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
    jar?: CookieJar,
  ) {
    this.jar = jar ?? new CookieJar();
  }

  /**
   * Sends a request and follows redirects (only to allowed hosts), storing
   * cookies from every hop. Resolves to the final response, whose body the
   * caller must consume or cancel. Network failures become NetworkError.
   */
  async request(url: URL, req: SessionRequest = {}): Promise<{ response: Response; url: URL }> {
    let current = url;
    let method = req.method ?? "GET";
    let form = req.form;
    this.policy.check(current, "request");
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        "user-agent": USER_AGENT,
        "accept-encoding": "identity",
        ...req.headers,
      };
      const cookie = this.jar.headerFor(current);
      if (cookie !== undefined) headers.cookie = cookie;
      let body: string | undefined;
      if (method === "POST" && form !== undefined) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(form).toString();
      }
      let response: Response;
      try {
        response = await this.fetchImpl(current, {
          method,
          headers,
          body,
          redirect: "manual",
          signal: req.signal,
        });
      } catch (e) {
        throw new NetworkError(describeUrl(current), networkReason(e), { cause: e });
      }
      this.jar.storeAll(response.headers.getSetCookie(), current);
      const location = response.headers.get("location");
      if (!isRedirect(response.status) || location === null) return { response, url: current };
      await discard(response);
      if (hop >= MAX_REDIRECTS) {
        throw new DownloadError("DOWNLOAD_HTTP", `too many redirects starting at ${describeUrl(url)}`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new DownloadError("DOWNLOAD_HTTP", `${describeUrl(current)} redirected to an invalid location`);
      }
      this.policy.check(next, `a redirect from ${describeUrl(current)}`);
      // 303, and 301/302 after a POST, turn into a GET without body; 307/308 keep both.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        form = undefined;
      }
      current = next;
    }
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Reads and drops a response body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // the body is of no interest; a failure to cancel it is harmless
  }
}

/**
 * A short reason for a network failure, from error codes and undici's own
 * fixed messages (never anything that could hold a request body).
 */
export function networkReason(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur !== null && typeof cur === "object"; depth++) {
    const err = cur as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    if (err.name === "AbortError" || err.name === "TimeoutError") {
      parts.push("timed out");
      break;
    }
    if (typeof err.code === "string") parts.push(err.code);
    else if (typeof err.message === "string" && err.message !== "fetch failed" && err.message.length < 80)
      parts.push(err.message);
    cur = err.cause;
  }
  const unique = [...new Set(parts)];
  return unique.length > 0 ? `connection failed (${unique.join(", ")})` : "connection failed";
}

/** Reads a (small) text body, at most `maxBytes` bytes. */
export async function readText(response: Response, maxBytes = 4 * 1024 * 1024): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: { done: boolean; value?: unknown };
    try {
      step = await reader.read();
    } catch (e) {
      throw new NetworkError(describeUrl(response.url || "response"), networkReason(e), { cause: e });
    }
    const { done, value } = step;
    if (done) break;
    const chunk = value as Uint8Array;
    total += chunk.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new DownloadError(
        "DOWNLOAD_HTTP",
        `${describeUrl(response.url || "response")}: page larger than ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** True when a response declares itself HTML. */
export function isHtmlResponse(response: Response): boolean {
  return /\b(text\/html|application\/xhtml)/i.test(response.headers.get("content-type") ?? "");
}

/** True when the first bytes of a body look like an HTML page. */
export function looksLikeHtml(head: Uint8Array): boolean {
  const text = Buffer.from(head.subarray(0, 512)).toString("latin1").trimStart().toLowerCase();
  return (
    text.startsWith("<!doctype html") ||
    text.startsWith("<html") ||
    text.startsWith("<?xml") ||
    text.startsWith("<head")
  );
}
