// Spike counts (interchange.md, spk_<s>_<n>): a spike is one run of the
// supra-threshold mask the PSTH is smoothed from, counted in the bin where
// the run starts. Golden runs and counts from numpy
// (test/fixtures/preprocess/make_spike_goldens.py), and properties: the run
// starts are exactly the rising edges of the mask, the counts sum to the
// runs that start inside whole bins, and the PSTH is that very mask smoothed.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { hann } from "../../src/dsp/windows.js";
import {
  binSamples,
  binSpikeCounts,
  psthOfMask,
  spikeMask,
  spikePsth,
  spikeRunStarts,
  spikeTrain,
} from "../../src/preprocess/index.js";
import { evalRecipe } from "../dsp/golden.js";
import { fixture } from "../support/paths.js";

interface SpikeCase {
  name: string;
  input: unknown;
  sfHz: number;
  dtMs: number;
  medMs: number;
  gaussMs: number;
  maskSamples: number;
  starts: number[];
  counts: number[];
}

const goldens = (
  JSON.parse(readFileSync(fixture("preprocess", "spikes.json"), "utf8")) as { cases: SpikeCase[] }
).cases;

test("spike runs and counts per bin match numpy (make_spike_goldens.py)", () => {
  assert.ok(goldens.length >= 8);
  assert.ok(
    goldens.some((c) => c.starts.length > 10),
    "a case with many runs",
  );
  for (const c of goldens) {
    const x = evalRecipe(c.input);
    const mask = spikeMask(x, c.sfHz, c.medMs, c.gaussMs);
    assert.equal(
      mask.reduce((a, b) => a + b, 0),
      c.maskSamples,
      `${c.name}: supra-threshold samples`,
    );
    assert.deepEqual(Array.from(spikeRunStarts(mask)), c.starts, `${c.name}: run starts`);
    const train = spikeTrain(x, c.sfHz, c.dtMs, c.medMs, c.gaussMs);
    assert.deepEqual(Array.from(train.counts), c.counts, `${c.name}: counts per bin`);
    // the PSTH comes from the same mask, bit for bit
    assert.deepEqual(train.psth, spikePsth(x, c.sfHz, c.medMs, c.gaussMs), `${c.name}: PSTH`);
  }
});

test("spikeTrain writes its PSTH into a given output, whatever it held, after longer and shorter repeats", () => {
  // the build passes a scratch array reused from repeat to repeat (and the mask is a scratch array inside)
  const out = new Float64Array(Math.max(...goldens.map((c) => evalRecipe(c.input).length)));
  for (const c of [...goldens, ...[...goldens].reverse()]) {
    const x = evalRecipe(c.input);
    const into = out.subarray(0, x.length).fill(Number.NaN);
    const train = spikeTrain(x, c.sfHz, c.dtMs, c.medMs, c.gaussMs, into);
    assert.equal(train.psth, into, `${c.name}: the given array`);
    assert.deepEqual(train.psth, spikePsth(x, c.sfHz, c.medMs, c.gaussMs), `${c.name}: PSTH`);
    assert.deepEqual(Array.from(train.counts), c.counts, `${c.name}: counts per bin`);
  }
  assert.throws(() => psthOfMask(new Uint8Array(5), 10000, new Float64Array(4)), RangeError);
});

/** Maximal runs of 1s, found independently: the 0-separated segments of the mask. */
function runsOf(mask: Uint8Array): { start: number; length: number }[] {
  const out: { start: number; length: number }[] = [];
  let i = 0;
  while (i < mask.length) {
    if (mask[i] === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < mask.length && mask[i] !== 0) i++;
    out.push({ start, length: i - start });
  }
  return out;
}

const maskArb = fc
  .array(fc.oneof(fc.constant(0), fc.constant(1)), { minLength: 0, maxLength: 600 })
  .map((a) => Uint8Array.from(a));

test("run starts are exactly the rising edges of the mask, one per run", () => {
  fc.assert(
    fc.property(maskArb, (mask) => {
      const starts = Array.from(spikeRunStarts(mask));
      const runs = runsOf(mask);
      assert.deepEqual(
        starts,
        runs.map((r) => r.start),
      );
      for (const s of starts) {
        assert.equal(mask[s], 1);
        if (s > 0) assert.equal(mask[s - 1], 0);
      }
    }),
  );
});

test("counts sum to the runs starting inside whole bins; a bin holds at most ceil(block / 2) runs", () => {
  fc.assert(
    fc.property(
      maskArb,
      fc.constantFrom(4000, 10000, 44100),
      fc.double({ min: 0.05, max: 30, noNaN: true }),
      (mask, sf, dt) => {
        const starts = spikeRunStarts(mask);
        const L = mask.length;
        const counts = binSpikeCounts(starts, L, sf, dt);
        const block = binSamples(sf, dt);
        const bins = L === 0 ? 0 : L < block ? 1 : Math.floor(L / block);
        assert.equal(counts.length, bins, "the binning grid of binResponse");
        const inside = L < block ? starts.length : Array.from(starts).filter((s) => s < bins * block).length;
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          inside,
        );
        for (let b = 0; b < bins; b++) {
          assert.ok((counts[b] as number) >= 0 && (counts[b] as number) <= Math.ceil(Math.min(block, L) / 2));
          if (L >= block) {
            const want = Array.from(starts).filter((s) => Math.floor(s / block) === b).length;
            assert.equal(counts[b], want, `bin ${b}`);
          }
        }
      },
    ),
  );
});

/** convolve(mask, hann(M), "same") written out: the full convolution cropped at floor((M-1)/2). */
function convSame(mask: Uint8Array, w: Float64Array): Float64Array {
  const L = mask.length;
  const M = w.length;
  const off = (M - 1) >> 1;
  const out = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    let acc = 0;
    const k = i + off; // index into the full convolution
    for (let m = 0; m < M; m++) {
      const j = k - m;
      if (j >= 0 && j < L) acc += (mask[j] as number) * (w[m] as number);
    }
    out[i] = acc;
  }
  return out;
}

test("the PSTH is the mask convolved with the 21 ms Hann window ('same')", () => {
  fc.assert(
    fc.property(maskArb, fc.constantFrom(1000, 4000, 10000), (mask, sf) => {
      const got = psthOfMask(mask, sf);
      const M = Math.max(3, Math.round((21 * sf) / 1000));
      const want = convSame(mask, hann(M));
      assert.equal(got.length, want.length);
      for (let i = 0; i < got.length; i++)
        assert.ok(Math.abs((got[i] as number) - (want[i] as number)) <= 1e-12, `sample ${i}`);
    }),
    { numRuns: 60 },
  );
});

test("on noisy traces with spikes, the PSTH is smoothed from the mask whose runs are counted", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.array(fc.integer({ min: 0, max: 2990 }), { maxLength: 20 }),
      (seed, spikeAt) => {
        let s = seed;
        const x = new Float64Array(3000);
        for (let i = 0; i < x.length; i++) {
          s = (Math.imul(s, 48271) >>> 0) % 2147483647;
          x[i] = -60 + (s / 2147483647 - 0.5);
        }
        for (const p of spikeAt) for (let k = 0; k < 8; k++) x[p + k] = (x[p + k] as number) + 15;
        const sf = 10000;
        const mask = spikeMask(x, sf);
        const psth = spikePsth(x, sf);
        assert.deepEqual(psth, psthOfMask(mask, sf));
        // The PSTH's mass is the mask's: sum(hann) per supra-threshold sample, less what falls off the edges.
        const w = hann(Math.max(3, Math.round((21 * sf) / 1000)));
        const perSample = w.reduce((a, b) => a + b, 0);
        const samples = mask.reduce((a, b) => a + b, 0);
        const mass = psth.reduce((a, b) => a + b, 0);
        assert.ok(mass <= samples * perSample + 1e-9);
        const starts = spikeRunStarts(mask);
        const counts = spikeTrain(x, sf, 5).counts;
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          starts.length,
          "3000 samples are 60 whole bins of 50: every run counted",
        );
      },
    ),
    { numRuns: 25 },
  );
});
