// The session cookie jar: Set-Cookie parsing, domain/path/secure matching,
// expiry, and the liberal host-only rule that carries a crcns.org login
// cookie to download.crcns.org.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CookieJar, domainMatches, pathMatches } from "../../src/download/cookies.js";

const login = new URL("https://crcns.org/login_form");
const download = new URL("https://download.crcns.org/ac-1/crcns-ac1.zip");

test("a cookie set by crcns.org is sent back to it and to download.crcns.org, not elsewhere", () => {
  const jar = new CookieJar();
  jar.store('__ac="abc123=="; Path=/; HttpOnly', login);
  assert.equal(jar.headerFor(new URL("https://crcns.org/data-sets")), '__ac="abc123=="');
  assert.equal(jar.headerFor(download), '__ac="abc123=="');
  assert.equal(jar.headerFor(new URL("https://notcrcns.org/")), undefined);
  assert.equal(jar.headerFor(new URL("https://crcns.org.evil.example/")), undefined);
});

test("a Domain attribute for another site is ignored", () => {
  const jar = new CookieJar();
  jar.store("a=1; Domain=example.com; Path=/", login);
  assert.equal(jar.size, 0);
  jar.store("b=2; Domain=.crcns.org; Path=/", download);
  assert.equal(jar.headerFor(login), "b=2");
});

test("paths: default path from the request, path-match on segment boundaries, longer paths first", () => {
  const jar = new CookieJar();
  jar.store("root=1; Path=/", login);
  jar.store("deep=2", new URL("https://crcns.org/ac-1/sub/page"));
  assert.equal(jar.headerFor(new URL("https://crcns.org/ac-1/sub/x")), "deep=2; root=1");
  assert.equal(jar.headerFor(new URL("https://crcns.org/ac-1/subway")), "root=1");
  assert.ok(pathMatches("/ac-1/sub", "/ac-1/sub"));
  assert.ok(pathMatches("/ac-1/sub/x", "/ac-1/"));
  assert.ok(!pathMatches("/ac-10", "/ac-1"));
});

test("Max-Age and Expires: expired cookies are dropped, a later Set-Cookie replaces the value", () => {
  let now = Date.parse("2026-11-25T12:00:00Z");
  const jar = new CookieJar(() => now);
  jar.store("s=1; Max-Age=60; Path=/", login);
  jar.store("old=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/", login);
  assert.equal(jar.headerFor(login), "s=1");
  jar.store("s=2; Path=/", login);
  assert.equal(jar.headerFor(login), "s=2");
  jar.store("t=1; Max-Age=10; Path=/", login);
  now += 11_000;
  assert.equal(jar.headerFor(login), "s=2");
  jar.store("s=deleted; Max-Age=0; Path=/", login);
  assert.equal(jar.headerFor(login), undefined);
});

test("Secure cookies go only over HTTPS (or loopback), malformed lines are ignored", () => {
  const jar = new CookieJar();
  jar.store("sec=1; Secure; Path=/", login);
  jar.store("novalue", login);
  jar.store("=x", login);
  assert.equal(jar.headerFor(new URL("http://crcns.org/")), undefined);
  assert.equal(jar.headerFor(login), "sec=1");
  const local = new CookieJar();
  local.store("sec=1; Secure; Path=/", new URL("http://127.0.0.1:8080/login_form"));
  assert.equal(local.headerFor(new URL("http://127.0.0.1:8080/ac-1")), "sec=1");
});

test("domain matching never treats IP addresses as parents", () => {
  assert.ok(domainMatches("download.crcns.org", "crcns.org"));
  assert.ok(!domainMatches("1.127.0.0.1", "127.0.0.1") && !domainMatches("127.0.0.2", "0.0.2"));
  assert.ok(domainMatches("127.0.0.1", "127.0.0.1"));
});
