// File list parsing, endpoint rules and credential resolution.

import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { resolveCredentials, terminalPrompt } from "../../src/download/credentials.js";
import { datasetUrl, describeUrl, HostPolicy, resolveEndpoints } from "../../src/download/endpoints.js";
import { DownloadError } from "../../src/download/errors.js";
import { findEntry, parseFileList } from "../../src/download/filelist.js";

test("file list: ` <path> <size> ...` lines, # comments, unusable lines skipped", () => {
  const text = [
    "# CRCNS ac-1",
    " crcns-ac1.zip 1181116006 2009-06-01 12:00",
    "   ac-1/crcns-ac1-asari-results-1.zip\t1600000000",
    "",
    "  # indented comment",
    " readme.txt 1.2K",
    " crcns-ac1-asari-results-2.zip 99999999999999999999",
    "\r",
  ].join("\r\n");
  const entries = parseFileList(text);
  assert.deepEqual(entries, [
    { path: "crcns-ac1.zip", sizeBytes: 1181116006 },
    { path: "ac-1/crcns-ac1-asari-results-1.zip", sizeBytes: 1600000000 },
  ]);
  assert.equal(findEntry(entries, "crcns-ac1-asari-results-1.zip", "L").sizeBytes, 1600000000);
  assert.throws(
    () => findEntry(entries, "crcns-ac1-asari-results-2.zip", "https://download.crcns.org/ac-1/filelist.txt"),
    (e: unknown) =>
      e instanceof DownloadError &&
      e.code === "DOWNLOAD_FILELIST" &&
      /results-2\.zip is not listed/.test(e.message),
  );
  assert.throws(() => findEntry(entries, "1.zip", "L"), DownloadError); // suffix matches only whole names
});

test("endpoints: defaults, environment, explicit values; HTTPS only except loopback", () => {
  const d = resolveEndpoints({}, {});
  assert.equal(d.loginUrl.href, "https://crcns.org/login_form");
  assert.equal(datasetUrl(d, "").href, "https://download.crcns.org/ac-1");
  assert.equal(datasetUrl(d, "filelist.txt").href, "https://download.crcns.org/ac-1/filelist.txt");
  const e = resolveEndpoints(
    {},
    {
      AC1_CRCNS_LOGIN_URL: "http://localhost:81/login_form",
      AC1_CRCNS_DOWNLOAD_BASE: "http://127.0.0.1:82/dl",
    },
  );
  assert.equal(datasetUrl(e, "crcns-ac1.zip").href, "http://127.0.0.1:82/dl/ac-1/crcns-ac1.zip");
  const x = resolveEndpoints(
    { downloadBase: "https://mirror.crcns.org/" },
    { AC1_CRCNS_DOWNLOAD_BASE: "http://127.0.0.1:1" },
  );
  assert.equal(x.downloadBase.href, "https://mirror.crcns.org/");
  for (const bad of ["http://crcns.org/login_form", "ftp://crcns.org/x", "file:///etc/passwd", "not a url"]) {
    assert.throws(
      () => resolveEndpoints({ loginUrl: bad }, {}),
      (err: unknown) => err instanceof DownloadError && err.code === "DOWNLOAD_URL",
    );
  }
  assert.equal(describeUrl("https://u:secret@crcns.org/a?token=secret#x"), "https://crcns.org/a");
});

test("host policy: the endpoints' hosts and their subdomains, over HTTPS", () => {
  const policy = new HostPolicy(resolveEndpoints({}, {}));
  assert.ok(policy.allows(new URL("https://crcns.org/login_success")));
  assert.ok(policy.allows(new URL("https://download.crcns.org/ac-1/x.zip")));
  assert.ok(policy.allows(new URL("https://files.download.crcns.org/x")));
  assert.ok(!policy.allows(new URL("http://download.crcns.org/ac-1/x.zip")));
  assert.ok(!policy.allows(new URL("https://evilcrcns.org/")));
  assert.ok(!policy.allows(new URL("https://u:p@crcns.org/")));
  const local = new HostPolicy(
    resolveEndpoints({ loginUrl: "http://127.0.0.1:5/l", downloadBase: "http://127.0.0.1:5" }, {}),
  );
  assert.ok(local.allows(new URL("http://127.0.0.1:5/ac-1")));
  assert.ok(!local.allows(new URL("http://localhost:5/ac-1")));
});

test("credentials: arguments first, then CRCNS_USERNAME / CRCNS_PASSWORD, then the prompt", async () => {
  const env = { CRCNS_USERNAME: "envuser", CRCNS_PASSWORD: "envpass" };
  assert.deepEqual(await resolveCredentials({ username: "arg", password: "argpw", env }), {
    username: "arg",
    password: "argpw",
  });
  assert.deepEqual(await resolveCredentials({ username: "arg", env }), {
    username: "arg",
    password: "envpass",
  });
  assert.deepEqual(await resolveCredentials({ env }), { username: "envuser", password: "envpass" });
  const asked: Array<[string, boolean]> = [];
  const prompt = async (q: string, hidden: boolean) => {
    asked.push([q, hidden]);
    return hidden ? "typed-pw\n" : " typed-user \n";
  };
  assert.deepEqual(await resolveCredentials({ env: {}, prompt }), {
    username: "typed-user",
    password: "typed-pw",
  });
  assert.deepEqual(asked, [
    ["CRCNS user name: ", false],
    ["CRCNS password: ", true],
  ]);
  asked.length = 0;
  assert.deepEqual(await resolveCredentials({ env: { CRCNS_USERNAME: "u" }, prompt }), {
    username: "u",
    password: "typed-pw",
  });
  assert.deepEqual(asked, [["CRCNS password: ", true]]);
});

test("credentials: none and no terminal (or an empty answer) is DOWNLOAD_CREDENTIALS with the way out", async () => {
  await assert.rejects(
    resolveCredentials({ env: { CRCNS_USERNAME: "u", CRCNS_PASSWORD: "" } }),
    (e: unknown) =>
      e instanceof DownloadError &&
      e.code === "DOWNLOAD_CREDENTIALS" &&
      /no CRCNS password/.test(e.message) &&
      /CRCNS_PASSWORD/.test(e.message) &&
      /https:\/\/crcns\.org\/register/.test(e.message),
  );
  await assert.rejects(
    resolveCredentials({ env: {}, prompt: async () => "" }),
    (e: unknown) =>
      e instanceof DownloadError && e.code === "DOWNLOAD_CREDENTIALS" && /user name/.test(e.message),
  );
});

/** A stand-in terminal: a PassThrough that claims to be a TTY and records raw mode. */
function fakeTerminal(): {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  written: () => string;
  rawModes: boolean[];
} {
  const input = new PassThrough() as unknown as NodeJS.ReadStream & { isRaw: boolean };
  const rawModes: boolean[] = [];
  Object.assign(input, {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      rawModes.push(mode);
      input.isRaw = mode;
      return input;
    },
  });
  let text = "";
  const output = {
    write(s: string) {
      text += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { input, output, written: () => text, rawModes };
}

test("terminal prompt: hidden input echoes nothing, handles backspace, restores the terminal", async () => {
  const t = fakeTerminal();
  const prompt = terminalPrompt(t.input, t.output);
  assert.ok(prompt);
  const answer = prompt("CRCNS password: ", true);
  t.input.write("se\u007fcr3t\r");
  assert.equal(await answer, "scr3t");
  assert.equal(t.written(), "CRCNS password: \n");
  assert.deepEqual(t.rawModes, [true, false]);
  const visible = prompt("CRCNS user name: ", false);
  t.input.write("bob\n");
  assert.equal(await visible, "bob");
  assert.equal(t.written(), "CRCNS password: \nCRCNS user name: bob\n");
  const cancelled = prompt("CRCNS password: ", true);
  t.input.write("\u0003");
  await assert.rejects(
    cancelled,
    (e: unknown) => e instanceof DownloadError && e.code === "DOWNLOAD_CREDENTIALS",
  );
  assert.equal(terminalPrompt(new PassThrough() as unknown as NodeJS.ReadStream, t.output), undefined);
});
