// cleanCell / finishCell: a cell cleaned once `complete` (and stored, its
// entry encoded and decoded) and finished with any range / step-fraction /
// xcorr thresholds or keepRejected gives exactly what processCell gives with
// those options, for spikes and subthreshold cells, stims of 1, 2 and 5
// repeats, empty and out-of-range repeats; and a cell cleaned for other
// thresholds refuses to finish rather than guess.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CellRecord, RawStim } from "../../src/ac1/types.js";
import { cleanCell, finishCell, processCell } from "../../src/dataset/clean.js";
import { sessionCodec } from "../../src/dataset/intermediates.js";
import { resolveOptions } from "../../src/dataset/options.js";
import { mulberry32 } from "../../src/random/index.js";
import { decodeIntermediate, encodeIntermediate } from "../../src/store/intermediate-format.js";

const SF = 10_000;

function trace(rand: () => number, n: number, kind: "spikes" | "subthresh", scale: number): Float64Array {
  const x = new Float64Array(n);
  let drift = 0;
  for (let i = 0; i < n; i++) {
    drift += (rand() - 0.5) * 0.2;
    x[i] = -60 + drift + Math.sin(i / 150) * 3 * scale + (rand() - 0.5) * 2;
    if (kind === "spikes" && rand() < 0.004) for (let k = 0; k < 8 && i + k < n; k++) x[i + k] = 20 - 5 * k;
  }
  return x;
}

function stim(rand: () => number, idx: number, kind: "spikes" | "subthresh", lengths: number[]): RawStim {
  return {
    key: ["wehr", "fragments", idx],
    waveform: { kind: "wehr", file: `stims/${idx}.mat`, length: 4000 },
    sfStimHz: 97656.25,
    sfRespHz: SF,
    durationMs: 300,
    meta: { experimenter: "wehr", category: "fragments", idx, description: `s${idx}`, duration_s: 0.3 },
    repeats: lengths.map((n, r) => {
      const x = trace(rand, n, kind, r === 1 ? 4 : 1);
      if (r === 2 && n > 0) x[n >> 1] = 400; // out of range for the default 150 mV
      if (r === 3) for (let i = n >> 1; i < n; i++) x[i] = (x[i] as number) + 200; // a step
      return x;
    }),
    sources: lengths.map((_, r) => ({ file: `r${idx}.mat`, trigger: r, onsetSample: r * 5000 })),
  };
}

function cell(seed: number, kind: "spikes" | "subthresh"): CellRecord {
  const rand = mulberry32(seed);
  return {
    meta: {
      experimenter: "wehr",
      session: `s${seed}`,
      animal_id: "mw",
      penetration: 1,
      date: "20020101",
      site: "A1",
      recording_type: kind === "spikes" ? "cell-attached" : "whole-cell",
      species: "rat",
    },
    stims: [
      stim(rand, 1, kind, [3000, 3100, 2950, 3000, 3050]),
      stim(rand, 2, kind, [2500, 2600]),
      stim(rand, 3, kind, [2800]),
      stim(rand, 4, kind, [3000, 0, 3000, 2900]),
    ],
  };
}

const THRESHOLDS = [
  {},
  { gating: { minXcorr: 0.3 } },
  { gating: { minXcorr: 0 } },
  { gating: { minXcorr: -1, absMvMax: 500 } },
  { gating: { absMvMax: 30, maxStepFrac: 0.5 } },
  { gating: { maxStepFrac: 0 } },
  { keepRejected: true },
  { keepRejected: true, gating: { minXcorr: 0.6, absMvMax: 1000 } },
];

/** A stored entry's round trip: encoded, sealed, decoded. */
function roundTrip(v: ReturnType<typeof cleanCell>): ReturnType<typeof cleanCell> {
  const key = "c".repeat(64);
  const parts = encodeIntermediate("clean", key, sessionCodec.encode({ cleaned: v, events: [] }));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const back = sessionCodec.decode(decodeIntermediate(bytes, "clean", key)).cleaned;
  assert.ok(back);
  return back;
}

describe("cleanCell complete + finishCell = processCell", () => {
  for (const kind of ["spikes", "subthresh"] as const) {
    it(`${kind}: any gating thresholds, keepRejected, through a stored entry`, () => {
      const c = cell(kind === "spikes" ? 11 : 12, kind);
      const cleanedOnce = cleanCell(c, resolveOptions({ path: "/x" }), true);
      const stored = roundTrip(cleanedOnce);
      let fates = new Set<string>();
      for (const t of THRESHOLDS) {
        const o = resolveOptions({ path: "/x", ...t });
        const want = processCell(c, o);
        assert.deepEqual(finishCell(cleanedOnce, o), want, JSON.stringify(t));
        assert.deepEqual(finishCell(stored, o), want, `stored, ${JSON.stringify(t)}`);
        for (const s of want.stims) fates = new Set([...fates, ...s.fates]);
      }
      assert.deepEqual([...fates].sort(), ["kept", "range", "step", "xcorr"], "every fate is exercised");
    });
  }

  it("a cell cleaned for one build's thresholds (not complete) refuses other ones", () => {
    const c = cell(13, "spikes");
    const o = resolveOptions({ path: "/x", gating: { absMvMax: 1000 } });
    const partial = cleanCell(c, o);
    assert.deepEqual(finishCell(partial, o), processCell(c, o));
    assert.throws(() => sessionCodec.encode({ cleaned: partial, events: [] }), /cleaned incompletely/);
    assert.throws(
      () => finishCell(partial, resolveOptions({ path: "/x", keepRejected: true })),
      /has no binned trace/,
    );
  });
});
