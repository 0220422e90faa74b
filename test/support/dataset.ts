// Helpers for tests that compare whole DatasetData values (export round trips,
// the build cache): a plain form that node:assert's deepEqual and
// JSON.stringify compare element by element.

import type { DatasetData } from "../../src/dataset/model.js";

/** DatasetData with typed arrays turned into plain arrays (NaN kept, as deepEqual compares it). */
export function plainDataset(d: DatasetData): unknown {
  return {
    ...d,
    freqsHz: Array.from(d.freqsHz),
    stims: d.stims.map((t) => ({ shape: t.shape, data: Array.from(t.data) })),
    responses: d.responses.map((row) =>
      row.map((b) => (b ? { shape: b.shape, data: Array.from(b.data) } : null)),
    ),
  };
}
