// Property tests of the Ac1Dataset selection and indexing rules on random
// sparse datasets: whatever the selections, items are exactly the iterable
// stims, every item has data for a selected neuron, hidden neurons have no
// data inside the stim selection, masks are derived from the responses,
// and slices follow Python's semantics.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ac1Dataset, sliceIndices } from "../../src/dataset/index.js";
import type { DatasetData, ResponseBlock } from "../../src/dataset/model.js";
import { handmade, neuron, spec, wehrStim } from "./handmade.js";

/** A random (S, N) presence pattern with at least one pair per stim and per neuron. */
const patternArb = fc
  .record({ S: fc.integer({ min: 1, max: 7 }), N: fc.integer({ min: 1, max: 6 }) })
  .chain(({ S, N }) =>
    fc.array(fc.array(fc.boolean(), { minLength: N, maxLength: N }), { minLength: S, maxLength: S }),
  )
  .map((rows) => {
    const S = rows.length;
    const N = rows[0]?.length ?? 0;
    rows.forEach((row, s) => {
      row[s % N] = true;
    });
    for (let n = 0; n < N; n++) if (!rows.some((r) => r[n])) (rows[n % S] as boolean[])[n] = true;
    return rows;
  });

function datasetOf(rows: boolean[][]): DatasetData {
  const base = handmade();
  const N = rows[0]?.length ?? 0;
  return {
    ...base,
    stims: rows.map((_, s) => spec(2, 2 + s)),
    stimMeta: rows.map((_, s) => wehrStim(s, s % 2 ? "category1" : "fragments")),
    neuronMeta: Array.from({ length: N }, (_, n) =>
      neuron(`2002010${n}-mw-001`, n % 2 ? "MGB" : "A1", n % 3 ? {} : { _wehr_cell_idx: n }),
    ),
    responses: rows.map((row, s) =>
      row.map((has, n): ResponseBlock | null =>
        has ? { shape: [1, 2 + s], data: new Float32Array(2 + s).fill(n + 1) } : null,
      ),
    ),
    provenance: [],
  };
}

const selectionArb = (S: number, N: number) =>
  fc.record({
    // repeated indices included: a neuron listed twice is selected twice, a stim iterated once
    neurons: fc.option(fc.array(fc.integer({ min: 0, max: N - 1 }), { maxLength: N + 1 }), {
      nil: undefined,
    }),
    stims: fc.option(fc.array(fc.integer({ min: 0, max: S - 1 }), { maxLength: S + 1 }), {
      nil: undefined,
    }),
  });

test("items are exactly the iterable stims and respect both selections", () => {
  fc.assert(
    fc.property(
      patternArb.chain((rows) =>
        fc.tuple(fc.constant(rows), selectionArb(rows.length, rows[0]?.length ?? 1)),
      ),
      ([rows, sel]) => {
        const ds = new Ac1Dataset(datasetOf(rows));
        if (sel.neurons !== undefined) ds.selectNeurons(sel.neurons);
        if (sel.stims !== undefined) ds.selectStims(sel.stims);
        const stimUniverse = sel.stims ?? rows.map((_, s) => s);
        const neuronUniverse = sel.neurons ?? (rows[0] ?? []).map((_, n) => n);
        // visible neurons: selected (in selection order, repeats kept) and, inside a
        // stim selection, with data there
        const visible =
          sel.stims === undefined
            ? neuronUniverse
            : neuronUniverse.filter((n) => stimUniverse.some((s) => rows[s]?.[n]));
        assert.deepEqual(ds.selectedNeurons, visible);
        // iterable stims: ascending, inside the stim selection, with data for a visible neuron
        const iterable = rows
          .map((_, s) => s)
          .filter((s) => stimUniverse.includes(s) && visible.some((n) => rows[s]?.[n]));
        assert.deepEqual(ds.iterableStims, iterable);
        assert.equal(ds.length, iterable.length);
        const items = [...ds];
        assert.deepEqual(
          items.map((i) => i.stimIndex),
          iterable,
        );
        for (const it of items) {
          assert.ok(it.mask.some((m) => m));
          assert.deepEqual(
            it.mask,
            visible.map((n) => Boolean(rows[it.stimIndex]?.[n])),
          );
          it.responses.forEach((r, i) => {
            assert.equal(r === null, !it.mask[i]);
            if (r) assert.equal(r.data[0], (visible[i] as number) + 1);
          });
        }
        if (items.length > 0) assert.equal(ds.at(-1).stimIndex, iterable.at(-1));
        assert.deepEqual(
          ds.nrnMasks,
          rows.map((r) => r.map(Boolean)),
        );
      },
    ),
    { numRuns: 300 },
  );
});

/** Python's range(n)[start:stop:step], written out from the language reference. */
function pythonSlice(n: number, start: number | undefined, stop: number | undefined, step: number): number[] {
  const adjust = (v: number | undefined, dflt: number, lower: number, upper: number) => {
    if (v === undefined) return dflt;
    let x = v;
    if (x < 0) {
      x += n;
      if (x < 0) x = lower;
    } else if (x >= upper) x = upper;
    return x;
  };
  const out: number[] = [];
  if (step > 0) {
    const a = adjust(start, 0, 0, n);
    const b = adjust(stop, n, 0, n);
    for (let i = a; i < b; i += step) out.push(i);
  } else {
    const a = adjust(start, n - 1, -1, n - 1);
    const b = adjust(stop, -1, -1, n - 1);
    for (let i = a; i > b; i += step) out.push(i);
  }
  return out;
}

test("sliceIndices follows Python's slice rules", () => {
  const bound = fc.option(fc.integer({ min: -12, max: 12 }), { nil: undefined });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9 }),
      bound,
      bound,
      fc.integer({ min: -4, max: 4 }).filter((x) => x !== 0),
      (n, start, stop, step) => {
        assert.deepEqual(sliceIndices(n, { start, stop, step }), pythonSlice(n, start, stop, step));
      },
    ),
    { numRuns: 1000 },
  );
});
