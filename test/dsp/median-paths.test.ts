// The sliding median for continuous data (sorted blocks) returns exactly what
// the heap filter returns, and what the rank-floor(k/2) definition gives, on signals long enough to cross many
// blocks, with ties, outliers and spreads that defeat the bucket sort; and
// medianFilter sends NaN, infinities and -0 to the heaps unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { finiteWithoutNegativeZero, medianFilter, SORTED_BLOCKS_MIN_K } from "../../src/dsp/median-filter.js";
import { slidingRankHeaps } from "../../src/dsp/median-heaps.js";
import { slidingRankSortedBlocks } from "../../src/dsp/median-sorted-blocks.js";
import { reflectExtend, reflectIndex } from "../../src/dsp/reflect.js";
import { mulberry32 } from "../../src/random/index.js";
import { irwinHall } from "../support/normal.js";

type Path = (ext: Float64Array, k: number, rank: number, nOut: number) => Float64Array;

function viaPath(path: Path, x: Float64Array, k: number): Float64Array {
  const half = k >> 1;
  return path(reflectExtend(x, half, k - 1 - half), k, half, x.length);
}

function bruteMedianFilter(x: Float64Array, k: number): Float64Array {
  const h = k >> 1;
  const out = new Float64Array(x.length);
  const win = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < k; j++) win[j] = x[reflectIndex(i - h + j, x.length)]!;
    win.sort();
    out[i] = win[h]!;
  }
  return out;
}

/** Signals of several kinds from one seed: continuous, clustered with outliers, tied, wildly spread. */
function makeSignal(kind: number, n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  const gauss = () => irwinHall(next);
  const pool = Float64Array.from({ length: 5 }, gauss);
  let drift = 0;
  return Float64Array.from({ length: n }, () => {
    switch (kind) {
      case 0:
        return gauss(); // white noise
      case 1:
        drift += 0.05 * gauss(); // Vm-like: drift, noise, sparse spikes
        return -60 + drift + 0.8 * gauss() + (next() < 0.01 ? 40 : 0);
      case 2:
        return pool[Math.floor(next() * pool.length)]!; // a few continuous values, many ties
      case 3:
        return Math.sign(next() - 0.5) * 10 ** (next() * 600 - 300); // spread over 600 decades
      case 4:
        return next() < 0.02 ? 1e300 : next() * 1e-3; // one far outlier per block squeezes the buckets
      default:
        return Math.round(gauss() * 4) / 4 + (next() < 0.5 ? 0 : 1e-9 * next()); // near-grid, off-grid
    }
  });
}

test("sorted blocks equal the heaps across many blocks (all signal kinds, k from 2 to 700)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 1, max: 6000 }),
      fc.integer({ min: 2, max: 700 }),
      fc.integer(),
      (kind, n, k, seed) => {
        const x = makeSignal(kind, n, seed);
        assert.deepEqual(viaPath(slidingRankSortedBlocks, x, k), viaPath(slidingRankHeaps, x, k));
      },
    ),
    { numRuns: 120 },
  );
});

test("sorted blocks equal the definition", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 2, max: 60 }),
      fc.integer(),
      (kind, n, k, seed) => {
        const x = makeSignal(kind, n, seed);
        assert.deepEqual(viaPath(slidingRankSortedBlocks, x, k), bruteMedianFilter(x, k));
      },
    ),
    { numRuns: 200 },
  );
});

test("block boundaries: windows of every phase, k = 33 over 8k-aligned lengths", () => {
  // Blocks hold 8k samples: lengths around multiples of 8k put windows on
  // every side of a block boundary, and the last block is cut anywhere.
  for (const k of [33, 34, 100]) {
    for (const n of [8 * k - k, 8 * k - 1, 8 * k, 8 * k + 1, 16 * k - (k >> 1), 24 * k + 7]) {
      for (const kind of [0, 1, 2]) {
        const x = makeSignal(kind, n, 1000 * k + n + kind);
        assert.deepEqual(
          viaPath(slidingRankSortedBlocks, x, k),
          viaPath(slidingRankHeaps, x, k),
          `${k} ${n}`,
        );
      }
    }
  }
});

test("medianFilter takes the heaps, unchanged, for NaN, infinities and -0", () => {
  const x = makeSignal(0, 3000, 5);
  assert.equal(finiteWithoutNegativeZero(x), true);
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]) {
    const y = x.slice();
    y[1234] = bad;
    y[17] = bad;
    assert.equal(finiteWithoutNegativeZero(y), false);
    for (const k of [5, SORTED_BLOCKS_MIN_K, 50, 1000])
      assert.deepEqual(medianFilter(y, k), viaPath(slidingRankHeaps, y, k));
  }
  const zeros = Float64Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : -1));
  assert.equal(finiteWithoutNegativeZero(zeros), true);
  assert.deepEqual(medianFilter(zeros, 40), bruteMedianFilter(zeros, 40));
});

test("medianFilter equals the heaps on long continuous traces at the production windows", () => {
  for (const k of [5, 12, 20, 40, 50, 100, 400, 1000, 2000, 5000]) {
    const x = makeSignal(1, 30000, k);
    assert.deepEqual(medianFilter(x, k), viaPath(slidingRankHeaps, x, k), `k=${k}`);
  }
});
