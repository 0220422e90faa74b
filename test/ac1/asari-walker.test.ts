// The Asari walker, one archive.md rule per test, on tiny in-memory releases:
// sequences resolved to segment files, positions outside the file map,
// segment rates, site / recording-type resolution, session folders, the
// bounds on trigger windows and spliced stimuli, and unreadable files.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE, MAX_SPLICED_STIM_SAMPLES } from "../../src/limits.js";
import { type MatValue, numeric, scalar, str, struct, structArray } from "../../src/mat/index.js";
import { MemSource, walkAll } from "./support.js";
import { R1, response, STIM, type Trig, triggers } from "./walker-fixtures.js";

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

  test("a sequence position beyond 2^53 (Python's int() reads it) is not in param.stimulus: warning, trigger skipped", async () => {
    // pyInt gave undefined for it, which found no missing position and ended the walk with a TypeError
    const src = base();
    const dir = `${R1}/20050101-ha1-001`;
    const huge = "99999999999999999999999999";
    src.addMat(
      `${dir}/r1.mat`,
      recording(["class1/1.mat"], [nat(`Sequence 1: 1 ${huge}`), nat("Sequence 2: 1")]),
    );
    const r = await walkAll(src, "asari");
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.message]),
      [
        [
          "index-not-in-file-map",
          `${dir}/r1.mat: trigger 1: sequence position beyond 2^53 is not in param.stimulus (1..1); trigger skipped`,
        ],
      ],
    );
    assert.deepEqual(
      r.cells[0]!.stims.map((s) => s.key),
      [["asari", "class1/1.mat"]],
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
