// The step test's shortcut: medianFilterStaysNear is sound (when it says no
// filtered sample lies further than dist from the filtered median, the
// filter computed whole agrees), it answers for the usual repeats (noise and
// brief spikes), and stepFraction with it equals the definition (a median
// filter, np.median, a count) on every kind of signal, including the ones
// built to sit on the edge of the proof (a step of exactly dist, ties, NaN).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { medianFilter } from "../../src/dsp/median-filter.js";
import { medianFilterStaysNear } from "../../src/dsp/median-filter-bounds.js";
import { median } from "../../src/dsp/stats.js";
import { stepFraction } from "../../src/preprocess/gating.js";
import { mulberry32 } from "../../src/random/index.js";
import { irwinHall } from "../support/normal.js";

/** Samples of the filtered signal further than dist from its median (the definition). */
function farCount(x: Float64Array, k: number, dist: number): number {
  const y = medianFilter(x, k);
  const m = median(y);
  let far = 0;
  for (let i = 0; i < y.length; i++) if (Math.abs(y[i]! - m) > dist) far++;
  return far;
}

/** stepFraction as pipeline.md section 5 defines it: a 5 ms median (the repeat itself when shorter), then the count. */
function stepFractionByDefinition(x: Float64Array, sfHz: number, stepMv: number): number {
  const L = x.length;
  if (L < 3) return 0;
  const c = Math.max(1, Math.round((5 * sfHz) / 1000));
  const smooth = c > 1 && L >= c ? medianFilter(x, c) : x;
  const m = median(smooth);
  let count = 0;
  for (let i = 0; i < L; i++) if (Math.abs(smooth[i]! - m) > stepMv) count++;
  return count / L;
}

const KINDS = 9;

function makeSignal(kind: number, n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  const gauss = () => irwinHall(next);
  const x = new Float64Array(n);
  let drift = 0;
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 0: // detrended whole-cell trace with action potentials
        x[i] = 0.8 * gauss() + (next() < 0.003 ? 45 : 0);
        break;
      case 1: // a real step artifact
        x[i] = (Math.floor(i / 300) % 2 ? 40 : 0) + gauss();
        break;
      case 2: // a step of exactly 30 halfway
        x[i] = i < n / 2 ? 0 : 30;
        break;
      case 3: // alternating 0 / 30: ties at the threshold
        x[i] = i % 2 ? 0 : 30;
        break;
      case 4: // coarse levels
        x[i] = Math.round(gauss() * 2) * 5;
        break;
      case 5: // drift
        drift += 0.3 * gauss();
        x[i] = drift + gauss();
        break;
      case 6: // almost a step of 30
        x[i] = (i > n / 2 ? 29.9 : 0) + 0.01 * gauss();
        break;
      case 7: // far from zero
        x[i] = 1e6 + gauss();
        break;
      default: // a NaN in noise
        x[i] = i === 7 ? Number.NaN : gauss();
    }
  }
  return x;
}

const DISTANCES = [0, 0.5, 3, 15, 29.9, 30, -1, Number.NaN, Number.POSITIVE_INFINITY];

test("medianFilterStaysNear: whenever it answers, the filter computed whole has no sample that far", () => {
  let answered = 0;
  for (let kind = 0; kind < KINDS; kind++)
    for (const n of [1, 2, 49, 50, 51, 400, 5000])
      for (const k of [1, 2, 3, 50, 51])
        for (const dist of DISTANCES) {
          const x = makeSignal(kind, n, 100 * kind + n + k);
          if (!medianFilterStaysNear(x, k, dist)) continue;
          answered++;
          assert.equal(farCount(x, k, dist), 0, `kind ${kind}, n ${n}, k ${k}, dist ${dist}`);
        }
  assert.ok(answered > 100, `answered ${answered} times`);
});

test("medianFilterStaysNear answers for the usual repeat (noise with brief action potentials), not for a step", () => {
  const usual = makeSignal(0, 100000, 1);
  assert.equal(medianFilterStaysNear(usual, 50, 30), true);
  assert.equal(medianFilterStaysNear(makeSignal(1, 100000, 2), 50, 30), false);
  assert.equal(medianFilterStaysNear(makeSignal(2, 100000, 3), 50, 29.9), false);
});

test("medianFilterStaysNear does not trust its probe: a probe that sees only the zeros between the bulk", () => {
  // Every 4th sample (the probe's stride at this length) is 0; the others are
  // 9, or -9 in a tenth of the signal: the 5-sample median is 9 or -9, its
  // median 9, and the -9 stretch lies 18 from it, though within 10 of the probe's 0.
  const n = 4096;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i % 4 === 0 ? 0 : i < n / 10 ? -9 : 9;
  assert.ok(farCount(x, 5, 10) > 0);
  assert.equal(medianFilterStaysNear(x, 5, 10), false);
  assert.equal(stepFraction(x, 1000, 10), stepFractionByDefinition(x, 1000, 10));
});

test("stepFraction equals its definition on every kind of signal, length, rate and threshold", () => {
  for (let kind = 0; kind < KINDS; kind++)
    for (const n of [1, 2, 3, 49, 50, 51, 400, 5000])
      for (const sfHz of [200, 400, 10000, 10200])
        for (const stepMv of DISTANCES) {
          const x = makeSignal(kind, n, 7 * kind + n);
          assert.equal(
            stepFraction(x, sfHz, stepMv),
            stepFractionByDefinition(x, sfHz, stepMv),
            `kind ${kind}, n ${n}, sf ${sfHz}, stepMv ${stepMv}`,
          );
        }
});

test("stepFraction equals its definition on arbitrary signals (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constantFrom(0, 30, -30, 15)), {
        minLength: 3,
        maxLength: 300,
      }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(0, 1, 15, 30, 60),
      (values, c, stepMv) => {
        const x = Float64Array.from(values);
        const sfHz = c * 200; // a window of c samples
        assert.equal(stepFraction(x, sfHz, stepMv), stepFractionByDefinition(x, sfHz, stepMv));
      },
    ),
    { numRuns: 400 },
  );
});
