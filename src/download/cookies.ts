// A small in-memory cookie jar for the CRCNS session: parses Set-Cookie
// headers (RFC 6265 attributes Domain, Path, Expires, Max-Age, Secure) and
// builds the Cookie header for a request. Cookies live only in memory; they
// are never written to disk or printed.
//
// Domain matching is deliberately "liberal" like Python's http.cookiejar
// (which CRCNS's own downloader relies on): a cookie set by crcns.org without
// a Domain attribute is also sent to download.crcns.org. The jar is only ever
// used with the allowed CRCNS hosts (see HostPolicy), so this cannot leak the
// session elsewhere.

import { isLoopbackHost } from "./endpoints.js";

interface StoredCookie {
  name: string;
  value: string;
  /** Lower-case domain without a leading dot. */
  domain: string;
  path: string;
  secure: boolean;
  /** Expiry time in ms since the epoch; undefined for a session cookie. */
  expiresMs: number | undefined;
  createdSeq: number;
}

export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of live cookies (for tests and diagnostics; never their values). */
  get size(): number {
    this.evictExpired();
    return this.cookies.size;
  }

  /** Stores every cookie of a response's Set-Cookie header lines. */
  storeAll(setCookieLines: readonly string[], requestUrl: URL): void {
    for (const line of setCookieLines) this.store(line, requestUrl);
  }

  /** Stores one Set-Cookie header line received from `requestUrl`; ignores invalid ones. */
  store(setCookie: string, requestUrl: URL): void {
    const parts = setCookie.split(";");
    const pair = parts[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    // The value is kept as sent, quotes included (RFC 6265; Plone quotes __ac).
    const value = pair.slice(eq + 1).trim();
    if (name === "") return;
    const host = requestUrl.hostname.toLowerCase();
    let domain = host;
    let path: string | undefined;
    let secure = false;
    let expiresMs: number | undefined;
    let maxAgeSeen = false;
    for (const attr of parts.slice(1)) {
      const i = attr.indexOf("=");
      const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? "" : attr.slice(i + 1).trim();
      if (key === "domain" && val !== "") {
        const d = val.replace(/^\./, "").toLowerCase();
        if (!domainMatches(host, d)) return; // a server may not set cookies for other domains
        domain = d;
      } else if (key === "path" && val.startsWith("/")) {
        path = val;
      } else if (key === "secure") {
        secure = true;
      } else if (key === "max-age" && /^-?\d+$/.test(val)) {
        maxAgeSeen = true;
        const s = Number(val);
        expiresMs = s <= 0 ? 0 : this.now() + s * 1000;
      } else if (key === "expires" && !maxAgeSeen) {
        const t = Date.parse(val);
        if (Number.isFinite(t)) expiresMs = t;
      }
    }
    const cookie: StoredCookie = {
      name,
      value,
      domain,
      path: path ?? defaultPath(requestUrl.pathname),
      secure,
      expiresMs,
      createdSeq: this.seq++,
    };
    const key = `${cookie.domain};${cookie.path};${cookie.name}`;
    const old = this.cookies.get(key);
    if (old) cookie.createdSeq = old.createdSeq;
    if (expiresMs !== undefined && expiresMs <= this.now()) this.cookies.delete(key);
    else this.cookies.set(key, cookie);
  }

  /** The Cookie header value for a request to `url`, or undefined when none applies. */
  headerFor(url: URL): string | undefined {
    this.evictExpired();
    const host = url.hostname.toLowerCase();
    const secureChannel = url.protocol === "https:" || isLoopbackHost(host);
    const matching = [...this.cookies.values()].filter(
      (c) =>
        domainMatches(host, c.domain) && pathMatches(url.pathname, c.path) && (!c.secure || secureChannel),
    );
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => b.path.length - a.path.length || a.createdSeq - b.createdSeq);
    return matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }

  private evictExpired(): void {
    const t = this.now();
    for (const [key, c] of this.cookies)
      if (c.expiresMs !== undefined && c.expiresMs <= t) this.cookies.delete(key);
  }
}

/** True when `host` is `domain` or a subdomain of it (never for IP addresses unless equal). */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  if (/^[\d.]+$/.test(host) || host.includes(":")) return false;
  return host.endsWith(`.${domain}`);
}

/** RFC 6265 section 5.1.4 path-match. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** RFC 6265 section 5.1.4 default-path. */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith("/")) return "/";
  const last = requestPath.lastIndexOf("/");
  return last <= 0 ? "/" : requestPath.slice(0, last);
}
