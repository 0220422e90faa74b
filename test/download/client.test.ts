// downloadRelease against a local server that speaks the CRCNS protocol:
// fresh download, resume, Range ignored, retries, session expiry, and every
// failure the user can meet (wrong password, 404, HTML, wrong size, full disk,
// a connection that keeps dropping, disallowed redirects and endpoints).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readFile, symlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RELEASE_ZIPS } from "../../src/archive/location.js";
import {
  DownloadError,
  type DownloadEvent,
  type DownloadOptions,
  downloadRelease,
} from "../../src/download/index.js";
import { tempDir } from "../support/cli.js";
import { FakeCrcns, type ServedFile, zipLike } from "./server.js";

const USER = "alice.tester";
const PASSWORD = "Pw-9f3#xQ!unique";

const SIZES = [300_000, 200_000, 120_000];

function releaseFiles(
  overrides: Partial<Record<string, Partial<ServedFile>>> = {},
): Record<string, ServedFile> {
  const files: Record<string, ServedFile> = {};
  RELEASE_ZIPS.forEach((name, i) => {
    files[name] = { body: zipLike(SIZES[i] ?? 1000), ...overrides[name] };
  });
  return files;
}

async function withServer(
  files: Record<string, ServedFile>,
  body: (server: FakeCrcns, dir: string, opts: DownloadOptions) => Promise<void>,
  extra: { loginRedirect?: string } = {},
): Promise<void> {
  const server = await new FakeCrcns({ username: USER, password: PASSWORD, files, ...extra }).start();
  const { dir, cleanup } = await tempDir("ac1-download-");
  const events: DownloadEvent[] = [];
  const opts: DownloadOptions = {
    dataDir: dir,
    username: USER,
    password: PASSWORD,
    loginUrl: server.loginUrl,
    downloadBase: server.downloadBase,
    retries: 3,
    backoffMs: 1,
    maxBackoffMs: 4,
    idleTimeoutMs: 2000,
    env: {},
    onEvent: (e) => events.push(e),
  };
  try {
    await body(server, dir, opts);
  } finally {
    await server.close();
    await cleanup();
  }
}

/**
 * The offset of a resume request, which must be within what the server sent
 * before it dropped (bytes still queued unread in the client when the
 * connection dies are lost, so it may be less than the bytes sent).
 */
function resumeOffset(range: string | undefined, sentBytes: number): number {
  const m = /^bytes=(\d+)-$/.exec(range ?? "");
  assert.ok(m, `expected a Range request, got ${range}`);
  const have = Number(m[1]);
  assert.ok(have > 0 && have <= sentBytes, `resumed at ${have} after ${sentBytes} bytes sent`);
  return have;
}

async function assertSameFile(path: string, expected: Buffer): Promise<void> {
  const got = await readFile(path);
  assert.equal(got.length, expected.length, `${path} size`);
  assert.ok(got.equals(expected), `${path} content differs`);
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DownloadError, `expected a DownloadError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    assert.ok(!e.message.includes(PASSWORD), "password in the error message");
    assert.ok(!e.message.includes("\n"), "error message is one line");
    return e;
  }
  assert.fail(`expected ${code}`);
}

test("fresh download of the three zips: logged in with the exact form, content byte-for-byte, summary", async () => {
  const files = releaseFiles();
  await withServer(files, async (server, dir, opts) => {
    const events: DownloadEvent[] = [];
    const summary = await downloadRelease({ ...opts, onEvent: (e) => events.push(e) });
    assert.deepEqual(server.badForms, []);
    assert.equal(server.logins, 1);
    for (const name of RELEASE_ZIPS) {
      await assertSameFile(join(dir, name), files[name]!.body);
      assert.equal(existsSync(join(dir, `${name}.part`)), false);
      const reqs = server.fileRequests(name);
      assert.equal(reqs.length, 1);
      assert.equal(reqs[0]!.range, undefined);
      assert.match(reqs[0]!.cookie ?? "", /__ac="?[0-9a-f]+/);
    }
    assert.deepEqual(
      summary.files.map((f) => [f.file, f.status, f.transferredBytes, f.retries]),
      RELEASE_ZIPS.map((n, i) => [n, "downloaded", SIZES[i], 0]),
    );
    assert.equal(
      summary.transferredBytes,
      SIZES.reduce((a, b) => a + b, 0),
    );
    const plan = events.find((e) => e.type === "plan");
    assert.ok(plan && plan.type === "plan");
    assert.equal(plan.toTransferBytes, summary.transferredBytes);
    const byteEvents = events.filter((e) => e.type === "bytes");
    assert.equal(
      byteEvents.reduce((s, e) => s + (e.type === "bytes" ? e.deltaBytes : 0), 0),
      summary.transferredBytes,
    );
    assert.equal(events.filter((e) => e.type === "file-done").length, 3);
  });
});

test("a re-run transfers nothing: complete files are skipped", async () => {
  await withServer(releaseFiles(), async (server, _dir, opts) => {
    await downloadRelease(opts);
    const before = server.log.length;
    const summary = await downloadRelease(opts);
    const fileRequests = server.log.slice(before).filter((r) => r.path.endsWith(".zip"));
    assert.deepEqual(fileRequests, []);
    assert.deepEqual(
      summary.files.map((f) => f.status),
      ["skipped", "skipped", "skipped"],
    );
    assert.equal(summary.transferredBytes, 0);
  });
});

test("resume after a dropped connection: the retry asks Range: bytes=<have>- and gets only the rest", async () => {
  const dropAt = 70_000;
  const files = releaseFiles({ "crcns-ac1.zip": { script: [{ kind: "drop", afterBytes: dropAt }] } });
  await withServer(files, async (server, dir, opts) => {
    const events: DownloadEvent[] = [];
    const summary = await downloadRelease({ ...opts, onEvent: (e) => events.push(e) });
    const reqs = server.fileRequests("crcns-ac1.zip");
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0]!.range, undefined);
    assert.equal(reqs[0]!.bytesSent, dropAt);
    const have = resumeOffset(reqs[1]!.range, dropAt);
    assert.equal(reqs[1]!.status, 206);
    assert.equal(reqs[1]!.bytesSent, SIZES[0]! - have);
    await assertSameFile(join(dir, "crcns-ac1.zip"), files["crcns-ac1.zip"]!.body);
    const first = summary.files[0]!;
    assert.equal(first.transferredBytes, SIZES[0]);
    assert.equal(first.retries, 1);
    assert.ok(events.some((e) => e.type === "retry" && e.file === "crcns-ac1.zip"));
  });
});

test("a .part left by an earlier run is resumed with Range", async () => {
  const files = releaseFiles();
  await withServer(files, async (server, dir, opts) => {
    const body = files["crcns-ac1-asari-results-1.zip"]!.body;
    await writeFile(join(dir, "crcns-ac1-asari-results-1.zip.part"), body.subarray(0, 50_000));
    const summary = await downloadRelease(opts);
    const reqs = server.fileRequests("crcns-ac1-asari-results-1.zip");
    assert.deepEqual(
      reqs.map((r) => [r.range, r.status, r.bytesSent]),
      [["bytes=50000-", 206, body.length - 50_000]],
    );
    assert.equal(summary.files[1]!.status, "resumed");
    await assertSameFile(join(dir, "crcns-ac1-asari-results-1.zip"), body);
  });
});

test("a server that ignores Range (200 instead of 206): the download starts over from the full body", async () => {
  const files = releaseFiles({
    "crcns-ac1.zip": { ignoreRange: true, script: [{ kind: "drop", afterBytes: 40_000 }] },
  });
  await withServer(files, async (server, dir, opts) => {
    const events: DownloadEvent[] = [];
    const summary = await downloadRelease({ ...opts, onEvent: (e) => events.push(e) });
    const reqs = server.fileRequests("crcns-ac1.zip");
    assert.deepEqual(
      reqs.map((r) => [r.range === undefined, r.status, r.bytesSent]),
      [
        [true, 200, 40_000],
        [false, 200, SIZES[0]],
      ],
    );
    const have = resumeOffset(reqs[1]!.range, 40_000);
    await assertSameFile(join(dir, "crcns-ac1.zip"), files["crcns-ac1.zip"]!.body);
    assert.ok(events.some((e) => e.type === "restart" && e.discardedBytes === have));
    assert.equal(summary.files[0]!.status, "downloaded");
  });
});

test("a 500 answer is retried with backoff", async () => {
  const files = releaseFiles({
    "crcns-ac1-asari-results-2.zip": { script: [{ kind: "status", code: 500 }] },
  });
  await withServer(files, async (server, dir, opts) => {
    const summary = await downloadRelease(opts);
    assert.deepEqual(
      server.fileRequests("crcns-ac1-asari-results-2.zip").map((r) => r.status),
      [500, 200],
    );
    assert.equal(summary.files[2]!.retries, 1);
    await assertSameFile(
      join(dir, "crcns-ac1-asari-results-2.zip"),
      files["crcns-ac1-asari-results-2.zip"]!.body,
    );
  });
});

test("a stalled transfer times out and resumes", async () => {
  const files = releaseFiles({ "crcns-ac1.zip": { script: [{ kind: "stall", afterBytes: 10_000 }] } });
  await withServer(files, async (server, dir, opts) => {
    await downloadRelease({ ...opts, idleTimeoutMs: 150 });
    const reqs = server.fileRequests("crcns-ac1.zip");
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0]!.range, undefined);
    const have = resumeOffset(reqs[1]!.range, 10_000);
    assert.equal(reqs[1]!.bytesSent, SIZES[0]! - have);
    await assertSameFile(join(dir, "crcns-ac1.zip"), files["crcns-ac1.zip"]!.body);
  });
});

test("a connection that keeps dropping fails after the retries, keeps the .part and says how to resume", async () => {
  const drops = [
    { kind: "drop" as const, afterBytes: 25_000 },
    ...Array.from({ length: 4 }, () => ({ kind: "drop" as const, afterBytes: 0 })),
  ];
  const files = releaseFiles({ "crcns-ac1.zip": { script: drops } });
  await withServer(files, async (server, dir, opts) => {
    const err = await rejectsWith(
      downloadRelease({ ...opts, retries: 2 }),
      "DOWNLOAD_INTERRUPTED",
      /run the same command again/,
    );
    const kept = (await readFile(join(dir, "crcns-ac1.zip.part"))).length;
    assert.ok(kept > 0 && kept <= 25_000, `kept ${kept}`);
    assert.match(err.message, new RegExp(`${kept} of 300000 bytes are kept in .*crcns-ac1\\.zip\\.part`));
    assert.equal(server.fileRequests("crcns-ac1.zip").length, 3); // the first attempt + 2 retries
    // The same call again resumes where it stopped.
    files["crcns-ac1.zip"]!.script = [];
    await downloadRelease(opts);
    const last = server.fileRequests("crcns-ac1.zip").at(-1)!;
    assert.equal(last.range, `bytes=${kept}-`);
    await assertSameFile(join(dir, "crcns-ac1.zip"), files["crcns-ac1.zip"]!.body);
  });
});

test("a wrong password is a rejected login and no file is requested", async () => {
  await withServer(releaseFiles(), async (server, dir, opts) => {
    await rejectsWith(
      downloadRelease({ ...opts, password: "not-the-password" }),
      "DOWNLOAD_AUTH",
      /rejected the login.*crcns\.org\/register/,
    );
    assert.equal(server.log.filter((r) => r.path.endsWith(".zip") || r.path.endsWith(".txt")).length, 0);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip.part")), false);
  });
});

test("a listed file that the server does not have is a 404 naming the path", async () => {
  const files = releaseFiles({ "crcns-ac1-asari-results-2.zip": { missing: true } });
  await withServer(files, async (_server, dir, opts) => {
    await rejectsWith(
      downloadRelease(opts),
      "DOWNLOAD_NOT_FOUND",
      /404.*\/ac-1\/crcns-ac1-asari-results-2\.zip/,
    );
    await assertSameFile(join(dir, "crcns-ac1.zip"), files["crcns-ac1.zip"]!.body);
  });
});

test("a file missing from the file list is reported before any transfer", async () => {
  await withServer(releaseFiles(), async (server, _dir, opts) => {
    await rejectsWith(
      downloadRelease({ ...opts, files: ["crcns-ac1.zip", "other.zip"] }),
      "DOWNLOAD_FILELIST",
      /other\.zip is not listed/,
    );
    assert.equal(server.fileRequests("crcns-ac1.zip").length, 0);
  });
});

test("a size that disagrees with the file list is an error and leaves no file behind", async () => {
  const files = releaseFiles({ "crcns-ac1.zip": { listedBytes: SIZES[0]! + 10 } });
  await withServer(files, async (_server, dir, opts) => {
    await rejectsWith(downloadRelease(opts), "DOWNLOAD_SIZE", /wrong size.*300000 bytes.*300010/);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip")), false);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip.part")), false);
  });
});

test("a body longer than the listed size without Content-Length is stopped and discarded", async () => {
  const files = releaseFiles({ "crcns-ac1.zip": { listedBytes: SIZES[0]! - 1000, chunked: true } });
  await withServer(files, async (_server, dir, opts) => {
    await rejectsWith(downloadRelease(opts), "DOWNLOAD_SIZE", /wrong size/);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip")), false);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip.part")), false);
  });
});

test("an expired session (HTML where a zip was expected) logs in again once and continues", async () => {
  const files = releaseFiles({ "crcns-ac1-asari-results-1.zip": { script: [{ kind: "expireSession" }] } });
  await withServer(files, async (server, dir, opts) => {
    await downloadRelease(opts);
    assert.equal(server.logins, 2);
    await assertSameFile(
      join(dir, "crcns-ac1-asari-results-1.zip"),
      files["crcns-ac1-asari-results-1.zip"]!.body,
    );
  });
});

test("HTML where a zip was expected, again after logging in anew, is a plain error", async () => {
  const expire = Array.from({ length: 3 }, () => ({ kind: "expireSession" as const }));
  const files = releaseFiles({ "crcns-ac1.zip": { script: expire } });
  await withServer(files, async (_server, dir, opts) => {
    await rejectsWith(
      downloadRelease(opts),
      "DOWNLOAD_HTML",
      /HTML page instead of crcns-ac1\.zip.*rejected the credentials or the file is missing/,
    );
    assert.equal(existsSync(join(dir, "crcns-ac1.zip.part")), false);
  });
});

test("a full disk while writing keeps the .part and says so", async () => {
  await withServer(releaseFiles(), async (_server, dir, opts) => {
    await symlink("/dev/full", join(dir, "crcns-ac1.zip.part"));
    await rejectsWith(
      downloadRelease(opts),
      "DOWNLOAD_DISK_FULL",
      /no space left.*crcns-ac1\.zip\.part.*kept.*run the same command again/,
    );
    assert.ok((await lstat(join(dir, "crcns-ac1.zip.part"))).isSymbolicLink());
  });
});

test("not enough free space for what is left is refused before transferring", async () => {
  const files = releaseFiles({ "crcns-ac1.zip": { listedBytes: 2 ** 52 } });
  await withServer(files, async (server, _dir, opts) => {
    await rejectsWith(downloadRelease(opts), "DOWNLOAD_DISK_FULL", /not enough free space/);
    assert.equal(server.fileRequests("crcns-ac1.zip").length, 0);
  });
});

test("a login redirect to another host is refused", async () => {
  await withServer(
    releaseFiles(),
    async (server, _dir, opts) => {
      await rejectsWith(downloadRelease(opts), "DOWNLOAD_URL", /evil\.example.*not an allowed CRCNS host/);
      assert.equal(server.log.filter((r) => r.path.startsWith("/ac-1")).length, 0);
    },
    { loginRedirect: "https://evil.example/steal" },
  );
});

test("plain http to a non-loopback host and URLs with credentials are refused before any request", async () => {
  await rejectsWith(
    downloadRelease({
      dataDir: "/nonexistent",
      username: USER,
      password: PASSWORD,
      downloadBase: "http://download.crcns.org",
      env: {},
    }),
    "DOWNLOAD_URL",
    /HTTPS only/,
  );
  const e = await rejectsWith(
    downloadRelease({
      dataDir: "/nonexistent",
      username: USER,
      password: PASSWORD,
      env: { AC1_CRCNS_LOGIN_URL: `https://u:${encodeURIComponent(PASSWORD)}@crcns.org/login_form` },
    }),
    "DOWNLOAD_URL",
    /AC1_CRCNS_LOGIN_URL must not contain a user name or password/,
  );
  assert.ok(!e.message.includes(PASSWORD));
});

test("no credentials and no prompt: a clear error naming the variables and the registration page", async () => {
  await rejectsWith(
    downloadRelease({ dataDir: "/nonexistent", env: {} }),
    "DOWNLOAD_CREDENTIALS",
    /CRCNS_USERNAME.*CRCNS_PASSWORD.*--password-stdin.*https:\/\/crcns\.org\/register/,
  );
});

test("the data folder is locked while downloading: a live owner refuses, a dead one is taken over", async () => {
  await withServer(releaseFiles(), async (server, dir, opts) => {
    const lock = join(dir, ".ac1-download.lock");
    await writeFile(lock, `${process.pid} ${hostname()}\n`);
    await rejectsWith(
      downloadRelease(opts),
      "DOWNLOAD_BUSY",
      new RegExp(`pid ${process.pid}.*delete .*\\.ac1-download\\.lock`),
    );
    assert.equal(server.log.length, 0);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(lock, `${dead} ${hostname()}\n`);
    await downloadRelease(opts);
    assert.equal(existsSync(lock), false);
    assert.equal(existsSync(join(dir, "crcns-ac1.zip")), true);
  });
});
