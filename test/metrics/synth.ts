// Random metric inputs for the property tests: ragged per-neuron blocks
// (what an export holds) and the same data in the batch form, plus a literal
// brute-force transcription of deepSTRF's per-block SP/NP and CCmax loops to
// check the fast kernels against.

import type { PredictionBatch, RaggedBlock, ResponseBatch } from "../../src/metrics/index.js";
import { mulberry32 } from "../../src/random/index.js";
import { irwinHall } from "../support/normal.js";

export interface Ragged {
  /** [n][k] blocks, [n][k] predictions, [n][k] the stim of the block. */
  responses: RaggedBlock[][];
  pred: Float64Array[][];
  stimOf: number[][];
  /** Bins of each stim. */
  bins: number[];
}

export interface SynthOptions {
  neurons: number;
  stims: number;
  maxRepeats: number;
  maxBins: number;
  /** Probability that a (stim, neuron) pair has data. */
  pairProb: number;
  /** Integer counts (ties, exact zeros) rather than continuous values. */
  counts?: boolean;
  /** Probability that a block is silent (all zeros). */
  silentProb?: number;
}

/** Deterministic random ragged data: a stimulus drive per stim, repeats = gain * drive + noise. */
export function synthRagged(seed: number, o: SynthOptions): Ragged {
  const next = mulberry32(seed);
  const normal = () => irwinHall(next);
  const bins = Array.from({ length: o.stims }, () => 2 + Math.floor(next() * (o.maxBins - 1)));
  const drives = bins.map((T) => Float64Array.from({ length: T }, normal));
  const out: Ragged = { responses: [], pred: [], stimOf: [], bins };
  for (let n = 0; n < o.neurons; n++) {
    const gain = next() * 2;
    out.responses.push([]);
    out.pred.push([]);
    out.stimOf.push([]);
    for (let s = 0; s < o.stims; s++) {
      if (next() >= o.pairProb) continue;
      const T = bins[s]!;
      const R = 1 + Math.floor(next() * o.maxRepeats);
      const data = new Float64Array(R * T);
      const silent = next() < (o.silentProb ?? 0);
      for (let r = 0; r < R; r++)
        for (let t = 0; t < T; t++) {
          const v = gain * drives[s]![t]! + normal();
          data[r * T + t] = silent ? 0 : o.counts ? Math.max(0, Math.round(v + 1)) : v;
        }
      out.responses[n]!.push({ data, repeats: R, bins: T });
      out.pred[n]!.push(Float64Array.from({ length: T }, (_, t) => gain * drives[s]![t]! + 0.5 * normal()));
      out.stimOf[n]!.push(s);
    }
  }
  return out;
}

/** The ragged data as one NaN-padded batch over all stims (pred junk-filled where there is no pair). */
export function toBatch(g: Ragged, neurons: number[] = g.responses.map((_, n) => n)) {
  const B = g.bins.length;
  const N = neurons.length;
  let R = 1;
  for (const n of neurons) for (const blk of g.responses[n]!) R = Math.max(R, blk.repeats);
  const T = Math.max(1, ...g.bins);
  const data = new Float64Array(B * N * R * T).fill(Number.NaN);
  const pred = new Float64Array(B * N * T).fill(0.25);
  neurons.forEach((n, j) => {
    g.responses[n]!.forEach((blk, k) => {
      const b = g.stimOf[n]![k]!;
      for (let r = 0; r < blk.repeats; r++)
        for (let t = 0; t < blk.bins; t++) data[((b * N + j) * R + r) * T + t] = blk.data[r * blk.bins + t]!;
      pred.set(g.pred[n]![k]!, (b * N + j) * T);
    });
  });
  const responses: ResponseBatch = { data, stims: B, neurons: N, repeats: R, bins: T };
  const predictions: PredictionBatch = { data: pred, stims: B, neurons: N, bins: T };
  return { responses, pred: predictions };
}

function mean(rows: Float64Array[]): Float64Array {
  const out = new Float64Array(rows[0]!.length);
  for (const r of rows) for (let t = 0; t < out.length; t++) out[t] = out[t]! + r[t]!;
  for (let t = 0; t < out.length; t++) out[t] = out[t]! / rows.length;
  return out;
}

function variance(x: Float64Array): number {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return s / (x.length - 1);
}

function pearson1d(x: Float64Array, y: Float64Array): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  const den = Math.sqrt(sxx * syy);
  return den < 1e-12 ? Number.NaN : sxy / den;
}

function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...acc, i]);
  };
  rec(0, []);
  return out;
}

/** The valid sub-block (rows with any non-NaN, columns with any non-NaN) as rows. */
function validRows(blk: RaggedBlock): Float64Array[] {
  const { data, repeats: R, bins: T } = blk;
  const rowOk = Array.from({ length: R }, (_, r) =>
    data.subarray(r * T, (r + 1) * T).some((v) => !Number.isNaN(v)),
  );
  const colOk = Array.from({ length: T }, (_, t) => rowOk.some((_, r) => !Number.isNaN(data[r * T + t]!)));
  const rows: Float64Array[] = [];
  for (let r = 0; r < R; r++) {
    if (!rowOk[r]) continue;
    rows.push(Float64Array.from(colOk.flatMap((ok, t) => (ok ? [data[r * T + t]!] : []))));
  }
  return rows;
}

/**
 * deepSTRF's per-block loops, literally: SP, NP, CCmax (undefined when the stim
 * does not contribute), rho and T_v; undefined if the block does not count.
 */
export function bruteBlock(blk: RaggedBlock, maxIters = 126) {
  let rows = validRows(blk);
  const Rv = rows.length;
  const Tv = Rv > 0 ? rows[0]!.length : 0;
  if (Rv < 2 || Tv < 2) return undefined;
  const psth = mean(rows);
  const tp = rows.reduce((a, r) => a + variance(r), 0) / Rv;
  const sp = (Rv * variance(psth) - tp) / (Rv - 1);
  let Re = Rv;
  if (Re % 2 === 1) {
    Re--;
    rows = rows.slice(0, Re);
  }
  const half = combinations(Re, Re / 2);
  const K = Math.min(Math.floor(half.length / 2), maxIters);
  let cc: number | undefined;
  let rho = Number.NaN;
  if (K > 0) {
    rho = 0;
    for (let i = 0; i < K; i++) {
      const a = mean(half[i]!.map((j) => rows[j]!));
      const b = mean(half[half.length - 1 - i]!.map((j) => rows[j]!));
      rho += pearson1d(a, b);
    }
    rho /= K;
    cc = rho <= 0 ? undefined : Math.sqrt((2 * rho) / (1 + rho));
  }
  return { sp, np: tp - sp, cc, rho, tv: Tv };
}
