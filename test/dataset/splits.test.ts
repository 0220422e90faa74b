// Dataset splits (the load option `split`, manifest.splits, Ac1Dataset's
// makeSplit / selectSplit): pinned to splits computed in python from their
// documentation (test/fixtures/dataset/make_split_goldens.py), largest
// remainder properties, the Rançon and stim-level methods on hand-made data,
// bad split options, and selecting a part.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { Ac1Dataset } from "../../src/dataset/dataset.js";
import type { SplitSpec } from "../../src/dataset/model.js";
import {
  MAX_SPLIT_SEED,
  makeSplit,
  resolveSplit,
  seededShuffle,
  splitCounts,
  splitStims,
  splitWarnings,
  splitWehrNeuronStims,
} from "../../src/dataset/splits.js";
import { Ac1Error, OptionError } from "../../src/errors.js";
import { fixture } from "../support/paths.js";
import { block, handmade, neuron } from "./handmade.js";

const goldens = JSON.parse(readFileSync(fixture("dataset", "splits.json"), "utf8")) as {
  shuffles: { seed: number; n: number; out: number[] }[];
  stim_splits: {
    S: number;
    fractions: [number, number, number];
    seed: number;
    counts: number[];
    train: number[];
    val: number[];
    test: number[];
  }[];
  rancon: {
    heard: number[];
    counts: [number, number, number];
    seed: number;
    train: number[];
    val: number[];
    test: number[];
  }[];
};

test("seeded shuffles, stim counts and splits equal the python restatement (every machine, every seed)", () => {
  for (const g of goldens.shuffles)
    assert.deepEqual(
      seededShuffle(
        Array.from({ length: g.n }, (_, i) => i),
        g.seed,
      ),
      g.out,
      `shuffle n=${g.n} seed=${g.seed}`,
    );
  for (const g of goldens.stim_splits) {
    const label = `S=${g.S} ${g.fractions} seed ${g.seed}`;
    assert.deepEqual(splitCounts(g.fractions, g.S), g.counts, label);
    // a dataset of S stims, one neuron hearing all of them, one hearing the even ones
    const responses = Array.from({ length: g.S }, (_, s) => [
      block([[s]]),
      s % 2 === 0 ? block([[s]]) : null,
    ]);
    const split = makeSplit(
      { responses, neuronMeta: [neuron("a", "A1"), neuron("b", "A1")] },
      { method: "stims", fractions: g.fractions },
      g.seed,
    );
    assert.deepEqual(split.stims, { train: g.train, val: g.val, test: g.test }, label);
    assert.deepEqual(split.counts, g.counts);
    assert.deepEqual(split.neurons[0], split.stims, `${label}: a neuron that heard every stim`);
    for (const part of ["train", "val", "test"] as const)
      assert.deepEqual(
        split.neurons[1]?.[part],
        split.stims?.[part].filter((s) => s % 2 === 0),
        `${label}: ${part} of the even neuron`,
      );
  }
  for (const g of goldens.rancon)
    assert.deepEqual(splitStims(g.heard, g.counts, g.seed), { train: g.train, val: g.val, test: g.test });
  assert.ok(goldens.stim_splits.some((g) => g.S === 219));
});

test("largest remainder: counts sum to S, each within 1 of its quota, never more than needed", () => {
  fc.assert(
    fc.property(
      fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000)).filter(([a, b, c]) => a + b + c > 0),
      fc.integer({ min: 1, max: 500 }),
      ([a, b, c], S) => {
        const total = a + b + c;
        const f: [number, number, number] = [a / total, b / total, c / total];
        const counts = splitCounts(f, S);
        assert.equal(counts[0] + counts[1] + counts[2], S);
        counts.forEach((k, i) => {
          assert.ok(Number.isInteger(k) && k >= 0);
          assert.ok(
            Math.abs(k - (f[i] as number) * S) < 1 + 1e-9,
            `part ${i}: ${k} vs ${(f[i] as number) * S}`,
          );
          if (f[i] === 0) assert.equal(k, 0, "a zero fraction gets no stim");
        });
      },
    ),
  );
  assert.deepEqual(splitCounts([0.7, 0.15, 0.15], 10), [7, 2, 1], "a tie goes to the earlier part");
  assert.deepEqual(splitCounts([0.7, 0.1, 0.2], 10), [7, 1, 2], "0.7 * 10 is 7.000000000000001 in floats");
  assert.deepEqual(splitCounts([0.1, 0.2, 0.7], 30), [3, 6, 21]);
});

test("stim-level split: the same test stims for every neuron, seeded, deterministic", () => {
  const d = handmade();
  const a = makeSplit(d, "stims:0.5,0.25,0.25", 11);
  assert.deepEqual(
    makeSplit(d, { method: "stims", fractions: [0.5, 0.25, 0.25] }, 11),
    a,
    "text and object forms",
  );
  assert.deepEqual(a.counts, [2, 1, 1]);
  const all = [...(a.stims?.train ?? []), ...(a.stims?.val ?? []), ...(a.stims?.test ?? [])].sort();
  assert.deepEqual(all, [0, 1, 2, 3]);
  d.responses.forEach((row, s) => {
    row.forEach((b, n) => {
      const part = (["train", "val", "test"] as const).find((p) => a.stims?.[p].includes(s));
      assert.ok(part);
      assert.equal(a.neurons[n]?.[part].includes(s), b !== null, `(${s}, ${n}) in ${part} iff it has data`);
    });
  });
  assert.deepEqual(a.unsplit, []);
  // another seed moves stims between parts at least once over a few seeds
  const others = [1, 2, 3, 4].map((seed) => makeSplit(d, "stims:0.5,0.25,0.25", seed).stims);
  assert.ok(others.some((o) => JSON.stringify(o) !== JSON.stringify(a.stims)));
});

test("Rançon split: per Wehr neuron with its counts; others and misfits get none, with a warning each", () => {
  const d = handmade();
  // neuron 0: _wehr_cell_idx 4 -> (1, 1, 1) over its 3 stims; neuron 1: idx 3 -> (7, 1, 1) but 2 stims; neuron 2: not Wehr
  d.neuronMeta[0] = neuron("20020101-mw-001", "A1", { _wehr_cell_idx: 4 });
  d.responses[2] = [block([[1, 2, 3, 4, 5]]), null, block([[10, 20, 30, 40, 50]])];
  const split = makeSplit(d, { method: "rancon" }, 3);
  assert.equal(split.method, "rancon");
  assert.equal(split.stims, undefined);
  assert.deepEqual(split.neurons[0], splitWehrNeuronStims(d.neuronMeta[0]!, 0, [0, 1, 2], 3));
  assert.deepEqual(split.neurons[0], new Ac1Dataset(d).splitNeuronStims(0, 3), "as splitNeuronStims");
  assert.equal(split.neurons[1], null);
  assert.equal(split.neurons[2], null);
  assert.deepEqual(
    split.unsplit.map((u) => u.neuron),
    [1, 2],
  );
  assert.match(split.unsplit[0]!.reason, /\(7, 1, 1\) add up to 9 stims but it has data for 2/);
  const w = splitWarnings(split, d.neuronMeta);
  assert.equal(w.length, 2);
  assert.match(
    w[0]!,
    /^split rancon \(seed 3\): neuron 1 \(20020101-mw-002\) gets no split: its Rançon counts/,
  );
  assert.match(w[1]!, /1 of 3 neurons are not Wehr cells and get no split/);
});

test("bad split options: one OptionError naming split or splitSeed", () => {
  const bad: [unknown, unknown, RegExp][] = [
    ["kfold", 0, /split="kfold": unknown split method/],
    [{ method: "random" }, 0, /unknown split method "random"/],
    [{ method: "stims" }, 0, /fractions missing/],
    ["stims:0.5,0.5", 0, /exactly three fractions/],
    ["stims:0.5,0.3,0.3", 0, /must sum to 1 \(they sum to 1.1\)/],
    ["stims:0.7,0.1,x", 0, /exactly three fractions/],
    ["stims:1.2,-0.1,-0.1", 0, /between 0 and 1/],
    [42, 0, /split=42/],
    ["rancon", -1, /splitSeed=-1: a whole number from 0 to 4294967295/],
    ["rancon", 1.5, /splitSeed=1.5/],
    ["rancon", MAX_SPLIT_SEED + 1, /splitSeed=4294967296/],
    ["rancon", "3", /splitSeed="3"/],
  ];
  for (const [split, seed, message] of bad) {
    assert.throws(
      () => resolveSplit(split, seed),
      (e: unknown) => e instanceof OptionError && message.test(e.message) && !e.message.includes("\n"),
      String(split),
    );
  }
  assert.deepEqual(resolveSplit(" RANCON "), { spec: { method: "rancon" }, seed: 0 });
  assert.deepEqual(resolveSplit("stims:0.7, 0.1 ,0.2", MAX_SPLIT_SEED), {
    spec: { method: "stims", fractions: [0.7, 0.1, 0.2] },
    seed: MAX_SPLIT_SEED,
  });
});

test("Ac1Dataset: makeSplit, selectSplit shows each neuron's part only, resetSplit, toData keeps the split", () => {
  const ds = new Ac1Dataset(handmade());
  assert.equal(ds.split, null);
  assert.throws(
    () => ds.selectSplit("test"),
    (e: unknown) => e instanceof Ac1Error && e.code === "SPLIT" && /no split/.test(e.message),
  );
  const spec: SplitSpec = { method: "stims", fractions: [0.5, 0.25, 0.25] };
  const split = ds.makeSplit(spec, 11);
  for (const part of ["train", "val", "test"] as const) {
    ds.selectSplit(part);
    assert.equal(ds.splitPart, part);
    assert.deepEqual(ds.iterableStims, split.stims?.[part], `${part}: the stims of the part`);
    for (const item of ds) {
      item.responses.forEach((b, i) => {
        const n = item.neurons[i] as number;
        assert.equal(b !== null, split.neurons[n]?.[part].includes(item.stimIndex) === true);
      });
    }
  }
  ds.resetSplit();
  assert.equal(ds.splitPart, null);
  assert.deepEqual(ds.iterableStims, [0, 1, 2, 3]);
  assert.deepEqual(ds.toData().split, split);
  assert.deepEqual(new Ac1Dataset(ds.toData()).split, split);
  assert.throws(
    () => ds.selectSplit("holdout" as never),
    (e: unknown) =>
      e instanceof OptionError &&
      e.option === "part" &&
      /part="holdout": an unknown split part/.test(e.message),
  );

  // Rançon: a part shows only the neurons with a split, and each neuron its own stims
  const d = handmade();
  d.neuronMeta[0] = neuron("20020101-mw-001", "A1", { _wehr_cell_idx: 4 });
  d.responses[2] = [block([[1, 2, 3, 4, 5]]), null, block([[10, 20, 30, 40, 50]])];
  const r = new Ac1Dataset(d);
  const rs = r.makeSplit("rancon", 3);
  r.selectSplit("test");
  assert.deepEqual(r.selectedNeurons, [0]);
  assert.deepEqual(r.iterableStims, rs.neurons[0]?.test);
  // concat drops the split (its indices belong to one part)
  const both = Ac1Dataset.concat([r, new Ac1Dataset(handmade())]);
  assert.equal(both.split, null);
});
