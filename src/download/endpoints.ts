// The two CRCNS endpoints (login form and download base), their environment
// overrides, and the rule every request and redirect must pass: HTTPS to
// crcns.org (or whichever hosts the endpoints name, and their subdomains),
// plain HTTP only on the loopback interface (tests).

import { DownloadError } from "./errors.js";

export const DEFAULT_LOGIN_URL = "https://crcns.org/login_form";
export const DEFAULT_DOWNLOAD_BASE = "https://download.crcns.org";
/** The dataset's folder under the download base. */
export const DATASET_PATH = "ac-1";

type Env = Record<string, string | undefined>;

export interface Endpoints {
  loginUrl: URL;
  /** Download base, always ending in "/". */
  downloadBase: URL;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/** A URL as it may appear in a message: no user information, query or fragment. */
export function describeUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return "(invalid URL)";
  }
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Parses and checks one endpoint; `what` names its source for messages. */
export function parseEndpoint(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new DownloadError("DOWNLOAD_URL", `${what} is not a valid URL`);
  }
  if (u.username !== "" || u.password !== "") {
    throw new DownloadError(
      "DOWNLOAD_URL",
      `${what} must not contain a user name or password (${describeUrl(u)}); give credentials with --username/CRCNS_USERNAME and CRCNS_PASSWORD`,
    );
  }
  checkScheme(u, what);
  return u;
}

function checkScheme(u: URL, what: string): void {
  if (u.protocol === "https:") return;
  if (u.protocol === "http:" && isLoopbackHost(u.hostname)) return;
  throw new DownloadError(
    "DOWNLOAD_URL",
    `${what} ${describeUrl(u)} is not allowed: credentials and data go over HTTPS only (plain http only on 127.0.0.1/localhost)`,
  );
}

/**
 * Endpoints from explicit values, else AC1_CRCNS_LOGIN_URL /
 * AC1_CRCNS_DOWNLOAD_BASE, else the CRCNS defaults.
 */
export function resolveEndpoints(
  opts: { loginUrl?: string; downloadBase?: string },
  env: Env = process.env,
): Endpoints {
  const loginSrc =
    opts.loginUrl !== undefined ? "login URL" : env.AC1_CRCNS_LOGIN_URL ? "AC1_CRCNS_LOGIN_URL" : "login URL";
  const baseSrc =
    opts.downloadBase !== undefined
      ? "download base"
      : env.AC1_CRCNS_DOWNLOAD_BASE
        ? "AC1_CRCNS_DOWNLOAD_BASE"
        : "download base";
  const loginUrl = parseEndpoint(opts.loginUrl ?? (env.AC1_CRCNS_LOGIN_URL || DEFAULT_LOGIN_URL), loginSrc);
  const downloadBase = parseEndpoint(
    opts.downloadBase ?? (env.AC1_CRCNS_DOWNLOAD_BASE || DEFAULT_DOWNLOAD_BASE),
    baseSrc,
  );
  downloadBase.search = "";
  downloadBase.hash = "";
  if (!downloadBase.pathname.endsWith("/")) downloadBase.pathname += "/";
  return { loginUrl, downloadBase };
}

/** URL of `<base>/ac-1/<rest>` (rest "" gives the dataset page `<base>/ac-1`). */
export function datasetUrl(endpoints: Endpoints, rest: string): URL {
  const path =
    rest === "" ? DATASET_PATH : `${DATASET_PATH}/${rest.split("/").map(encodeURIComponent).join("/")}`;
  return new URL(path, endpoints.downloadBase);
}

/**
 * Which hosts requests and redirects may reach: the endpoints' own hosts and,
 * for names (not IP addresses), their subdomains; with HTTPS, or plain HTTP
 * on loopback only.
 */
export class HostPolicy {
  private readonly hosts: string[];

  constructor(endpoints: Endpoints) {
    this.hosts = [
      ...new Set([endpoints.loginUrl.hostname, endpoints.downloadBase.hostname].map((h) => h.toLowerCase())),
    ];
  }

  allows(u: URL): boolean {
    if (u.username !== "" || u.password !== "") return false;
    if (!(u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname)))) return false;
    const host = u.hostname.toLowerCase();
    return this.hosts.some((h) => host === h || (!isIpLiteral(h) && host.endsWith(`.${h}`)));
  }

  /** Throws a DownloadError unless `u` is allowed; `what` says where it came from. */
  check(u: URL, what: string): void {
    if (this.allows(u)) return;
    throw new DownloadError(
      "DOWNLOAD_URL",
      `${what} leads to ${describeUrl(u)}, which is not an allowed CRCNS host over HTTPS (allowed: ${this.hosts.join(", ")}); refusing to follow it`,
    );
  }
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":") || host.startsWith("[");
}
