// The Wehr walker, one archive.md rule per test, on tiny in-memory releases:
// trigger types, unknown and duplicate descriptions, malformed sessions,
// stimulus stems read with Python's int(), session folders, trigger times
// and durations, and unreadable or malformed trial files.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scalar, struct, structArray } from "../../src/mat/index.js";
import { MemSource, walkAll } from "./support.js";
import { response, triggers, WEHR, wehrStim, wehrTrial } from "./walker-fixtures.js";

describe("Wehr walker rules", () => {
  function base(): MemSource {
    return new MemSource()
      .addMat(`${WEHR}/Summary.mat`, { summary: scalar(1) })
      .addMat(`${WEHR}/Stimuli/fragments/1.mat`, wehrStim("one", [1, 2, 3]))
      .addMat(`${WEHR}/Stimuli/category1/4.mat`, wehrStim("four", [4, 4]));
  }

  test("natural types (typo included) count, others are skipped; only the first trigger counts", async () => {
    const src = base();
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, wehrTrial("naturalsound", "one"));
    src.addMat(`${dir}/a-002.mat`, wehrTrial(" NauralSound ", "one"));
    src.addMat(`${dir}/a-003.mat`, wehrTrial("natural", "four"));
    src.addMat(`${dir}/a-004.mat`, wehrTrial("tone", "one"));
    src.addMat(`${dir}/a-005.mat`, wehrTrial("natural sound", "one"));
    src.addMat(`${dir}/a-006.mat`, {
      response: response([1, 2, 3, 4]),
      triggers: triggers([
        { type: "tone", description: "one", time: 1, duration: 1 },
        { type: "naturalsound", description: "one", time: 1, duration: 1 },
      ]),
    });
    src.addBytes(`${dir}/notes.txt`, new Uint8Array([1, 2, 3]));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(r.warnings, []);
    assert.equal(r.cells.length, 1);
    const cell = r.cells[0]!;
    assert.deepEqual(
      cell.stims.map((s) => [s.key, s.sources.map((x) => x.file.slice(-9))]),
      [
        [
          ["wehr", "fragments", 1],
          ["a-001.mat", "a-002.mat"],
        ],
        [["wehr", "category1", 4], ["a-003.mat"]],
      ],
    );
    // time 3 (1-based), 1 ms at 4 kHz = 4 samples, scale 0.5
    assert.deepEqual([...cell.stims[0]!.repeats[0]!], [1, 1.5, 2, 2.5]);
    assert.deepEqual(cell.stims[0]!.meta, {
      experimenter: "wehr",
      category: "fragments",
      idx: 1,
      description: "one",
      duration_s: 0.001,
    });
    assert.deepEqual(cell.stims[0]!.waveform, {
      kind: "wehr",
      file: `${WEHR}/Stimuli/fragments/1.mat`,
      length: 3,
    });
    assert.deepEqual([...r.waveforms[0]![0]!], [1, 2, 3]);
    assert.equal(cell.stims[0]!.sfStimHz, 44100);
    assert.equal(cell.stims[0]!.sfRespHz, 4000);
  });

  test("unknown description: warning, trial skipped", async () => {
    const src = base();
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, wehrTrial("naturalsound", "nobody"));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(r.cells, []);
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [["unknown-description", `${dir}/a-001.mat`]],
    );
    assert.match(r.warnings[0]!.message, /"nobody"/);
  });

  test("duplicate description: the first in folder order wins, the later file is reported; non-integer stems do not count", async () => {
    const src = base()
      .addMat(`${WEHR}/Stimuli/category3/1.mat`, wehrStim("four", [9]))
      .addMat(`${WEHR}/Stimuli/fragments/2x.mat`, wehrStim("two", [2]))
      .addMat(`${WEHR}/Stimuli/fragments/10.mat`, wehrStim("ten", [10]))
      .addMat(`${WEHR}/Stimuli/fragments/9.mat`, wehrStim("ten", [9]));
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, wehrTrial("naturalsound", "four"));
    src.addMat(`${dir}/a-002.mat`, wehrTrial("naturalsound", "two"));
    src.addMat(`${dir}/a-003.mat`, wehrTrial("naturalsound", "ten"));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        // sorted names: "10.mat" < "9.mat", so fragments/10 is first
        ["duplicate-description", `${WEHR}/Stimuli/fragments/9.mat`],
        ["duplicate-description", `${WEHR}/Stimuli/category3/1.mat`],
        ["unknown-description", `${dir}/a-002.mat`],
      ],
    );
    assert.deepEqual(
      r.cells[0]!.stims.map((s) => s.key),
      [
        ["wehr", "category1", 4],
        ["wehr", "fragments", 10],
      ],
    );
  });

  test("malformed session names are skipped with a warning and keep their index; other folders take none", async () => {
    const src = base();
    for (const s of [
      "20020101-mw-001",
      "20020102-mw-002-x",
      "20020103-mw",
      "20020104-mw-003",
      "Tools",
      "old-20020105-mw-001",
    ]) {
      src.addMat(`${WEHR}/Results/${s}/t-001.mat`, wehrTrial("naturalsound", "one"));
    }
    const r = await walkAll(src, "wehr");
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.meta._wehr_cell_idx, c.meta.penetration]),
      [
        ["20020101-mw-001", 0, 1],
        ["20020104-mw-003", 3, 3],
      ],
    );
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["malformed-session", `${WEHR}/Results/20020102-mw-002-x`],
        ["malformed-session", `${WEHR}/Results/20020103-mw`],
      ],
    );
  });

  test("stimulus stems are read with Python's int(): signs, spaces, underscores, Unicode digits", async () => {
    // the reference: idx = int(os.path.splitext(fname)[0]); a stem int() refuses is passed over
    const stems: [string, number | null][] = [
      [" 7", 7],
      ["+3", 3],
      ["1_0", 10],
      ["\u0663\u0664", 34],
      ["-0", 0],
      ["-5", -5],
      ["007", 7],
      ["1__0", null],
      ["_1", null],
      ["1_", null],
      ["0x1", null],
      ["\u00b2", null],
      ["7b", null],
    ];
    const src = new MemSource().addMat(`${WEHR}/Summary.mat`, { summary: scalar(1) });
    const dir = `${WEHR}/Results/20020101-mw-001`;
    for (const [i, [stem]] of stems.entries()) {
      src.addMat(`${WEHR}/Stimuli/category2/${stem}.mat`, wehrStim(`s${i}`, [i]));
      src.addMat(`${dir}/a-${String(i).padStart(3, "0")}.mat`, wehrTrial("natural", `s${i}`));
    }
    const r = await walkAll(src, "wehr");
    const cell = r.cells[0]!;
    assert.deepEqual(
      cell.stims.map((s) => [s.meta.description, s.key[2]]),
      stems.flatMap(([, idx], i) => (idx === null ? [] : [[`s${i}`, idx]])),
    );
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      stems.filter(([, idx]) => idx === null).map(() => "unknown-description"),
    );
  });

  test("two stimulus files with one idx ('1_0.mat', '10.mat'): one key, two stims of the cell (grouped by description)", async () => {
    const src = new MemSource()
      .addMat(`${WEHR}/Summary.mat`, { summary: scalar(1) })
      .addMat(`${WEHR}/Stimuli/category1/10.mat`, wehrStim("ten", [1, 0]))
      .addMat(`${WEHR}/Stimuli/category1/1_0.mat`, wehrStim("one-underscore-zero", [1, 0, 0]));
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, wehrTrial("naturalsound", "one-underscore-zero"));
    src.addMat(`${dir}/a-002.mat`, wehrTrial("naturalsound", "ten"));
    src.addMat(`${dir}/a-003.mat`, wehrTrial("naturalsound", "one-underscore-zero"));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(
      r.cells[0]!.stims.map((s) => [s.key, s.meta.description, s.waveform.length, s.repeats.length]),
      [
        [["wehr", "category1", 10], "one-underscore-zero", 3, 2],
        [["wehr", "category1", 10], "ten", 2, 1],
      ],
    );
  });

  test("session folders: the first four characters digits (str.isdigit); penetration through int()", async () => {
    const src = base();
    for (const s of [
      "20020101-mw-+3",
      "20020102-mw-00a",
      "2002",
      "12",
      "\u0662\u0660\u0660\u06620101-mw-001",
      "\u00b2002-mw-001",
      "2O02-mw-001",
    ]) {
      src.addMat(`${WEHR}/Results/${s}/t-001.mat`, wehrTrial("naturalsound", "one"));
    }
    const r = await walkAll(src, "wehr");
    // sorted by code point: "12" < "2002" < "20020101..." < "20020102..." < "\u00b2..." < Arabic-Indic
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.meta._wehr_cell_idx, c.meta.date, c.meta.penetration]),
      [
        ["20020101-mw-+3", 2, "20020101", 3],
        ["\u00b2002-mw-001", 4, "\u00b2002", 1],
        ["\u0662\u0660\u0660\u06620101-mw-001", 5, "\u0662\u0660\u0660\u06620101", 1],
      ],
    );
    assert.deepEqual(
      r.warnings.map((w) => w.path.slice(`${WEHR}/Results/`.length)),
      ["12", "2002", "20020102-mw-00a"],
    );
  });

  test("trial files without triggers, with an empty trigger array, or a trigger at time 0 (the reference's lo = max(0, time - 1))", async () => {
    const src = base();
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, { response: response([1, 2, 3, 4]) });
    src.addMat(`${dir}/a-002.mat`, {
      response: response([1, 2, 3, 4]),
      triggers: structArray([], [1, 0], ["type"]),
    });
    src.addMat(`${dir}/a-003.mat`, wehrTrial("naturalsound", "one", 0, 1));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(r.warnings, []);
    const stim = r.cells[0]!.stims[0]!;
    assert.deepEqual(
      stim.sources.map((x) => [x.file.slice(-9), x.onsetSample]),
      [["a-003.mat", 0]],
    );
    assert.deepEqual([...stim.repeats[0]!], [0, 0.5, 1, 1.5]);
  });

  test("a first trial of duration 0: the stim's duration falls back to its waveform's, duration_s stays 0", async () => {
    const src = new MemSource()
      .addMat(`${WEHR}/Summary.mat`, { summary: scalar(1) })
      .addMat(`${WEHR}/Stimuli/fragments/1.mat`, wehrStim("one", new Array(441).fill(0.5)));
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addMat(`${dir}/a-001.mat`, wehrTrial("naturalsound", "one", 3, 0));
    src.addMat(`${dir}/a-002.mat`, wehrTrial("naturalsound", "one", 3, 2));
    const r = await walkAll(src, "wehr");
    const stim = r.cells[0]!.stims[0]!;
    // the reference: duration_ms or (waveform.size / sf_stim * 1000.0); 441 / 44100 * 1000 = 10 ms
    assert.equal(stim.durationMs, (441 / 44100) * 1000);
    assert.equal(stim.meta.duration_s, 0);
    assert.deepEqual(
      stim.repeats.map((x) => x.length),
      [0, 8],
    );
  });

  test("unreadable and malformed trial files: warned, reported as skipped, the walk goes on", async () => {
    const src = base();
    const dir = `${WEHR}/Results/20020101-mw-001`;
    src.addBytes(
      `${dir}/a-001.mat`,
      new TextEncoder().encode("not a mat file at all, clearly".padEnd(200, ".")),
    );
    src.addMat(`${dir}/a-002.mat`, {
      response: struct({ scale: scalar(1), sf: scalar(4000) }),
      triggers: triggers([{ type: "naturalsound", description: "one", time: 1, duration: 1 }]),
    });
    src.addMat(`${dir}/a-003.mat`, wehrTrial("naturalsound", "one"));
    const r = await walkAll(src, "wehr");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["unreadable-file", `${dir}/a-001.mat`],
        ["malformed-file", `${dir}/a-002.mat`],
      ],
    );
    assert.deepEqual(
      r.skipped.map((s) => s.path),
      [`${dir}/a-001.mat`, `${dir}/a-002.mat`],
    );
    // The release path is the key; the reason gives the byte offset, the
    // problem and where the file was read from, without repeating the path.
    assert.match(r.skipped[0]!.reason, /^byte \d+: not a MAT file .*\(in mem:\)$/);
    assert.doesNotMatch(r.skipped[0]!.reason, /a-001\.mat/);
    assert.equal(r.warnings[0]!.message, `${dir}/a-001.mat: skipped: ${r.skipped[0]!.reason}`);
    assert.match(r.skipped[1]!.reason, /response\.trace/);
    assert.equal(r.cells[0]!.stims[0]!.repeats.length, 1);
  });
});
