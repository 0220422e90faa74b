// One archive.md rule per test, on tiny in-memory releases: every warning
// path (unknown / duplicate description, malformed session, unreadable and
// malformed files, sequence positions outside the file map, segment rates),
// trigger types, the sequence regex, site / recording-type resolution, and
// the repeat slice.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  collapseWhitespace,
  parseAsariSessionName,
  parseWehrSessionName,
  repeatLength,
  sliceRepeat,
} from "../../src/ac1/common.js";
import { categoryOf, parseSequence, segmentPath, siteOf } from "../../src/ac1/index.js";
import { roundHalfEven } from "../../src/dsp/round.js";
import { MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE, MAX_SPLICED_STIM_SAMPLES } from "../../src/limits.js";
import { type MatValue, numeric, scalar, str, struct, structArray } from "../../src/mat/index.js";
import { MemSource, walkAll } from "./support.js";

const WEHR = "crcns-ac1/wehr";
const STIM = "crcns-ac1/asari/Stimuli";
const R1 = "crcns-ac1-asari-results-1/asari-results-1";

function wehrStim(description: string, samples: number[], sf = 44100): Record<string, MatValue> {
  return {
    stimulus: struct({
      samples: numeric("double", samples),
      param: struct({ description: str(description), sf: scalar(sf) }),
    }),
  };
}

function response(trace: number[], scale = 0.5, sf = 4000): MatValue {
  return struct({ trace: numeric("int16", trace, [trace.length, 1]), scale: scalar(scale), sf: scalar(sf) });
}

interface Trig {
  type: string;
  description: string;
  time: number;
  duration: number;
}
function triggers(list: Trig[]): MatValue {
  return structArray(
    list.map((t) => ({
      type: str(t.type),
      time: scalar(t.time),
      file: str(""),
      param: struct({ description: str(t.description), duration: scalar(t.duration) }),
    })),
    [1, list.length],
  );
}

/** A Wehr trial at 4 kHz: trace 0..19 (units of 0.5 mV), trigger at sample `time` for `duration` ms. */
function wehrTrial(type: string, description: string, time = 3, duration = 1): Record<string, MatValue> {
  const trace = Array.from({ length: 20 }, (_, i) => i);
  return { response: response(trace), triggers: triggers([{ type, description, time, duration }]) };
}

describe("helpers", () => {
  test("repeat length rounds half to even", () => {
    assert.equal(repeatLength(800.125, 4000), 3200);
    assert.equal(repeatLength(1500.125, 4000), 6000);
    assert.equal(repeatLength(0.375, 4000), 2);
    assert.equal(repeatLength(0.625, 4000), 2);
  });

  test("slice: 1-based onset, trace * scale, clipped, empty past the end", () => {
    const t = { trace: Float64Array.from([10, 11, 12, 13, 14]), scale: 0.25, sfHz: 1000 };
    assert.deepEqual([...sliceRepeat(t, { timeOneBased: 2, durationMs: 3 }).repeat], [2.75, 3, 3.25]);
    assert.deepEqual([...sliceRepeat(t, { timeOneBased: 4, durationMs: 10 }).repeat], [3.25, 3.5]);
    const past = sliceRepeat(t, { timeOneBased: 9, durationMs: 3 });
    assert.equal(past.repeat.length, 0);
    assert.equal(past.onsetSample, 8);
    assert.deepEqual([...sliceRepeat(t, { timeOneBased: 6, durationMs: 3 }).repeat], []);
  });

  test("slice (property): clipped length and trace * scale values from time - 1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 60 }),
        fc.double({ min: 1e-3, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.constantFrom(1000, 4000, 10000),
        (values, scale, time, durationMs, sfHz) => {
          const trace = Int16Array.from(values);
          const { repeat, onsetSample } = sliceRepeat(
            { trace, scale, sfHz },
            { timeOneBased: time, durationMs },
          );
          const n = roundHalfEven((durationMs * sfHz) / 1000);
          assert.equal(onsetSample, time - 1);
          assert.equal(repeat.length, Math.max(0, Math.min(n, trace.length - (time - 1))));
          for (let i = 0; i < repeat.length; i++) assert.equal(repeat[i], trace[time - 1 + i]! * scale);
        },
      ),
    );
  });

  test("sequence regex (property): the integers after 'Sequence k:' whatever the spacing", () => {
    const ws = fc.constantFrom(" ", "  ", "\t", " \t ", "\n");
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 99 }),
        ws,
        ws,
        fc.constantFrom("", "Natural sounds, ", "x "),
        fc.constantFrom("", " (65 dB)", ", rep 2"),
        fc.constantFrom("Sequence", "sequence", "SEQUENCE"),
        (ints, k, sep, gap, prefix, suffix, word) => {
          const text = `${prefix}${word}${gap}${k}${gap === "\n" ? "" : gap}:${gap}${ints.join(sep)}${suffix}`;
          assert.deepEqual(parseSequence(text), ints);
        },
      ),
    );
  });

  test("sequence regex as Python's re reads it: Unicode digits and white space, Unicode case folding", () => {
    // \d is any Unicode decimal digit and int() reads it; \s is str.isspace (\x1c..\x1f, \x85 too, not \ufeff)
    assert.deepEqual(parseSequence("Sequence \u0661: \u0662 \u0663"), [2, 3]);
    assert.deepEqual(parseSequence("Sequence\u00a01:\u20032\x1c1"), [2, 1]);
    assert.deepEqual(parseSequence("Sequence 1:\ufeff2"), undefined);
    assert.deepEqual(parseSequence("\u017fequence 1: 4"), [4]);
    assert.deepEqual(parseSequence("Sequence 1: \uff14\uff12"), [42]);
  });

  test("segment paths as the reference opens them: backslashes, leading and doubled slashes", () => {
    assert.equal(segmentPath("class6\\3.mat"), "crcns-ac1/asari/Stimuli/class6/3.mat");
    assert.equal(segmentPath("/class6/3.mat"), "crcns-ac1/asari/Stimuli/class6/3.mat");
    assert.equal(segmentPath("class6//3.mat"), "crcns-ac1/asari/Stimuli/class6/3.mat");
    assert.equal(segmentPath("\\class6\\\\3l.mat"), "crcns-ac1/asari/Stimuli/class6/3l.mat");
  });

  test("sequence regex: first match, case-insensitive, runs of spaces", () => {
    assert.deepEqual(parseSequence("Sequence 1: 2  1  3  1  4"), [2, 1, 3, 1, 4]);
    assert.deepEqual(parseSequence("natural, SEQUENCE 12 :7\t8 (65 dB) Sequence 3: 1"), [7, 8]);
    assert.deepEqual(parseSequence("sequence 2:5"), [5]);
    assert.equal(parseSequence("Sequence: 1 2"), undefined);
    assert.equal(parseSequence("silence"), undefined);
  });

  test("whitespace collapse, session names, categories, sites", () => {
    assert.equal(collapseWhitespace("  Sequence 1:\t2  1\n3 "), "Sequence 1: 2 1 3");
    // Wehr: exactly three parts, penetration int(penet) (the reference raises otherwise)
    assert.deepEqual(parseWehrSessionName("20020624-mw-003"), {
      date: "20020624",
      animalId: "mw",
      penetration: 3,
    });
    assert.deepEqual(parseWehrSessionName("20020624-mw-+3")?.penetration, 3);
    assert.deepEqual(parseWehrSessionName("20020624-mw-1_0")?.penetration, 10);
    assert.equal(parseWehrSessionName("20020624-mw-00a"), undefined);
    assert.equal(parseWehrSessionName("20020701-mw-002-b"), undefined);
    assert.equal(parseWehrSessionName("20020701-mw"), undefined);
    // Asari: digits first, at least three parts (the first three count), int() when penet.isdigit()
    assert.deepEqual(parseAsariSessionName("20050614-ha1-003"), {
      date: "20050614",
      animalId: "ha1",
      penetration: 3,
    });
    assert.deepEqual(parseAsariSessionName("20050614-ha1-00a"), {
      date: "20050614",
      animalId: "ha1",
      penetration: "00a",
    });
    assert.deepEqual(parseAsariSessionName("20050614-ha1-002-b"), {
      date: "20050614",
      animalId: "ha1",
      penetration: 2,
    });
    // "+3" is not isdigit: stays text; "٣" is, and int() reads it
    assert.equal(parseAsariSessionName("20050614-ha1-+3")?.penetration, "+3");
    assert.equal(parseAsariSessionName("20050614-ha1-\u0663")?.penetration, 3);
    assert.equal(parseAsariSessionName("2005O614-ha1-001"), undefined);
    assert.equal(parseAsariSessionName("20050614-ha1"), undefined);
    assert.equal(parseAsariSessionName("notes"), undefined);
    // category: re.match(r"class(\d+)/", first file); backslashes read as "/" (deliberate)
    assert.deepEqual(categoryOf(["class6\\3.mat", "class1/2.mat"]), { category: "class6", class_n: 6 });
    assert.deepEqual(categoryOf(["class3/3l.mat"]), { category: "class3", class_n: 3 });
    assert.deepEqual(categoryOf(["class06/3.mat"]), { category: "class6", class_n: 6 });
    assert.deepEqual(categoryOf(["stimuli/class6/3.mat"]), { category: "mixed" });
    assert.deepEqual(categoryOf(["class6.mat"]), { category: "mixed" });
    assert.deepEqual(categoryOf(["misc/3.mat"]), { category: "mixed" });
    assert.equal(siteOf("Primary Auditory CORTEX"), "A1");
    assert.equal(siteOf("MGB"), "MGB");
    assert.equal(siteOf(""), "MGB");
  });
});

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

describe("Asari walker rules", () => {
  const SF = 97656;
  function base(): MemSource {
    const src = new MemSource();
    for (const [f, n, sf] of [
      ["class1/1.mat", 2000, SF],
      ["class1/2.mat", 1500, SF],
      ["class3/3l.mat", 1200, SF + 0.75],
      ["class5/1.mat", 1000, SF + 2],
    ] as const) {
      const samples = Array.from({ length: n }, (_, i) => Math.sin(i / 7));
      const field = f === "class1/2.mat" ? "samples" : "sample";
      src.addMat(`${STIM}/${f}`, {
        stimulus: struct({ [field]: numeric("double", samples), param: struct({ sf: scalar(sf) }) }),
      });
    }
    return src;
  }
  /** A recording file; `rec` is its param.recording struct (null: none). */
  function recording(
    files: string[],
    trigs: Trig[],
    rec: Record<string, string> | null = { site: "MGB", type: "cell attached" },
  ): Record<string, MatValue> {
    const param: Record<string, MatValue> = {
      stimulus: structArray(
        files.map((f) => ({ file: str(f) })),
        [1, files.length],
        ["file"],
      ),
    };
    if (rec) param.recording = struct(Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, str(v)])));
    const trace = Array.from({ length: 3000 }, (_, i) => i % 100);
    return { param: struct(param), response: response(trace, 0.1, 10000), triggers: triggers(trigs) };
  }
  const nat = (description: string, time = 1, duration = 10): Trig => ({
    type: "naturalsound",
    description,
    time,
    duration,
  });

  test("sequence -> files, pooled by file tuple across recordings, keys as stored, metadata", async () => {
    const src = base();
    const dir = `${R1}/20050101-ha1-001`;
    src.addMat(
      `${dir}/r1.mat`,
      recording(
        ["class1\\1.mat", "class1/2.mat"],
        [nat("Sequence 1:  2   1", 5), { ...nat("Sequence 1: 1"), type: "tone" }],
        { site: "cortex", type: "Whole Cell" },
      ),
    );
    src.addMat(
      `${dir}/r2.mat`,
      recording(
        ["class1/2.mat", "class1\\1.mat"],
        [{ ...nat("seq x, sequence 9: 1 2", 7), type: " Natural Sound " }],
        null,
      ),
    );
    const r = await walkAll(src, "asari");
    assert.deepEqual(r.warnings, []);
    const cell = r.cells[0]!;
    assert.deepEqual(cell.meta, {
      experimenter: "asari",
      session: "20050101-ha1-001",
      animal_id: "ha1",
      penetration: 1,
      date: "20050101",
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
    });
    assert.equal(cell.stims.length, 1);
    const stim = cell.stims[0]!;
    assert.deepEqual(stim.key, ["asari", "class1/2.mat", "class1\\1.mat"]);
    assert.deepEqual(stim.sources, [
      { file: `${dir}/r1.mat`, trigger: 0, onsetSample: 4 },
      { file: `${dir}/r2.mat`, trigger: 0, onsetSample: 6 },
    ]);
    assert.deepEqual(stim.meta, {
      experimenter: "asari",
      category: "class1",
      class_n: 1,
      segments: [2, 1],
      segment_files: ["class1/2.mat", "class1\\1.mat"],
      sequence: "Sequence 1: 2 1",
      description: "Sequence 1: 2 1",
      duration_s: 0.01,
    });
    assert.deepEqual(stim.waveform, {
      kind: "asari",
      segments: ["crcns-ac1/asari/Stimuli/class1/2.mat", "crcns-ac1/asari/Stimuli/class1/1.mat"],
      length: 3500,
    });
    assert.equal(r.waveforms[0]![0]!.length, 3500);
    assert.equal(stim.sfStimHz, SF);
    // 10 ms at 10 kHz = 100 samples from sample 4, trace = i % 100, scale 0.1
    assert.equal(stim.repeats[0]!.length, 100);
    assert.deepEqual(
      [...stim.repeats[0]!.subarray(0, 10)].map((v) => Math.round(v * 10)),
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
  });

  test("positions outside param.stimulus: warning, trigger skipped", async () => {
    const src = base();
    const dir = `${R1}/20050101-ha1-001`;
    src.addMat(
      `${dir}/r1.mat`,
      recording(
        ["class1/1.mat", "class1/2.mat"],
        [nat("Sequence 1: 1 3"), nat("Sequence 2: 0"), nat("Sequence 3: 2")],
      ),
    );
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["index-not-in-file-map", `${dir}/r1.mat`],
        ["index-not-in-file-map", `${dir}/r1.mat`],
      ],
    );
    assert.match(r.warnings[0]!.message, /trigger 1: sequence position 3/);
    assert.deepEqual(
      r.cells[0]!.stims.map((s) => s.key),
      [["asari", "class1/2.mat"]],
    );
  });

  test("segment sample rates: within 1 Hz splice, further apart the trigger is unusable with a warning", async () => {
    const src = base();
    const dir = `${R1}/20050101-ha1-001`;
    src.addMat(
      `${dir}/r1.mat`,
      recording(
        ["class1/1.mat", "class3/3l.mat", "class5/1.mat"],
        [nat("Sequence 1: 1 2"), nat("Sequence 2: 1 3"), nat("Sequence 2: 1 3")],
      ),
    );
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["segment-rate-mismatch", `${dir}/r1.mat`],
        ["segment-rate-mismatch", `${dir}/r1.mat`],
      ],
    );
    assert.deepEqual(
      r.cells[0]!.stims.map((s) => s.key),
      [["asari", "class1/1.mat", "class3/3l.mat"]],
    );
    assert.equal(r.cells[0]!.stims[0]!.waveform.length, 3200);
  });

  test("recordings without param, stimulus files or triggers are skipped; site from the first usable recording with a recording struct", async () => {
    const src = base();
    const dir = `${R1}/20050101-ha1-002`;
    src.addMat(`${dir}/r1.mat`, { response: response([1, 2, 3]) });
    src.addMat(`${dir}/r2.mat`, {
      param: struct({
        stimulus: structArray([], [1, 0], ["file"]),
        recording: struct({ site: str("cortex"), type: str("whole cell") }),
      }),
    });
    src.addMat(`${dir}/r3.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")], null));
    src.addMat(
      `${dir}/r4.mat`,
      recording(["class1/1.mat"], [nat("Sequence 1: 1")], { type: "cell attached" }),
    );
    src.addMat(
      `${dir}/r5.mat`,
      recording(["class1/1.mat"], [nat("Sequence 1: 1")], { site: "auditory cortex", type: "whole cell" }),
    );
    const r = await walkAll(src, "asari");
    assert.deepEqual(r.warnings, []);
    assert.equal(r.cells[0]!.meta.site, "MGB");
    assert.equal(r.cells[0]!.meta.recording_type, "cell-attached");
    assert.equal(r.cells[0]!.stims[0]!.repeats.length, 3);
    // the same session asked for A1 only: not yielded
    assert.deepEqual((await walkAll(src, "asari", ["A1"])).cells, []);
  });

  test("no recording struct anywhere: not yielded (the reference never learns the site); no usable trigger: not yielded", async () => {
    const src = base();
    src.addMat(`${R1}/20050101-ha1-001/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")], null));
    src.addMat(
      `${R1}/20050101-ha1-002/r1.mat`,
      recording(["class1/1.mat"], [{ ...nat("Sequence 1: 1"), type: "tone" }, nat("no sequence here")], {
        site: "cortex",
        type: "whole cell",
      }),
    );
    // a recording struct without `site` or `type`: MGB, empty recording type
    src.addMat(`${R1}/20050101-ha1-003/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")], {}));
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.meta.site, c.meta.recording_type]),
      [["20050101-ha1-003", "MGB", ""]],
    );
  });

  test("a cell whose every sequence fails to splice is yielded without stims (the dataset drops it)", async () => {
    const src = base();
    const dir = `${R1}/20050101-ha1-004`;
    src.addMat(`${dir}/r1.mat`, recording(["class9/9.mat", "class1/1.mat"], [nat("Sequence 1: 1")]));
    src.addMat(`${dir}/r2.mat`, recording(["class9/9.mat"], [nat("Sequence 2: 1"), nat("Sequence 3: 7")]));
    // only positions outside the file map: nothing resolved, not yielded
    src.addMat(`${R1}/20050101-ha1-005/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 2")]));
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.stims.length]),
      [["20050101-ha1-004", 0]],
    );
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      ["unreadable-file", "index-not-in-file-map", "index-not-in-file-map"],
    );
  });

  test("Asari session folders: at least three parts with digits first (the first three count), others passed over", async () => {
    const src = base();
    for (const name of ["20050101-ha1-002-b", "20050101-ha1-\u0663", "notes", "2005-ha1", "x2005-ha1-001"])
      src.addMat(`${R1}/${name}/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")]));
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.meta.date, c.meta.animal_id, c.meta.penetration]),
      [
        ["20050101-ha1-002-b", "20050101", "ha1", 2],
        ["20050101-ha1-\u0663", "20050101", "ha1", 3],
      ],
    );
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path.slice(R1.length + 1)]),
      [
        ["malformed-session", "2005-ha1"],
        ["malformed-session", "notes"],
        ["malformed-session", "x2005-ha1-001"],
      ],
    );
  });

  test("trigger windows overlapping past twice the trace, and sequences splicing too long a stimulus, are warned and skipped", async () => {
    const src = base();
    const dir = `${R1}/20050103-ha1-001`;
    // 100 triggers, each cutting the whole 3000-sample trace (300 ms at 10 kHz): 100 copies without the bound
    const whole = Array.from({ length: 100 }, () => nat("Sequence 1: 1", 1, 300));
    // one position repeated 9000 times: 9000 x 2000 samples, above MAX_SPLICED_STIM_SAMPLES
    const long = nat(`Sequence 2: ${"1 ".repeat(9000)}`, 1, 10);
    src.addMat(`${dir}/r1.mat`, recording(["class1/1.mat"], [...whole, long]));
    const r = await walkAll(src, "asari");
    const stim = r.cells[0]!.stims[0]!;
    assert.equal(stim.repeats.length, 2, "twice the trace");
    assert.ok(stim.repeats.every((x) => x.length === 3000));
    assert.equal(r.cells[0]!.stims.length, 1);
    assert.equal(r.warnings.length, 99);
    assert.ok(r.warnings.every((w) => w.code === "malformed-file" && w.path === `${dir}/r1.mat`));
    assert.match(
      r.warnings[0]!.message,
      new RegExp(
        `trigger 3: the triggers' windows would take more than ${MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE} times the 3000-sample trace \\(overlapping: corrupt or hostile\\); trigger skipped$`,
      ),
    );
    assert.match(
      r.warnings[98]!.message,
      new RegExp(
        `trigger 101: its sequence of 9000 segments splices 18000000 samples, more than the ${MAX_SPLICED_STIM_SAMPLES} a stimulus may have \\(corrupt or hostile\\); trigger skipped$`,
      ),
    );
  });

  test("malformed Asari session names and triggers without a time are warned and skipped", async () => {
    const src = base();
    src.addMat(`${R1}/20050101-ha1/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")]));
    const dir = `${R1}/20050102-ha1-001`;
    const rec = recording(["class1/1.mat"], [nat("Sequence 1: 1"), nat("Sequence 1: 1", 9)]);
    rec.triggers = structArray(
      [
        {
          type: str("naturalsound"),
          param: struct({ description: str("Sequence 1: 1"), duration: scalar(10) }),
        },
        {
          type: str("naturalsound"),
          param: struct({ description: str("Sequence 1: 1"), duration: scalar(10) }),
        },
      ],
      [1, 2],
    );
    const good = recording(["class1/1.mat"], [nat("Sequence 1: 1", 9)]);
    src.addMat(`${dir}/r1.mat`, rec);
    src.addMat(`${dir}/r2.mat`, good);
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["malformed-session", `${R1}/20050101-ha1`],
        ["malformed-file", `${dir}/r1.mat`],
        ["malformed-file", `${dir}/r1.mat`],
      ],
    );
    assert.deepEqual(
      r.cells.map((c) => [c.meta.session, c.stims[0]!.sources.map((s) => s.file.slice(-6))]),
      [["20050102-ha1-001", ["r2.mat"]]],
    );
  });

  test("results-1 before results-2, sessions sorted; unreadable recordings and segments are reported", async () => {
    const src = base();
    const R2 = "crcns-ac1-asari-results-2/asari-results-2";
    src.addMat(`${R2}/20040101-ha9-001/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")]));
    src.addMat(`${R1}/20060101-ha2-001/r1.mat`, recording(["class1/1.mat"], [nat("Sequence 1: 1")]));
    src.addMat(
      `${R1}/20050101-ha1-001/r1.mat`,
      recording(
        ["class1/1.mat", "class9/9.mat"],
        [nat("Sequence 1: 1"), nat("Sequence 1: 2"), nat("Sequence 1: 2")],
      ),
    );
    src.addBytes(`${R1}/20050101-ha1-001/r0.mat`, new Uint8Array(10));
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.cells.map((c) => c.meta.session),
      ["20050101-ha1-001", "20060101-ha2-001", "20040101-ha9-001"],
    );
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["unreadable-file", `${R1}/20050101-ha1-001/r0.mat`],
        ["unreadable-file", `${STIM}/class9/9.mat`],
      ],
    );
    assert.deepEqual(
      r.skipped.map((s) => s.path),
      [`${R1}/20050101-ha1-001/r0.mat`, `${STIM}/class9/9.mat`],
    );
  });
});
