// Hostile input, random: mutations and truncations of valid files (written
// by ac1 and from the corpus) raise nothing but MatError, finish, and keep
// the process's peak memory bounded.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import type { MatValue } from "../../src/mat/index.js";
import { cell, double, MatError, numeric, str, structArray, writeMat } from "../../src/mat/index.js";
import { fixture } from "../support/paths.js";
import { decodeAll } from "./hostile-support.js";

function seedFiles(): Uint8Array[] {
  const rich = [
    {
      name: "trace",
      value: numeric(
        "int16",
        Array.from({ length: 300 }, (_, i) => ((i * 37) % 2000) - 1000),
      ),
    },
    {
      name: "s",
      value: structArray([
        { a: str("hello"), b: cell([double([1, 2]), str("")]) },
        { a: str("w"), b: cell([], [0, 0]) },
      ]),
    },
    { name: "z", value: numeric("double", [1, 2.5], [1, 2], [0.5, -1]) },
    {
      name: "sp",
      value: {
        kind: "sparse",
        class: "double",
        dims: [3, 2],
        ir: Int32Array.of(0, 2),
        jc: Int32Array.of(0, 1, 2),
        real: Float64Array.of(1.5, -2),
      } as MatValue,
    },
    { name: "big", value: numeric("uint64", [1, 2, 3]) },
  ];
  const corpus = [
    "some_functions.mat",
    "teststructnest_6.1_SOL2.mat",
    "testsparsecomplex_7.4_GLNX86.mat",
    "testmulti_4.2c_SOL2.mat",
    "testunicode_7.4_GLNX86.mat",
    "logical_sparse.mat",
  ].map((f) => new Uint8Array(readFileSync(fixture("mat", "corpus", f))));
  return [
    writeMat(rich, { compress: true }),
    writeMat(rich, { compress: false }),
    writeMat(rich, { compress: false, endian: ">" }),
    writeMat(rich, { compress: true, endian: ">" }),
    ...corpus,
  ];
}

const INTERESTING = [0, 1, 4, 7, 8, 14, 15, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8, 0x00050004];

test("random mutations and truncations raise only MatError and stay bounded", { timeout: 300_000 }, () => {
  const seeds = seedFiles();
  const rssBeforeMb = process.resourceUsage().maxRSS / 1024;
  let rejected = 0;
  let accepted = 0;
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant("word" as const),
      at: fc.nat(),
      value: fc.constantFrom(...INTERESTING),
      le: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (seed, muts) => {
        let b = (seeds[seed] as Uint8Array).slice();
        for (const m of muts) {
          const at = m.at % Math.max(1, b.length);
          if (m.kind === "byte") b[at] = m.value;
          else if (m.kind === "word" && at + 4 <= b.length)
            new DataView(b.buffer, b.byteOffset).setUint32(at - (at % 4), m.value, m.le);
          else if (m.kind === "truncate") b = b.subarray(0, at);
        }
        try {
          decodeAll(b);
          accepted++;
        } catch (e) {
          if (!(e instanceof MatError)) throw e;
          assert.match(e.message, /^t\.mat: byte \d+: .+/);
          rejected++;
        }
      },
    ),
    { numRuns: 4000 },
  );
  const grewMb = process.resourceUsage().maxRSS / 1024 - rssBeforeMb;
  assert.ok(rejected > 1000, `only ${rejected} mutated files rejected (${accepted} accepted)`);
  assert.ok(grewMb < 200, `peak RSS grew by ${grewMb.toFixed(0)} MB over the mutation run`);
});
