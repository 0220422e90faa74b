// A local stand-in for crcns.org and download.crcns.org, for the download
// tests: speaks the real protocol (Plone-style login form POST answered with a
// session cookie and a 302, the "logged in as" dataset page only with that
// cookie, filelist.txt, Range/206 downloads, 404, an HTML login page for a
// missing session) on 127.0.0.1, and misbehaves on demand (drops the
// connection mid-file, stalls, ignores Range, answers 500, serves a wrong
// size, expires the session). Every request is logged for assertions.

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted misbehaviour, applied to one request for a file, in order. */
export type Misbehaviour =
  | { kind: "drop"; afterBytes: number }
  | { kind: "stall"; afterBytes: number }
  | { kind: "status"; code: number }
  | { kind: "expireSession" };

export interface ServedFile {
  body: Buffer;
  /** Size written in filelist.txt (default body.length). */
  listedBytes?: number;
  /** Consumed one per request; afterwards the file is served normally. */
  script?: Misbehaviour[];
  /** Answer 200 with the whole body even to Range requests. */
  ignoreRange?: boolean;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
  /** Not served at all (404) although listed. */
  missing?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  range: string | undefined;
  cookie: string | undefined;
  status: number;
  /** Body bytes of a file actually written to the socket. */
  bytesSent: number;
}

export interface FakeCrcnsOptions {
  username: string;
  password: string;
  files: Record<string, ServedFile>;
  /** Where the successful login redirects (default: /login_success on this server). */
  loginRedirect?: string;
}

const LOGIN_PAGE = `<!DOCTYPE html><html><head><title>Log in - CRCNS.org</title></head><body><form id="login_form"><input name="__ac_name"><input type="password" name="__ac_password"><input type="submit" name="submit" value="Log in"></form></body></html>`;
const SESSION_COOKIE = "__ac";

export class FakeCrcns {
  readonly log: RequestRecord[] = [];
  /** Login POSTs whose form fields were not exactly the expected ones. */
  readonly badForms: string[] = [];
  logins = 0;
  private readonly sessions = new Set<string>();
  private readonly server: Server;
  private port = 0;

  constructor(private readonly opts: FakeCrcnsOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.destroy(e as Error);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get loginUrl(): string {
    return `${this.origin}/login_form`;
  }
  get downloadBase(): string {
    return this.origin;
  }

  /** Requests for one file of the dataset. */
  fileRequests(name: string): RequestRecord[] {
    return this.log.filter((r) => r.path === `/ac-1/${name}`);
  }

  private record(req: IncomingMessage, status: number, bytesSent = 0): void {
    this.log.push({
      method: req.method ?? "",
      path: new URL(req.url ?? "/", this.origin).pathname,
      range: header(req, "range"),
      cookie: header(req, "cookie"),
      status,
      bytesSent,
    });
  }

  private loggedIn(req: IncomingMessage): boolean {
    const cookie = header(req, "cookie") ?? "";
    for (const part of cookie.split(";")) {
      const [k, v] = part.trim().split("=");
      if (k === SESSION_COOKIE && v !== undefined && this.sessions.has(v.replace(/^"|"$/g, ""))) return true;
    }
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", this.origin).pathname;
    if (req.method === "POST" && path === "/login_form") return this.login(req, res);
    if (req.method !== "GET") return this.send(req, res, 405, "text/plain", "method not allowed");
    if (path === "/login_success")
      return this.send(req, res, 200, "text/html", "<html><body>You are now logged in</body></html>");
    if (path === "/ac-1" || path === "/ac-1/") {
      if (!this.loggedIn(req)) return this.send(req, res, 200, "text/html; charset=utf-8", LOGIN_PAGE);
      return this.send(
        req,
        res,
        200,
        "text/html; charset=utf-8",
        `<html><body><p>Logged In As <b>${this.opts.username}</b></p></body></html>`,
      );
    }
    if (!path.startsWith("/ac-1/")) return this.send(req, res, 404, "text/html", "<html>not found</html>");
    if (!this.loggedIn(req)) return this.send(req, res, 200, "text/html; charset=utf-8", LOGIN_PAGE);
    const name = decodeURIComponent(path.slice("/ac-1/".length));
    if (name === "filelist.txt") {
      const lines = ["# ac-1 file list", "# path size date"];
      for (const [file, f] of Object.entries(this.opts.files))
        lines.push(` ${file} ${f.listedBytes ?? f.body.length} 2009-06-01`);
      return this.send(req, res, 200, "text/plain", `${lines.join("\n")}\n`);
    }
    const file = this.opts.files[name];
    if (!file || file.missing) return this.send(req, res, 404, "text/html", `<html>${name} not found</html>`);
    return this.serveFile(req, res, file);
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const form = new URLSearchParams(body);
    const keys = [...form.keys()].sort().join(",");
    const expectedKeys = ["__ac_name", "__ac_password", "form.submitted", "js_enabled", "pwd_empty", "submit"]
      .sort()
      .join(",");
    const fixedOk =
      form.get("form.submitted") === "1" &&
      form.get("js_enabled") === "0" &&
      form.get("pwd_empty") === "0" &&
      form.get("submit") === "Log in";
    const typeOk = (header(req, "content-type") ?? "").startsWith("application/x-www-form-urlencoded");
    if (keys !== expectedKeys || !fixedOk || !typeOk) {
      this.badForms.push(keys);
      return this.send(req, res, 400, "text/html", "<html>bad form</html>");
    }
    this.logins++;
    if (form.get("__ac_name") !== this.opts.username || form.get("__ac_password") !== this.opts.password) {
      return this.send(
        req,
        res,
        200,
        "text/html",
        `${LOGIN_PAGE.replace("<form", "<p>Login failed</p><form")}`,
      );
    }
    const token = randomBytes(12).toString("hex");
    this.sessions.add(token);
    res.setHeader("set-cookie", [
      `${SESSION_COOKIE}="${token}"; Path=/; HttpOnly`,
      "I18N_LANGUAGE=en; Path=/",
    ]);
    res.setHeader("location", this.opts.loginRedirect ?? `${this.origin}/login_success`);
    this.send(req, res, 302, "text/html", "");
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
    this.record(req, status);
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, file: ServedFile): void {
    const step = file.script?.shift();
    if (step?.kind === "status") {
      this.send(req, res, step.code, "text/html", `<html>error ${step.code}</html>`);
      return;
    }
    if (step?.kind === "expireSession") {
      this.sessions.clear();
      this.send(req, res, 200, "text/html; charset=utf-8", LOGIN_PAGE);
      return;
    }
    const total = file.body.length;
    const m = /^bytes=(\d+)-$/.exec(header(req, "range") ?? "");
    let start = 0;
    let status = 200;
    const headers: Record<string, string | number> = {
      "content-type": "application/zip",
      "accept-ranges": "bytes",
    };
    if (m && !file.ignoreRange) {
      start = Number(m[1]);
      if (start >= total) {
        this.record(req, 416);
        res.writeHead(416, { "content-range": `bytes */${total}`, "content-length": 0 });
        res.end();
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${total - 1}/${total}`;
    }
    const slice = file.body.subarray(start);
    if (!file.chunked) headers["content-length"] = slice.length;
    res.writeHead(status, headers);
    if (step?.kind === "drop" || step?.kind === "stall") {
      const part = slice.subarray(0, Math.min(step.afterBytes, slice.length));
      this.record(req, status, part.length);
      res.flushHeaders();
      // Give the client time to read what was sent before the connection dies
      // (a stream that errors discards chunks still queued unread).
      res.write(part, () => {
        if (step.kind === "drop") setTimeout(() => res.socket?.destroy(), 50);
      });
      return;
    }
    this.record(req, status, slice.length);
    res.end(slice);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Zip-like test content: "PK\3\4" then random bytes. */
export function zipLike(sizeBytes: number): Buffer {
  const b = randomBytes(sizeBytes);
  b.write("PK\u0003\u0004", 0, "latin1");
  return b;
}
