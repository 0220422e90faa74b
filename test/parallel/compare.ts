// Strict comparison of two built datasets for the parallel and pipeline
// tests: every float array byte for byte (so -0 vs 0 and NaN payloads count),
// shapes, metadata, order, tallies, skipped files, options and provenance.

import assert from "node:assert/strict";
import type { DatasetData, Tensor } from "../../src/dataset/model.js";

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function assertSameTensor(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.ok(a.data instanceof Float32Array && b.data instanceof Float32Array, `${what}: Float32Array`);
  assert.equal(a.data.length, b.data.length, `${what}: length`);
  assert.ok(bytesOf(a.data).equals(bytesOf(b.data)), `${what}: bytes differ`);
}

/** Asserts `b` is the same dataset as `a`, bit for bit and in the same order. */
export function assertSameDataset(a: DatasetData, b: DatasetData): void {
  const { stims: sa, responses: ra, freqsHz: fa, ...restA } = a;
  const { stims: sb, responses: rb, freqsHz: fb, ...restB } = b;
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
