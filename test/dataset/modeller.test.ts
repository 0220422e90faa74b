// What a build gives a modeller (interchange.md, "Added keys for modellers"),
// on the small synthetic archive: units and sf_hz in the metadata, spike
// counts whose runs are exactly those of the mask each PSTH row is smoothed
// from (recomputed here from the raw repeats), the rejected repeats
// (keepRejected) as the detrended, binned traces the gating judged, and the
// warnings for bands above a stim's Nyquist frequency and for a bin shorter
// than a response's sample period; the spectrogram's memory bound at a stim
// rate the options check could not foresee.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { walkRelease } from "../../src/ac1/release.js";
import type { CellRecord, NeuronMeta, StimMeta } from "../../src/ac1/types.js";
import { stimKeyString } from "../../src/ac1/types.js";
import { openRelease } from "../../src/archive/index.js";
import { DatasetAssembler } from "../../src/dataset/assembler.js";
import type { BuildWarning } from "../../src/dataset/build.js";
import { cohortWarnings, ignoredOptionWarnings } from "../../src/dataset/checks.js";
import type { CellOutcome } from "../../src/dataset/clean.js";
import { held } from "../../src/dataset/deferred.js";
import type { DatasetData, Tensor } from "../../src/dataset/model.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { buildDataset } from "../../src/dataset/stages.js";
import { OptionError } from "../../src/errors.js";
import {
  binResponse,
  binSpikeCounts,
  gateRepeats,
  medgauss,
  psthOfMask,
  spikeMask,
  spikeRunStarts,
} from "../../src/preprocess/index.js";
import { makeSynthArchive, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
let full: DatasetData;
let warnings: BuildWarning[];
/** Every walked cell with its raw repeats (the small archive is small). */
let cells: CellRecord[];

before(async () => {
  synth = await makeSynthArchive();
  warnings = [];
  full = await buildDataset({ path: synth.dir, keepRejected: true, onWarning: (w) => warnings.push(w) });
  const options = resolveOptions({ path: synth.dir });
  const source = await openRelease(synth.dir);
  cells = [];
  try {
    const walk = walkRelease(source, {
      experimenters: options.experimenter,
      sites: options.sites,
      onWarning: () => {},
    });
    for await (const cell of walk) cells.push(cell);
  } finally {
    await source.close();
  }
});
after(() => synth.cleanup());

const neuronOf = (session: string) => full.neuronMeta.findIndex((m) => m.session === session);
const stimOf = (meta: StimMeta, key: string) =>
  full.stimMeta.findIndex((m, s) => m === meta || keyOfStim(s) === key);
function keyOfStim(s: number): string {
  const m = full.stimMeta[s] as unknown as Record<string, unknown>;
  return m.experimenter === "wehr"
    ? JSON.stringify(["wehr", m.category, m.idx])
    : JSON.stringify(["asari", ...(m.segment_files as string[])]);
}

test("units per neuron and the source sample rate per stim come with the metadata", () => {
  for (const m of full.neuronMeta) assert.equal(m.units, m.signal_type === "spikes" ? "a.u." : "mV");
  const rateOf = new Map<string, number>();
  for (const c of synth.manifest.cells)
    for (const s of c.stims) rateOf.set(JSON.stringify(s.key), s.sfStimHz);
  full.stimMeta.forEach((m, s) => {
    assert.equal(m.sf_hz, rateOf.get(keyOfStim(s)), `stim ${s}`);
  });
});

test("spike counts: the runs of the very mask each PSTH row is smoothed from, in the bin where they start", () => {
  const o = full.options;
  let pairs = 0;
  let spikes = 0;
  for (const cell of cells) {
    const n = neuronOf(cell.meta.session);
    if (n < 0) continue;
    const spiking = full.neuronMeta[n]?.signal_type === "spikes";
    for (const st of cell.stims) {
      const s = stimOf(st.meta, stimKeyString(st.key));
      const resp = s >= 0 ? full.responses[s]?.[n] : null;
      const counts = s >= 0 ? (full.spikeCounts?.[s]?.[n] ?? null) : null;
      if (!spiking || !resp) {
        assert.equal(counts, null, "no counts for subthresh neurons and missing pairs");
        continue;
      }
      assert.ok(counts, `counts for spikes pair (${s}, ${n})`);
      assert.deepEqual(counts.shape, resp.shape);
      const [R, T] = resp.shape as [number, number];
      const kept = gateRepeats(st.repeats, st.sfRespHz, {
        gating: o.gating,
        detrendMedMs: o.detrendMedMs,
        detrendGaussMs: o.detrendGaussMs,
      }).kept;
      assert.equal(kept.length, R);
      kept.forEach((x, r) => {
        const mask = spikeMask(x, st.sfRespHz, o.detrendMedMs, o.detrendGaussMs);
        // the response row is this mask, smoothed and binned
        const psth = Float32Array.from(
          binResponse(psthOfMask(mask, st.sfRespHz), st.sfRespHz, o.dtMs).subarray(0, T),
        );
        assert.deepEqual(resp.data.subarray(r * T, (r + 1) * T), psth, `PSTH row ${r} of (${s}, ${n})`);
        // its rising edges, counted by hand in the bins of that row
        const starts = spikeRunStarts(mask);
        const block = Math.max(1, Math.round((o.dtMs * st.sfRespHz) / 1000));
        const want = new Int32Array(T);
        for (const p of starts) if (Math.floor(p / block) < T) want[Math.floor(p / block)]! += 1;
        assert.deepEqual(counts.data.subarray(r * T, (r + 1) * T), want, `counts row ${r} of (${s}, ${n})`);
        assert.deepEqual(
          Array.from(binSpikeCounts(starts, x.length, st.sfRespHz, o.dtMs).subarray(0, T)),
          Array.from(want),
        );
        spikes += want.reduce((a, b) => a + b, 0);
      });
      pairs++;
    }
  }
  assert.ok(pairs >= 2 && spikes > 10, `checked ${pairs} spikes pairs, ${spikes} spikes`);
  // every spikes pair has counts, nothing else does
  full.responses.forEach((row, s) => {
    row.forEach((b, n) => {
      assert.equal(
        full.spikeCounts?.[s]?.[n] != null,
        b !== null && full.neuronMeta[n]?.signal_type === "spikes",
        `(${s}, ${n})`,
      );
    });
  });
});

test("keepRejected: each rejected repeat is its detrended trace, binned, in provenance order", () => {
  const o = full.options;
  const rej = full.rejected;
  assert.ok(rej, "the rejected repeats are there");
  const rowsSeen = new Map<string, number>();
  let unindexed = 0;
  let checked = 0;
  for (const cell of cells) {
    // the cell's records in walking order, stim by stim (a cell may hear two stims of one key)
    const cellProv = full.provenance.filter((p) => p.session === cell.meta.session);
    let at = 0;
    for (const st of cell.stims) {
      const key = stimKeyString(st.key);
      const prov = cellProv.slice(at, at + st.repeats.length);
      at += st.repeats.length;
      assert.ok(prov.every((p) => p.stimKey === key));
      assert.equal(prov.length, st.repeats.length);
      for (const p of prov) {
        if (p.fate === "kept") continue;
        const group = p.stim < 0 || p.neuron < 0 ? "unindexed" : `${p.stim},${p.neuron}`;
        const row = group === "unindexed" ? unindexed++ : (rowsSeen.get(group) ?? 0);
        if (group !== "unindexed") rowsSeen.set(group, row + 1);
        const t: Tensor | null | undefined =
          group === "unindexed" ? rej.unindexed : rej.blocks[p.stim]?.[p.neuron];
        assert.ok(t, `rejected block for ${group}`);
        const T = t.shape[1] as number;
        const want = Float32Array.from(
          binResponse(
            medgauss(st.repeats[p.repeat] as Float64Array, st.sfRespHz, o.detrendMedMs, o.detrendGaussMs),
            st.sfRespHz,
            o.dtMs,
          ),
        );
        const got = t.data.subarray(row * T, (row + 1) * T);
        assert.deepEqual(got.subarray(0, want.length), want, `${cell.meta.session} ${key} #${p.repeat}`);
        assert.ok(
          got.subarray(want.length).every((v) => Number.isNaN(v)),
          "NaN after its own length",
        );
        checked++;
      }
    }
  }
  assert.equal(checked, full.provenance.filter((p) => p.fate !== "kept").length);
  assert.ok(unindexed > 0, "the small archive's dropped cell gives unindexed rows");
  assert.ok(
    full.provenance.some((p) => p.fate === "range" && p.samples === 0),
    "an empty repeat (an all-NaN row) is among them",
  );
  assert.equal(rej.unindexed.shape[0], unindexed);
  rej.blocks.forEach((row, s) => {
    row.forEach((b, n) => {
      assert.equal(b?.shape[0] ?? 0, rowsSeen.get(`${s},${n}`) ?? 0, `rows of (${s}, ${n})`);
    });
  });
});

test("without keepRejected the build holds no rejected repeats, the same responses and counts", async () => {
  const d = await buildDataset({ path: synth.dir, onWarning: () => {} });
  assert.equal(d.rejected, undefined);
  assert.equal(d.options.keepRejected, false);
  assert.deepEqual(d.responses, full.responses);
  assert.deepEqual(d.spikeCounts, full.spikeCounts);
});

test("bands above a stim's Nyquist frequency: one warning per sample rate, read off the data", async () => {
  const nyquist = warnings.filter((w) => w.code === "fmax-above-nyquist");
  // the Wehr stims (44.1 kHz) and the band-limits corner's stim (51.2 kHz: band 48 on its
  // Nyquist, four above); the Asari ones (97656 Hz) hold every band
  assert.equal(nyquist.length, 2);
  assert.match(
    nyquist[0]?.message ?? "",
    /^fmax 45000 Hz: 6 of the 53 bands \(22.81 kHz .. 40.64 kHz\) lie above the Nyquist frequency \(22.05 kHz\) of the \d+ stims sampled at 44100 Hz: .*aliasing.*fmax 22050/,
  );
  assert.match(
    nyquist[1]?.message ?? "",
    /^fmax 45000 Hz: 4 of the 53 bands \(28.74 kHz .. 40.64 kHz\) lie above the Nyquist frequency \(25.6 kHz\) of the 1 stim sampled at 51200 Hz/,
  );
  for (const opts of [{ fmax: 22050 }, { experimenter: "asari" }, { returnWaveform: true }]) {
    const w: BuildWarning[] = [];
    await buildDataset({ path: synth.dir, ...opts, onWarning: (x) => w.push(x) });
    assert.deepEqual(
      w.filter((x) => x.code === "fmax-above-nyquist"),
      [],
      JSON.stringify(opts),
    );
  }
});

function outcome(sfRespHz: number, sfStimHz: number, session: string): CellOutcome {
  const meta: NeuronMeta = {
    experimenter: "asari",
    session,
    animal_id: "x",
    penetration: 1,
    date: "20050101",
    site: "A1",
    recording_type: "whole-cell",
    species: "rat",
  };
  const stimMeta: StimMeta = {
    experimenter: "wehr",
    category: session,
    idx: 1,
    description: "odd",
    duration_s: 0.01,
  };
  const key = JSON.stringify(["wehr", session, 1]);
  return {
    meta,
    signalType: "subthresh",
    stims: [
      {
        key,
        spec: {
          key,
          waveform: { kind: "wehr", file: `crcns-ac1/wehr/Stimuli/${session}/1.mat`, length: 8 },
          sfStimHz,
          durationMs: 10,
          meta: stimMeta,
        },
        fates: ["kept"],
        stats: [{ maxAbsMv: 1, stepFrac: 0, r: 1 }],
        samples: [20],
        sfRespHz,
        block: { shape: [1, 2], data: new Float32Array(2) },
        counts: null,
        rejected: [],
      },
    ],
  };
}

test("a bin shorter than a response's sample period warns once per rate, saying what the bins become", () => {
  const a = new DatasetAssembler(resolveOptions({ path: "/x", dtMs: 0.2 }));
  a.addCell(outcome(4000, 44100, "s1"));
  a.addCell(outcome(4000, 44100, "s2"));
  a.addCell(outcome(10000, 44100, "s3")); // 0.2 ms covers 2 samples at 10 kHz: fine
  const data = a.finish((_spec, Tcanon) =>
    held({ shape: [1, 53, Tcanon], data: new Float32Array(Tcanon * 53) }),
  );
  assert.deepEqual(data.responseRates, [
    { sfHz: 4000, firstIn: "asari cell s1" },
    { sfHz: 10000, firstIn: "asari cell s3" },
  ]);
  const w = cohortWarnings(data).filter((x) => x.code === "dt-below-sample-period");
  assert.equal(w.length, 1);
  assert.equal(w[0]?.code, "dt-below-sample-period");
  assert.match(
    w[0]?.message ?? "",
    /^dtMs 0.2 is shorter than the sample period of the responses recorded at 4000 Hz \(0.25 ms, first in asari cell s1\): each of their bins holds one sample, so their bins are 0.25 ms apart while the stim frames are 0.2 ms apart/,
  );
});

test("audioFs given without returnWaveform warns (option-ignored); with it, or not given, nothing", () => {
  assert.deepEqual(
    ignoredOptionWarnings({ audioFs: 16000 }).map((w) => [w.code, w.message]),
    [
      [
        "option-ignored",
        "audioFs 16000 applies to waveform stims (returnWaveform) only: this spectrogram build ignores it",
      ],
    ],
  );
  assert.deepEqual(ignoredOptionWarnings({ audioFs: 16000, returnWaveform: false }).length, 1);
  assert.deepEqual(ignoredOptionWarnings({ audioFs: 16000, returnWaveform: true }), []);
  assert.deepEqual(ignoredOptionWarnings({}), []);
});

test("a stim at a rate above the one the options were checked at: the window's memory bound, before its spectrogram", () => {
  const a = new DatasetAssembler(resolveOptions({ path: "/x" }));
  a.addCell(outcome(10000, 97656, "fine"));
  assert.throws(
    () => a.addCell(outcome(10000, 1e8, "hostile")),
    (e: unknown) =>
      e instanceof OptionError &&
      e.option === "windowMs" &&
      /stims at 100000000 Hz with F = 53 bands and a 10 ms window \(W = 1000000 samples\) would work in \d+ MiB per thread.*above the 256 MiB bound/.test(
        e.message,
      ) &&
      /\(stim \["wehr","hostile",1\]\)$/.test(e.message),
  );
});

test("waveform mode: a stim or an audioFs whose resampling kernel would not fit is refused before it is built", () => {
  const a = new DatasetAssembler(resolveOptions({ path: "/x", returnWaveform: true }));
  a.addCell(outcome(10000, 97656, "fine"));
  a.addCell(outcome(10000, 1, "slow")); // upsampled, but only what is kept (stimWaveform)
  assert.throws(
    () => a.addCell(outcome(10000, 2147483648, "hostile")),
    (e: unknown) =>
      e instanceof OptionError &&
      e.option === "audioFs" &&
      /resampling stims at 2147483648 Hz to audioFs 96000 Hz would build a kernel of about \d+ MiB, above the 256 MiB bound/.test(
        e.message,
      ) &&
      /\(stim \["wehr","hostile",1\]\)$/.test(e.message),
  );
  // the same bound on the option, at the release's rates, before any file is read
  assert.throws(
    () => resolveOptions({ path: "/x", returnWaveform: true, audioFs: 1_000_000_000 }),
    (e: unknown) =>
      e instanceof OptionError && e.option === "audioFs" && /resampling stims at 44100 Hz/.test(e.message),
  );
  assert.doesNotThrow(() => resolveOptions({ path: "/x", returnWaveform: true, audioFs: 16000 }));
  assert.doesNotThrow(() => resolveOptions({ path: "/x", audioFs: 1_000_000_000 })); // spectrogram mode: unused
});
