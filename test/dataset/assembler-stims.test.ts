// The assembler holds each registered stim by reference (its files and
// length, never its samples): fed by the serial walk (walkRelease) and
// finished with tensors made from loadStimWaveform, it gives buildDataset's
// dataset; Tcanon needs only the sample count (stimLengthsOfSamples).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loadStimWaveform, StimFileStore, walkRelease } from "../../src/ac1/index.js";
import { openRelease } from "../../src/archive/index.js";
import { DatasetAssembler } from "../../src/dataset/assembler.js";
import { processCell, type StimSpec } from "../../src/dataset/clean.js";
import { held, materialize } from "../../src/dataset/deferred.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { stimLengths, stimLengthsOfSamples, stimSpectrogram } from "../../src/dataset/stim-tensor.js";
import { makeSynthArchive, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
before(async () => {
  synth = await makeSynthArchive();
});
after(() => synth.cleanup());

test("stimLengthsOfSamples is stimLengths without the waveform", () => {
  const spec = { waveform: new Float64Array(35285), sfStimHz: 44100, durationMs: 800.125 };
  assert.deepEqual(stimLengthsOfSamples(35285, spec, 5, 160), stimLengths(spec, 5, 160));
  assert.deepEqual(
    stimLengthsOfSamples(0, spec, 5, 0),
    stimLengths({ ...spec, waveform: new Float64Array(0) }, 5, 0),
  );
  const ref = { kind: "wehr" as const, file: "crcns-ac1/wehr/Stimuli/fragments/1.mat", length: 35285 };
  assert.deepEqual(stimLengths({ ...spec, waveform: ref }, 5, 160), stimLengths(spec, 5, 160));
});

test("stims by reference: the walk's waveforms made on demand give buildDataset's dataset", async () => {
  for (const experimenter of ["wehr", "asari"] as const) {
    const options = resolveOptions({ path: synth.dir, experimenter });
    const source = await openRelease(synth.dir);
    const store = new StimFileStore(source);
    const assembler = new DatasetAssembler(options);
    const waveforms: Float64Array[] = [];
    let data: DatasetData;
    try {
      const walk = walkRelease(source, {
        experimenters: [experimenter],
        sites: options.sites,
        onWarning: () => {},
      });
      for await (const cell of walk) assembler.addCell(processCell(cell, options));
      assert.ok(assembler.specs.length > 2);
      for (const spec of assembler.specs) {
        assert.ok(!ArrayBuffer.isView(spec.waveform), "the assembler holds no samples");
        const w = await loadStimWaveform(store, spec.waveform);
        assert.equal(w.length, spec.waveform.length);
        waveforms.push(w);
      }
      const seen: number[] = [];
      data = materialize(
        assembler.finish((spec: StimSpec, Tcanon, s) => {
          seen.push(s);
          return held(
            stimSpectrogram(
              { waveform: waveforms[s] as Float64Array, sfStimHz: spec.sfStimHz },
              Tcanon,
              options,
            ),
          );
        }),
      );
      assert.deepEqual(
        seen,
        assembler.specs.map((_, s) => s),
      );
    } finally {
      await source.close();
    }
    const viaBuild = await buildDataset({ path: synth.dir, experimenter, onWarning: () => {} });
    assert.deepEqual(data.skippedFiles, [], "skipped files are the build's to collect");
    assert.deepEqual({ ...data, skippedFiles: viaBuild.skippedFiles }, viaBuild);
  }
});
