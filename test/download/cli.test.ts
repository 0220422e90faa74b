// `ac1 download` end to end: the compiled CLI against the local CRCNS stand-in,
// with credentials from the environment or standard input. The password must
// never appear on stdout, stderr or in any file of the data folder.

import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { RELEASE_ZIPS } from "../../src/archive/location.js";
import { runAc1, tempDir } from "../support/cli.js";
import { FakeCrcns, type ServedFile, zipLike } from "./server.js";

const USER = "bob.cli";
const PASSWORD = "cli-S3cret-7Qz!x";

function files(): Record<string, ServedFile> {
  return Object.fromEntries(RELEASE_ZIPS.map((n, i) => [n, { body: zipLike(40_000 + 10_000 * i) }]));
}

async function setup(): Promise<{
  server: FakeCrcns;
  dir: string;
  env: Record<string, string | undefined>;
  done: () => Promise<void>;
}> {
  const server = await new FakeCrcns({ username: USER, password: PASSWORD, files: files() }).start();
  const { dir, cleanup } = await tempDir("ac1-download-cli-");
  const env = {
    AC1_CRCNS_LOGIN_URL: server.loginUrl,
    AC1_CRCNS_DOWNLOAD_BASE: server.downloadBase,
    AC1_DATA_DIR: dir,
    CRCNS_USERNAME: undefined,
    CRCNS_PASSWORD: undefined,
  };
  return {
    server,
    dir,
    env,
    done: async () => {
      await server.close();
      await cleanup();
    },
  };
}

async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if ((await readFile(path)).includes(Buffer.from(needle))) hits.push(path);
  }
  return hits;
}

test("ac1 download with CRCNS_USERNAME/CRCNS_PASSWORD fetches the zips, prints their paths, never the password", async () => {
  const { server, dir, env, done } = await setup();
  try {
    const r = await runAc1(["download"], { env: { ...env, CRCNS_USERNAME: USER, CRCNS_PASSWORD: PASSWORD } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split("\n"),
      RELEASE_ZIPS.map((n) => join(dir, n)),
    );
    assert.match(r.stderr, /downloaded 3 file\(s\)/);
    for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(PASSWORD), "password printed");
    assert.deepEqual(await filesContaining(dir, PASSWORD), []);
    assert.equal(server.logins, 1);
    // Idempotent: a second run transfers nothing.
    const before = server.log.length;
    const again = await runAc1(["download", "--path", dir], {
      env: { ...env, CRCNS_USERNAME: USER, CRCNS_PASSWORD: PASSWORD },
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /0 file\(s\).*3 already complete/);
    assert.deepEqual(
      server.log.slice(before).filter((x) => x.path.endsWith(".zip")),
      [],
    );
  } finally {
    await done();
  }
});

test("ac1 download --username U --password-stdin reads the password from standard input", async () => {
  const { dir, env, done } = await setup();
  try {
    const r = await runAc1(["download", "--path", dir, "--username", USER, "--password-stdin"], {
      env,
      input: `${PASSWORD}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 3);
    for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(PASSWORD));
    assert.deepEqual(await filesContaining(dir, PASSWORD), []);
  } finally {
    await done();
  }
});

test("a rejected password is one line on stderr, exit 1, and the password is not in it", async () => {
  const { server, dir, env, done } = await setup();
  try {
    const wrong = `${PASSWORD}-wrong`;
    const r = await runAc1(["download"], { env: { ...env, CRCNS_USERNAME: USER, CRCNS_PASSWORD: wrong } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.match(lines.at(-1) ?? "", /^ac1 download: CRCNS rejected the login/);
    assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(wrong));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(await filesContaining(dir, PASSWORD), []);
    assert.equal(server.fileRequests("crcns-ac1.zip").length, 0);
  } finally {
    await done();
  }
});

test("without credentials and without a terminal the command fails at once with how to provide them", async () => {
  const { server, env, done } = await setup();
  try {
    const r = await runAc1(["download"], { env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /^ac1 download: no CRCNS user name and password given and no terminal to ask on/);
    assert.match(
      r.stderr,
      /CRCNS_USERNAME.*CRCNS_PASSWORD.*--password-stdin.*https:\/\/crcns\.org\/register/,
    );
    assert.equal(server.log.length, 0);
  } finally {
    await done();
  }
});

test("ac1 download --help documents the flags and the credential order; bad flags are usage errors", async () => {
  const h = await runAc1(["download", "--help"]);
  assert.equal(h.code, 0);
  for (const s of [
    "--path DIR",
    "--username",
    "--password-stdin",
    "--retries",
    "CRCNS_PASSWORD",
    "AC1_CRCNS_DOWNLOAD_BASE",
    "no --password flag",
  ]) {
    assert.ok(h.stdout.includes(s), `help lacks ${s}`);
  }
  const bad = await runAc1(["download", "--password", "x"]);
  assert.equal(bad.code, 2);
  const retries = await runAc1(["download", "--retries=-1"]);
  assert.equal(retries.code, 2);
  assert.match(retries.stderr, /--retries expects a whole number/);
});
