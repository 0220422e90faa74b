// Strict comparison of two built datasets for the parallel and pipeline
// tests: every float array byte for byte (so -0 vs 0 and NaN payloads count),
// spike counts and rejected repeats too, shapes, metadata, order, tallies,
// skipped files, options, provenance and split.

import assert from "node:assert/strict";
import type { DatasetData, Tensor } from "../../src/dataset/model.js";

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function assertSameTensor(
  a: { shape: number[]; data: Float32Array | Int32Array },
  b: { shape: number[]; data: Float32Array | Int32Array },
  what: string,
): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.equal(a.data.constructor, b.data.constructor, `${what}: array type`);
  assert.ok(
    a.data instanceof Float32Array || a.data instanceof Int32Array,
    `${what}: Float32Array or Int32Array`,
  );
  assert.equal(a.data.length, b.data.length, `${what}: length`);
  assert.ok(bytesOf(a.data).equals(bytesOf(b.data)), `${what}: bytes differ`);
}

type Grid = readonly (readonly ({ shape: number[]; data: Float32Array | Int32Array } | null)[])[];

function assertSameGrid(a: Grid | undefined, b: Grid | undefined, what: string): void {
  assert.equal(a === undefined, b === undefined, `${what}: present in both or neither`);
  if (a === undefined || b === undefined) return;
  assert.equal(a.length, b.length, `${what}: rows`);
  a.forEach((row, s) => {
    assert.equal(row.length, b[s]?.length, `${what} row ${s}: length`);
    row.forEach((x, n) => {
      const y = b[s]?.[n] ?? null;
      if (x === null) assert.equal(y, null, `${what} (${s}, ${n}) should be missing`);
      else {
        assert.notEqual(y, null, `${what} (${s}, ${n}) should be present`);
        assertSameTensor(x, y as Tensor, `${what} (${s}, ${n})`);
      }
    });
  });
}

/** Asserts `b` is the same dataset as `a`, bit for bit and in the same order. */
export function assertSameDataset(a: DatasetData, b: DatasetData): void {
  const { stims: sa, responses: ra, freqsHz: fa, spikeCounts: ca, rejected: ja, ...restA } = a;
  const { stims: sb, responses: rb, freqsHz: fb, spikeCounts: cb, rejected: jb, ...restB } = b;
  assertSameGrid(ca, cb, "spike counts");
  assertSameGrid(ja?.blocks, jb?.blocks, "rejected repeats");
  if (ja && jb) assertSameTensor(ja.unindexed, jb.unindexed, "unindexed rejected repeats");
  assert.ok(bytesOf(fa).equals(bytesOf(fb)), "freqsHz bytes differ");
  assert.equal(sa.length, sb.length, "stim count");
  for (const [s, t] of sa.entries()) assertSameTensor(t, sb[s] as Tensor, `stim ${s}`);
  assert.equal(ra.length, rb.length, "response rows");
  ra.forEach((row, s) => {
    const other = rb[s] as (Tensor | null)[];
    assert.equal(row.length, other.length, `response row ${s} length`);
    row.forEach((block, n) => {
      const o = other[n] ?? null;
      if (block === null) assert.equal(o, null, `response (${s}, ${n}) should be missing`);
      else {
        assert.notEqual(o, null, `response (${s}, ${n}) should be present`);
        assertSameTensor(block, o as Tensor, `response (${s}, ${n})`);
      }
    });
  });
  // Metadata, order, tallies, dropped cells, skipped files, options, provenance.
  assert.deepStrictEqual(restB, restA);
}
