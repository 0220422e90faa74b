// The Ac1Dataset API over small hand-made data (dataset.md, "What users do
// with it"): indexing, selection, transforms, concat, collate, splits,
// provenance, summary. Independent of the pipeline.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Ac1Dataset,
  mulberry32,
  seededShuffle,
  sliceIndices,
  splitStims,
  symmetricHann,
  WEHR_NEURONS_SPLIT_NATURAL,
  WEHR_VALID_NEURONS,
} from "../../src/dataset/index.js";
import type { DatasetData, ResponseBlock } from "../../src/dataset/model.js";
import { Ac1Error, OptionError } from "../../src/errors.js";
import { block, handmade, neuron, spec, wehrStim } from "./handmade.js";

const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test("length and indexing follow the iterable stims; negative indices, ranges, lists", () => {
  const ds = new Ac1Dataset(handmade());
  assert.equal(ds.length, 4);
  assert.equal(ds.numStims, 4);
  assert.equal(ds.numNeurons, 3);
  const it = ds.at(0);
  assert.equal(it.stimIndex, 0);
  assert.deepEqual(it.neurons, [0, 1, 2]);
  assert.deepEqual(it.mask, [true, true, false]);
  assert.equal(it.responses[2], null);
  assert.deepEqual([...(it.responses[0]?.data ?? [])], [1, 2, 3, 4, 3, 4, 5, 6]);
  assert.deepEqual(it.stimMeta, wehrStim(1));
  assert.equal(ds.at(-1).stimIndex, 3);
  assert.equal(ds.at(-4).stimIndex, 0);
  assert.throws(() => ds.at(4), Ac1Error);
  assert.throws(() => ds.at(-5), Ac1Error);
  assert.deepEqual(
    ds.items([3, -3, 0]).map((i) => i.stimIndex),
    [3, 1, 0],
  );
  assert.deepEqual(
    ds.items({ start: 1 }).map((i) => i.stimIndex),
    [1, 2, 3],
  );
  assert.deepEqual(
    ds.slice(undefined, undefined, -1).map((i) => i.stimIndex),
    [3, 2, 1, 0],
  );
  assert.deepEqual(
    ds.slice(-3, -1).map((i) => i.stimIndex),
    [1, 2],
  );
  assert.deepEqual(
    ds.slice(0, 4, 2).map((i) => i.stimIndex),
    [0, 2],
  );
  assert.deepEqual(
    [...ds].map((i) => i.stimIndex),
    [0, 1, 2, 3],
  );
});

test("sliceIndices matches Python slicing", () => {
  const py = (n: number, start?: number, stop?: number, step?: number) =>
    sliceIndices(n, { start, stop, step });
  assert.deepEqual(py(5), [0, 1, 2, 3, 4]);
  assert.deepEqual(py(5, -2), [3, 4]);
  assert.deepEqual(py(5, undefined, -2), [0, 1, 2]);
  assert.deepEqual(py(5, undefined, undefined, -2), [4, 2, 0]);
  assert.deepEqual(py(5, 3, 0, -1), [3, 2, 1]);
  assert.deepEqual(py(5, 10, -10, -1), [4, 3, 2, 1, 0]);
  assert.deepEqual(py(5, -10, 2), [0, 1]);
  assert.deepEqual(py(5, 4, -1, -1), []);
  assert.deepEqual(py(0), []);
  assert.throws(() => py(5, 0, 5, 0), Ac1Error);
});

test("nrnMasks is derived from responses (S, N)", () => {
  const ds = new Ac1Dataset(handmade());
  assert.deepEqual(ds.nrnMasks, [
    [true, true, false],
    [true, false, false],
    [false, false, true],
    [false, true, false],
  ]);
});

test("neuron selection: one, list, by metadata, by heard-stim metadata, predicate, reset", () => {
  const ds = new Ac1Dataset(handmade());
  ds.selectNeurons(1);
  assert.deepEqual(ds.selectedNeurons, [1]);
  assert.deepEqual(ds.iterableStims, [0, 3]);
  assert.equal(ds.length, 2);
  assert.deepEqual(
    ds.at(1).responses.map((r) => r?.shape),
    [[1, 2]],
  );

  // order and repeats kept, as deepSTRF's select_population keeps them
  ds.selectNeurons([2, 0, 2]);
  assert.deepEqual(ds.selectedNeurons, [2, 0, 2]);
  assert.deepEqual(ds.iterableStims, [0, 1, 2]);
  assert.deepEqual(ds.at(0).mask, [false, true, false]);

  ds.selectNeuronsByMeta("site", "MGB");
  assert.deepEqual(ds.selectedNeurons, [2]);
  // neurons lacking the key are skipped, never an error
  ds.selectNeuronsByMeta("_wehr_cell_idx", 3);
  assert.deepEqual(ds.selectedNeurons, [1]);
  ds.selectNeuronsByMeta("no_such_key", 1);
  assert.deepEqual(ds.selectedNeurons, []);
  assert.equal(ds.length, 0);

  ds.selectNeuronsByStimMeta("category", "category1");
  assert.deepEqual(ds.selectedNeurons, [0, 1]);

  ds.selectNeuronsWhere((m) => (m._wehr_cell_idx as number) >= 0);
  assert.deepEqual(ds.selectedNeurons, [0, 1]);
  ds.selectNeuronsWhere((m) => {
    if (m.site === "MGB") throw new Error("boom");
    return true;
  });
  assert.deepEqual(ds.selectedNeurons, [0, 1]);

  ds.resetNeurons();
  assert.deepEqual(ds.selectedNeurons, [0, 1, 2]);
  assert.throws(() => ds.selectNeurons(3), Ac1Error);
  assert.throws(() => ds.selectNeurons(-1), Ac1Error);
});

test("stim selection: one, list, by metadata, predicate, reset; empty selection yields nothing", () => {
  const ds = new Ac1Dataset(handmade());
  ds.selectStims(2);
  assert.equal(ds.length, 1);
  // neurons without data inside the stim selection are hidden
  assert.deepEqual(ds.selectedNeurons, [2]);
  assert.deepEqual(ds.at(0).neurons, [2]);

  // iterated in ascending order whatever the order given (deepSTRF's _iter_idx)
  ds.selectStims([3, 0]);
  assert.deepEqual(ds.iterableStims, [0, 3]);
  assert.deepEqual(ds.selectedNeurons, [0, 1]);

  ds.selectStimsByMeta("category", "category1");
  assert.deepEqual(ds.iterableStims, [1, 3]);
  ds.selectStimsByMeta("segments", [1, 2]); // key missing on Wehr stims: skipped
  assert.equal(ds.length, 0);

  ds.selectStimsWhere((m) => m.experimenter === "wehr" && m.idx % 2 === 1);
  assert.deepEqual(ds.iterableStims, [0, 2]);
  ds.selectStimsWhere(() => {
    throw new Error("nope");
  });
  assert.equal(ds.length, 0);

  ds.selectStims([]);
  assert.equal(ds.length, 0);
  assert.deepEqual(ds.selectedNeurons, []);
  assert.deepEqual([...ds], []);

  ds.resetStims();
  assert.equal(ds.length, 4);
  assert.throws(() => ds.selectStims(9), Ac1Error);
});

test("neuron and stim selections combine", () => {
  const ds = new Ac1Dataset(handmade());
  ds.selectNeurons([0, 1]).selectStims([1, 2, 3]);
  assert.deepEqual(ds.selectedNeurons, [0, 1]);
  assert.deepEqual(ds.iterableStims, [1, 3]);
  ds.selectStims([2]);
  assert.deepEqual(ds.selectedNeurons, []);
  assert.equal(ds.length, 0);
});

test("standardizeStims: per band over the given stims, sample std, applied to all, twice = twice", () => {
  const data = handmade();
  const ds = new Ac1Dataset(data);
  const stats = ds.standardizeStims([0, 1]);
  // band 0 values: stim0 t=0..3 -> 0,1,2,3; stim1 -> 10,11,12
  const b0 = [0, 1, 2, 3, 10, 11, 12];
  const mean0 = b0.reduce((a, b) => a + b) / b0.length;
  const sd0 = Math.sqrt(b0.reduce((a, b) => a + (b - mean0) ** 2, 0) / (b0.length - 1));
  close(stats.mean[0] as number, mean0, 1e-12);
  close(stats.std[0] as number, sd0, 1e-12);
  close(stats.mean[1] as number, mean0 + 100, 1e-12);
  assert.deepEqual(stats.indices, [0, 1]);
  assert.equal(ds.stimStandardization, stats);
  // applied to all stims, including stim 2 (not in the statistics)
  close(ds.stims[2]?.data[0] as number, (20 - mean0) / sd0);
  close(ds.stims[2]?.data[5] as number, (120 - mean0 - 100) / sd0);
  // input data untouched
  assert.equal(data.stims[0]?.data[1], 1);
  // second call standardizes again: now mean ~0, std ~1 over stims 0,1
  const again = ds.standardizeStims([0, 1]);
  close(again.mean[0] as number, 0, 1e-6);
  close(again.std[0] as number, 1, 1e-6);

  const g = new Ac1Dataset(handmade()).standardizeStims(undefined, false);
  assert.equal(g.mean.length, 1);
  assert.deepEqual(g.indices, [0, 1, 2, 3]);

  // eps clamps a zero std
  const flat = handmade();
  flat.stims = flat.stims.map((t) => ({ shape: t.shape, data: new Float32Array(t.data.length).fill(3) }));
  const f = new Ac1Dataset(flat).standardizeStims(undefined, true, 0.5);
  assert.equal(f.std[0], 0.5);
  assert.throws(() => new Ac1Dataset(handmade()).standardizeStims([]), OptionError);
});

test("smoothResponses: unnormalised symmetric Hann, same convolution, NaN blocks untouched", () => {
  const data = handmade();
  data.responses[2] = [null, null, block([[10, 20, Number.NaN, 40, 50]])];
  const ds = new Ac1Dataset(data);
  const sm = ds.smoothResponses(21); // K = floor(21/5) = 4 -> even -> 5
  assert.equal(sm.K, 5);
  [0, 0.5, 1, 0.5, 0].forEach((v, i) => {
    close(sm.kernel[i] as number, v, 1e-15);
  });
  // row [1,2,3,4]: same conv with w = [0, .5, 1, .5, 0] centred
  const x = [1, 2, 3, 4];
  const w = [0, 0.5, 1, 0.5, 0];
  const expected = x.map((_, t) => {
    let acc = 0;
    for (let k = 0; k < 5; k++) {
      const j = t + 2 - k;
      if (j >= 0 && j < 4) acc += (x[j] as number) * (w[k] as number);
    }
    return acc;
  });
  expected.forEach((v, i) => {
    close(ds.responses[0]?.[0]?.data[i] as number, v, 1e-6);
  });
  assert.deepEqual(expected, [2, 4, 6, 5.5]);
  // the NaN block is untouched, missing pairs stay missing
  assert.ok(Number.isNaN(ds.responses[2]?.[2]?.data[2]));
  assert.equal(ds.responses[2]?.[2]?.data[0], 10);
  assert.equal(ds.responses[1]?.[1], null);
  // K = 1 for a short window: identity
  const one = new Ac1Dataset(handmade());
  assert.equal(one.smoothResponses(3).K, 1);
  assert.deepEqual([...(one.responses[0]?.[0]?.data ?? [])], [1, 2, 3, 4, 3, 4, 5, 6]);
  // even K + 1: 30 ms / 5 = 6 -> 7
  assert.equal(new Ac1Dataset(handmade()).smoothResponses(30).K, 7);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => new Ac1Dataset(handmade()).smoothResponses(bad),
      (e: unknown) => e instanceof OptionError && e.option === "windowMs",
    );
  }
  [0, 1, 0].forEach((v, i) => {
    close(symmetricHann(3)[i] as number, v, 1e-15);
  });
});

test("smoothResponses equals the plain same-convolution loop bit for bit, long windows included", () => {
  // Random float32 traces with runs of exact zeros (silent spike rates), one
  // stim per trace length; K from 1 to 201 frames (FFT-sized kernels too).
  const rand = mulberry32(7);
  const data = handmade();
  const lengths = [1, 3, 40, 257, 1200];
  data.stims = lengths.map((T) => spec(2, T));
  data.stimMeta = lengths.map((_, i) => wehrStim(i + 1));
  data.responses = lengths.map((T) =>
    data.neuronMeta.map(() => {
      const rows = Array.from({ length: 2 }, () =>
        Array.from({ length: T }, (_, t) => (t % 97 < 40 ? 0 : Math.fround(rand() * 20 - 5))),
      );
      return block(rows);
    }),
  );
  for (const windowMs of [3, 21, 30, 100, 250, 1000]) {
    const ds = new Ac1Dataset(data);
    const { K, kernel } = ds.smoothResponses(windowMs);
    // The kernel is pipeline.md's Hann formula evaluated at every point.
    const hannK = Array.from({ length: K }, (_, n) =>
      K === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (K - 1)),
    );
    assert.deepEqual([...kernel], hannK);
    const c = (K - 1) >> 1;
    data.responses.forEach((row, s) => {
      row.forEach((b, n) => {
        const [R, T] = (b as ResponseBlock).shape as [number, number];
        const x = (b as ResponseBlock).data;
        const want = new Float32Array(R * T);
        for (let r = 0; r < R; r++)
          for (let t = 0; t < T; t++) {
            let acc = 0;
            for (let j = Math.max(0, t + c - K + 1); j <= Math.min(T - 1, t + c); j++)
              acc += x[r * T + j]! * kernel[t + c - j]!;
            want[r * T + t] = acc;
          }
        assert.deepEqual(ds.responses[s]?.[n]?.data, want, `window ${windowMs} stim ${s} neuron ${n}`);
      });
    });
  }
});

test("normalizeResponses: max and zscore per neuron over the given stims", () => {
  const ds = new Ac1Dataset(handmade());
  const mx = ds.normalizeResponses("max");
  assert.deepEqual([...mx.scale], [6, 9, 50]);
  assert.deepEqual([...mx.offset], [0, 0, 0]);
  close(ds.responses[1]?.[0]?.data[0] as number, -1 / 6);
  close(ds.responses[3]?.[1]?.data[1] as number, 1);
  assert.equal(ds.responseNormalization, mx);

  const z = new Ac1Dataset(handmade());
  const st = z.normalizeResponses("zscore", [1]);
  // neuron 0 over stim 1: [-1, 0, 1] -> mean 0, sample std 1
  close(st.offset[0] as number, 0, 1e-12);
  close(st.scale[0] as number, 1, 1e-12);
  // neurons 1 and 2 have no valid values in stim 1: untouched
  assert.equal(st.scale[1], 1);
  assert.equal(st.offset[2], 0);
  assert.equal(z.responses[3]?.[1]?.data[0], 7);
  // applied to all stims of neuron 0
  assert.equal(z.responses[0]?.[0]?.data[0], 1);

  // a neuron with fewer than 2 valid values is untouched
  const d = handmade();
  d.responses[2] = [null, null, block([[Number.NaN, 5, Number.NaN, Number.NaN, Number.NaN]])];
  const few = new Ac1Dataset(d);
  const r = few.normalizeResponses("zscore");
  assert.equal(r.scale[2], 1);
  assert.equal(few.responses[2]?.[2]?.data[1], 5);
  assert.throws(() => few.normalizeResponses("minmax" as "max"), OptionError);
});

test("concat is block-diagonal, tags metadata, checks dtMs/F/audioFs; one input unchanged", () => {
  const a = new Ac1Dataset(handmade());
  const bData = handmade();
  bData.signalType = "subthresh";
  const b = new Ac1Dataset(bData);
  const c = Ac1Dataset.concat([a, b], ["first", "second"]);
  assert.equal(c.numStims, 8);
  assert.equal(c.numNeurons, 6);
  assert.equal(c.responses[0]?.[3], null);
  assert.equal(c.responses[4]?.[0], null);
  assert.deepEqual(c.responses[4]?.[3]?.shape, [2, 4]);
  assert.equal((c.neuronMeta[4] as unknown as Record<string, unknown>).dataset, "second");
  assert.equal((c.stimMeta[0] as unknown as Record<string, unknown>).dataset, "first");
  assert.equal(c.rejections.kept, 12);
  assert.equal(c.droppedCellsEmpty, 2);
  assert.equal(c.signalType, "mixed");
  assert.equal(c.provenance[3]?.neuron, 3);
  assert.equal(c.provenance[3]?.stim, 4);
  // inputs untouched
  assert.equal((a.neuronMeta[0] as unknown as Record<string, unknown>).dataset, undefined);
  const d = Ac1Dataset.concat([a, b]);
  assert.equal((d.neuronMeta[0] as unknown as Record<string, unknown>).dataset, "Ac1Dataset");
  assert.equal(Ac1Dataset.concat([a]), a);
  const other = handmade();
  other.dtMs = 10;
  assert.throws(() => Ac1Dataset.concat([a, new Ac1Dataset(other)]), /dtMs/);
  const otherF: DatasetData = { ...handmade(), F: 3 };
  assert.throws(() => Ac1Dataset.concat([a, new Ac1Dataset(otherF)]), /F/);
  const otherFs: DatasetData = { ...handmade(), audioFs: 96000 };
  assert.throws(() => Ac1Dataset.concat([a, new Ac1Dataset(otherFs)]), /audioFs/);
});

test("collate pads stims with zeros and responses with NaN, independently", () => {
  const ds = new Ac1Dataset(handmade());
  const batch = Ac1Dataset.collate(ds.items([0, 2]));
  assert.deepEqual(batch.stims.shape, [2, 1, 2, 5]);
  assert.deepEqual(batch.stimLengths, [4, 5]);
  // stim 0 band 1 row: 100..103 then a zero pad
  assert.deepEqual([...batch.stims.data.subarray(5, 10)], [100, 101, 102, 103, 0]);
  assert.deepEqual(batch.responses.shape, [2, 3, 2, 5]);
  const at = (b: number, n: number, r: number, t: number) =>
    batch.responses.data[((b * 3 + n) * 2 + r) * 5 + t] as number;
  assert.equal(at(0, 0, 1, 3), 6);
  assert.ok(Number.isNaN(at(0, 0, 1, 4)));
  assert.ok(Number.isNaN(at(0, 1, 1, 0)));
  assert.equal(at(1, 2, 0, 4), 50);
  assert.deepEqual([...batch.neuronMask.data], [1, 1, 0, 0, 0, 1]);
  assert.equal(batch.valid.data[((0 * 3 + 0) * 2 + 1) * 5 + 3], 1);
  assert.equal(batch.valid.data[((0 * 3 + 0) * 2 + 1) * 5 + 4], 0);
  assert.deepEqual(batch.stimIndices, [0, 2]);
  // response lengths pad independently of stim lengths
  const d = handmade();
  d.stims[0] = spec(2, 9);
  const b2 = Ac1Dataset.collate(new Ac1Dataset(d).items([0, 1]));
  assert.equal(b2.stims.shape[3], 9);
  assert.equal(b2.responses.shape[3], 4);
  // waveform stims
  const w = handmade();
  w.audioFs = 1000;
  w.hop = 5;
  w.stims = [3, 2, 4, 1].map((T) => ({ shape: [1, T * 5], data: new Float32Array(T * 5).fill(1) }));
  const bw = Ac1Dataset.collate(new Ac1Dataset(w).items([1, 2]));
  assert.deepEqual(bw.stims.shape, [2, 1, 20]);
  assert.equal(bw.stims.data[9], 1);
  assert.equal(bw.stims.data[10], 0);
  assert.throws(() => Ac1Dataset.collate([]), Ac1Error);
});

test("Rançon constants and the seeded split", () => {
  assert.deepEqual(
    [...WEHR_VALID_NEURONS],
    [0, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  );
  assert.equal(WEHR_NEURONS_SPLIT_NATURAL.length, 25);
  assert.deepEqual(WEHR_NEURONS_SPLIT_NATURAL[23], [44, 6, 13]);
  assert.deepEqual(WEHR_NEURONS_SPLIT_NATURAL[11], [25, 4, 7]);
  // mulberry32 reference values (seed 0): fixed sequence
  const r = mulberry32(42);
  const first = [r(), r(), r()];
  const r2 = mulberry32(42);
  assert.deepEqual([r2(), r2(), r2()], first);
  assert.ok(first.every((v) => v >= 0 && v < 1));
  const sh = seededShuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 7);
  assert.deepEqual(
    [...sh].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(seededShuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 7), sh);
  assert.notDeepEqual(seededShuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 8), sh);

  const s = splitStims([10, 11, 12, 13, 14], [3, 1, 1], 1);
  assert.deepEqual(
    [...s.train, ...s.val, ...s.test].sort((a, b) => a - b),
    [10, 11, 12, 13, 14],
  );
  assert.equal(s.train.length, 3);
  assert.throws(() => splitStims([1, 2], [3, 1, 1]), /add up to 5/);

  // a Wehr neuron whose heard-stim count matches its table entry (cell idx 4 -> (1, 1, 1))
  const d = handmade();
  d.neuronMeta[0] = neuron("20020101-mw-001", "A1", { _wehr_cell_idx: 4 });
  d.responses[2] = [block([[1, 2, 3, 4, 5]]), null, block([[10, 20, 30, 40, 50]])];
  const ds = new Ac1Dataset(d);
  const split = ds.splitNeuronStims(0, 3);
  assert.deepEqual([...split.train, ...split.val, ...split.test].sort(), [0, 1, 2]);
  assert.deepEqual(ds.splitNeuronStims(d.neuronMeta[0] as never, 3), split);
  assert.throws(() => ds.splitNeuronStims(2), /not a Wehr cell/);
  assert.throws(() => ds.splitNeuronStims(1), /add up to 9 but there are 2 stims/);
});

test("provenance per (neuron, stim) and the summary", () => {
  const ds = new Ac1Dataset(handmade());
  const p = ds.repeatProvenance(0, 0);
  assert.deepEqual(
    p.map((x) => x.fate),
    ["kept", "xcorr", "kept"],
  );
  assert.equal(p[1]?.r, 0.01);
  assert.deepEqual(ds.repeatProvenance(1, 0), []);
  const text = ds.toString();
  assert.match(text, /neurons: +3 \(3 selected\)/);
  assert.match(text, /stims: +4 \(4 iterable\)/);
  assert.match(text, /dtMs: +5/);
  assert.match(text, /signal type: mixed/);
  ds.selectNeurons(2);
  assert.match(ds.toString(), /neurons: +3 \(1 selected\)/);
  assert.match(ds.toString(), /stims: +4 \(1 iterable\)/);
});

test("toData reflects transforms without touching the input", () => {
  const data = handmade();
  const ds = new Ac1Dataset(data);
  ds.normalizeResponses("max");
  const out = ds.toData();
  close(out.responses[0]?.[0]?.data[3] as number, 4 / 6);
  assert.equal(data.responses[0]?.[0]?.data[3], 4);
});
