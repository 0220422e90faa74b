// buildDataset on the small synthetic archive (pipeline.md section 10),
// checked against what the generator planted (its manifest): neurons, stims
// and their order, every repeat's fate, the tally, dropped cells, skipped
// files, Tcanon computed by hand, both modes, the filters, the mixed
// warning, the no-neuron error, progress events and option errors.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loadStimWaveform, StimFileStore, walkRelease } from "../../src/ac1/index.js";
import { openRelease } from "../../src/archive/index.js";
import { DatasetAssembler } from "../../src/dataset/assembler.js";
import type { BuildProgress, BuildWarning } from "../../src/dataset/build.js";
import { processCell } from "../../src/dataset/clean.js";
import { held, materialize } from "../../src/dataset/deferred.js";
import { Ac1Dataset } from "../../src/dataset/index.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { stimLengths, stimSpectrogram, stimWaveform } from "../../src/dataset/stim-tensor.js";
import { validateDataset } from "../../src/dataset/validate.js";
import { resample } from "../../src/dsp/index.js";
import { Ac1Error, OptionError } from "../../src/errors.js";
import { expectedBuild, makeSynthArchive, pyRound, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
let full: DatasetData;
let warnings: BuildWarning[];
let events: BuildProgress[];

before(async () => {
  synth = await makeSynthArchive();
  warnings = [];
  events = [];
  full = await buildDataset({
    path: synth.dir,
    onWarning: (w) => warnings.push(w),
    onProgress: (e) => events.push(e),
  });
});
after(() => synth.cleanup());

const keyOf = (d: DatasetData, s: number) => {
  const m = d.stimMeta[s] as unknown as Record<string, unknown>;
  return m.experimenter === "wehr"
    ? JSON.stringify(["wehr", m.category, m.idx])
    : JSON.stringify(["asari", ...(m.segment_files as string[])]);
};

test("default build: neurons, stims and their order match the planted cells", () => {
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.deepEqual(
    full.neuronMeta.map((m) => m.session),
    exp.neurons,
  );
  assert.deepEqual(
    full.stims.map((_, s) => keyOf(full, s)),
    exp.stimKeys,
  );
  assert.equal(full.droppedCellsEmpty, exp.dropped);
  assert.deepEqual(full.rejections, exp.rejections);
  assert.equal(full.signalType, "mixed");
  assert.deepEqual(
    full.skippedFiles.map((f) => f.path),
    synth.manifest.skippedFiles,
  );
  for (const m of full.neuronMeta) {
    assert.equal(m.signal_type, m.recording_type.includes("attached") ? "spikes" : "subthresh");
  }
  validateDataset(full);
});

test("every raw repeat's fate is the one its planted artifact must produce", () => {
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  const got = full.provenance.map((p) => `${p.session} ${p.stimKey} #${p.repeat}: ${p.fate} (${p.samples})`);
  const want: string[] = [];
  for (const c of exp.cells) {
    for (const s of c.stims) {
      s.repeats.forEach((r, i) => {
        want.push(`${c.meta.session} ${JSON.stringify(s.key)} #${i}: ${r.expectedFate} (${r.length})`);
      });
    }
  }
  assert.deepEqual(got, want);
  // neuron -1 for the dropped cell; stim -1 for stims nobody registered, and for the
  // repeats of a cell's stim whose block a later stim of the same key replaced
  // (two stimulus files sharing an idx: the last one with a kept repeat owns the pair)
  const droppedSessions = exp.cells.filter((c) => c.expectDropped).map((c) => c.meta.session);
  assert.ok(droppedSessions.length > 0);
  const detached: boolean[] = [];
  for (const c of exp.cells) {
    const owner = new Map<string, number>();
    c.stims.forEach((st, j) => {
      if (st.repeats.some((r) => r.expectedFate === "kept")) owner.set(JSON.stringify(st.key), j);
    });
    c.stims.forEach((st, j) => {
      const o = owner.get(JSON.stringify(st.key));
      for (const _ of st.repeats) detached.push(o !== undefined && o !== j);
    });
  }
  assert.ok(
    detached.some((d) => d),
    "the small archive plants two stimulus files of one key in a cell",
  );
  full.provenance.forEach((p, i) => {
    assert.equal(p.neuron === -1, droppedSessions.includes(p.session), p.session);
    if (p.neuron >= 0) assert.equal(full.neuronMeta[p.neuron]?.session, p.session);
    if (p.stim >= 0) assert.equal(keyOf(full, p.stim), p.stimKey);
    else assert.ok(detached[i] || !exp.stimKeys.includes(p.stimKey), `${p.session} ${p.stimKey}`);
    assert.equal(p.stim === -1 && exp.stimKeys.includes(p.stimKey), detached[i], `${p.session} ${p.stimKey}`);
  });
  // A stim whose first listener kept nothing is registered by a later cell:
  // it takes the index of its first *kept* registration.
  const ds = new Ac1Dataset(full);
  const firstKept = full.provenance.find((p) => p.fate === "kept");
  assert.ok(firstKept && ds.repeatProvenance(firstKept.neuron, firstKept.stim).length > 0);
});

test("Tcanon of a few stims, computed by hand from the manifest", () => {
  const stimOf = (key: unknown[]) => {
    for (const c of synth.manifest.cells)
      for (const s of c.stims) if (JSON.stringify(s.key) === JSON.stringify(key)) return s;
    throw new Error(`no stim ${JSON.stringify(key)}`);
  };
  const TofStim = (key: unknown[]) => {
    const s = full.stims.findIndex((_, i) => keyOf(full, i) === JSON.stringify(key));
    assert.ok(s >= 0);
    return { s, T: full.stims[s]?.shape[2] as number };
  };
  // Wehr fragments/2: 44100 Hz stim, 4000 Hz response, 800.125 ms.
  const f2 = stimOf(["wehr", "fragments", 2]);
  assert.equal(f2.sfStimHz, 44100);
  assert.equal(f2.durationMs, 800.125);
  const hopNative = pyRound((5 * 44100) / 1000); // round(220.5) = 220 (half to even)
  assert.equal(hopNative, 220);
  const Tspec = Math.ceil(f2.waveformLength / hopNative); // ceil(35285 / 220) = 161
  assert.equal(Tspec, 161);
  const Tdur = pyRound(800.125 / 5); // round(160.025) = 160
  assert.equal(Tdur, 160);
  const kept = f2.repeats.filter((r) => r.expectedFate === "kept").map((r) => r.length);
  // repeat = round(800.125 * 4000 / 1000) = round(3200.5) = 3200 samples; block = round(5 * 4000 / 1000) = 20 -> 160 bins
  assert.deepEqual([...new Set(kept)], [3200]);
  const TrespMin = Math.floor(3200 / 20);
  assert.equal(Math.min(Tspec, Tdur, TrespMin), 160);
  assert.equal(TofStim(["wehr", "fragments", 2]).T, 160);
  assert.deepEqual(
    stimLengths({ waveform: new Float64Array(35285), sfStimHz: 44100, durationMs: 800.125 }, 5, 160),
    {
      hopNative: 220,
      Tspec: 161,
      Tdur: 160,
      TrespMin: 160,
      Tcanon: 160,
    },
  );

  // Asari class3/3l: 97656 Hz, 14521 samples, a clipped repeat of 892 samples at 10 kHz.
  const a = stimOf(["asari", "class3/3l.mat"]);
  const hopA = pyRound((5 * 97656) / 1000); // round(488.28) = 488
  const TspecA = Math.ceil(a.waveformLength / hopA); // ceil(14521 / 488) = 30
  const TdurA = pyRound(a.durationMs / 5); // round(29.74) = 30
  const blockA = pyRound((5 * 10000) / 1000); // 50 samples per bin
  const TrespA = Math.min(
    ...a.repeats.filter((r) => r.expectedFate === "kept").map((r) => Math.floor(r.length / blockA)),
  ); // 892 / 50 -> 17
  assert.deepEqual([hopA, TspecA, TdurA, TrespA], [488, 30, 30, 17]);
  const { s: sA, T: TA } = TofStim(["asari", "class3/3l.mat"]);
  assert.equal(TA, 17);
  const n = full.neuronMeta.findIndex((m) => m.session === "20060301-ha3-001");
  assert.deepEqual(full.responses[sA]?.[n]?.shape, [3, 17]);

  // Wehr category3/2: 537 ms, a clipped repeat of 1288 samples -> floor(1288 / 20) = 64 bins.
  const c32 = stimOf(["wehr", "category3", 2]);
  const Tc32 = Math.min(
    Math.ceil(c32.waveformLength / 220),
    pyRound(c32.durationMs / 5),
    ...c32.repeats.filter((r) => r.expectedFate === "kept").map((r) => Math.floor(r.length / 20)),
  );
  assert.equal(Tc32, 64);
  assert.equal(TofStim(["wehr", "category3", 2]).T, 64);
  // every block is truncated to its stim's Tcanon, never padded
  full.responses.forEach((row, s) => {
    for (const b of row) if (b) assert.equal(b.shape[1], full.stims[s]?.shape[2]);
  });
});

test("filters: Wehr only, Asari only, A1 only, MGB only", async () => {
  const cases: [string[], string[]][] = [
    [["wehr"], ["A1", "MGB"]],
    [["asari"], ["A1", "MGB"]],
    [["wehr", "asari"], ["A1"]],
    [["wehr", "asari"], ["MGB"]],
    [["asari"], ["MGB"]],
  ];
  for (const [experimenter, sites] of cases) {
    const w: BuildWarning[] = [];
    const d = await buildDataset({ path: synth.dir, experimenter, sites, onWarning: (x) => w.push(x) });
    const exp = expectedBuild(synth.manifest, experimenter, sites);
    const label = `${experimenter}/${sites}`;
    assert.deepEqual(
      d.neuronMeta.map((m) => m.session),
      exp.neurons,
      label,
    );
    assert.deepEqual(
      d.stims.map((_, s) => keyOf(d, s)),
      exp.stimKeys,
      label,
    );
    assert.deepEqual(d.rejections, exp.rejections, label);
    assert.equal(d.droppedCellsEmpty, exp.dropped, label);
    const mixed = exp.signalTypes.size > 1;
    assert.equal(d.signalType, mixed ? "mixed" : [...exp.signalTypes][0], label);
    assert.equal(
      w.some((x) => x.code === "mixed-signal-types"),
      mixed,
      label,
    );
    for (const m of d.neuronMeta)
      assert.ok(sites.includes(m.site) && experimenter.includes(m.experimenter), label);
  }
});

test("a mixed cohort warns and says how to filter", () => {
  const mixed = warnings.filter((w) => w.code === "mixed-signal-types");
  assert.equal(mixed.length, 1);
  assert.match(mixed[0]?.message ?? "", /filter by site/);
  assert.match(mixed[0]?.message ?? "", /signal_type/);
  // the walkers' warnings come through the same channel (the cohort's, read off the data, have no path)
  assert.deepEqual(
    warnings.filter((w) => w.path !== "").map((w) => `${w.code} ${w.path}`),
    synth.manifest.warnings.map((w) => `${w.code} ${w.path}`),
  );
});

test("no cell matching: an error naming the filters and the path", async () => {
  // Wehr only and MGB only: Wehr is all A1, so nothing is walked.
  await assert.rejects(
    buildDataset({ path: synth.dir, experimenter: "wehr", sites: "MGB" }),
    (e: unknown) =>
      e instanceof Ac1Error &&
      e.code === "NO_NEURONS" &&
      e.message.includes("experimenter=wehr") &&
      e.message.includes("sites=MGB") &&
      e.message.includes(synth.dir) &&
      !e.message.includes("\n"),
  );
  // gating so strict that every repeat fails: every cell dropped
  await assert.rejects(
    buildDataset({ path: synth.dir, experimenter: "wehr", gating: { absMvMax: 1e-6 } }),
    (e: unknown) => {
      assert.ok(e instanceof Ac1Error && e.code === "NO_NEURONS");
      assert.match(e.message, /dropped/);
      return true;
    },
  );
});

test("bad options fail before any file is read", async () => {
  await assert.rejects(
    buildDataset({ path: "/definitely/not/here", dtMs: -5 }),
    (e: unknown) => e instanceof OptionError && /dtMs=-5/.test(e.message),
  );
  await assert.rejects(buildDataset({ path: "/definitely/not/here", sites: "IC" }), OptionError);
});

test("waveform mode: same responses, stims (1, Tcanon * hop) at audioFs", async () => {
  const d = await buildDataset({ path: synth.dir, returnWaveform: true, onWarning: () => {} });
  assert.equal(d.audioFs, 96000);
  assert.equal(d.hop, 480);
  assert.equal(d.stims.length, full.stims.length);
  d.stims.forEach((st, s) => {
    const T = full.stims[s]?.shape[2] as number;
    assert.deepEqual(st.shape, [1, T * 480]);
    full.responses[s]?.forEach((b, n) => {
      const w = d.responses[s]?.[n];
      if (b === null) assert.equal(w, null);
      else assert.deepEqual(w, b);
    });
  });
  assert.deepEqual(d.rejections, full.rejections);
  validateDataset(d);
});

test("stimWaveform resamples, crops and zero-pads to Tcanon * hop", () => {
  const o = resolveOptions({ path: "/x", returnWaveform: true, audioFs: 8000, dtMs: 5 }); // hop 40
  const x = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i / 3));
  const same = stimWaveform({ waveform: x, sfStimHz: 8000.2 }, 3, o); // round(8000.2) = 8000: no resampling, pad 100 -> 120
  assert.deepEqual(same.shape, [1, 120]);
  assert.equal(same.data[99], Math.fround(x[99] as number));
  assert.deepEqual([...same.data.subarray(100)], new Array(20).fill(0));
  const crop = stimWaveform({ waveform: x, sfStimHz: 8000 }, 2, o);
  assert.deepEqual(crop.shape, [1, 80]);
  const up = stimWaveform({ waveform: x, sfStimHz: 4000 }, 4, o); // 100 samples at 4 kHz -> 200 at 8 kHz, crop to 160
  const ref = resample(x, 4000, 8000);
  assert.equal(up.data.length, 160);
  for (let i = 0; i < 160; i++) assert.equal(up.data[i], Math.fround(ref[i] as number));
  // A stim file claiming 1 Hz: resampled to 96 kHz it would be 96000x longer
  // (9.6e9 samples, 77 GB) before the crop; only the Tcanon * hop kept are made.
  const slow = Float64Array.from({ length: 100_000 }, (_, i) => i % 2);
  const low = stimWaveform(
    { waveform: slow, sfStimHz: 1 },
    2,
    resolveOptions({ path: "/x", returnWaveform: true }),
  );
  assert.deepEqual(low.shape, [1, 960]);
  const lowRef = resample(slow.subarray(0, 20), 1, 96000); // the first 960 outputs reach 7 inputs
  for (let i = 0; i < 960; i++) assert.equal(low.data[i], Math.fround(lowRef[i] as number));
});

test("processCell is a pure function of (cell, options) and the assembler reproduces the build", async () => {
  const options = resolveOptions({ path: synth.dir, experimenter: "wehr" });
  const source = await openRelease(synth.dir, { need: { wehr: true, asari: false } });
  const assembler = new DatasetAssembler(options);
  const skipped: { path: string; reason: string }[] = [];
  const waveforms: Float64Array[] = [];
  try {
    const walk = walkRelease(source, {
      experimenters: ["wehr"],
      sites: options.sites,
      onWarning: () => {},
      onSkippedFile: (path, reason) => skipped.push({ path, reason }),
    });
    for await (const cell of walk) {
      const a = processCell(cell, options);
      const b = processCell(cell, options);
      assert.deepEqual(a, b);
      assembler.addCell(a);
    }
    for (const p of skipped) assembler.addSkippedFile(p.path, p.reason);
    const store = new StimFileStore(source);
    for (const spec of assembler.specs) waveforms.push(await loadStimWaveform(store, spec.waveform));
  } finally {
    await source.close();
  }
  const viaAssembler = materialize(
    assembler.finish((spec, Tcanon, s) =>
      held(
        stimSpectrogram({ waveform: waveforms[s] as Float64Array, sfStimHz: spec.sfStimHz }, Tcanon, options),
      ),
    ),
  );
  const viaBuild = await buildDataset({ path: synth.dir, experimenter: "wehr" });
  assert.deepEqual(viaAssembler, viaBuild);
});

test("progress: one event per walked cell, then one per stim", () => {
  const cells = events.filter((e) => e.phase === "cells");
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.equal(cells.length, exp.cells.length);
  assert.deepEqual(
    cells.map((e) => (e.phase === "cells" ? e.session : "")),
    exp.cells.map((c) => c.meta.session),
  );
  const stims = events.filter((e) => e.phase === "stims");
  assert.equal(stims.length, full.stims.length);
  assert.deepEqual(stims.at(-1), { phase: "stims", done: full.stims.length, total: full.stims.length });
});

test("the API over the built dataset: selections by metadata, hidden neurons, collate, transforms", () => {
  const ds = new Ac1Dataset(full);
  const stim0 = Float32Array.from(full.stims[0]?.data ?? []);
  const block0 = Float32Array.from(full.responses[0]?.find((b) => b !== null)?.data ?? []);
  assert.equal(ds.length, full.stims.length);
  ds.selectNeuronsByMeta("site", "MGB");
  const mgb = expectedBuild(synth.manifest, ["wehr", "asari"], ["MGB"]);
  assert.deepEqual(
    ds.selectedNeurons.map((n) => full.neuronMeta[n]?.session),
    mgb.neurons,
  );
  assert.deepEqual(
    ds.iterableStims.map((s) => keyOf(full, s)),
    mgb.stimKeys,
  );
  // _wehr_cell_idx exists only on Wehr neurons: the Asari ones are skipped, not an error
  ds.selectNeuronsByMeta("_wehr_cell_idx", 0);
  assert.deepEqual(
    ds.selectedNeurons.map((n) => full.neuronMeta[n]?.session),
    ["20020624-mw-001"],
  );
  ds.resetNeurons().selectStimsByMeta("experimenter", "asari");
  assert.ok(ds.selectedNeurons.every((n) => full.neuronMeta[n]?.experimenter === "asari"));
  const batch = Ac1Dataset.collate(ds.items({}));
  const N = ds.selectedNeurons.length;
  assert.equal(batch.responses.shape[1], N);
  assert.equal(batch.stims.shape[2], 53);
  assert.equal(
    batch.stims.shape[3],
    Math.max(...ds.iterableStims.map((s) => full.stims[s]?.shape[2] as number)),
  );
  ds.resetStims();
  const stats = ds.standardizeStims();
  assert.equal(stats.mean.length, 53);
  const norm = ds.normalizeResponses("zscore");
  assert.equal(norm.scale.length, full.neuronMeta.length);
  ds.smoothResponses();
  assert.match(
    ds.toString(),
    new RegExp(`neurons: +${full.neuronMeta.length} \\(${full.neuronMeta.length} selected\\)`),
  );
  // the built data itself is untouched by the transforms; the dataset's copy changed
  assert.deepEqual(full.stims[0]?.data, stim0);
  assert.deepEqual(full.responses[0]?.find((b) => b !== null)?.data, block0);
  assert.notDeepEqual(ds.stims[0]?.data, stim0);
});
