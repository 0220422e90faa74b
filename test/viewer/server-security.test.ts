// The viewer server's defences: the loopback-only bind, traversal attempts
// in every spelling, unknown routes, methods, and Host checks (DNS
// rebinding).

import assert from "node:assert/strict";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { after, before, describe, test } from "node:test";
import type { ViewerServer } from "../../src/viewer/index.js";
import { openFixtureViewer, raw } from "./server-support.js";

let viewer: ViewerServer;
let port: number;
let close: (() => Promise<void>) | undefined;

before(async () => {
  ({ viewer, port, close } = await openFixtureViewer());
});

after(async () => {
  await close?.();
});

describe("binding", () => {
  test("listens on 127.0.0.1 only, on an ephemeral port, and says so in its URL", async () => {
    const addr = viewer.server.address();
    assert.ok(addr && typeof addr === "object");
    assert.equal(addr.address, "127.0.0.1");
    assert.equal(addr.family, "IPv4");
    assert.ok(addr.port > 0);
    assert.equal(viewer.url, `http://127.0.0.1:${addr.port}/`);
  });

  test("is not reachable on any other local address", async () => {
    const others: string[] = [];
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? [])
        if (a.family === "IPv4" && a.address !== "127.0.0.1") others.push(a.address);
    }
    others.push("::1");
    for (const host of others) {
      const outcome = await new Promise<string>((resolve) => {
        const sock = connect({ host, port, timeout: 2000 });
        sock.on("connect", () => {
          sock.destroy();
          resolve("connected");
        });
        sock.on("timeout", () => {
          sock.destroy();
          resolve("timeout");
        });
        sock.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      });
      assert.notEqual(outcome, "connected", `the viewer answered on ${host}`);
    }
  });
});

describe("refusals", () => {
  const traversal = [
    "/../package.json",
    "/..",
    "/%2e%2e/",
    "/%2e%2e/package.json",
    "/%2E%2E%2Fpackage.json",
    "/assets/..%2f..%2fsecret",
    "/assets/../../package.json",
    "/assets/%2e%2e/%2e%2e/package.json",
    "/assets/.%2e/.%2e/package.json",
    "/assets\\..\\..\\package.json",
    "/assets/%5c..%5cpackage.json",
    "/assets/..%5c..%5cpackage.json",
    "//etc/passwd",
    "/assets/app.js%00.txt",
    "/%",
    "/./index.html",
  ];
  for (const path of traversal) {
    test(`refuses the traversal attempt ${path} with 400`, async () => {
      const r = await raw(port, path);
      assert.equal(r.status, 400, `${path} -> ${r.status}`);
      assert.match(String(r.headers["content-type"]), /^application\/json/);
      assert.doesNotMatch(r.body.toString("utf8"), /"name": "ac1"|root:/);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
    });
  }

  test("refuses an absolute-form request target", async () => {
    const r = await raw(port, "http://example.com/package.json");
    assert.equal(r.status, 400);
  });

  for (const path of [
    "/package.json",
    "/src/viewer/web/app.js",
    "/assets/",
    "/assets/nope.js",
    "/node_modules/uplot/package.json",
    "/api",
    "/api/",
    "/api/nope",
    "/api/summary/extra",
    "/api/neurons/0",
    "/api/pair/0",
    "/api/stim",
    "/api/stim/0/1",
  ]) {
    test(`answers 404 for the unknown route ${path}`, async () => {
      const r = await raw(port, path);
      assert.equal(r.status, 404, `${path} -> ${r.status}`);
      assert.match(String(r.headers["content-type"]), /^application\/json/);
      assert.doesNotMatch(r.body.toString("utf8"), /"name": "ac1"/);
    });
  }

  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    test(`answers 405 to ${method}`, async () => {
      const r = await raw(port, "/api/summary", { method });
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, "GET, HEAD");
    });
  }

  test("refuses a foreign Host header (DNS rebinding)", async () => {
    const r = await raw(port, "/api/summary", { host: `evil.example:${port}` });
    assert.equal(r.status, 400);
    const ok = await raw(port, "/api/summary", { host: `localhost:${port}` });
    assert.equal(ok.status, 200);
  });
});
