// Small hand-made DatasetData values for fast unit tests of the dataset API,
// independent of the pipeline.

import type { NeuronMeta, StimMeta } from "../../src/ac1/types.js";
import type { DatasetData, ResponseBlock, Tensor } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";

export function block(rows: number[][]): ResponseBlock {
  const R = rows.length;
  const T = rows[0]?.length ?? 0;
  return { shape: [R, T], data: Float32Array.from(rows.flat()) };
}

/** A (1, F, T) stim whose value at (f, t) is f * 100 + t + offset. */
export function spec(F: number, T: number, offset = 0): Tensor {
  const data = new Float32Array(F * T);
  for (let f = 0; f < F; f++) for (let t = 0; t < T; t++) data[f * T + t] = f * 100 + t + offset;
  return { shape: [1, F, T], data };
}

export function wehrStim(idx: number, category = "fragments"): StimMeta {
  return { experimenter: "wehr", category, idx, description: `sound ${idx}`, duration_s: 0.02 };
}

export function neuron(session: string, site: "A1" | "MGB", extra: Partial<NeuronMeta> = {}): NeuronMeta {
  return {
    experimenter: "wehr",
    session,
    animal_id: "mw",
    penetration: 1,
    date: "20020101",
    site,
    recording_type: site === "A1" ? "whole-cell" : "cell-attached",
    species: "rat",
    signal_type: site === "A1" ? "subthresh" : "spikes",
    ...extra,
  };
}

/**
 * 4 stims x 3 neurons, F = 2:
 *   stim 0 (T 4): n0 (2 repeats), n1 (1 repeat)
 *   stim 1 (T 3): n0 only
 *   stim 2 (T 5): n2 only
 *   stim 3 (T 2): n1 only
 * neuron 2 has no `_wehr_cell_idx`; neurons 0, 1 have 0 and 3.
 */
export function handmade(): DatasetData {
  const F = 2;
  const stims = [spec(F, 4, 0), spec(F, 3, 10), spec(F, 5, 20), spec(F, 2, 30)];
  const responses: (ResponseBlock | null)[][] = [
    [
      block([
        [1, 2, 3, 4],
        [3, 4, 5, 6],
      ]),
      block([[0, 0, 1, 0]]),
      null,
    ],
    [block([[-1, 0, 1]]), null, null],
    [null, null, block([[10, 20, 30, 40, 50]])],
    [null, block([[7, 9]]), null],
  ];
  return {
    dtMs: 5,
    F,
    freqsHz: Float64Array.from([100, 200]),
    audioFs: null,
    hop: 1,
    signalType: "mixed",
    hearingRangeHz: [250, 76000],
    species: "rat",
    stims,
    stimMeta: [wehrStim(1), wehrStim(2, "category1"), wehrStim(3), wehrStim(4, "category1")],
    neuronMeta: [
      neuron("20020101-mw-001", "A1", { _wehr_cell_idx: 0 }),
      neuron("20020101-mw-002", "A1", { _wehr_cell_idx: 3 }),
      neuron("20020101-mw-003", "MGB"),
    ],
    responses,
    rejections: { range: 1, step: 0, xcorr: 2, kept: 6 },
    droppedCellsEmpty: 1,
    skippedFiles: [{ path: "x.mat", reason: "corrupt" }],
    options: resolveOptions({ path: "/nowhere" }),
    provenance: [
      {
        session: "20020101-mw-001",
        experimenter: "wehr",
        neuron: 0,
        stimKey: '["wehr","fragments",1]',
        stim: 0,
        repeat: 0,
        fate: "kept",
        maxAbsMv: 4,
        stepFrac: 0,
        r: 0.5,
        samples: 80,
      },
      {
        session: "20020101-mw-001",
        experimenter: "wehr",
        neuron: 0,
        stimKey: '["wehr","fragments",1]',
        stim: 0,
        repeat: 1,
        fate: "xcorr",
        maxAbsMv: 4,
        stepFrac: 0,
        r: 0.01,
        samples: 80,
      },
      {
        session: "20020101-mw-001",
        experimenter: "wehr",
        neuron: 0,
        stimKey: '["wehr","fragments",1]',
        stim: 0,
        repeat: 2,
        fate: "kept",
        maxAbsMv: 6,
        stepFrac: 0,
        r: 0.5,
        samples: 80,
      },
    ],
  };
}
