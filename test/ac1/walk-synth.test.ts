// End to end: synthetic release -> walkers, read straight from the zips and
// from the unpacked tree. Every cell, stim key, repeat (exact length,
// checksum, first samples, source), metadata field, _wehr_cell_idx, warning
// and skipped file is compared with what the generator planted; the gating
// fates of the planted artifacts are checked with the real gating; and key
// rules are also asserted literally and by decoding trial files independently.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type CellRecord,
  type Experimenter,
  planReleaseWalk,
  releaseParts,
  type Site,
  type SynthManifest,
  walkRelease,
  writeSynthArchive,
} from "../../src/ac1/index.js";
import { DirSource, ensureExtracted, type ReleaseSource, ZipSource } from "../../src/archive/index.js";
import { charToString, getField, openMat, toFloat64, toNumber } from "../../src/mat/index.js";
import { DEFAULT_GATING_THRESHOLDS, gateRepeats } from "../../src/preprocess/index.js";
import { tempDir } from "../support/cli.js";
import { type WalkResult, walkAll } from "./support.js";

const SEED = 4242;

let dir: string;
let cleanup: () => Promise<void>;
let manifest: SynthManifest;

before(async () => {
  ({ dir, cleanup } = await tempDir("ac1-walk-"));
  manifest = await writeSynthArchive(dir, { scale: "small", seed: SEED });
});
after(async () => {
  await cleanup();
});

async function walkBoth(source: ReleaseSource): Promise<{ wehr: WalkResult; asari: WalkResult }> {
  return { wehr: await walkAll(source, "wehr"), asari: await walkAll(source, "asari") };
}

function assertMatchesManifest(cells: CellRecord[], waveforms: Float64Array[][], m: SynthManifest): void {
  assert.deepEqual(
    cells.map((c) => `${c.meta.experimenter}/${c.meta.session}`),
    m.cells.map((c) => `${c.meta.experimenter}/${c.meta.session}`),
  );
  cells.forEach((cell, ci) => {
    const want = m.cells[ci]!;
    assert.deepEqual(cell.meta, want.meta, `meta of ${cell.meta.session}`);
    assert.deepEqual(
      cell.stims.map((s) => s.key),
      want.stims.map((s) => s.key),
      `stim keys of ${cell.meta.session}`,
    );
    cell.stims.forEach((stim, si) => {
      const ws = want.stims[si]!;
      const where = `${cell.meta.session} ${JSON.stringify(stim.key)}`;
      assert.deepEqual(stim.meta, ws.meta, `stim meta ${where}`);
      assert.equal(stim.sfStimHz, ws.sfStimHz, where);
      assert.equal(stim.sfRespHz, ws.sfRespHz, where);
      assert.equal(stim.durationMs, ws.durationMs, where);
      assert.equal(stim.waveform.length, ws.waveformLength, `waveform length ${where}`);
      const wave = waveforms[ci]![si]!;
      assert.equal(wave.length, ws.waveformLength, `waveform samples ${where}`);
      for (const p of ws.waveformProbes) {
        const got = wave[p.index]!;
        assert.ok(Math.abs(got - p.value) <= 1e-12, `waveform[${p.index}] ${where}: ${got} vs ${p.value}`);
      }
      assert.equal(stim.repeats.length, ws.repeats.length, `repeat count ${where}`);
      assert.equal(stim.sources.length, stim.repeats.length);
      stim.repeats.forEach((rep, ri) => {
        const wr = ws.repeats[ri]!;
        assert.deepEqual(
          stim.sources[ri],
          { file: wr.file, trigger: wr.trigger, onsetSample: wr.onsetSample },
          `source ${ri} ${where}`,
        );
        assert.equal(rep.length, wr.length, `repeat ${ri} length ${where}`);
        let sum = 0;
        for (let i = 0; i < rep.length; i++) sum += rep[i]!;
        assert.equal(sum, wr.sum, `repeat ${ri} checksum ${where}`);
        assert.deepEqual([...rep.subarray(0, 3)], wr.head, `repeat ${ri} head ${where}`);
      });
    });
  });
}

describe("walkers over the synthetic release", () => {
  let fromZip: { wehr: WalkResult; asari: WalkResult };
  let fromDir: { wehr: WalkResult; asari: WalkResult };

  before(async () => {
    const zs = await ZipSource.open(dir);
    try {
      fromZip = await walkBoth(zs);
      assert.ok(zs.bytesRead() > 0);
    } finally {
      await zs.close();
    }
    await ensureExtracted(dir, { checkFreeSpace: false });
    fromDir = await walkBoth(new DirSource(dir));
  });

  for (const via of ["zip", "dir"] as const) {
    test(`cells, stims, repeats and metadata match the manifest (${via})`, () => {
      const r = via === "zip" ? fromZip : fromDir;
      assertMatchesManifest(
        [...r.wehr.cells, ...r.asari.cells],
        [...r.wehr.waveforms, ...r.asari.waveforms],
        manifest,
      );
    });

    test(`every planted warning and skipped file is reported, in order (${via})`, () => {
      const r = via === "zip" ? fromZip : fromDir;
      const warnings = [...r.wehr.warnings, ...r.asari.warnings].map((w) => ({ code: w.code, path: w.path }));
      assert.deepEqual(warnings, manifest.warnings);
      assert.deepEqual(
        [...r.wehr.skipped, ...r.asari.skipped].map((s) => s.path),
        manifest.skippedFiles,
      );
      for (const s of [...r.wehr.skipped, ...r.asari.skipped]) {
        // The offset and problem, then where the file was read from (its zip,
        // or the data folder), without the release path again.
        // a corrupt file, or the segment file a corner cell names but Stimuli lacks
        assert.match(
          s.reason,
          via === "zip"
            ? /^(byte \d+: .*|no such file in the zip) \(in \/.*\.zip\)$/
            : /^(byte \d+: .*|no such file) \(in \/[^()]*\)$/,
        );
        assert.ok(!s.reason.includes(s.path.slice(s.path.lastIndexOf("/") + 1)), s.reason);
      }
    });
  }

  test("zip and unpacked tree give identical repeats", () => {
    const a = [...fromZip.wehr.cells, ...fromZip.asari.cells];
    const b = [...fromDir.wehr.cells, ...fromDir.asari.cells];
    assert.equal(a.length, b.length);
    a.forEach((c, i) => {
      c.stims.forEach((s, j) => {
        const t = b[i]!.stims[j]!;
        assert.deepEqual(s.waveform, t.waveform);
        assert.deepEqual(
          [...fromZip.wehr.waveforms, ...fromZip.asari.waveforms][i]![j],
          [...fromDir.wehr.waveforms, ...fromDir.asari.waveforms][i]![j],
        );
        for (const [k, rep] of s.repeats.entries()) assert.deepEqual(rep, t.repeats[k]);
      });
    });
  });

  test("the planted artifacts get the planted gating fates", () => {
    const cells = [...fromZip.wehr.cells, ...fromZip.asari.cells];
    let checked = 0;
    cells.forEach((cell, ci) => {
      cell.stims.forEach((stim, si) => {
        const g = gateRepeats(stim.repeats, stim.sfRespHz, {
          gating: DEFAULT_GATING_THRESHOLDS,
          detrendMedMs: 100,
          detrendGaussMs: 10,
        });
        const want = manifest.cells[ci]!.stims[si]!.repeats.map((r) => r.expectedFate);
        assert.deepEqual(g.fates, want, `${cell.meta.session} ${JSON.stringify(stim.key)}`);
        checked += want.length;
      });
      const dropped = cell.stims.every(
        (s) =>
          gateRepeats(s.repeats, s.sfRespHz, {
            gating: DEFAULT_GATING_THRESHOLDS,
            detrendMedMs: 100,
            detrendGaussMs: 10,
          }).kept.length === 0,
      );
      assert.equal(dropped, manifest.cells[ci]!.expectDropped, cell.meta.session);
    });
    const artifacts = new Set(
      manifest.cells.flatMap((c) => c.stims.flatMap((s) => s.repeats.map((r) => r.artifact))),
    );
    assert.deepEqual([...artifacts].sort(), [
      "clipped",
      "empty",
      "flat-rail",
      "none",
      "saturation",
      "step",
      "stub",
      "uncorrelated",
      "unshared",
      "zero-duration",
    ]);
    assert.ok(manifest.cells.some((c) => c.expectDropped));
    assert.ok(checked > 50);
  });

  test("Wehr rules, literally", () => {
    const { cells, warnings } = fromZip.wehr;
    // sorted 4-digit session folders; malformed and empty ones keep their index
    assert.deepEqual(
      cells.map((c) => [c.meta.session, c.meta._wehr_cell_idx]),
      [
        ["20020624-mw-001", 0],
        ["20020715-mw-003", 3],
        ["20020722-mw-002", 4],
        ["20030106-mw-001", 5],
        ["20030113-mw-002", 6],
      ],
    );
    assert.deepEqual(cells[0]!.meta, {
      experimenter: "wehr",
      session: "20020624-mw-001",
      animal_id: "mw",
      penetration: 1,
      date: "20020624",
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
      _wehr_cell_idx: 0,
    });
    const c0 = cells[0]!;
    // tones skipped; naturalsound / nauralsound / " NaturalSound " / natural all count
    assert.deepEqual(
      c0.stims.map((s) => [s.key, s.repeats.length]),
      [
        [["wehr", "fragments", 1], 4],
        [["wehr", "fragments", 2], 4],
        [["wehr", "category1", 1], 4],
      ],
    );
    // 800.125 ms at 4 kHz = 3200.5 samples -> 3200 (half to even)
    assert.equal(c0.stims[1]!.durationMs, 800.125);
    assert.ok(c0.stims[1]!.repeats.every((r) => r.length === 3200));
    // the duplicate description resolves to the first file (fragments/1), reported once
    assert.deepEqual(
      warnings.filter((w) => w.code === "duplicate-description").map((w) => w.path),
      ["crcns-ac1/wehr/Stimuli/category2/2.mat"],
    );
    // the non-integer stem is never indexed: its description is unknown
    assert.ok(warnings.some((w) => w.code === "unknown-description" && /7b/.test(w.message)));
    assert.deepEqual(
      warnings.filter((w) => w.code === "malformed-session").map((w) => w.path),
      ["crcns-ac1/wehr/Results/20020701-mw-002-b"],
    );
  });

  test("a Wehr repeat equals trace * scale from time - 1, decoded independently", async () => {
    const stim = fromDir.wehr.cells[0]!.stims[1]!;
    for (const [k, src] of stim.sources.entries()) {
      const bytes = new Uint8Array(await readFile(join(dir, ...src.file.split("/"))));
      const m = openMat(bytes, src.file);
      const response = m.read("response");
      const triggers = m.read("triggers");
      const type = charToString(getField(triggers, "type"))!.trim().toLowerCase();
      assert.ok(["naturalsound", "nauralsound", "natural"].includes(type));
      const trace = toFloat64(getField(response, "trace"))!;
      const scale = toNumber(getField(response, "scale"))!;
      const time = toNumber(getField(triggers, "time"))!;
      assert.equal(src.onsetSample, time - 1);
      const rep = stim.repeats[k]!;
      for (let i = 0; i < rep.length; i++) assert.equal(rep[i], trace[time - 1 + i]! * scale);
    }
    // one of fragments/2's trials is typed 'nauralsound' (the release's typo)
    const types = await Promise.all(
      stim.sources.map(async (s) => {
        const m = openMat(new Uint8Array(await readFile(join(dir, ...s.file.split("/")))), s.file);
        return charToString(getField(m.read("triggers"), "type"));
      }),
    );
    assert.ok(types.includes("nauralsound"));
  });

  test("Asari rules, literally", () => {
    const { cells: all, warnings } = fromZip.asari;
    assert.deepEqual(
      all.map((c) => [c.meta.session, c.meta.site, c.meta.recording_type, c.meta.penetration]),
      [
        ["20050614-ha1-001", "A1", "whole-cell", 1],
        ["20050614-ha1-002", "MGB", "cell-attached", 2],
        // corners: no shared deflection; a four-part name (its first three parts); every segment missing
        ["20051201-ha5-001", "MGB", "cell-attached", 1],
        ["20051203-ha5-003-b", "A1", "whole-cell", 3],
        ["20051204-ha5-004", "A1", "whole-cell", 4],
        ["20060301-ha3-001", "A1", "whole-cell", 1],
        ["20060301-ha3-00a", "MGB", "cell-attached", "00a"],
        ["20061201-ha6-001", "A1", "whole-cell", 1],
      ],
    );
    assert.deepEqual(all[3]!.meta.date, "20051203");
    assert.deepEqual(all[4]!.stims, []);
    const cells = all.filter(
      (c) => !c.meta.session.startsWith("2005120") && c.meta.session !== "20061201-ha6-001",
    );
    const a = cells[0]!;
    // repeats pooled by tuple of files across recordings that list the files in different orders
    assert.deepEqual(a.stims[0]!.key, ["asari", "class1/2.mat", "class1/1.mat", "class3/3l.mat"]);
    assert.equal(a.stims[0]!.repeats.length, 4);
    assert.deepEqual(
      a.stims[0]!.sources.map((s) => [s.file.slice(-7), s.trigger]),
      [
        ["-01.mat", 0],
        ["-01.mat", 3],
        ["-02.mat", 0],
        ["-02.mat", 2],
      ],
    );
    const meta = a.stims[0]!.meta;
    assert.equal(meta.experimenter, "asari");
    if (meta.experimenter === "asari") {
      assert.equal(meta.sequence, "Sequence 1: 2 1 3");
      assert.equal(meta.description, "Sequence 1: 2 1 3");
      assert.deepEqual(meta.segments, [2, 1, 3]);
      assert.equal(meta.category, "class1");
      assert.equal(meta.class_n, 1);
    }
    // keys keep backslashes exactly as stored
    assert.deepEqual(cells[1]!.stims[0]!.key, ["asari", "class6\\1.mat", "class1/3.mat"]);
    // a trigger past the end of the trace gives an empty repeat
    assert.deepEqual(
      cells[1]!.stims[1]!.repeats.map((r) => r.length === 0),
      [false, false, true, false],
    );
    // shared stim across cells: same key in results-1 and results-2
    assert.deepEqual(cells[2]!.stims[0]!.key, a.stims[0]!.key);
    assert.deepEqual(
      warnings.map((w) => w.code),
      [
        "index-not-in-file-map",
        "unreadable-file",
        "unreadable-file", // the corner cell's missing segment file
        "segment-rate-mismatch",
        "segment-rate-mismatch",
      ],
    );
    assert.deepEqual(
      manifest.notYielded.filter((n) => n.experimenter === "asari").map((n) => n.session),
      ["20051202-ha5-002", "20060302-ha4-001"],
    );
  });

  test("spliced waveform is the ramped concatenation of the segments", async () => {
    const stim = fromZip.asari.cells[0]!.stims[0]!;
    const wave = fromZip.asari.waveforms[0]![0]!;
    const segs: Float64Array[] = [];
    for (const f of ["class1/2.mat", "class1/1.mat", "class3/3l.mat"]) {
      const m = openMat(
        new Uint8Array(await readFile(join(dir, "crcns-ac1", "asari", "Stimuli", ...f.split("/")))),
        f,
      );
      segs.push(toFloat64(getField(m.read("stimulus"), "sample"))!);
    }
    let at = 0;
    const n = 488; // round(5 * 97656 / 1000)
    for (const s of segs) {
      const m = s.length;
      for (let t = 0; t < m; t++) {
        let g = 1;
        if (t < n) g = Math.sin(((Math.PI / 2) * t) / n) ** 2;
        else if (t >= m - n) g = Math.sin(((Math.PI / 2) * (m - 1 - t)) / n) ** 2;
        assert.ok(Math.abs(wave[at + t]! - s[t]! * g) <= 1e-15, `sample ${at + t}`);
      }
      at += m;
    }
    assert.equal(at, stim.waveform.length);
    assert.equal(at, wave.length);
    assert.equal(stim.sfStimHz, 97656);
  });
});

describe("walkRelease", () => {
  test("releaseParts: the parts of the release a selection reads (what a build opens)", () => {
    assert.deepEqual(releaseParts({ experimenters: ["wehr", "asari"], sites: ["A1", "MGB"] }), {
      wehr: true,
      asari: true,
    });
    assert.deepEqual(releaseParts({ experimenters: ["wehr", "asari"], sites: ["MGB"] }), {
      wehr: false,
      asari: true,
    });
    assert.deepEqual(releaseParts({ experimenters: ["wehr"], sites: ["A1"] }), { wehr: true, asari: false });
  });

  test("the plan gives each session's bytes as the zip lists them (0 from an unpacked tree, which does not say)", async () => {
    const selection = { experimenters: ["wehr", "asari"] as Experimenter[], sites: ["A1", "MGB"] as Site[] };
    const zs = await ZipSource.open(dir);
    try {
      const plan = await planReleaseWalk(zs, selection);
      assert.equal(plan.sessionBytes.length, plan.sessions.length);
      for (const [i, unit] of plan.sessions.entries()) {
        let bytes = 0;
        for (const e of await zs.listDir(unit.dir))
          if (!e.isDir) bytes += (await zs.readFile(`${unit.dir}/${e.name}`)).length;
        assert.equal(plan.sessionBytes[i], bytes, unit.dir);
      }
      assert.ok(plan.sessionBytes.filter((b) => b > 0).length >= plan.sessions.length - 1);
    } finally {
      await zs.close();
    }
    await ensureExtracted(dir, { checkFreeSpace: false });
    const tree = new DirSource(dir);
    try {
      const plan = await planReleaseWalk(tree, selection);
      assert.deepEqual(
        plan.sessionBytes,
        plan.sessions.map(() => 0),
      );
    } finally {
      await tree.close();
    }
  });

  test("Wehr only when asked for and A1 is among the sites, then Asari by site", async () => {
    const zs = await ZipSource.open(dir);
    try {
      const sessions = async (experimenters: Experimenter[], sites: Site[]) => {
        const out: string[] = [];
        for await (const c of walkRelease(zs, { experimenters, sites, onWarning: () => undefined })) {
          out.push(`${c.meta.experimenter}/${c.meta.session}`);
        }
        return out;
      };
      const all = manifest.cells.map((c) => `${c.meta.experimenter}/${c.meta.session}`);
      assert.deepEqual(await sessions(["wehr", "asari"], ["A1", "MGB"]), all);
      assert.deepEqual(await sessions(["wehr", "asari"], ["MGB"]), [
        "asari/20050614-ha1-002",
        "asari/20051201-ha5-001",
        "asari/20060301-ha3-00a",
      ]);
      assert.deepEqual(
        await sessions(["wehr"], ["A1", "MGB"]),
        all.filter((s) => s.startsWith("wehr/")),
      );
      assert.deepEqual(await sessions(["wehr"], ["MGB"]), []);
      assert.deepEqual(await sessions(["asari"], ["A1"]), [
        "asari/20050614-ha1-001",
        "asari/20051203-ha5-003-b",
        "asari/20051204-ha5-004",
        "asari/20060301-ha3-001",
        "asari/20061201-ha6-001",
      ]);
    } finally {
      await zs.close();
    }
  });
});

describe("site filter", () => {
  test("only the requested sites are yielded, without their warnings' cells", async () => {
    const zs = await ZipSource.open(dir);
    try {
      const a1 = await walkAll(zs, "asari", ["A1"]);
      assert.deepEqual(
        a1.cells.map((c) => c.meta.session),
        [
          "20050614-ha1-001",
          "20051203-ha5-003-b",
          "20051204-ha5-004",
          "20060301-ha3-001",
          "20061201-ha6-001",
        ],
      );
      const mgb = await walkAll(zs, "asari", ["MGB"]);
      assert.deepEqual(
        mgb.cells.map((c) => c.meta.session),
        ["20050614-ha1-002", "20051201-ha5-001", "20060301-ha3-00a"],
      );
      assert.ok(mgb.cells.every((c) => c.meta.site === "MGB"));
    } finally {
      await zs.close();
    }
  });
});
