// DatasetAssembler.releaseWaveform: a caller that computes stim tensors
// elsewhere takes each waveform from the assembler; the assembler keeps the
// sample count (Tcanon is unchanged), holds no waveform any more, and finish()
// insists on a stimTensor for released stims.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openRelease } from "../../src/archive/index.js";
import {
  DatasetAssembler,
  processCell,
  releaseCells,
  stimLengths,
  stimLengthsOfSamples,
  stimSpectrogram,
} from "../../src/dataset/build.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { makeSynthArchive, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
before(async () => {
  synth = await makeSynthArchive();
});
after(() => synth.cleanup());

async function assembled(): Promise<DatasetAssembler> {
  const options = resolveOptions({ path: synth.dir, experimenter: "wehr" });
  const source = await openRelease(synth.dir, { need: { wehr: true, asari: false } });
  const assembler = new DatasetAssembler(options);
  try {
    for await (const cell of releaseCells({ options, source }, assembler))
      assembler.addCell(processCell(cell, options));
  } finally {
    await source.close();
  }
  return assembler;
}

test("stimLengthsOfSamples is stimLengths without the waveform", () => {
  const spec = { waveform: new Float64Array(35285), sfStimHz: 44100, durationMs: 800.125 };
  assert.deepEqual(stimLengthsOfSamples(35285, spec, 5, 160), stimLengths(spec, 5, 160));
  assert.deepEqual(
    stimLengthsOfSamples(0, spec, 5, 0),
    stimLengths({ ...spec, waveform: new Float64Array(0) }, 5, 0),
  );
});

test("released waveforms: same dataset through stimTensor, sample counts kept, no waveform held", async () => {
  const reference = (await assembled()).finish();
  const assembler = await assembled();
  const S = assembler.specs.length;
  assert.ok(S > 2);
  const samples = assembler.specs.map((sp) => sp.waveform.length);
  const taken: Float64Array[] = [];
  for (let s = 0; s < S; s++) {
    assert.equal(assembler.isReleased(s), false);
    const key = assembler.specs[s]?.key;
    const w = assembler.releaseWaveform(s);
    taken.push(w);
    assert.equal(w.length, samples[s]);
    assert.equal(assembler.isReleased(s), true);
    assert.equal(assembler.waveformSamples(s), samples[s]);
    assert.equal(assembler.specs[s]?.waveform.length, 0, "the assembler still holds the waveform");
    assert.equal(assembler.specs[s]?.key, key);
    assert.throws(() => assembler.releaseWaveform(s), /already released/);
  }
  assert.throws(() => assembler.waveformSamples(S), RangeError);
  assert.throws(() => assembler.finish(), /waveform released but finish\(\) got no stimTensor/);
  const seen: number[] = [];
  const data = assembler.finish({
    stimTensor: (spec, Tcanon, s) => {
      seen.push(s);
      return stimSpectrogram(
        { waveform: taken[s] as Float64Array, sfStimHz: spec.sfStimHz },
        Tcanon,
        assembler.options,
      );
    },
  });
  assert.deepEqual(
    seen,
    Array.from({ length: S }, (_, s) => s),
  );
  assert.deepEqual(data, reference);
});
