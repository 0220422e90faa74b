// Small deterministic DatasetData values for the export and cache tests, in
// both modes. Values are dyadic rationals (k/256) so that sums are exact in
// float64 whatever the summation order (numpy and JS agree bit for bit), and
// the metadata exercise absent keys, non-ASCII text and astral characters.
// Like a build, they carry units, sf_hz and spike counts; on request also
// rejected repeats (a NaN-padded row, an empty one) and a split.

import type { DatasetData, DatasetOptions, RepeatProvenance, Tensor } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { makeSplit } from "../../src/dataset/splits.js";
import { mulberry32 } from "../../src/random/index.js";

function dyadic(next: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.floor(next() * 4096) - 2048) / 256;
  return out;
}

/** Default options but for one band per octave and, in waveform mode, a 2 kHz audio rate. */
export function sampleOptions(waveform: boolean): DatasetOptions {
  return resolveOptions({ path: "/data/ac1", binsPerOctave: 1, returnWaveform: waveform, audioFs: 2000 });
}

/**
 * A 3-stim x 3-neuron dataset with 4 pairs of data (5 missing), one NaN in a
 * response, absent optional metadata keys and provenance rows for dropped
 * cells and unregistered stims.
 */
export function sampleDataset(
  mode: "spectrogram" | "waveform",
  seed = 1,
  extras: { rejected?: boolean; split?: boolean } = {},
): DatasetData {
  const next = mulberry32(seed);
  const waveform = mode === "waveform";
  const F = 4;
  const hop = waveform ? 10 : 1;
  const frames = [5, 7, 3];
  const stims: Tensor[] = frames.map((T) =>
    waveform
      ? { shape: [1, T * hop], data: dyadic(next, T * hop) }
      : { shape: [1, F, T], data: dyadic(next, F * T) },
  );
  const resp = (s: number, R: number): Tensor => ({
    shape: [R, frames[s]!],
    data: dyadic(next, R * frames[s]!),
  });
  const responses: (Tensor | null)[][] = [
    [resp(0, 2), resp(0, 1), null],
    [resp(1, 3), null, null],
    [null, null, resp(2, 2)],
  ];
  responses[2]![2]!.data[1] = Number.NaN;
  const provenance: RepeatProvenance[] = [
    {
      session: "20020624-mw-001",
      experimenter: "wehr",
      neuron: 0,
      stimKey: '["wehr","tones",1]',
      stim: 0,
      repeat: 0,
      fate: "kept",
      maxAbsMv: 12.5,
      stepFrac: 0,
      r: 1,
      samples: 500,
    },
    {
      session: "20020624-mw-001",
      experimenter: "wehr",
      neuron: 0,
      stimKey: '["wehr","tones",1]',
      stim: 0,
      repeat: 1,
      fate: "range",
      maxAbsMv: 170.25,
      stepFrac: 0.001,
      r: 1,
      samples: 500,
    },
    {
      session: "20050101-ha1-001",
      experimenter: "asari",
      neuron: -1,
      stimKey: '["asari","a.wav","b.wav"]',
      stim: -1,
      repeat: 0,
      fate: "xcorr",
      maxAbsMv: Number.NaN,
      stepFrac: 0.1,
      r: 0.01,
      samples: 0,
    },
    {
      session: "20050101-ha1-002",
      experimenter: "asari",
      neuron: 2,
      stimKey: '["asari","c.wav"]',
      stim: 2,
      repeat: 3,
      fate: "step",
      maxAbsMv: 40.125,
      stepFrac: 0.75,
      r: 0.3333333333333333,
      samples: 1234,
    },
  ];
  const counts = Int32Array.from({ length: frames[0]! }, () => Math.floor(next() * 4));
  const data: DatasetData = {
    dtMs: 5,
    F,
    freqsHz: Float64Array.from({ length: F }, (_, k) => 100 * 2 ** (k + 0.5)),
    audioFs: waveform ? 2000 : null,
    hop,
    signalType: "mixed",
    hearingRangeHz: [250, 76000],
    species: "rat",
    stims,
    stimMeta: [
      {
        experimenter: "wehr",
        category: "tones",
        idx: 1,
        description: "tone 1 kHz, µ-law",
        duration_s: 0.025,
        sf_hz: 44100,
      },
      {
        experimenter: "asari",
        category: "natural",
        class_n: 3,
        segments: [1, 2],
        segment_files: ["a.wav", "b.wav"],
        sequence: "ab",
        description: "bird 🐦 song",
        duration_s: 0.035,
        sf_hz: 97656,
      },
      {
        experimenter: "asari",
        category: "natural",
        segments: [4],
        segment_files: ["c.wav"],
        sequence: "c",
        description: "c",
        duration_s: 0.015,
        sf_hz: 97656,
      },
    ],
    neuronMeta: [
      {
        experimenter: "wehr",
        session: "20020624-mw-001",
        animal_id: "mw",
        penetration: 1,
        date: "2002-06-24",
        site: "A1",
        recording_type: "whole-cell",
        species: "rat",
        _wehr_cell_idx: 0,
        signal_type: "subthresh",
        units: "mV",
      },
      {
        experimenter: "wehr",
        session: "20020624-mw-002",
        animal_id: "mw",
        penetration: "2b",
        date: "2002-06-24",
        site: "MGB",
        recording_type: "cell-attached",
        species: "rat",
        _wehr_cell_idx: 3,
        signal_type: "spikes",
        units: "a.u.",
      },
      {
        experimenter: "asari",
        session: "20050101-ha1-002",
        animal_id: "ha1",
        penetration: 2,
        date: "2005-01-01",
        site: "A1",
        recording_type: "whole-cell",
        species: "rat",
        signal_type: "subthresh",
        units: "mV",
      },
    ],
    responses,
    rejections: { range: 1, step: 1, xcorr: 1, kept: 8 },
    droppedCellsEmpty: 1,
    skippedFiles: [{ path: "crcns-ac1/wehr/Results/x/bad.mat", reason: "truncated at byte 128" }],
    options: { ...sampleOptions(waveform), keepRejected: extras.rejected === true },
    provenance,
    spikeCounts: [
      [null, { shape: [1, frames[0]!], data: counts }, null],
      [null, null, null],
      [null, null, null],
    ],
  };
  if (extras.rejected) {
    // provenance rows 1 (n0, s0: range), 2 (dropped cell: unindexed, an empty repeat) and 3 (n2, s2: step)
    const row = dyadic(next, 6);
    const step = Float32Array.of(1.5, -2.25, Number.NaN, Number.NaN);
    data.rejected = {
      blocks: [
        [{ shape: [1, 6], data: row }, null, null],
        [null, null, null],
        [null, null, { shape: [1, 4], data: step }],
      ],
      unindexed: { shape: [1, 0], data: new Float32Array(0) },
    };
  }
  if (extras.split) data.split = makeSplit(data, "stims:0.4,0.3,0.3", 5);
  return data;
}
