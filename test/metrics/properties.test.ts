// Laws the metrics obey on arbitrary ragged data (fast-check): agreement with
// a literal transcription of deepSTRF's loops, SP + NP = TP, invariance under
// stim order, masks equivalent to NaN, the batch and ragged forms equal,
// float32 and float64 inputs equal.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  ccmax,
  coherence,
  corrcoef,
  fve,
  mse,
  neuronQuality,
  noisePower,
  normalizedCorrcoef,
  poisson,
  type RaggedBlock,
  signalPower,
  snr,
} from "../../src/metrics/index.js";
import { close } from "./golden.js";
import { bruteBlock, type Ragged, type SynthOptions, synthRagged, toBatch } from "./synth.js";

const REL = 1e-9;

function assertSame(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rel = REL): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++)
    assert.ok(
      close(a[i]!, b[i]!, rel) || (a[i] === 0 && Math.abs(b[i]!) < 1e-300),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
}

const shapes = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  neurons: fc.integer({ min: 1, max: 4 }),
  stims: fc.integer({ min: 1, max: 5 }),
  maxRepeats: fc.integer({ min: 1, max: 13 }),
  maxBins: fc.integer({ min: 2, max: 40 }),
  pairProb: fc.double({ min: 0.3, max: 1, noNaN: true }),
  counts: fc.boolean(),
  silentProb: fc.constantFrom(0, 0, 0.3),
});

const synth = (o: SynthOptions & { seed: number }): Ragged => synthRagged(o.seed, o);

test("SP, NP and CCmax equal deepSTRF's per-block loops, T_v-weighted", () => {
  fc.assert(
    fc.property(shapes, (o) => {
      const g = synth(o);
      const q = neuronQuality(g.responses);
      const sp = signalPower(g.responses);
      const cm = ccmax(g.responses);
      for (let n = 0; n < o.neurons; n++) {
        let w = 0;
        let wsp = 0;
        let wnp = 0;
        let wc = 0;
        let wcc = 0;
        let multi = false;
        let knifeEdge = false;
        for (const blk of g.responses[n]!) {
          if (blk.repeats >= 2) multi = true;
          const r = bruteBlock(blk);
          if (!r) continue;
          // rho = 0 in exact arithmetic (e.g. 2-bin half-PSTHs correlate +-1, and half of
          // the splits each way): whether rounding leaves it <= 0 decides if the stim
          // counts, in deepSTRF as here. Such neurons are not compared.
          if (Math.abs(r.rho) < 1e-9) knifeEdge = true;
          w += r.tv;
          wsp += r.tv * r.sp;
          wnp += r.tv * r.np;
          if (r.cc === undefined) continue;
          wc += r.tv;
          wcc += r.tv * r.cc;
        }
        const wantSp = w > 0 ? wsp / w : Number.NaN;
        const wantCc = wc > 0 ? wcc / wc : Number.NaN;
        // SP can cancel to ~0 (silent blocks): compare against the size of the total power.
        const scale = w > 0 ? Math.abs(wsp / w) + Math.abs(wnp / w) : 1;
        assert.ok(
          Number.isNaN(wantSp) ? Number.isNaN(sp[n]!) : Math.abs(sp[n]! - wantSp) <= REL * scale,
          `SP ${sp[n]} vs ${wantSp}`,
        );
        if (knifeEdge) continue;
        assert.ok(close(cm[n]!, wantCc), `CCmax ${cm[n]} vs ${wantCc}`);
        const fallback = Number.isNaN(wantCc) && !multi ? 1 : wantCc;
        assert.ok(close(q.ccmax[n]!, fallback), `quality CCmax ${q.ccmax[n]} vs ${fallback}`);
      }
    }),
    { numRuns: 200 },
  );
});

test("SP + NP = TP on a single stim", () => {
  fc.assert(
    fc.property(shapes, (o) => {
      const g = synth({ ...o, stims: 1, pairProb: 1 });
      const sp = signalPower(g.responses);
      const np = noisePower(g.responses);
      g.responses.forEach((blocks, n) => {
        const blk = blocks[0]!;
        if (blk.repeats < 2) {
          assert.ok(Number.isNaN(sp[n]!) && Number.isNaN(np[n]!));
          return;
        }
        let tp = 0;
        for (let r = 0; r < blk.repeats; r++) {
          const row = Array.from(blk.data.subarray(r * blk.bins, (r + 1) * blk.bins));
          const m = row.reduce((a, b) => a + b, 0) / blk.bins;
          tp += row.reduce((a, v) => a + (v - m) ** 2, 0) / (blk.bins - 1);
        }
        tp /= blk.repeats;
        assert.ok(Math.abs(sp[n]! + np[n]! - tp) <= 1e-12 * Math.max(1, tp), `${sp[n]} + ${np[n]} vs ${tp}`);
      });
    }),
    { numRuns: 150 },
  );
});

function permute<T>(a: T[], seed: number): { out: T[]; order: number[] } {
  const order = a.map((_, i) => i);
  let s = seed;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { out: order.map((i) => a[i]!), order };
}

test("every metric is invariant under the order of a neuron's stims", () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 1, max: 1e9 }), (o, pseed) => {
      const g = synth(o);
      const perm: Ragged = { ...g, responses: [], pred: [], stimOf: [] };
      g.responses.forEach((blocks, n) => {
        const { out, order } = permute(blocks, pseed + n);
        perm.responses.push(out);
        perm.pred.push(order.map((i) => g.pred[n]![i]!));
        perm.stimOf.push(order.map((i) => g.stimOf[n]![i]!));
      });
      const q1 = neuronQuality(g.responses);
      const q2 = neuronQuality(perm.responses);
      for (const k of ["signalPower", "noisePower", "snr", "ccmax"] as const)
        assertSame(q1[k], q2[k], k, 1e-9);
      for (const [name, f] of [
        ["corrcoef", corrcoef],
        ["fve", fve],
        ["mse", mse],
        ["poisson", poisson],
        ["normalizedCorrcoef", normalizedCorrcoef],
      ] as const)
        assertSame(f(g.pred, g.responses), f(perm.pred, perm.responses), name, 1e-9);
    }),
    { numRuns: 100 },
  );
});

test("the batch form and the ragged form give the same numbers", () => {
  fc.assert(
    fc.property(shapes, (o) => {
      const g = synth(o);
      const b = toBatch(g);
      const q1 = neuronQuality(g.responses);
      const q2 = neuronQuality(b.responses);
      for (const k of ["signalPower", "noisePower", "snr", "ccmax"] as const) assertSame(q1[k], q2[k], k, 0);
      assertSame(ccmax(g.responses), ccmax(b.responses), "ccmax", 0);
      assertSame(snr(g.responses), snr(b.responses), "snr", 0);
      for (const [name, f] of [
        ["corrcoef", corrcoef],
        ["fve", fve],
        ["mse", mse],
        ["poisson", poisson],
      ] as const)
        assertSame(f(g.pred, g.responses), f(b.pred, b.responses), name, 0);
      // The normalized correlation tests the R axis: per neuron, its pairs as the batch (N = 1).
      for (let n = 0; n < o.neurons; n++) {
        const one = toBatch(g, [n]);
        const ragged = [g.responses[n]!];
        const rp = [g.pred[n]!];
        for (const method of ["schoppe", "hsu"] as const)
          assertSame(
            normalizedCorrcoef(rp, ragged, { method }),
            normalizedCorrcoef(one.pred, one.responses, { method }),
            `${method} neuron ${n}`,
            0,
          );
      }
    }),
    { numRuns: 100 },
  );
});

test("a mask equal to ~isnan gives the NaN results when the NaN positions hold other values (repeats and bins; bins for the PSTH)", () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 0, max: 1e9 }), (o, jseed) => {
      const g = synth(o);
      // NaN-pad whole repeats and bins (what padding and missing repeats look like).
      let s = jseed;
      const rnd = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32;
      };
      const withNaN: RaggedBlock[][] = g.responses.map((blocks) =>
        blocks.map((blk) => {
          const data = Float64Array.from(blk.data);
          for (let r = 0; r < blk.repeats; r++)
            if (rnd() < 0.2) data.fill(Number.NaN, r * blk.bins, (r + 1) * blk.bins);
          for (let t = 0; t < blk.bins; t++)
            if (rnd() < 0.15) for (let r = 0; r < blk.repeats; r++) data[r * blk.bins + t] = Number.NaN;
          return { data, repeats: blk.repeats, bins: blk.bins };
        }),
      );
      const junk = withNaN.map((blocks) =>
        blocks.map((blk) => ({ ...blk, data: blk.data.map((v) => (Number.isNaN(v) ? 1e3 * rnd() : v)) })),
      );
      const mask = withNaN.map((blocks) =>
        blocks.map((blk) => Uint8Array.from(blk.data, (v) => (Number.isNaN(v) ? 0 : 1))),
      );
      const psthMask = withNaN.map((blocks) =>
        blocks.map((blk) =>
          Uint8Array.from({ length: blk.bins }, (_, t) => {
            for (let r = 0; r < blk.repeats; r++) if (!Number.isNaN(blk.data[r * blk.bins + t]!)) return 1;
            return 0;
          }),
        ),
      );
      const q1 = neuronQuality(withNaN);
      const q2 = neuronQuality(junk, { mask });
      for (const k of ["signalPower", "noisePower", "snr"] as const) assertSame(q1[k], q2[k], k, 0);
      // CCmax fallback reads stored rows in the ragged form: same blocks, same answer.
      assertSame(q1.ccmax, q2.ccmax, "ccmax", 0);
      // The PSTH is the NaN-aware mean over *all* repeats whatever the mask (deepSTRF): a PSTH
      // mask stands for NaN bins only, so only NaN bins are replaced here.
      const binsOnly = g.responses.map((blocks, n) =>
        blocks.map((blk, k) => {
          const ok = psthMask[n]![k]!;
          return { ...blk, data: blk.data.map((v, i) => (ok[i % blk.bins] ? v : Number.NaN)) };
        }),
      );
      for (const [name, f] of [
        ["corrcoef", corrcoef],
        ["fve", fve],
        ["mse", mse],
        ["poisson", poisson],
      ] as const)
        assertSame(f(g.pred, binsOnly), f(g.pred, g.responses, { mask: psthMask }), name, 0);
    }),
    { numRuns: 100 },
  );
});

test("float32 and float64 inputs holding the same values give the same numbers", () => {
  fc.assert(
    fc.property(shapes, (o) => {
      const g = synth(o);
      const f32 = g.responses.map((blocks) => blocks.map((b) => ({ ...b, data: Float32Array.from(b.data) })));
      const f64 = f32.map((blocks) => blocks.map((b) => ({ ...b, data: Float64Array.from(b.data) })));
      const p32 = g.pred.map((ps) => ps.map((p) => Float32Array.from(p)));
      const q1 = neuronQuality(f32);
      const q2 = neuronQuality(f64);
      for (const k of ["signalPower", "noisePower", "snr", "ccmax"] as const) assertSame(q1[k], q2[k], k, 0);
      assertSame(corrcoef(p32, f32), corrcoef(p32, f64), "corrcoef", 0);
    }),
    { numRuns: 60 },
  );
});

test("coherence is symmetric, within [0, 1], and 1 for a single segment", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.array(fc.integer({ min: 2, max: 900 }), { minLength: 1, maxLength: 3 }),
      (seed, lengths) => {
        let s = seed;
        const rnd = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32 - 0.5;
        };
        const preds = [lengths.map((T) => Float64Array.from({ length: T }, rnd))];
        const gts = [
          lengths.map((T, k) => ({
            data: Float64Array.from({ length: T }, (_, t) => preds[0]![k]![t]! + rnd()),
            repeats: 1,
            bins: T,
          })),
        ];
        const a = coherence(preds, gts, { dtMs: 5 })[0]!;
        const swapped = coherence(
          gts.map((bs) => bs.map((b) => b.data)),
          preds.map((ps) => ps.map((p) => ({ data: p, repeats: 1, bins: p.length }))),
          { dtMs: 5 },
        )[0]!;
        assert.ok(Math.abs(a - swapped) <= 1e-12, `${a} vs ${swapped}`);
        assert.ok(a >= 0 && a <= 1 + 1e-12, String(a));
        if (lengths.every((T) => T < 384)) assert.ok(Math.abs(a - 1) <= 1e-12, `single segment: ${a}`);
      },
    ),
    { numRuns: 100 },
  );
});
