// The `ac1 view` HTTP server (node:http, no framework). It binds 127.0.0.1
// only, serves the allowlisted browser assets (assets.ts) and a small
// JSON/binary API over one opened export (data.ts; the documents are typed in
// api-types.ts), and refuses everything
// else: methods other than GET/HEAD (405), path traversal in any spelling
// (400), foreign Host headers (DNS rebinding, 400) and unknown routes (404).
// Every response carries a strict self-only Content-Security-Policy and
// X-Content-Type-Options: nosniff.

import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ErrorJson } from "./api-types.js";
import { viewerAssets } from "./assets.js";
import { type ViewerData, ViewerRequestError } from "./data.js";

/** The only interface the viewer ever listens on. */
export const VIEWER_HOST = "127.0.0.1";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface ViewerServer {
  /** e.g. http://127.0.0.1:43117/ */
  url: string;
  port: number;
  server: Server;
  /** Stops listening and closes the export. */
  close(): Promise<void>;
}

export interface StartViewerOptions {
  /** TCP port; 0 (default) picks a free ephemeral port. */
  port?: number;
}

const JSON_TYPE = "application/json; charset=utf-8";

function baseHeaders(res: ServerResponse): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer | string,
  cache = "no-store",
): void {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", String(buf.length));
  res.setHeader("Cache-Control", cache);
  if (req.method === "HEAD") res.end();
  else res.end(buf);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, JSON_TYPE, JSON.stringify(value));
}

function sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  const body: ErrorJson = { error: message, status };
  sendJson(req, res, status, body);
}

/** Strict non-negative integer from a path segment or query value. */
function parseIndex(text: string | null | undefined, what: string): number {
  if (text == null || !/^\d{1,9}$/.test(text))
    throw new ViewerRequestError(
      400,
      `${what} must be a non-negative integer, got ${JSON.stringify(text ?? "")}`,
    );
  return Number(text);
}

/**
 * Decodes and vets a request target. Returns the decoded path and the query,
 * or a reason to refuse (400): not origin-form, backslashes (raw or
 * encoded), NUL, malformed escapes, "." or ".." segments, "//" prefixes.
 */
export function vetRequestTarget(
  raw: string | undefined,
): { path: string; query: URLSearchParams } | { reject: string } {
  if (typeof raw !== "string" || !raw.startsWith("/"))
    return { reject: "request target must be an absolute path" };
  const q = raw.indexOf("?");
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? "" : raw.slice(q + 1);
  if (rawPath.includes("\\") || /%5c/i.test(rawPath))
    return { reject: "backslashes are not allowed in paths" };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { reject: "malformed percent-encoding" };
  }
  if (path.includes("\0") || path.includes("\\")) return { reject: "forbidden character in path" };
  if (path.startsWith("//")) return { reject: "path must not start with //" };
  for (const seg of path.split("/")) {
    if (seg === ".." || seg === ".") return { reject: "dot segments are not allowed" };
  }
  if (/%2e/i.test(rawPath) || rawPath.includes("/..")) return { reject: "dot segments are not allowed" };
  return { path, query: new URLSearchParams(rawQuery) };
}

async function serveApi(
  data: ViewerData,
  path: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const parts = path.split("/").slice(2); // "", "api", ...
  const route = parts[0];
  if (route === "summary" && parts.length === 1) return sendJson(req, res, 200, await data.summary());
  if (route === "neurons" && parts.length === 1) return sendJson(req, res, 200, await data.neurons());
  if (route === "neurons" && parts.length === 3 && parts[2] === "stims") {
    return sendJson(req, res, 200, await data.neuronStims(parseIndex(parts[1], "neuron")));
  }
  if (route === "pair" && parts.length === 3) {
    const s = parseIndex(parts[1], "stim");
    const n = parseIndex(parts[2], "neuron");
    const format = query.get("format") ?? "binary";
    if (format === "json") return sendJson(req, res, 200, await data.pairJson(s, n));
    if (format !== "binary")
      throw new ViewerRequestError(400, `format must be "binary" or "json", got ${JSON.stringify(format)}`);
    return send(req, res, 200, "application/octet-stream", await data.pairPayload(s, n));
  }
  if (route === "rejected" && parts.length === 3) {
    const s = parseIndex(parts[1], "stim");
    const n = parseIndex(parts[2], "neuron");
    const format = query.get("format") ?? "binary";
    if (format === "json") return sendJson(req, res, 200, await data.rejectedJson(s, n));
    if (format !== "binary")
      throw new ViewerRequestError(400, `format must be "binary" or "json", got ${JSON.stringify(format)}`);
    return send(req, res, 200, "application/octet-stream", await data.rejectedPayload(s, n));
  }
  if (route === "stim" && parts.length === 2) {
    return send(
      req,
      res,
      200,
      "application/octet-stream",
      await data.stimPayload(parseIndex(parts[1], "stim")),
    );
  }
  if (route === "provenance" && parts.length === 1) {
    const n = parseIndex(query.get("neuron"), "neuron");
    const s = query.has("stim") ? parseIndex(query.get("stim"), "stim") : undefined;
    return sendJson(req, res, 200, await data.provenanceFor(n, s));
  }
  if (route === "cohort" && parts.length === 1) return sendJson(req, res, 200, await data.cohort());
  if (route === "scores") {
    if (parts.length === 1) return sendJson(req, res, 200, await data.scores());
    if (parts[1] === "neuron" && parts.length === 3)
      return sendJson(req, res, 200, await data.neuronScores(parseIndex(parts[2], "neuron")));
    if (parts[1] === "pair" && parts.length === 4) {
      const s = parseIndex(parts[2], "stim");
      const n = parseIndex(parts[3], "neuron");
      return sendJson(req, res, 200, await data.pairScores(s, n));
    }
  }
  return sendError(req, res, 404, `no such API route ${path}`);
}

/** The request handler (exported for tests that want to drive it directly). */
export function viewerHandler(data: ViewerData, allowedHosts: () => Set<string>) {
  const assets = viewerAssets();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    baseHeaders(res);
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("Allow", "GET, HEAD");
        return sendError(req, res, 405, `method ${req.method} not allowed`);
      }
      const host = req.headers.host;
      if (!host || !allowedHosts().has(host.toLowerCase()))
        return sendError(req, res, 400, "unexpected Host header");
      const vetted = vetRequestTarget(req.url);
      if ("reject" in vetted) return sendError(req, res, 400, vetted.reject);
      const asset = assets.get(vetted.path);
      if (asset) return send(req, res, 200, asset.contentType, await readFile(asset.file), "no-cache");
      if (vetted.path.startsWith("/api/")) return await serveApi(data, vetted.path, vetted.query, req, res);
      return sendError(req, res, 404, "not found");
    } catch (e) {
      if (e instanceof ViewerRequestError) return sendError(req, res, e.status, e.message);
      const msg = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) sendError(req, res, 500, `internal error: ${msg}`);
      else res.destroy();
    }
  };
}

/** Starts serving `data` on 127.0.0.1 (ephemeral port unless given). */
export async function startViewerServer(
  data: ViewerData,
  opts: StartViewerOptions = {},
): Promise<ViewerServer> {
  let port = opts.port ?? 0;
  const hosts = new Set<string>();
  const handler = viewerHandler(data, () => hosts);
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen({ host: VIEWER_HOST, port, exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  hosts.add(`${VIEWER_HOST}:${port}`);
  hosts.add(`localhost:${port}`);
  let closed = false;
  return {
    url: `http://${VIEWER_HOST}:${port}/`,
    port,
    server,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await data.source.close();
    },
  };
}
