// The reference's corners planted in the small synthetic archive (issue #16;
// synth-manifest.json `corners`), built with the default options, in
// waveform mode and with fmax 25600, and checked corner by corner against
// what the reference loader does with them. Expectations come from the
// manifest (what was planted) and the rules written out here, never from the
// code under test; last, every mode is compared with what the numpy/scipy
// restatement of the reference (bench/python/pipeline_ref.py) gave on the same
// archive (test/fixtures/dataset/make_reference.py -> reference-small.npz).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SynthCell, SynthCorner, SynthStim } from "../../src/ac1/index.js";
import { ZipSource } from "../../src/archive/index.js";
import type { DatasetData } from "../../src/dataset/model.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { bandCentersHz, logSpectrogram } from "../../src/dsp/index.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { getField, openMat, toFloat64 } from "../../src/mat/index.js";
import { fixture } from "../support/paths.js";
import { expectedBuild, makeSynthArchive, pyRound, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
let spec: DatasetData;
let wave: DatasetData;
let fmax: DatasetData;

before(async () => {
  synth = await makeSynthArchive();
  const quiet = { onWarning: () => undefined };
  spec = await buildDataset({ path: synth.dir, ...quiet });
  wave = await buildDataset({ path: synth.dir, returnWaveform: true, ...quiet });
  fmax = await buildDataset({ path: synth.dir, fmax: 25600, ...quiet });
});
after(() => synth.cleanup());

const corner = (id: string): SynthCorner => {
  const c = synth.manifest.corners.find((x) => x.id === id);
  assert.ok(c, `the manifest records corner ${id}`);
  return c;
};
const cellOf = (session: string): SynthCell => {
  const c = synth.manifest.cells.find((x) => x.meta.session === session);
  assert.ok(c, session);
  return c;
};
const keyText = (key: readonly (string | number)[]) => JSON.stringify(key);
const stimsOf = (cell: SynthCell, key: readonly (string | number)[]): SynthStim[] =>
  cell.stims.filter((s) => keyText(s.key) === keyText(key));
const keyOf = (d: DatasetData, s: number) => {
  const m = d.stimMeta[s] as unknown as Record<string, unknown>;
  return m.experimenter === "wehr"
    ? keyText(["wehr", m.category as string, m.idx as number])
    : keyText(["asari", ...(m.segment_files as string[])]);
};
const stimIndex = (d: DatasetData, key: readonly (string | number)[]) => {
  const s = d.stims.findIndex((_, i) => keyOf(d, i) === keyText(key));
  assert.ok(s >= 0, `stim ${keyText(key)} is in the dataset`);
  return s;
};
const neuronIndex = (d: DatasetData, session: string) => d.neuronMeta.findIndex((m) => m.session === session);
const kept = (s: SynthStim) => s.repeats.filter((r) => r.expectedFate === "kept");

test("every corner of the manifest is planted in the small archive", () => {
  assert.deepEqual(synth.manifest.corners.map((c) => c.id).sort(), [
    "asari-four-part-name",
    "asari-no-recording-struct",
    "asari-splice-failed",
    "band-limits",
    "flat-rail",
    "registered-by-later-cell",
    "resample-length",
    "short-repeat-one-bin",
    "unshared-xcorr",
    "wehr-duration-zero",
    "wehr-idx-collision",
    "wehr-int-stems",
  ]);
  // the dataset agrees with the manifest as a whole (neurons, stims, tally, dropped cells)
  const exp = expectedBuild(synth.manifest, ["wehr", "asari"], ["A1", "MGB"]);
  assert.deepEqual(
    spec.neuronMeta.map((m) => m.session),
    exp.neurons,
  );
  assert.deepEqual(
    spec.stims.map((_, s) => keyOf(spec, s)),
    exp.stimKeys,
  );
  assert.deepEqual(spec.rejections, exp.rejections);
  assert.equal(spec.droppedCellsEmpty, exp.dropped);
});

test("stimulus stems Python's int() reads: '10', '1_0', ' 7', '+8' and Arabic-Indic 13 are stims 10, 10, 7, 8, 13", () => {
  for (const key of corner("wehr-int-stems").stimKeys) stimIndex(spec, key);
});

test("two files of one idx heard by one cell: one stim, registered with the first, the cell's block from the later", () => {
  const c = corner("wehr-idx-collision");
  const key = c.stimKeys[0]!;
  const cell = cellOf(c.sessions[0]!);
  const groups = stimsOf(cell, key);
  assert.equal(groups.length, 2);
  const [first, later] = groups as [SynthStim, SynthStim];
  const s = stimIndex(spec, key);
  assert.equal(spec.stims.filter((_, i) => keyOf(spec, i) === keyText(key)).length, 1);
  // metadata of the first registration, the block of the later group (its kept count)
  assert.equal((spec.stimMeta[s] as { description: string }).description, first.meta.description);
  const n = neuronIndex(spec, cell.meta.session);
  assert.equal(spec.responses[s]?.[n]?.shape[0], kept(later).length);
  assert.notEqual(kept(first).length, kept(later).length);
  // Tcanon: the shortest block is over both groups (the reference's shortest_resp_T)
  const blocks = [first, later].map((g) => Math.min(...kept(g).map((r) => Math.floor(r.length / 20))));
  const T = spec.stims[s]?.shape[2] as number;
  assert.ok(T <= Math.min(...blocks));
  // the first group's repeats are in no block: provenance stim -1
  const prov = spec.provenance.filter((p) => p.session === cell.meta.session && p.stimKey === keyText(key));
  assert.deepEqual(
    prov.map((p) => p.stim),
    [...first.repeats.map(() => -1), ...later.repeats.map(() => s)],
  );
});

test("a first trial of duration 0: an empty repeat, the stim's duration from its waveform (Tdur), duration_s 0", () => {
  const c = corner("wehr-duration-zero");
  const key = c.stimKeys[0]!;
  const cell = cellOf(c.sessions[0]!);
  const [first, later] = stimsOf(cell, key) as [SynthStim, SynthStim];
  assert.equal(first.repeats[0]?.length, 0);
  assert.equal(first.repeats[0]?.expectedFate, "range");
  const s = stimIndex(spec, key);
  assert.equal((spec.stimMeta[s] as { duration_s: number }).duration_s, 0);
  // the reference: duration_ms or (waveform.size / sf_stim * 1000.0), then Tdur = round(duration / dt)
  const samples = c.facts?.waveformSamples as number;
  const sf = c.facts?.sfHz as number;
  const Tdur = pyRound(((samples / sf) * 1000) / 5);
  const Tspec = Math.ceil(samples / pyRound((5 * sf) / 1000));
  const Tresp = Math.min(...[first, later].flatMap((g) => kept(g).map((r) => Math.floor(r.length / 20))));
  // the later trials last longer than the waveform: without the fallback Tcanon would be Tspec
  assert.ok(pyRound((c.facts?.laterTrialsMs as number) / 5) > Tspec);
  assert.ok(Tdur < Tspec && Tdur < Tresp, `${Tdur} ${Tspec} ${Tresp}`);
  assert.equal(spec.stims[s]?.shape[2], Tdur);
});

test("a kept repeat shorter than one bin: one bin holding its mean, the stim cut to T = 1 for every cell", () => {
  const c = corner("short-repeat-one-bin");
  const key = c.stimKeys[0]!;
  const stub = cellOf(c.sessions[0]!);
  const stubStim = stimsOf(stub, key)[0]!;
  const short = stubStim.repeats.find((r) => r.artifact === "stub");
  assert.ok(short && short.length === c.facts?.stubSamples && short.length < 20);
  assert.equal(short.expectedFate, "kept");
  for (const d of [spec, wave]) {
    const s = stimIndex(d, key);
    for (const session of c.sessions) {
      const n = neuronIndex(d, session);
      const want = kept(stimsOf(cellOf(session), key)[0]!).length;
      assert.deepEqual(d.responses[s]?.[n]?.shape, [want, 1], session);
    }
    if (d === spec) assert.equal(d.stims[s]?.shape[2], 1);
    else assert.deepEqual(d.stims[s]?.shape, [1, 480]);
  }
  // the stub's bin is its mean (the repeat's checksum over its samples, detrended: close to 0 mV)
  const s = stimIndex(spec, key);
  const row = spec.responses[s]?.[neuronIndex(spec, stub.meta.session)];
  assert.ok(row && Number.isFinite(row.data[1]) && Math.abs(row.data[1] as number) < 5);
});

test("a trace flat at the rail among three repeats: detrended exactly flat, r = 0, rejected as xcorr", () => {
  const c = corner("flat-rail");
  const cell = cellOf(c.sessions[0]!);
  const st = stimsOf(cell, c.stimKeys[0]!)[0]!;
  assert.deepEqual(
    st.repeats.map((r) => [r.artifact, r.expectedFate]),
    [
      ["none", "kept"],
      ["flat-rail", "xcorr"],
      ["none", "kept"],
    ],
  );
  const prov = spec.provenance.filter(
    (p) => p.session === cell.meta.session && p.stimKey === keyText(c.stimKeys[0]!),
  );
  assert.deepEqual(
    prov.map((p) => p.fate),
    ["kept", "xcorr", "kept"],
  );
  assert.equal(prov[1]?.r, 0);
  assert.ok((prov[1]?.maxAbsMv as number) < 1e-9);
});

test("a stim at 51200 Hz: band 48 on its Nyquist; fmax 25600 is a band centre (F = 49), the top band's values as defined", async () => {
  const c = corner("band-limits");
  const key = c.stimKeys[0]!;
  assert.equal(fmax.F, 49);
  assert.equal(fmax.freqsHz[48], c.facts?.fmaxOnBandHz);
  assert.equal(spec.F, 53);
  const sf = c.facts?.sfHz as number;
  assert.equal(spec.freqsHz[48], sf / 2);
  // the stim's samples, read independently from the zip
  const src = await ZipSource.open(synth.dir);
  let x: Float64Array;
  try {
    const path = "crcns-ac1/wehr/Stimuli/category3/+8.mat";
    x = toFloat64(
      getField(openMat(await src.readFile(path), path).read("stimulus"), "samples"),
    ) as Float64Array;
  } finally {
    await src.close();
  }
  // band 48 of frame i: |sum_n w[n] x[i*hop - W/2 + n] (-1)^n| (exp(-2 pi j (sf/2) n / sf) = (-1)^n)
  const hop = pyRound((5 * sf) / 1000);
  const W = pyRound((10 * sf) / 1000);
  for (const d of [spec, fmax]) {
    const s = stimIndex(d, key);
    const t = d.stims[s] as { shape: number[]; data: Float32Array };
    const T = t.shape[2] as number;
    const top = Array.from({ length: T }, (_, i) => {
      let acc = 0;
      for (let n = 0; n < W; n++) {
        const k = i * hop - Math.floor(W / 2) + n;
        if (k < 0 || k >= x.length) continue;
        acc += (0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (W - 1))) * (x[k] as number) * (n % 2 ? -1 : 1);
      }
      return 20 * Math.log10(Math.abs(acc) + 1e-12);
    });
    const peak = Math.max(...Array.from(t.data));
    for (let i = 0; i < T; i++) {
      const got = t.data[48 * T + i] as number;
      if ((top[i] as number) > peak - 80)
        assert.ok(Math.abs(got - (top[i] as number)) <= 0.01, `frame ${i}: ${got} vs ${top[i]}`);
    }
  }
});

test("fmax on a band centre where the reference's two band counts disagree: one count everywhere (deliberate)", () => {
  // 5 bands per octave, fmax = 100 * 2**(7/5) (band 7): x = log2(fmax / fmin) = 1.4, x / (1/5) = 6.999... deepSTRF's
  // n_bands_for (the dataset's F) gives floor(x * 5) + 1 = 8, its logspectrogram floor(x / (1/5)) + 1 = 7
  // rows (Python 3.11, numpy 2). ac1 uses the first formula for both (pipeline.md section 1).
  const fmaxHz = 100 * 2 ** (7 / 5);
  const x = Math.log2(fmaxHz / 100);
  assert.equal(Math.floor(x * 5) + 1, 8);
  assert.equal(Math.floor(x / (1 / 5)) + 1, 7);
  const freqs = bandCentersHz(100, fmaxHz, 5);
  assert.equal(freqs.length, 8);
  const y = Float64Array.from({ length: 800 }, (_, i) => Math.sin(i / 3));
  const s = logSpectrogram(y, 8000, { dtMs: 5, fminHz: 100, fmaxHz, binsPerOctave: 5 });
  assert.equal(s.F, 8);
  assert.equal(s.data.length, 8 * s.T);
});

test("waveform mode: the resampled length is ceil(f32(n L / o)) and the grid-locked stim is zero past it", () => {
  const c = corner("resample-length");
  const key = c.stimKeys[0]!;
  const L = c.facts?.waveformSamples as number;
  const sf = c.facts?.sfHz as number;
  const kept32 = c.facts?.resampledAt96k as number;
  // 44100 -> 96000: o = 147, n = 320; the exact ceil is one more than torchaudio keeps
  assert.equal(Math.ceil((320 * L) / 147), kept32 + 1);
  assert.equal(Math.ceil(Math.fround((320 * L) / 147)), kept32);
  const s = stimIndex(wave, key);
  // the trials outlast the stim: Tcanon = Tspec, so Tcanon * hop reaches past the resampled end
  const Tspec = Math.ceil(L / pyRound((5 * sf) / 1000));
  const stim = wave.stims[s] as { shape: number[]; data: Float32Array };
  assert.deepEqual(stim.shape, [1, Tspec * 480]);
  assert.ok(Tspec * 480 > kept32);
  // the stim ends loud, so the last kept sample is not 0; everything after it is padding
  assert.notEqual(stim.data[kept32 - 1], 0);
  assert.ok(
    stim.data.subarray(kept32).every((v) => v === 0),
    `sample ${kept32} is the first of the zero padding`,
  );
  // the responses are those of spectrogram mode, and the stim's frames agree in both modes
  assert.equal(spec.stims[stimIndex(spec, key)]?.shape[2], Tspec);
  wave.responses.forEach((row, i) => {
    row.forEach((b, n) => {
      assert.deepEqual(b, spec.responses[i]?.[n] ?? null);
    });
  });
});

test("a cell-attached cell whose three repeats share no deflection: all xcorr, dropped; the stim registered by the later cell", () => {
  const u = corner("unshared-xcorr");
  const cell = cellOf(u.sessions[0]!);
  assert.equal(cell.expectedSignalType, "spikes");
  assert.ok(cell.expectDropped);
  const prov = spec.provenance.filter((p) => p.session === cell.meta.session);
  assert.deepEqual(
    prov.map((p) => [p.fate, p.neuron]),
    [
      ["xcorr", -1],
      ["xcorr", -1],
      ["xcorr", -1],
    ],
  );
  assert.ok(
    prov.every((p) => p.r < 0),
    "each repeat anti-correlates with the mean of the other two",
  );
  assert.equal(neuronIndex(spec, cell.meta.session), -1);

  const r = corner("registered-by-later-cell");
  const key = r.stimKeys[0]!;
  const s = stimIndex(spec, key);
  const meta = spec.stimMeta[s] as { sequence: string; segments: number[] };
  assert.equal(meta.sequence, r.facts?.registeredSequence);
  assert.equal(stimsOf(cellOf(r.sessions[0]!), key)[0]?.meta.description, r.facts?.firstSequence);
  assert.deepEqual(pick(meta, STIM_KEYS), stimsOf(cellOf(r.sessions[1]!), key)[0]?.meta);
  // its provenance from the dropped first listener links to the stim all the same
  assert.ok(prov.every((p) => p.stim === s));
});

test("Asari sessions: none without a recording struct, a four-part name read as three, a cell whose segments are missing is dropped", () => {
  const none = corner("asari-no-recording-struct").sessions[0]!;
  assert.equal(neuronIndex(spec, none), -1);
  assert.ok(!spec.provenance.some((p) => p.session === none));
  assert.ok(synth.manifest.notYielded.some((n) => n.session === none));

  const four = corner("asari-four-part-name").sessions[0]!;
  const n = neuronIndex(spec, four);
  assert.ok(n >= 0);
  const [date, animal, pen] = four.split("-");
  assert.deepEqual(
    [spec.neuronMeta[n]?.date, spec.neuronMeta[n]?.animal_id, spec.neuronMeta[n]?.penetration],
    [date, animal, Number(pen)],
  );

  const m = corner("asari-splice-failed");
  const failed = m.sessions[0]!;
  assert.equal(neuronIndex(spec, failed), -1);
  assert.deepEqual(cellOf(failed).stims, []);
  assert.ok(cellOf(failed).expectDropped);
  assert.ok(spec.skippedFiles.some((f) => f.path === m.facts?.missingSegment));
});

interface RefMode {
  neurons: string[];
  neuron_meta: Record<string, unknown>[];
  stim_meta: Record<string, unknown>[];
  stim_keys: (string | number)[][];
  stim_shapes: number[][];
  pairs: [number, number, number, number][];
  rejections: Record<string, number>;
  dropped_cells_empty: number;
  provenance: [string, string, string][];
}
interface RefSummary {
  synth: { generator: string; seed: number; scale: string; zips: [string, number][] };
  hop: number;
  modes: Record<"spectrogram" | "waveform" | "fmax25600", RefMode>;
}

const STIM_KEYS = [
  "experimenter",
  "category",
  "idx",
  "description",
  "duration_s",
  "class_n",
  "segments",
  "segment_files",
  "sequence",
];
const NEURON_KEYS = [
  "experimenter",
  "session",
  "animal_id",
  "penetration",
  "date",
  "site",
  "recording_type",
  "species",
  "_wehr_cell_idx",
  "signal_type",
];
const pick = (m: object, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => k in m).map((k) => [k, (m as Record<string, unknown>)[k]]));

test("the export equals the numpy/scipy restatement of the reference in both modes, corners included", async (t) => {
  const ref = await NpzReader.open(fixture("dataset", "reference-small.npz"));
  try {
    const summary = JSON.parse(await ref.readString("summary")) as RefSummary;
    // the fixture was made from this very archive
    assert.deepEqual(
      summary.synth,
      {
        generator: synth.manifest.generator,
        seed: synth.manifest.seed,
        scale: synth.manifest.scale,
        zips: synth.manifest.zips.map((z) => [z.name, z.bytes]),
      },
      "reference-small.npz is stale: regenerate it with test/fixtures/dataset/make_reference.py (see its header)",
    );
    const modes: [keyof RefSummary["modes"], DatasetData][] = [
      ["spectrogram", spec],
      ["waveform", wave],
      ["fmax25600", fmax],
    ];
    let maxDb = 0;
    let maxFrameDb = 0;
    let maxWave = 0;
    let maxResp = 0;
    for (const [name, d] of modes) {
      const r = summary.modes[name];
      assert.deepEqual(
        d.neuronMeta.map((m) => m.session),
        r.neurons,
        name,
      );
      assert.deepEqual(
        d.neuronMeta.map((m) => pick(m, NEURON_KEYS)),
        r.neuron_meta.map((m) => pick(m, NEURON_KEYS)),
        name,
      );
      assert.deepEqual(
        d.stims.map((_, s) => keyOf(d, s)),
        r.stim_keys.map(keyText),
        name,
      );
      assert.deepEqual(
        d.stimMeta.map((m) => pick(m, STIM_KEYS)),
        r.stim_meta.map((m) => pick(m, STIM_KEYS)),
        name,
      );
      assert.deepEqual(
        d.stims.map((t) => t.shape),
        r.stim_shapes,
        name,
      );
      assert.deepEqual({ ...d.rejections }, r.rejections, name);
      assert.equal(d.droppedCellsEmpty, r.dropped_cells_empty, name);
      assert.deepEqual(
        d.provenance.map((p) => [p.session, JSON.parse(p.stimKey), p.fate]),
        r.provenance.map(([session, key, fate]) => [session, JSON.parse(key), fate]),
        name,
      );
      const pairs: [number, number, number, number][] = [];
      d.responses.forEach((row, s) => {
        row.forEach((b, n) => {
          if (b) pairs.push([s, n, b.shape[0] as number, b.shape[1] as number]);
        });
      });
      assert.deepEqual(pairs, r.pairs, name);
      for (const [s, n] of r.pairs) {
        const want = (await ref.read(`resp_${s}_${n}`)).data as Float32Array;
        const got = d.responses[s]?.[n]?.data as Float32Array;
        let scale = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < want.length; i++)
          maxResp = Math.max(maxResp, Math.abs((got[i] as number) - (want[i] as number)) / (scale || 1));
      }
      for (let s = 0; s < d.stims.length; s++) {
        const got = d.stims[s]?.data as Float32Array;
        if (name === "spectrogram") {
          const want = (await ref.read(`spec_stim_${s}`)).data as Float32Array;
          for (let i = 0; i < want.length; i++)
            maxDb = Math.max(maxDb, Math.abs((got[i] as number) - (want[i] as number)));
        } else if (name === "fmax25600") {
          const want = (await ref.read(`fmax_frames_${s}`)).data as Float64Array;
          const [, F, T] = (d.stims[s] as { shape: number[] }).shape as [number, number, number];
          for (let t = 0; t < T; t++) {
            let sum = 0;
            for (let f = 0; f < F; f++) sum += got[f * T + t] as number;
            maxFrameDb = Math.max(maxFrameDb, Math.abs(sum - (want[t] as number)) / F);
          }
          if (ref.has(`fmax_stim_${s}`)) {
            const full = (await ref.read(`fmax_stim_${s}`)).data as Float32Array;
            for (let i = 0; i < full.length; i++)
              maxDb = Math.max(maxDb, Math.abs((got[i] as number) - (full[i] as number)));
          }
        } else {
          const want = (await ref.read(`wave_blocks_${s}`)).data as Float64Array;
          const hop = summary.hop;
          const T = got.length / hop;
          let peak = 0;
          for (const v of got) peak = Math.max(peak, Math.abs(v));
          peak ||= 1; // a stim cut to silence (the T = 1 corner starts with a gap)
          for (let t = 0; t < T; t++) {
            let sum = 0;
            let abs = 0;
            for (let i = t * hop; i < (t + 1) * hop; i++) {
              sum += got[i] as number;
              abs += Math.abs(got[i] as number);
            }
            maxWave = Math.max(
              maxWave,
              Math.abs(sum - (want[t] as number)) / (peak * hop),
              Math.abs(abs - (want[T + t] as number)) / (peak * hop),
            );
          }
          if (ref.has(`wave_tail_${s}`)) {
            const tail = (await ref.read(`wave_tail_${s}`)).data as Float32Array;
            const mine = got.subarray(got.length - tail.length);
            for (let i = 0; i < tail.length; i++) {
              // zeros where the reference pads, the same samples (to float32 rounding) before
              if (tail[i] === 0)
                assert.equal(mine[i], 0, `waveform tail sample ${got.length - tail.length + i}`);
              maxWave = Math.max(maxWave, Math.abs((mine[i] as number) - (tail[i] as number)) / peak);
            }
          }
        }
      }
    }
    // pipeline.md: spectrogram bins to 0.01 dB (here every bin), responses and waveforms to float32 rounding
    assert.ok(Number.isFinite(maxDb + maxFrameDb + maxResp + maxWave));
    t.diagnostic(
      `max differences: spectrogram ${maxDb} dB, fmax 25600 frames ${maxFrameDb} dB, responses ${maxResp}, waveforms ${maxWave} (relative)`,
    );
    assert.ok(maxDb <= 0.01, `spectrogram: ${maxDb} dB`);
    assert.ok(maxFrameDb <= 0.01, `fmax 25600 frames: ${maxFrameDb} dB`);
    assert.ok(maxResp <= 1e-6, `responses: ${maxResp}`);
    assert.ok(maxWave <= 1e-5, `waveforms: ${maxWave}`);
  } finally {
    await ref.close();
  }
});
