// A small but realistic DatasetData for the viewer tests, written with the
// real export writer: structured spectrograms (an FM sweep, a harmonic stack,
// noise bursts over a quiet floor, in dB), Wehr and Asari cells with
// subthreshold and spike-rate responses, varying repeat counts, missing
// pairs, each neuron's quality in its metadata (as every build stores it),
// and per-repeat provenance with every rejection reason, an empty repeat, a
// stim whose repeats were all rejected, an unregistered stim and a dropped
// cell; with keepRejected, the rejected repeats' traces (rej_<s>_<n>).
// writePredictions writes a model's PRED.npz for some of its pairs.

import { join } from "node:path";
import type { NeuronMeta, StimMeta } from "../../src/ac1/types.js";
import type { DatasetData, Fate, RepeatProvenance, Tensor } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { metaWithQuality } from "../../src/dataset/quality.js";
import { groupRejected } from "../../src/dataset/rejected.js";
import { writeDatasetNpz } from "../../src/export/index.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { mulberry32 } from "../../src/random/index.js";

function gauss(rand: () => number): number {
  const u = Math.max(1e-12, rand());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const DT_MS = 5;
const FMIN = 100;
const FMAX = 45000;
const BPO = 6;
export const F = Math.floor(Math.log2(FMAX / FMIN) * BPO) + 1; // 53

/** Stim lengths in frames (dt 5 ms): 1.5 s, 2.1 s, 1.3 s, 2.5 s, 1.0 s. */
export const STIM_FRAMES = [300, 420, 260, 500, 200];
/** Spectrogram kind per stim: 0 FM sweep, 1 harmonic stack, 2 noise bursts. */
const STIM_KINDS = [1, 1, 2, 0, 2];

function spectrogram(kind: number, T: number, rand: () => number): Tensor {
  const data = new Float32Array(F * T);
  for (let k = 0; k < F; k++) {
    for (let t = 0; t < T; t++) {
      let db = -75 + 4 * gauss(rand);
      const on = t > 10 && t < T - 10;
      if (on && kind === 0) {
        // Upward FM sweep across the bands, plus its second harmonic.
        const centre = ((t - 10) / (T - 20)) * (F - 8);
        db = Math.max(db, -6 - 0.8 * (k - centre) ** 2, -14 - 0.8 * (k - centre - BPO) ** 2);
      } else if (on && kind === 1) {
        // Harmonic stack (vocalisation-like) with a slow amplitude modulation.
        const am = 0.5 + 0.5 * Math.sin((2 * Math.PI * t) / 60);
        for (let hIdx = 0; hIdx < 4; hIdx++) {
          const band = 14 + hIdx * BPO;
          db = Math.max(db, -4 - 6 * hIdx - 1.5 * (k - band) ** 2 - 20 * (1 - am));
        }
      } else if (on) {
        // Broadband noise bursts, 100 ms on / 100 ms off.
        if (Math.floor(t / 20) % 2 === 0) db = Math.max(db, -20 + 3 * gauss(rand) - 0.15 * Math.abs(k - 30));
      }
      data[k * T + t] = db;
    }
  }
  return { shape: [1, F, T], data };
}

/** Stimulus drive over time: the mean level above the floor in a band range. */
function drive(stim: Tensor, k0: number, k1: number): Float64Array {
  const T = stim.shape[2] as number;
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let k = k0; k < k1; k++) s += Math.max(0, (stim.data[k * T + t] as number) + 60);
    out[t] = s / (k1 - k0) / 60;
  }
  return out;
}

function responses(
  stim: Tensor,
  R: number,
  spikes: boolean,
  bandLo: number,
  noiseScale: number,
  rand: () => number,
): Tensor {
  const T = stim.shape[2] as number;
  const d = drive(stim, bandLo, bandLo + 12);
  const data = new Float32Array(R * T);
  for (let r = 0; r < R; r++) {
    let noise = 0;
    for (let t = 0; t < T; t++) {
      const lagged = d[Math.max(0, t - 3)] as number; // 15 ms latency
      noise = 0.9 * noise + 0.45 * gauss(rand);
      const n = noiseScale * noise;
      data[r * T + t] = spikes ? Math.max(0, 0.02 + 0.6 * lagged + 0.05 * n) : -64 + 14 * lagged + n;
    }
  }
  return { shape: [R, T], data };
}

export interface ViewerFixture {
  data: DatasetData;
  /** [stim][neuron] kept repeat counts (0 = missing pair). */
  repeats: number[][];
  path: string;
}

/** Trial-to-trial noise per neuron (multiplies the AR(1) noise), so the cells' noise ceilings differ. */
const NOISE_SCALE = [1, 6, 12, 2.5, 9];

/** Kept repeats per [stim][neuron]; 0 means the pair is missing. */
export const REPEATS: number[][] = [
  [8, 6, 0, 10, 0],
  [5, 0, 7, 12, 3],
  [0, 9, 4, 0, 6],
  [11, 0, 0, 8, 5],
  [0, 3, 0, 0, 0],
];

/** What a fixture holds besides the defaults. */
export interface FixtureOptions {
  /** The rejected repeats' traces too (a build with keepRejected: rej_<s>_<n>). */
  keepRejected?: boolean;
}

/** Samples per response bin of the fixture's recordings (10 kHz, 5 ms bins). */
const SAMPLES_PER_BIN = 50;

/**
 * The detrended, binned trace of every rejected repeat (null for kept ones),
 * as a build with keepRejected exports them: floor(samples / 50) bins, with
 * an artifact matching the fate. A range repeat rails at exactly its
 * provenance max |Vm| for 10 % of its length, a step repeat jumps by 45 mV
 * for its last 45 %, an xcorr repeat is noise unrelated to the stimulus.
 * Subthreshold rows are drawn like the kept repeats; spikes rows are a
 * voltage (mV) around 0, not a PSTH. Its own random stream, so the rest of
 * the fixture does not change.
 */
function rejectedTraces(data: DatasetData): (Float32Array | null)[] {
  const rand = mulberry32(20260777);
  return data.provenance.map((p) => {
    if (p.fate === "kept") return null;
    const T = Math.floor(p.samples / SAMPLES_PER_BIN);
    const n = Math.max(0, p.neuron);
    const spikes = data.neuronMeta[p.neuron]?.signal_type === "spikes";
    const stim = p.stim >= 0 ? data.stims[p.stim] : undefined;
    let row: Float32Array;
    if (stim && p.fate !== "xcorr" && (stim.shape[2] as number) >= T) {
      const base = responses(stim, 1, false, 8 + 6 * n, NOISE_SCALE[n] ?? 1, rand);
      row = Float32Array.from(base.data.subarray(0, T), (v) => (spikes ? 1.5 * (v + 64) : v));
    } else {
      row = new Float32Array(T);
      let ar = 0;
      for (let t = 0; t < T; t++) {
        ar = 0.8 * ar + 0.6 * gauss(rand);
        row[t] = (spikes ? 0 : -64) + 4 * ar;
      }
    }
    if (p.fate === "range" && T > 0) row.fill(p.maxAbsMv, Math.floor(0.4 * T), Math.floor(0.5 * T));
    if (p.fate === "step") for (let t = Math.floor(0.55 * T); t < T; t++) row[t] = (row[t] as number) + 45;
    return row;
  });
}

/** Builds the fixture dataset (deterministic). */
export function buildFixture(opts: FixtureOptions = {}): Omit<ViewerFixture, "path"> {
  const rand = mulberry32(20260601);
  const S = STIM_FRAMES.length;
  const freqsHz = new Float64Array(F);
  for (let k = 0; k < F; k++) freqsHz[k] = FMIN * 2 ** (k / BPO);
  const stims = STIM_FRAMES.map((T, s) => spectrogram(STIM_KINDS[s] as number, T, rand));
  const stimMeta: StimMeta[] = [
    {
      experimenter: "wehr",
      category: "natural",
      idx: 3,
      description: "mouse vocalization 3",
      duration_s: 1.5,
    },
    { experimenter: "wehr", category: "natural", idx: 7, description: "zebra finch song 7", duration_s: 2.1 },
    {
      experimenter: "asari",
      category: "class2",
      class_n: 2,
      segments: [4, 11],
      segment_files: ["class2/2d.mat", "class2/2k.mat"],
      sequence: "4-11",
      description: "class2 4-11",
      duration_s: 1.3,
    },
    { experimenter: "wehr", category: "tones", idx: 1, description: "tone sweep 1", duration_s: 2.5 },
    {
      experimenter: "asari",
      category: "class5",
      class_n: 5,
      segments: [2],
      segment_files: ["class5/5b.mat"],
      sequence: "2",
      description: "class5 2",
      duration_s: 1.0,
    },
  ];
  const neuronMeta: NeuronMeta[] = [
    {
      experimenter: "wehr",
      session: "mw0218-2",
      animal_id: "mw",
      penetration: 2,
      date: "021804",
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
      _wehr_cell_idx: 0,
      signal_type: "subthresh",
    },
    {
      experimenter: "wehr",
      session: "mw0331-1",
      animal_id: "mw",
      penetration: 1,
      date: "033104",
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
      _wehr_cell_idx: 3,
      signal_type: "subthresh",
    },
    {
      experimenter: "asari",
      session: "011706-1-3",
      animal_id: "011706",
      penetration: "1-3",
      date: "011706",
      site: "MGB",
      recording_type: "whole cell",
      species: "rat",
      signal_type: "subthresh",
    },
    {
      experimenter: "asari",
      session: "032306-2-1",
      animal_id: "032306",
      penetration: "2-1",
      date: "032306",
      site: "A1",
      recording_type: "cell-attached",
      species: "rat",
      signal_type: "spikes",
    },
    {
      experimenter: "asari",
      session: "040506-1-2",
      animal_id: "040506",
      penetration: "1-2",
      date: "040506",
      site: "MGB",
      recording_type: "cell-attached",
      species: "rat",
      signal_type: "spikes",
    },
  ];
  const N = neuronMeta.length;
  const stimKeys = stimMeta.map((m, s) =>
    JSON.stringify(
      m.experimenter === "wehr"
        ? ["wehr", m.category, m.idx]
        : ["asari", ...(m as { segment_files: string[] }).segment_files, s],
    ),
  );
  const resp: (Tensor | null)[][] = [];
  for (let s = 0; s < S; s++) {
    const row: (Tensor | null)[] = [];
    for (let n = 0; n < N; n++) {
      const R = REPEATS[s]?.[n] ?? 0;
      row.push(
        R > 0
          ? responses(
              stims[s] as Tensor,
              R,
              neuronMeta[n]?.signal_type === "spikes",
              8 + 6 * n,
              NOISE_SCALE[n] ?? 1,
              rand,
            )
          : null,
      );
    }
    resp.push(row);
  }
  // Provenance: every kept repeat plus rejections interleaved in walking order.
  const provenance: RepeatProvenance[] = [];
  const rejectionsAt: Record<string, Fate[]> = {
    "0:0": ["range", "xcorr"],
    "1:2": ["step"],
    "3:3": ["xcorr", "xcorr", "range"],
    "2:4": ["step", "range"],
    "1:0": ["xcorr"],
  };
  // One empty repeat (0 samples, rejected as "range") among the repeats of stim 4 for neuron 1:
  // with no common length the cross-trial test cannot run, so the build stores r = 1 for all of them.
  const emptyAt = new Set(["4:1"]);
  const tally = { range: 0, step: 0, xcorr: 0, kept: 0 };
  const push = (p: Omit<RepeatProvenance, "repeat">, repeat: number) => {
    provenance.push({ ...p, repeat });
    tally[p.fate] += 1;
  };
  const statsFor = (fate: Fate, samples: number) => ({
    maxAbsMv: fate === "range" ? 162 + 40 * rand() : 70 + 15 * rand(),
    stepFrac: fate === "step" ? 0.012 + 0.02 * rand() : 0.001 * rand(),
    r: fate === "xcorr" ? -0.05 + 0.08 * rand() : 0.25 + 0.5 * rand(),
    samples,
  });
  for (let n = 0; n < N; n++) {
    const meta = neuronMeta[n] as NeuronMeta;
    for (let s = 0; s < S; s++) {
      const kept = REPEATS[s]?.[n] ?? 0;
      const rejected = rejectionsAt[`${s}:${n}`] ?? [];
      const samples = (STIM_FRAMES[s] as number) * 50 + 37;
      const fates: Fate[] = new Array<Fate>(kept).fill("kept");
      rejected.forEach((fate, j) => {
        fates.splice(Math.min(fates.length, 1 + 3 * j), 0, fate);
      });
      const empty = emptyAt.has(`${s}:${n}`) ? 1 : -1;
      if (empty >= 0) fates.splice(empty, 0, "range");
      fates.forEach((fate, repeat) => {
        const stats =
          repeat === empty
            ? { maxAbsMv: Number.NaN, stepFrac: 0, r: 1, samples: 0 }
            : { ...statsFor(fate, samples), ...(empty >= 0 ? { r: 1 } : {}) };
        push(
          {
            session: meta.session,
            experimenter: meta.experimenter,
            neuron: n,
            stimKey: stimKeys[s] as string,
            stim: s,
            fate,
            ...stats,
          },
          repeat,
        );
      });
    }
  }
  // Neuron 2 heard stim 0 but every repeat was rejected (stim registered by others).
  for (let i = 0; i < 3; i++) {
    const fate: Fate = i === 0 ? "range" : "step";
    push(
      {
        session: "011706-1-3",
        experimenter: "asari",
        neuron: 2,
        stimKey: stimKeys[0] as string,
        stim: 0,
        fate,
        ...statsFor(fate, 15037),
      },
      i,
    );
  }
  // Neuron 3 heard a stim nobody kept: never registered (stim -1).
  for (let i = 0; i < 4; i++) {
    const fate: Fate = i < 2 ? "xcorr" : "range";
    push(
      {
        session: "032306-2-1",
        experimenter: "asari",
        neuron: 3,
        stimKey: '["asari","class9/9a.mat"]',
        stim: -1,
        fate,
        ...statsFor(fate, 9000),
      },
      i,
    );
  }
  // A cell whose every repeat was rejected: dropped (neuron -1).
  for (let i = 0; i < 5; i++) {
    const fate: Fate = (["range", "range", "step", "xcorr", "range"] as Fate[])[i] as Fate;
    push(
      {
        session: "mw0412-3",
        experimenter: "wehr",
        neuron: -1,
        stimKey: stimKeys[1] as string,
        stim: 1,
        fate,
        ...statsFor(fate, 21037),
      },
      i,
    );
  }
  const data: DatasetData = {
    dtMs: DT_MS,
    F,
    freqsHz,
    audioFs: null,
    hop: 1,
    signalType: "mixed",
    hearingRangeHz: [250, 76000],
    species: "rat",
    stims,
    stimMeta,
    neuronMeta: metaWithQuality(neuronMeta, resp),
    responses: resp,
    rejections: tally,
    droppedCellsEmpty: 1,
    skippedFiles: [{ path: "Asari/results-2/bad.mat", reason: "unreadable-file: truncated" }],
    options: resolveOptions({
      path: "/data/crcns-ac1",
      dtMs: DT_MS,
      fmin: FMIN,
      fmax: FMAX,
      binsPerOctave: BPO,
    }),
    provenance,
  };
  if (opts.keepRejected) {
    data.rejected = groupRejected(provenance, rejectedTraces(data), S, N);
    data.options = { ...data.options, keepRejected: true };
  }
  return { data, repeats: REPEATS };
}

/** Writes the fixture export into `dir` and returns it with its path. */
export async function writeFixture(
  dir: string,
  name = "viewer-fixture.npz",
  opts: FixtureOptions = {},
): Promise<ViewerFixture> {
  const f = buildFixture(opts);
  const path = join(dir, name);
  await writeDatasetNpz(f.data, path);
  return { ...f, path };
}

/** The pairs writePredictions predicts: every pair with data of neurons 0, 1 and 3 but (0, 3). */
export function predictedPairs(): { s: number; n: number }[] {
  const out: { s: number; n: number }[] = [];
  for (let s = 0; s < REPEATS.length; s++)
    for (const n of [0, 1, 3]) if ((REPEATS[s]?.[n] ?? 0) > 0 && !(s === 0 && n === 3)) out.push({ s, n });
  return out;
}

/**
 * A model's PRED.npz for `pairs` (default predictedPairs()): a plausible but
 * imperfect encoding model, the stimulus drive of the neuron's bands (the one
 * its responses follow) with the wrong latency (25 ms, not 15) and gain, so
 * the prediction fits well but not perfectly; float32 (T,) arrays named
 * pred_<s>_<n>.
 */
export async function writePredictions(
  dir: string,
  data: DatasetData,
  pairs = predictedPairs(),
  name = "pred.npz",
): Promise<string> {
  const path = join(dir, name);
  const w = NpzWriter.create(path);
  try {
    for (const { s, n } of pairs) {
      const block = data.responses[s]?.[n];
      const stim = data.stims[s];
      if (!block || !stim) throw new Error(`fixture: no data for pair (${s}, ${n})`);
      const T = block.shape[1] as number;
      const d = drive(stim, 8 + 6 * n, 8 + 6 * n + 12);
      const spikes = data.neuronMeta[n]?.signal_type === "spikes";
      const pred = new Float32Array(T);
      for (let t = 0; t < T; t++) {
        const lagged = d[Math.max(0, t - 5)] as number;
        pred[t] = spikes ? 0.03 + 0.5 * lagged : -63 + 11 * lagged;
      }
      await w.add(`pred_${s}_${n}`, "<f4", [T], new Uint8Array(pred.buffer));
    }
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return path;
}
