// Stimulus files of a walk (src/ac1/stim-files.ts): each read once while its
// samples fit the budget (dropped least recently used first, read again when
// needed), an unreadable one reported once and remembered, a file that
// changes under the build an error; stim waveforms made from the walk's
// references; and the replay of recorded walk reports in order, with a
// stimulus file's failure reported once across units, as one walk would.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { replayWalkEvents, WalkRecorder } from "../../src/ac1/common.js";
import {
  loadStimWaveform,
  readStimWaveformFiles,
  StimFileStore,
  spliceSegments,
  stimWaveformOf,
} from "../../src/ac1/stim-files.js";
import type { StimWaveformRef, WalkWarning } from "../../src/ac1/types.js";
import { Ac1Error } from "../../src/errors.js";
import { MAX_STIM_SF_HZ } from "../../src/limits.js";
import { type MatValue, numeric, scalar, str, struct } from "../../src/mat/index.js";
import { MemSource } from "./support.js";

const STIM = "crcns-ac1/asari/Stimuli/class1";

function stimulus(samples: number[], sf = 97656, field = "sample"): Record<string, MatValue> {
  return {
    stimulus: struct({
      [field]: numeric("double", Float64Array.from(samples), [samples.length, 1]),
      param: struct({ sf: scalar(sf), description: str("seg") }),
    }),
  };
}

/** A source that counts the reads of each file. */
class CountingSource extends MemSource {
  readonly reads = new Map<string, number>();
  override async readFile(path: string): Promise<Uint8Array> {
    this.reads.set(path, (this.reads.get(path) ?? 0) + 1);
    return super.readFile(path);
  }
}

function recorder(): { r: WalkRecorder; warnings: () => WalkWarning[] } {
  const r = new WalkRecorder();
  return { r, warnings: () => r.events.flatMap((e) => (e.kind === "warning" ? [e.warning] : [])) };
}

describe("StimFileStore", () => {
  test("reads each file once, keeps facts and samples, reports an unreadable file once", async () => {
    const src = new CountingSource()
      .addMat(`${STIM}/1.mat`, stimulus([1, 2, 3]))
      .addBytes(`${STIM}/2.mat`, new Uint8Array([1, 2, 3, 4]));
    const store = new StimFileStore(src);
    const { r, warnings } = recorder();
    const a = await store.read(`${STIM}/1.mat`, ["sample"], r);
    const b = await store.read(`${STIM}/1.mat`, ["sample"], r);
    assert.deepEqual([...(a?.samples ?? [])], [1, 2, 3]);
    assert.equal(a?.samples, b?.samples, "the same samples, not read again");
    assert.equal(src.reads.get(`${STIM}/1.mat`), 1);
    assert.equal(await store.read(`${STIM}/2.mat`, ["sample"], r), null);
    assert.equal(await store.read(`${STIM}/2.mat`, ["sample"], r), null);
    assert.equal(src.reads.get(`${STIM}/2.mat`), 1, "an unreadable file is not read again");
    assert.equal(warnings().length, 1, "and reported once");
    assert.ok(
      r.events.every((e) => e.once === `${STIM}/2.mat`),
      "its reports carry the file as their once-key",
    );
  });

  test("drops the least recently used samples beyond the budget and reads them again", async () => {
    const src = new CountingSource()
      .addMat(`${STIM}/1.mat`, stimulus([1, 2, 3, 4]))
      .addMat(`${STIM}/2.mat`, stimulus([5, 6, 7, 8]));
    const store = new StimFileStore(src, 40); // room for one file's 32 bytes
    const r = new WalkRecorder();
    await store.read(`${STIM}/1.mat`, ["sample"], r);
    await store.read(`${STIM}/2.mat`, ["sample"], r);
    assert.equal(store.heldBytes(), 32);
    const again = await store.read(`${STIM}/1.mat`, ["sample"], r);
    assert.deepEqual([...(again?.samples ?? [])], [1, 2, 3, 4]);
    assert.equal(src.reads.get(`${STIM}/1.mat`), 2);
    assert.equal(src.reads.get(`${STIM}/2.mat`), 1);
  });

  test("a stimulus whose param.sf is not a rate from 1 Hz to MAX_STIM_SF_HZ is unreadable, named once", async () => {
    // Infinity used to pass (> 0) and fail the build later without naming the
    // file; below 0.5 Hz waveform mode's round(sf) is no resampling rate.
    const src = new MemSource();
    // Above MAX_STIM_SF_HZ (2^31 Hz, say) the file is at fault, not the options that cannot hold its spectrogram.
    const bad = [Number.POSITIVE_INFINITY, 0.3, Number.NaN, -5, 0, 2 ** 31, MAX_STIM_SF_HZ + 1];
    for (const [i, sf] of bad.entries()) src.addMat(`${STIM}/${i}.mat`, stimulus([1, 2, 3], sf));
    src.addMat(`${STIM}/ok.mat`, stimulus([1, 2, 3], 1));
    src.addMat(`${STIM}/top.mat`, stimulus([1, 2, 3], MAX_STIM_SF_HZ));
    const store = new StimFileStore(src);
    const { r, warnings } = recorder();
    for (let i = 0; i < bad.length; i++)
      assert.equal(await store.read(`${STIM}/${i}.mat`, ["sample"], r), null);
    assert.equal((await store.read(`${STIM}/ok.mat`, ["sample"], r))?.sfHz, 1);
    assert.equal((await store.read(`${STIM}/top.mat`, ["sample"], r))?.sfHz, MAX_STIM_SF_HZ);
    assert.equal(warnings().length, bad.length);
    warnings().forEach((w, i) => {
      assert.ok(w.message.includes(`${STIM}/${i}.mat`), w.message);
      const why = `\`stimulus.param.sf\` is missing or not a sample rate (a number of Hz from 1 to ${MAX_STIM_SF_HZ})`;
      assert.ok(w.message.includes(why), w.message);
    });
  });

  test("a file that changes under the build is an error, not a silent difference", async () => {
    const src = new MemSource().addMat(`${STIM}/1.mat`, stimulus([1, 2, 3]));
    const store = new StimFileStore(src, 0); // keeps no samples: every use reads the file
    const r = new WalkRecorder();
    await store.read(`${STIM}/1.mat`, ["sample"], r);
    src.addMat(`${STIM}/1.mat`, stimulus([1, 2, 3, 4]));
    await assert.rejects(store.read(`${STIM}/1.mat`, ["sample"], r), (e: unknown) => {
      assert.ok(e instanceof Ac1Error);
      assert.match(e.message, /held 3 samples earlier in this build, 4 now/);
      return true;
    });
  });
});

describe("loadStimWaveform", () => {
  test("Wehr as stored, Asari ramped and spliced; the length must be the walk's", async () => {
    const a = Array.from({ length: 2000 }, (_, i) => Math.sin(i));
    const b = Array.from({ length: 1500 }, (_, i) => Math.cos(i));
    const src = new MemSource()
      .addMat(`${STIM}/a.mat`, stimulus(a))
      .addMat(`${STIM}/b.mat`, stimulus(b, 97656, "samples"))
      .addMat("crcns-ac1/wehr/Stimuli/fragments/1.mat", stimulus([1, 2, 3], 44100, "samples"));
    const store = new StimFileStore(src);
    const wehr = await loadStimWaveform(store, {
      kind: "wehr",
      file: "crcns-ac1/wehr/Stimuli/fragments/1.mat",
      length: 3,
    });
    assert.deepEqual([...wehr], [1, 2, 3]);
    const spliced = await loadStimWaveform(store, {
      kind: "asari",
      segments: [`${STIM}/a.mat`, `${STIM}/b.mat`, `${STIM}/a.mat`],
      length: 5500,
    });
    const waves = [a, b, a].map((s) => ({ samples: Float64Array.from(s), sfHz: 97656, description: "" }));
    assert.deepEqual(spliced, spliceSegments(waves));
    await assert.rejects(
      loadStimWaveform(store, { kind: "asari", segments: [`${STIM}/a.mat`], length: 7 }),
      /the walk saw 7/,
    );
    await assert.rejects(
      loadStimWaveform(store, { kind: "asari", segments: [`${STIM}/none.mat`], length: 7 }),
      /unreadable, but the walk read it/,
    );
    // Spliced into a reused buffer (what a build's stim unit does): the same samples, in that buffer.
    const ref: StimWaveformRef = {
      kind: "asari",
      segments: [`${STIM}/a.mat`, `${STIM}/b.mat`],
      length: 3500,
    };
    const files = await readStimWaveformFiles(store, ref);
    const buffer = new Float64Array(3500).fill(Number.NaN);
    const into = stimWaveformOf(store, ref, files, (n) => buffer.subarray(0, n));
    assert.equal(into.buffer, buffer.buffer);
    assert.deepEqual(into, await loadStimWaveform(store, ref));
    assert.throws(() => stimWaveformOf(store, { ...ref, length: 3499 }, files), /the walk saw 3499/);
    assert.throws(() => spliceSegments(waves, new Float64Array(5)), RangeError);
    // Wehr's samples are the stored ones whatever `into` offers.
    const wehrRef: StimWaveformRef = {
      kind: "wehr",
      file: "crcns-ac1/wehr/Stimuli/fragments/1.mat",
      length: 3,
    };
    const wehrFiles = await readStimWaveformFiles(store, wehrRef);
    assert.equal(
      stimWaveformOf(store, wehrRef, wehrFiles, () => buffer),
      wehrFiles[0]!.samples,
    );
  });
});

describe("replayWalkEvents", () => {
  test("replays in order; a once-keyed failure goes out once across units, with all its reports", () => {
    const unit1 = new WalkRecorder();
    unit1.onWarning({ code: "malformed-session", path: "s1", message: "m1" });
    const tagged = unit1.once?.("seg/x.mat");
    tagged?.onWarning({ code: "unreadable-file", path: "seg/x.mat", message: "x bad" });
    tagged?.onSkippedFile?.("seg/x.mat", "bad");
    const unit2 = new WalkRecorder();
    const again = unit2.once?.("seg/x.mat");
    again?.onWarning({ code: "unreadable-file", path: "seg/x.mat", message: "x bad" });
    again?.onSkippedFile?.("seg/x.mat", "bad");
    unit2.onWarning({ code: "unknown-description", path: "t", message: "m2" });
    const got: string[] = [];
    const r = {
      onWarning: (w: WalkWarning) => got.push(`warning ${w.message}`),
      onSkippedFile: (p: string) => got.push(`skipped ${p}`),
    };
    const seen = new Set<string>();
    replayWalkEvents(unit1.events, r, seen);
    replayWalkEvents(unit2.events, r, seen);
    assert.deepEqual(got, ["warning m1", "warning x bad", "skipped seg/x.mat", "warning m2"]);
  });
});
