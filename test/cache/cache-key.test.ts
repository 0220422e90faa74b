// The build cache's keys: they change with every output-changing option, with
// the code version and with the archive's identity (the zips and the used
// subtrees, stat'ed), and not with the order of object keys or archive files.

import assert from "node:assert/strict";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  archiveIdentity,
  cacheKey,
  canonicalJson,
  codeVersion,
  mergeIdentities,
} from "../../src/cache/key.js";
import type { DatasetOptions } from "../../src/dataset/model.js";
import { sampleOptions } from "../export/sample.js";
import { tempDir } from "../support/cli.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-cache-")));
after(() => cleanup());

const identity = { files: [{ path: "crcns-ac1.zip", size: 1000, mtimeMs: 1700000000000 }] };

describe("cacheKey", () => {
  const base = sampleOptions(false);
  const k0 = cacheKey(base, identity, "v1");

  it("is 64 hex digits and stable", () => {
    assert.match(k0, /^[0-9a-f]{64}$/);
    assert.equal(cacheKey(structuredClone(base), structuredClone(identity), "v1"), k0);
  });

  it("holds the data folder (resolved), and ignores the order of object keys and archive files", () => {
    // the export names files of its folder (skipped_files' reasons): another folder is another build
    assert.notEqual(cacheKey({ ...base, path: "/elsewhere" }, identity, "v1"), k0);
    assert.equal(cacheKey({ ...base, path: `${base.path}/.` }, identity, "v1"), k0);
    const two = { files: [identity.files[0]!, { path: "a.zip", size: 1, mtimeMs: 2 }] };
    assert.equal(cacheKey(base, two, "v1"), cacheKey(base, { files: [two.files[1]!, two.files[0]!] }, "v1"));
    assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  });

  it("changes with every option that changes the output", () => {
    const variants: [string, DatasetOptions][] = [
      ["experimenter", { ...base, experimenter: ["wehr"] }],
      ["sites", { ...base, sites: ["A1"] }],
      ["dtMs", { ...base, dtMs: 10 }],
      ["fmin", { ...base, fmin: 200 }],
      ["fmax", { ...base, fmax: 40000 }],
      ["binsPerOctave", { ...base, binsPerOctave: 12 }],
      ["windowMs", { ...base, windowMs: 20 }],
      ["detrendMedMs", { ...base, detrendMedMs: 50 }],
      ["detrendGaussMs", { ...base, detrendGaussMs: 5 }],
      ["gating.absMvMax", { ...base, gating: { ...base.gating, absMvMax: 100 } }],
      ["gating.stepMv", { ...base, gating: { ...base.gating, stepMv: 20 } }],
      ["gating.maxStepFrac", { ...base, gating: { ...base.gating, maxStepFrac: 0.01 } }],
      ["gating.minXcorr", { ...base, gating: { ...base.gating, minXcorr: 0.1 } }],
      ["returnWaveform", { ...base, returnWaveform: true }],
      ["audioFs", { ...base, audioFs: 48000 }],
    ];
    const keys = new Set([k0]);
    for (const [name, o] of variants) {
      const k = cacheKey(o, identity, "v1");
      assert.notEqual(k, k0, name);
      keys.add(k);
    }
    assert.equal(keys.size, variants.length + 1);
  });

  it("changes with the archive identity (size, mtime, files) and the code version", () => {
    const f = identity.files[0]!;
    assert.notEqual(cacheKey(base, { files: [{ ...f, size: 1001 }] }, "v1"), k0);
    assert.notEqual(cacheKey(base, { files: [{ ...f, mtimeMs: f.mtimeMs + 1 }] }, "v1"), k0);
    assert.notEqual(cacheKey(base, { files: [f, { path: "x.mat", size: 1, mtimeMs: 1 }] }, "v1"), k0);
    assert.notEqual(cacheKey(base, { files: [] }, "v1"), k0);
    assert.notEqual(cacheKey(base, identity, "v2"), k0);
    assert.match(codeVersion(), /^ac1-\d+\.\d+\.\d+.*\+cache\d+$/);
  });
});

describe("archiveIdentity", () => {
  it("stats the zips and the used subtrees, and notices changes", async () => {
    const data = join(dir, "data");
    await mkdir(join(data, "crcns-ac1", "wehr", "Results", "cell1"), { recursive: true });
    await mkdir(join(data, "crcns-ac1", "asari", "Stimuli"), { recursive: true });
    await mkdir(join(data, "crcns-ac1-asari-results-1", "asari-results-1", "s1"), { recursive: true });
    await mkdir(join(data, "unrelated"), { recursive: true });
    await writeFile(join(data, "crcns-ac1.zip"), "zip");
    await writeFile(join(data, "crcns-ac1", "wehr", "Summary.mat"), "summary");
    await writeFile(join(data, "crcns-ac1", "wehr", "Results", "cell1", "a.mat"), "aaaa");
    await writeFile(join(data, "crcns-ac1", "asari", "Stimuli", "s.wav"), "wav");
    await writeFile(join(data, "crcns-ac1-asari-results-1", "asari-results-1", "s1", "t.mat"), "t");
    await writeFile(join(data, "unrelated", "notes.txt"), "x");

    const id = await archiveIdentity(data);
    assert.deepEqual(
      id.files.map((f) => f.path),
      [
        "crcns-ac1-asari-results-1/asari-results-1/s1/t.mat",
        "crcns-ac1.zip",
        "crcns-ac1/asari/Stimuli/s.wav",
        "crcns-ac1/wehr/Results/cell1/a.mat",
        "crcns-ac1/wehr/Summary.mat",
      ],
    );
    assert.equal(id.files.find((f) => f.path === "crcns-ac1/wehr/Summary.mat")!.size, 7);
    const wehrOnly = await archiveIdentity(data, ["wehr"]);
    assert.deepEqual(
      wehrOnly.files.map((f) => f.path),
      ["crcns-ac1.zip", "crcns-ac1/wehr/Results/cell1/a.mat", "crcns-ac1/wehr/Summary.mat"],
    );
    // one experimenter's walk and then the other's make the whole identity
    assert.deepEqual(mergeIdentities(wehrOnly, await archiveIdentity(data, ["asari"])), id);

    const opts = sampleOptions(false);
    const k0 = cacheKey(opts, id, "v");
    await writeFile(join(data, "unrelated", "notes.txt"), "changed");
    assert.equal(
      cacheKey(opts, await archiveIdentity(data), "v"),
      k0,
      "files outside the used subtrees do not matter",
    );
    const file = join(data, "crcns-ac1", "wehr", "Results", "cell1", "a.mat");
    await utimes(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const k1 = cacheKey(opts, await archiveIdentity(data), "v");
    assert.notEqual(k1, k0, "mtime change");
    await writeFile(file, "aaaaa");
    await utimes(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.notEqual(cacheKey(opts, await archiveIdentity(data), "v"), k1, "size change");
  });

  it("is empty for a folder without the release", async () => {
    assert.deepEqual(await archiveIdentity(join(dir, "nothing-here")), { files: [] });
  });
});
