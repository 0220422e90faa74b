// The walkers' rule helpers, one archive.md rule per test: the repeat
// length and slice, the sequence regex (as Python's re reads it), segment
// paths, white space, session names, categories and sites.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  collapseWhitespace,
  parseAsariSessionName,
  parseWehrSessionName,
  repeatLength,
  sliceRepeat,
  stimWaveOf,
  traceOf,
} from "../../src/ac1/common.js";
import { categoryOf, parseSequence, segmentPath, siteOf } from "../../src/ac1/index.js";
import { roundHalfEven } from "../../src/dsp/round.js";
import {
  MAX_RESPONSE_SF_HZ,
  MAX_STIM_ABS_SAMPLE,
  MAX_STIM_FILE_SAMPLES,
  MAX_TRACE_SAMPLES,
} from "../../src/limits.js";
import { type MatValue, numeric, scalar, str, struct } from "../../src/mat/index.js";

describe("helpers", () => {
  test("repeat length rounds half to even", () => {
    assert.equal(repeatLength(800.125, 4000), 3200);
    assert.equal(repeatLength(1500.125, 4000), 6000);
    assert.equal(repeatLength(0.375, 4000), 2);
    assert.equal(repeatLength(0.625, 4000), 2);
  });

  test("response.sf is a rate in (0, MAX_RESPONSE_SF_HZ] Hz: Infinity, NaN, 0 and 1e9 are refused (the file is skipped)", () => {
    const response = (sf: number) =>
      struct({ trace: numeric("int16", Int16Array.of(1, 2, 3), [3, 1]), scale: scalar(0.5), sf: scalar(sf) });
    for (const sf of [4000, 10000, 1e-3, MAX_RESPONSE_SF_HZ]) {
      const t = traceOf(response(sf));
      assert.ok(typeof t !== "string", `${sf}: ${t}`);
      assert.equal(t.sfHz, sf);
    }
    for (const sf of [0, -4000, Number.NaN, Number.POSITIVE_INFINITY, 1e9, MAX_RESPONSE_SF_HZ * 1.0001])
      assert.equal(
        traceOf(response(sf)),
        `\`response.sf\` is missing or not a sample rate (a number of Hz above 0, at most ${MAX_RESPONSE_SF_HZ})`,
        String(sf),
      );
  });

  test("a trace's or a stimulus's samples are counted from its dims before any conversion: a sparse or narrow array of millions of values is refused", () => {
    // A sparse array of 2^31 rows is a few bytes of file: densified, 16 GiB (the build hung).
    const sparse = (rows: number): MatValue => ({
      kind: "sparse",
      class: "double",
      dims: [rows, 1],
      ir: new Int32Array(0),
      jc: Int32Array.of(0, 0),
      real: new Float64Array(0),
    });
    const response = (trace: MatValue) => struct({ trace, scale: scalar(1), sf: scalar(4000) });
    assert.equal(
      traceOf(response(sparse(2 ** 31 - 1))),
      `\`response.trace\` is a sparse array 2147483647x1: 2147483647 values, more than the ${MAX_TRACE_SAMPLES} it may have (corrupt or hostile)`,
    );
    const small = traceOf(response(sparse(5)));
    assert.ok(typeof small !== "string" && small.trace.length === 5);
    // A logical trace is read as stored (one byte a value), not converted to float64.
    const logical: MatValue = { kind: "logical", dims: [3, 1], data: Uint8Array.of(1, 0, 1) };
    const t = traceOf(response(logical));
    assert.ok(typeof t !== "string");
    assert.deepEqual([...(t.trace as Uint8Array)], [1, 0, 1]);
    const stimulus = (samples: MatValue) =>
      struct({ samples, param: struct({ sf: scalar(44100), description: str("d") }) });
    const n = MAX_STIM_FILE_SAMPLES + 1;
    assert.equal(
      stimWaveOf(stimulus(sparse(2 ** 31 - 1)), ["samples"]),
      `\`stimulus.samples\` is a sparse array 2147483647x1: 2147483647 values, more than the ${MAX_STIM_FILE_SAMPLES} it may have (corrupt or hostile)`,
    );
    // uint8 zeros compress to nothing in the file; as float64, 8 bytes a sample (2 GB for 2^28)
    assert.equal(
      stimWaveOf(stimulus(numeric("uint8", new Uint8Array(n), [n, 1])), ["samples"]),
      `\`stimulus.samples\` is ${n}x1: ${n} values, more than the ${MAX_STIM_FILE_SAMPLES} it may have (corrupt or hostile)`,
    );
    // No samples, or NaN / infinite ones: a stim whose tensor is empty or NaN beside its responses ended the build.
    assert.equal(
      stimWaveOf(stimulus(numeric("double", new Float64Array(0), [1, 0])), ["samples"]),
      "`stimulus.samples` is empty",
    );
    assert.equal(
      stimWaveOf(stimulus(numeric("double", Float64Array.of(0.5, Number.NaN), [2, 1])), ["samples"]),
      `\`stimulus\` sample 2 is NaN, not a finite number of magnitude at most ${MAX_STIM_ABS_SAMPLE}`,
    );
    assert.equal(
      stimWaveOf(stimulus(numeric("double", Float64Array.of(Number.NEGATIVE_INFINITY), [1, 1])), ["samples"]),
      `\`stimulus\` sample 1 is -Infinity, not a finite number of magnitude at most ${MAX_STIM_ABS_SAMPLE}`,
    );
    // finite but beyond what a float32 stim (or the spectrogram's power) holds
    assert.equal(
      stimWaveOf(stimulus(numeric("double", Float64Array.of(0, 1e308), [2, 1])), ["samples"]),
      `\`stimulus\` sample 2 is 1e+308, not a finite number of magnitude at most ${MAX_STIM_ABS_SAMPLE}`,
    );
    const loud = stimWaveOf(
      stimulus(numeric("double", Float64Array.of(-MAX_STIM_ABS_SAMPLE, 32768), [2, 1])),
      ["samples"],
    );
    assert.ok(typeof loud !== "string", "the bound itself is accepted");
    const ok = stimWaveOf(stimulus(numeric("int16", Int16Array.of(1, -2), [2, 1])), ["samples"]);
    assert.ok(typeof ok !== "string");
    assert.deepEqual([...ok.samples], [1, -2]);
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
