// Golden end-to-end test: one synthetic Wehr cell (20020715-mw-003: range,
// step, xcorr and clipped repeats) and one cell-attached Asari MGB cell
// (20050614-ha1-002: PSTHs, an empty repeat) built with the default options, compared
// with numpy/scipy vectors computed independently from the spec by
// test/fixtures/dataset/make_golden.py (which reads the same .mat files with
// scipy.io.loadmat). Tolerances (pipeline.md): float64 gating statistics to
// 1e-9 relative; float32 responses to 1e-6 of the block's largest magnitude;
// spectrogram bins within 80 dB of the stim's max to 0.01 dB.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { DatasetData } from "../../src/dataset/model.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { fixture } from "../support/paths.js";
import { makeSynthArchive, type SynthArchive } from "./synth-expect.js";

interface GoldenStim {
  key: (string | number)[];
  fates: string[];
  stats: { maxAbsMv: number; stepFrac: number; r: number }[];
  hopNative?: number;
  Tspec?: number;
  Tdur?: number;
  TrespMin?: number;
  Tcanon?: number;
  responses?: number[][];
  spectrogram?: { offset: number; shape: [number, number] };
}
interface Golden {
  session: string;
  site?: string;
  recording_type?: string;
  stims: GoldenStim[];
}

const golden = JSON.parse(readFileSync(fixture("dataset", "golden.json"), "utf8")) as Golden;
/** A cell-attached MGB cell: spike-rate PSTHs (pipeline.md section 6). */
const goldenSpikes = JSON.parse(readFileSync(fixture("dataset", "golden-spikes.json"), "utf8")) as Golden;
const specBytes = readFileSync(fixture("dataset", "golden-spec.f32"));
const goldenSpec = new Float32Array(
  specBytes.buffer.slice(specBytes.byteOffset, specBytes.byteOffset + specBytes.byteLength),
);

let synth: SynthArchive;
let data: DatasetData;
let neuron: number;

before(async () => {
  synth = await makeSynthArchive();
  data = await buildDataset({ path: synth.dir, onWarning: () => {} });
  neuron = data.neuronMeta.findIndex((m) => m.session === golden.session);
});
after(() => synth.cleanup());

/** JSON has no NaN: the fixture writes null (e.g. max |Vm| of an empty repeat). */
const relClose = (a: number, b: number | null, rel: number) =>
  b === null ? Number.isNaN(a) : a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

function stimIndexByKey(key: (string | number)[]): number {
  const want = JSON.stringify(key);
  return data.stimMeta.findIndex((m) =>
    m.experimenter === "wehr"
      ? JSON.stringify(["wehr", m.category, m.idx]) === want
      : JSON.stringify(["asari", ...m.segment_files]) === want,
  );
}

/**
 * Compares one golden cell: the fate and gating statistics of every raw
 * repeat (float64, 1e-9 relative), then each (R, Tcanon) block (float32
 * output, 1e-6 of the block's largest magnitude) and its stim's Tcanon.
 * Returns the number of blocks compared.
 */
function compareCell(g: Golden): number {
  const n = data.neuronMeta.findIndex((m) => m.session === g.session);
  assert.ok(n >= 0, g.session);
  let blocks = 0;
  for (const st of g.stims) {
    const key = JSON.stringify(st.key);
    const prov = data.provenance.filter((p) => p.session === g.session && p.stimKey === key);
    assert.deepEqual(
      prov.map((p) => p.fate),
      st.fates,
      key,
    );
    prov.forEach((p, i) => {
      const want = st.stats[i] as GoldenStim["stats"][number];
      assert.ok(
        relClose(p.maxAbsMv, want.maxAbsMv, 1e-9),
        `${key} #${i} maxAbsMv ${p.maxAbsMv} vs ${want.maxAbsMv}`,
      );
      assert.ok(
        relClose(p.stepFrac, want.stepFrac, 1e-9),
        `${key} #${i} stepFrac ${p.stepFrac} vs ${want.stepFrac}`,
      );
      assert.ok(relClose(p.r, want.r, 1e-9), `${key} #${i} r ${p.r} vs ${want.r}`);
    });
    if (!st.responses) continue;
    const s = stimIndexByKey(st.key);
    assert.ok(s >= 0, key);
    const block = data.responses[s]?.[n];
    assert.ok(block, key);
    const T = st.Tcanon as number;
    assert.equal(data.stims[s]?.shape.at(-1), T, key);
    assert.deepEqual(block.shape, [st.responses.length, T]);
    const scale = Math.max(...st.responses.flat().map(Math.abs));
    st.responses.forEach((row, r) => {
      row.forEach((v, t) => {
        const got = block.data[r * T + t] as number;
        assert.ok(Math.abs(got - v) <= 1e-6 * scale, `${key} [${r}, ${t}]: ${got} vs ${v}`);
      });
    });
    blocks++;
  }
  return blocks;
}

test("whole-cell Wehr cell: every fate, gating statistics, binned responses and Tcanon match numpy/scipy", () => {
  const fates = new Set(golden.stims.flatMap((s) => s.fates));
  assert.deepEqual([...fates].sort(), ["kept", "range", "step", "xcorr"]);
  assert.equal(data.neuronMeta[neuron]?.signal_type, "subthresh");
  assert.equal(compareCell(golden), golden.stims.length);
});

test("cell-attached MGB cell: fates, PSTH responses and Tcanon match numpy/scipy", () => {
  assert.equal(goldenSpikes.recording_type, "cell-attached");
  const n = data.neuronMeta.findIndex((m) => m.session === goldenSpikes.session);
  assert.equal(data.neuronMeta[n]?.signal_type, "spikes");
  assert.ok(goldenSpikes.stims.some((s) => s.fates.includes("range")));
  assert.equal(compareCell(goldenSpikes), goldenSpikes.stims.length);
});

test("stim spectrograms match the float64 definition within 0.01 dB (bins within 80 dB of max)", () => {
  let compared = 0;
  for (const g of golden.stims) {
    if (!g.spectrogram) continue;
    const s = stimIndexByKey(g.key);
    const stim = data.stims[s];
    assert.ok(stim);
    const [F, T] = g.spectrogram.shape;
    assert.deepEqual(stim.shape, [1, F, T]);
    const want = goldenSpec.subarray(g.spectrogram.offset, g.spectrogram.offset + F * T);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of want) max = Math.max(max, v);
    for (let i = 0; i < F * T; i++) {
      const w = want[i] as number;
      if (w < max - 80) continue;
      const got = stim.data[i] as number;
      assert.ok(
        Math.abs(got - w) <= 0.01,
        `${JSON.stringify(g.key)} bin ${Math.floor(i / T)}, frame ${i % T}: ${got} vs ${w} dB`,
      );
      compared++;
    }
  }
  assert.ok(compared > 5000, `only ${compared} bins compared`);
});
