// The synthetic release itself: byte-identical output for a seed, the real
// zip layout, MATLAB-style variables (int16 traces with a scale, struct
// arrays, char), the manifest beside the zips, the demo archive helper and
// the `ac1 synth` command.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import yauzl from "yauzl";
import {
  DEMO_SEED,
  ensureDemoArchive,
  MANIFEST_FILE,
  type SynthManifest,
  writeSynthArchive,
} from "../../src/ac1/index.js";
import { planSynth } from "../../src/ac1/synth/plan.js";
import { scaleParams } from "../../src/ac1/synth/plan-model.js";
import { ensureExtracted, ZipSource } from "../../src/archive/index.js";
import { Ac1Error } from "../../src/errors.js";
import { charToString, getField, openMat, structLength, toNumber } from "../../src/mat/index.js";
import { runAc1, tempDir } from "../support/cli.js";

const ZIPS = ["crcns-ac1.zip", "crcns-ac1-asari-results-1.zip", "crcns-ac1-asari-results-2.zip"];

function zipEntryNames(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on("end", () => resolve(names));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

let work: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  work = await tempDir("ac1-synth-");
});
after(async () => {
  await work.cleanup();
});

describe("writeSynthArchive", () => {
  let m1: SynthManifest;
  before(async () => {
    m1 = await writeSynthArchive(join(work.dir, "a"), { scale: "small", seed: 11 });
    await writeSynthArchive(join(work.dir, "b"), { scale: "small", seed: 11 });
    await writeSynthArchive(join(work.dir, "c"), { scale: "small", seed: 12 });
  });

  test("the same seed gives byte-identical zips and manifest; another seed does not", async () => {
    for (const f of [...ZIPS, MANIFEST_FILE]) {
      const a = await readFile(join(work.dir, "a", f));
      const b = await readFile(join(work.dir, "b", f));
      assert.ok(a.equals(b), `${f} differs between two runs with one seed`);
    }
    for (const f of ZIPS) {
      const a = await readFile(join(work.dir, "a", f));
      const c = await readFile(join(work.dir, "c", f));
      assert.ok(!a.equals(c), `${f} is the same for seeds 11 and 12`);
    }
    assert.deepEqual(
      m1.zips.map((z) => z.name),
      ZIPS,
    );
    for (const z of m1.zips) assert.equal(z.bytes, (await stat(join(work.dir, "a", z.name))).size);
    assert.deepEqual(JSON.parse(await readFile(join(work.dir, "a", MANIFEST_FILE), "utf8")), m1);
    assert.ok(!existsSync(join(work.dir, "a", `${ZIPS[0]}.partial`)));
  });

  test("zip layout: wehr/ and asari/Stimuli at the top of crcns-ac1.zip, asari-results-N/<session>/ in the others", async () => {
    const main = await zipEntryNames(join(work.dir, "a", ZIPS[0]!));
    const tops = new Set(main.map((n) => n.split("/")[0]));
    assert.deepEqual([...tops].sort(), ["asari", "wehr"]);
    assert.ok(main.includes("wehr/Summary.mat"));
    assert.ok(main.every((n) => !n.startsWith("asari/") || n === "asari/" || n.startsWith("asari/Stimuli")));
    assert.ok(main.includes("asari/Stimuli/class3/3l.mat"));
    assert.ok(main.includes("wehr/Stimuli/fragments/7b.mat"));
    // stems Python's int() reads, written as they are (UTF-8 names where needed)
    for (const stem of [
      "category1/1_0",
      "category1/10",
      "category2/ 7",
      "category3/+8",
      "fragments/\u0661\u0663",
    ])
      assert.ok(main.includes(`wehr/Stimuli/${stem}.mat`), stem);
    for (const k of [1, 2]) {
      const names = await zipEntryNames(join(work.dir, "a", ZIPS[k]!));
      assert.ok(names.length > 0);
      for (const n of names)
        assert.match(
          n,
          new RegExp(`^asari-results-${k}/([0-9]{8}-ha[0-9]+-[0-9a-z]+(-[a-z])?/([^/]+\\.mat)?)?$`),
        );
    }
    const files = (await Promise.all(ZIPS.map((z) => zipEntryNames(join(work.dir, "a", z)))))
      .flat()
      .filter((n) => !n.endsWith("/"));
    assert.equal(
      files.length,
      m1.zips.reduce((n, z) => n + z.files, 0),
    );
  });

  test("files hold MATLAB-style values: int16 traces with a scale, struct-array triggers, char", async () => {
    const src = await ZipSource.open(join(work.dir, "a"));
    try {
      const rec = m1.cells.find((c) => c.meta.experimenter === "asari")!.stims[0]!.repeats[0]!.file;
      const m = openMat(await src.readFile(rec), rec);
      assert.equal(m.header.level, 5);
      const response = m.read("response");
      const trace = getField(response, "trace");
      assert.equal(trace?.kind, "numeric");
      if (trace?.kind === "numeric") assert.equal(trace.class, "int16");
      assert.equal(toNumber(getField(response, "sf")), 10000);
      assert.ok((toNumber(getField(response, "scale")) ?? 0) > 0);
      const triggers = m.read("triggers");
      assert.ok(structLength(triggers) > 1);
      assert.match(charToString(getField(getField(triggers, "param", 0), "description")) ?? "", /Sequence/);
      const wehrTrial = m1.cells[0]!.stims[0]!.repeats[0]!.file;
      const w = openMat(await src.readFile(wehrTrial), wehrTrial);
      assert.equal(toNumber(getField(w.read("response"), "sf")), 4000);
      const stim = openMat(await src.readFile("crcns-ac1/wehr/Stimuli/fragments/1.mat"), "fragments/1");
      assert.equal(toNumber(getField(getField(stim.read("stimulus"), "param"), "sf")), 44100);
    } finally {
      await src.close();
    }
  });

  test("the manifest plans every rule: cells, dropped cell, warnings of each kind, skipped files", () => {
    assert.equal(m1.format, "ac1-synth-manifest");
    assert.equal(m1.cells.filter((c) => c.meta.experimenter === "wehr").length, 5);
    assert.equal(m1.cells.filter((c) => c.meta.experimenter === "asari").length, 8);
    assert.deepEqual([...new Set(m1.warnings.map((w) => w.code))].sort(), [
      "duplicate-description",
      "index-not-in-file-map",
      "malformed-session",
      "segment-rate-mismatch",
      "unknown-description",
      "unreadable-file",
    ]);
    // two corrupt files and the segment file a corner cell names but Stimuli lacks
    assert.deepEqual(
      m1.skippedFiles.map((p) => p.slice(p.lastIndexOf("/") + 1)),
      ["20020715-mw-003-010.mat", "20050614-ha1-002-01.mat", "9.mat"],
    );
    assert.deepEqual(
      m1.cells.filter((c) => c.expectDropped).map((c) => c.meta.session),
      ["20020722-mw-002", "20051201-ha5-001", "20051204-ha5-004"],
    );
    assert.deepEqual(
      m1.notYielded.map((n) => [n.session, n.wehrCellIdx, n.reason]),
      [
        ["20020701-mw-002-b", 1, "malformed session name"],
        ["20020708-mw-001", 2, "no usable natural-sound trial"],
        ["20051202-ha5-002", undefined, "no recording struct"],
        ["20060302-ha4-001", undefined, "no usable natural-sound trigger"],
      ],
    );
    // every corner of issue #16 is planted, and names sessions that exist
    assert.deepEqual(
      m1.corners.map((c) => c.id),
      [
        "wehr-int-stems",
        "wehr-idx-collision",
        "wehr-duration-zero",
        "short-repeat-one-bin",
        "flat-rail",
        "band-limits",
        "resample-length",
        "unshared-xcorr",
        "registered-by-later-cell",
        "asari-no-recording-struct",
        "asari-four-part-name",
        "asari-splice-failed",
      ],
    );
    const sessions = new Set([
      ...m1.cells.map((c) => c.meta.session),
      ...m1.notYielded.map((n) => n.session),
    ]);
    for (const c of m1.corners) for (const s of c.sessions) assert.ok(sessions.has(s), `${c.id}: ${s}`);
  });

  test("refuses a folder holding release data it did not write; rewrites its own, dropping stale unpacked trees", async () => {
    const foreign = join(work.dir, "foreign");
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, "crcns-ac1.zip"), "real data");
    await assert.rejects(writeSynthArchive(foreign, { scale: "small", seed: 1 }), (e: unknown) => {
      assert.ok(e instanceof Ac1Error);
      assert.match(e.message, /crcns-ac1\.zip not written by ac1 synth; refusing/);
      return true;
    });
    assert.equal(await readFile(join(foreign, "crcns-ac1.zip"), "utf8"), "real data");
    const own = join(work.dir, "own");
    await writeSynthArchive(own, { scale: "small", seed: 1 });
    await ensureExtracted(own, { checkFreeSpace: false });
    assert.ok(existsSync(join(own, "crcns-ac1", "wehr", "Summary.mat")));
    const m2 = await writeSynthArchive(own, { scale: "small", seed: 2 });
    assert.ok(!existsSync(join(own, "crcns-ac1")));
    assert.equal(m2.seed, 2);
  });

  test("bad seeds are refused", async () => {
    await assert.rejects(writeSynthArchive(join(work.dir, "d"), { scale: "small", seed: -1 }), /seed/);
    await assert.rejects(writeSynthArchive(join(work.dir, "d"), { scale: "small", seed: 1.5 }), /seed/);
  });
});

describe("scales and sizes", () => {
  test('"stims": long spliced Asari sequences, few repeats each, mostly cell-attached MGB, many Wehr stims', () => {
    const p = planSynth("stims", 2009);
    const natural = p.asariSessions.flatMap((s) =>
      s.recordings.flatMap((r) => r.triggers.filter((t) => t.kind === "repeat")),
    );
    // The extra cells (plantExtraCells: from September), not the hand-planted ones or the corners.
    const extra = p.asariSessions.filter((s) => /^200[56]09\d\d-ha/.test(s.name));
    assert.equal(extra.length, 10);
    const mgb = extra.filter((s) => s.site === "MGB" && s.recordingType === "cell-attached");
    assert.ok(mgb.length >= 7, `${mgb.length} of 10 extra Asari cells are cell-attached MGB`);
    const long = natural.filter((t) => (t.segments?.length ?? 0) >= 4);
    assert.ok(long.length > natural.length / 2, "most sequences splice 4 to 8 segments");
    for (const t of long) {
      let samples = 0;
      for (const g of t.segments ?? []) samples += g.wave.length;
      assert.ok(samples / 97656 >= 4 * 1.5, "a 4-segment sequence lasts at least 6 s");
    }
    assert.ok(p.wehrStims.length >= 24 + 3 * 12, `many Wehr stimulus files (${p.wehrStims.length})`);
    const perStim = new Map<string, number>();
    for (const s of p.asariSessions.filter((x) => extra.includes(x)))
      for (const r of s.recordings)
        for (const t of r.triggers)
          if (t.kind === "repeat")
            perStim.set(`${s.name} ${t.files}`, (perStim.get(`${s.name} ${t.files}`) ?? 0) + 1);
    for (const [k, n] of perStim) assert.ok(n >= 4 && n <= 6, `${k}: ${n} repeats`);
    assert.equal(p.size, 1);
  });

  test("every scale plants each Wehr stimulus file once, and the corners' stims share an idx only where planted to", () => {
    for (const scale of ["small", "bench", "stims"] as const) {
      const p = planSynth(scale, 2009);
      const paths = p.wehrStims.map((s) => s.path);
      assert.equal(new Set(paths).size, paths.length, `${scale}: a stimulus file planted twice`);
      const byKey = new Map<string, string[]>();
      for (const s of p.wehrStims) {
        if (s.idx === null) continue;
        const k = `${s.folder}/${s.idx}`;
        byKey.set(k, [...(byKey.get(k) ?? []), s.stem]);
      }
      const shared = [...byKey].filter(([, stems]) => stems.length > 1);
      // the one planted collision: '10' and '1_0' (or '110' and '1_10' where the regular stems reach 10)
      assert.equal(shared.length, 1, `${scale}: ${JSON.stringify(shared)}`);
      const collision = p.corners.find((c) => c.id === "wehr-idx-collision");
      const key = collision?.stimKeys[0];
      assert.equal(`${key?.[1]}/${key?.[2]}`, shared[0]?.[0], scale);
    }
  });

  test("size N plants N times the extra cells over the same stimulus files", () => {
    const one = planSynth("bench", 5);
    const two = planSynth("bench", 5, 2);
    assert.equal(two.size, 2);
    const P = scaleParams("bench", 1);
    assert.equal(two.wehrSessions.length - one.wehrSessions.length, P.extraWehrCells);
    assert.equal(two.asariSessions.length - one.asariSessions.length, P.extraAsariCells);
    assert.equal(scaleParams("bench", 2).extraAsariCells, 2 * P.extraAsariCells);
    assert.deepEqual(
      two.asariSegments.map((g) => g.file),
      one.asariSegments.map((g) => g.file),
    );
    assert.deepEqual(
      two.wehrStims.map((s) => s.path),
      one.wehrStims.map((s) => s.path),
    );
    const names = two.asariSessions.map((s) => `${s.root}/${s.name}`);
    assert.equal(new Set(names).size, names.length, "session names stay unique");
  });

  test("bad sizes are refused", async () => {
    for (const size of [0, 1.5, 65])
      await assert.rejects(writeSynthArchive(join(work.dir, "z"), { scale: "small", seed: 1, size }), /size/);
  });
});

describe("ensureDemoArchive", () => {
  test("writes the small archive with DEMO_SEED once and reuses it", async () => {
    const dir = join(work.dir, "demo");
    const m = await ensureDemoArchive(dir);
    assert.equal(m.seed, DEMO_SEED);
    assert.equal(m.scale, "small");
    const before = (await stat(join(dir, ZIPS[0]!))).mtimeMs;
    const again = await ensureDemoArchive(dir);
    assert.deepEqual(again, m);
    assert.equal((await stat(join(dir, ZIPS[0]!))).mtimeMs, before);
  });
});

describe("ac1 synth", () => {
  test("writes the archive and prints the folder", async () => {
    const dir = join(work.dir, "cli");
    const r = await runAc1(["synth", "--out", dir, "--seed", "11"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${dir}\n`);
    for (const z of ZIPS) {
      const a = await readFile(join(dir, z));
      const b = await readFile(join(work.dir, "a", z));
      assert.ok(a.equals(b), `${z}: CLI output differs from the library's for the same seed`);
    }
    assert.match(r.stderr, /synth/);
  });

  test("--help, and one-line errors for bad usage", async () => {
    const help = await runAc1(["synth", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: ac1 synth --out DIR/);
    for (const args of [
      ["synth"],
      ["synth", "--out", join(work.dir, "x"), "--scale", "huge"],
      ["synth", "--out", join(work.dir, "x"), "--seed=-3"],
      ["synth", "--out", join(work.dir, "x"), "--seed", "1.5"],
      ["synth", "--out", join(work.dir, "x"), "--size", "0"],
    ]) {
      const r = await runAc1(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^ac1 synth: --(out|scale|seed|size) /);
    }
  });
});
