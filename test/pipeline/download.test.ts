// loadDataset({ download }) is the one place a dataset load downloads, and it
// honours every download setting: against a local CRCNS stand-in serving the
// synthetic release, credentials come from `prompt`, a dropped transfer is
// resumed within `retries` (and fails with retries: 0), events reach
// `onEvent`, and the data built from the downloaded zips equals the build of
// the original ones.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeSynthArchive } from "../../src/ac1/index.js";
import { RELEASE_ZIPS } from "../../src/archive/location.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { buildDataset } from "../../src/dataset/stages.js";
import type { DownloadEvent } from "../../src/download/index.js";
import { isAc1Error } from "../../src/errors.js";
import { type LoadDownloadOptions, loadDataset } from "../../src/pipeline/index.js";
import { FakeCrcns, type Misbehaviour, type ServedFile } from "../download/server.js";
import { assertSameDataset } from "../parallel/compare.js";
import { tempDir } from "../support/cli.js";

const USER = "bob.modeller";
const PASSWORD = "Pw-load-7Hq!x";

let root: string;
let cleanup: () => Promise<void>;
let original: string;
let zips: Record<string, Buffer>;
let reference: DatasetData;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-pipeline-download-"));
  original = join(root, "original");
  await writeSynthArchive(original, { scale: "small", seed: 7 });
  zips = {};
  for (const name of RELEASE_ZIPS) zips[name] = await readFile(join(original, name));
  reference = await buildDataset({ path: original, experimenter: "wehr", onWarning: () => {} });
});
after(() => cleanup());

let n = 0;

/** A server with the synthetic zips (the first one misbehaving as `script` says) and a fresh data folder. */
async function withServer(
  script: Misbehaviour[],
  body: (server: FakeCrcns, path: string, settings: LoadDownloadOptions, asked: string[]) => Promise<void>,
): Promise<void> {
  const files: Record<string, ServedFile> = {};
  for (const [name, bytes] of Object.entries(zips)) files[name] = { body: bytes };
  const first = files[RELEASE_ZIPS[0] as string] as ServedFile;
  first.script = [...script];
  const server = await new FakeCrcns({ username: USER, password: PASSWORD, files }).start();
  const asked: string[] = [];
  const settings: LoadDownloadOptions = {
    loginUrl: server.loginUrl,
    downloadBase: server.downloadBase,
    env: {},
    // No credentials anywhere but here: the load must use the prompt.
    prompt: async (question) => {
      asked.push(question);
      return question.includes("password") ? PASSWORD : USER;
    },
    backoffMs: 1,
    maxBackoffMs: 4,
    idleTimeoutMs: 5000,
  };
  try {
    await body(server, join(root, `data-${n++}`), settings, asked);
  } finally {
    await server.close();
  }
}

describe("loadDataset with download", () => {
  it("downloads with the given settings (prompt, retries, events), then builds from the zips", async () => {
    await withServer([{ kind: "drop", afterBytes: 20_000 }], async (server, path, settings, asked) => {
      const events: DownloadEvent[] = [];
      const data = await loadDataset({
        path,
        experimenter: "wehr",
        jobs: 1,
        cache: false,
        onWarning: () => {},
        download: { ...settings, retries: 2, onEvent: (e) => events.push(e) },
      });
      assert.deepEqual(asked, ["CRCNS user name: ", "CRCNS password: "]);
      assert.equal(server.logins, 1);
      const first = RELEASE_ZIPS[0] as string;
      assert.equal(server.fileRequests(first).length, 2, "the dropped transfer was retried once");
      assert.ok(events.some((e) => e.type === "retry" && e.file === first));
      assert.equal(events.filter((e) => e.type === "file-done").length, RELEASE_ZIPS.length);
      for (const name of RELEASE_ZIPS)
        assert.ok((await readFile(join(path, name))).equals(zips[name] as Buffer));
      // Built from the downloaded copy: the same data, but for the folder it names.
      assertSameDataset(reference, {
        ...data,
        options: { ...data.options, path: original },
        skippedFiles: data.skippedFiles.map((f) => ({ ...f, reason: f.reason.replace(path, original) })),
      });
    });
  });

  it("honours retries: 0 (a dropped transfer fails the load with DOWNLOAD_INTERRUPTED)", async () => {
    await withServer([{ kind: "drop", afterBytes: 20_000 }], async (server, path, settings) => {
      await assert.rejects(
        loadDataset({
          path,
          experimenter: "wehr",
          jobs: 1,
          cache: false,
          download: { ...settings, retries: 0 },
        }),
        (e: unknown) => {
          assert.ok(isAc1Error(e, "DOWNLOAD_INTERRUPTED"), String(e));
          assert.equal(e.name, "DownloadError");
          return true;
        },
      );
      assert.equal(server.fileRequests(RELEASE_ZIPS[0] as string).length, 1, "no retry");
    });
  });

  it("is the only place that downloads: a build refuses a download option instead of ignoring it", async () => {
    await withServer([], async (server, path, settings) => {
      await assert.rejects(
        buildDataset({ path, download: settings } as Parameters<typeof buildDataset>[0]),
        /invalid option download=.*unknown option/,
      );
      assert.equal(server.logins, 0);
    });
  });

  it("checks the download's own settings before logging in", async () => {
    await withServer([], async (server, path, settings) => {
      await assert.rejects(
        loadDataset({ path, cache: false, download: { ...settings, retries: -1 } }),
        /invalid option retries=-1/,
      );
      assert.equal(server.logins, 0);
    });
  });
});
