// resolveOptions: defaults, coercion of experimenter/sites, and one OptionError
// per bad value naming the option, the value and what is allowed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveOptions, waveformHop } from "../../src/dataset/options.js";
import { OptionError } from "../../src/errors.js";

test("defaults are the fixed ones of dataset.md", () => {
  const o = resolveOptions({}, { AC1_DATA_DIR: "/data/ac1" });
  assert.deepEqual(o, {
    path: "/data/ac1",
    experimenter: ["wehr", "asari"],
    sites: ["A1", "MGB"],
    dtMs: 5,
    fmin: 100,
    fmax: 45000,
    binsPerOctave: 6,
    windowMs: 10,
    detrendMedMs: 100,
    detrendGaussMs: 10,
    gating: { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0.05 },
    returnWaveform: false,
    audioFs: 96000,
    keepRejected: false,
  });
  assert.equal(resolveOptions({ dtMs: 2 }).windowMs, 4);
  assert.equal(resolveOptions({ dtMs: 2, windowMs: 7 }).windowMs, 7);
});

test("experimenter and sites accept a string, a comma list or a list; canonical order", () => {
  assert.deepEqual(resolveOptions({ experimenter: "asari" }).experimenter, ["asari"]);
  assert.deepEqual(resolveOptions({ experimenter: ["asari", "wehr", "asari"] }).experimenter, [
    "wehr",
    "asari",
  ]);
  assert.deepEqual(resolveOptions({ sites: "MGB,A1" }).sites, ["A1", "MGB"]);
  assert.deepEqual(resolveOptions({ sites: ["mgb"] }).sites, ["MGB"]);
  assert.deepEqual(resolveOptions({ sites: null }).sites, ["A1", "MGB"]);
});

test("gating merges over the defaults", () => {
  const o = resolveOptions({ gating: { minXcorr: 0 } });
  assert.deepEqual(o.gating, { absMvMax: 150, stepMv: 30, maxStepFrac: 0.005, minXcorr: 0 });
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ["experimenter", { experimenter: "machens" }, /experimenter="machens": one or several of "wehr", "asari"/],
  ["experimenter empty", { experimenter: [] }, /experimenter=\[\]/],
  ["sites", { sites: ["A1", "IC"] }, /sites="IC"/],
  ["dtMs", { dtMs: 0 }, /dtMs=0: a finite number > 0/],
  ["dtMs NaN", { dtMs: Number.NaN }, /dtMs=/],
  ["fmin", { fmin: -1 }, /fmin=-1: must satisfy 0 < fmin < fmax/],
  ["fmax", { fmin: 500, fmax: 400 }, /fmax=400: must satisfy 0 < fmin < fmax \(fmin is 500\)/],
  ["binsPerOctave", { binsPerOctave: 2.5 }, /binsPerOctave=2.5: an integer >= 1/],
  ["binsPerOctave 0", { binsPerOctave: 0 }, /binsPerOctave=0/],
  ["windowMs", { windowMs: -3 }, /windowMs=-3/],
  ["detrendMedMs", { detrendMedMs: 0 }, /detrendMedMs=0/],
  ["detrendGaussMs", { detrendGaussMs: "10" }, /detrendGaussMs="10"/],
  ["gating.maxStepFrac", { gating: { maxStepFrac: 2 } }, /gating.maxStepFrac=2: a fraction between 0 and 1/],
  ["gating unknown", { gating: { minCorr: 1 } }, /gating.minCorr=1: unknown gating option/],
  ["audioFs", { audioFs: 44100.5 }, /audioFs=44100.5: a positive integer/],
  [
    "waveform grid",
    { returnWaveform: true, audioFs: 44100, dtMs: 5 },
    /audioFs=44100: waveform mode needs audioFs \* dtMs \/ 1000 to be a whole number >= 1 \(dtMs=5 gives 220.5\)/,
  ],
  ["waveform tiny", { returnWaveform: true, audioFs: 100, dtMs: 5 }, /gives 0.5/],
  ["unknown", { dt_ms: 5 }, /dt_ms=5: unknown option/],
  ["returnWaveform", { returnWaveform: "yes" }, /returnWaveform="yes": true or false/],
];

for (const [name, input, message] of bad) {
  test(`bad option: ${name}`, () => {
    assert.throws(
      () => resolveOptions(input as never),
      (e: unknown) => e instanceof OptionError && message.test(e.message) && !e.message.includes("\n"),
    );
  });
}

test("waveform mode accepts a whole hop, spectrogram mode ignores the grid rule", () => {
  const o = resolveOptions({ returnWaveform: true, audioFs: 44100, dtMs: 10 });
  assert.equal(waveformHop(o), 441);
  assert.equal(resolveOptions({ audioFs: 44100, dtMs: 5 }).audioFs, 44100);
});
