// PRED.npz hostile input (evaluation.md, "Contracts"; DEVELOPERS.md, hostile
// input): every way a predictions file can be wrong is refused by
// readPredictions with a PredictionError naming the file, the key and the
// problem, and by `ac1 score` with one line on stderr, exit 1 and nothing on
// stdout (nothing scored). The file is checked whole first: a bad array after
// good ones still stops everything. Valid forms (float32/float64, either
// byte order, (T,) or (1, T), Fortran order) are accepted.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PredictionError } from "../../src/errors.js";
import { readPredictions } from "../../src/evaluation/predictions.js";
import { openDatasetExport } from "../../src/export/dataset-npz.js";
import type { ExportView } from "../../src/export/export-view.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { runAc1, tempDir } from "../support/cli.js";
import { fixture } from "../support/paths.js";
import { makeZip } from "../support/zip.js";
import { goldenExport } from "./fixture.js";

/** T of the fixture's stims (make_goldens.py); pairs with data include (0, 0) (T 60), (1, 0) (T 90); (2, 0) has none. */
const T0 = 60;

/** A .npy with any header dict text (no checks) and payload. */
function rawNpy(dict: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  let text = dict;
  while ((10 + text.length + 1) % 64 !== 0) text += " ";
  text += "\n";
  const head = new Uint8Array(10 + text.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  head.set(Buffer.from(text, "latin1"), 10);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** A .npy of float values in the given float dtype (either byte order). */
function floats(
  dtype: "<f4" | ">f4" | "<f8" | ">f8",
  shape: number[],
  values: ArrayLike<number>,
): Uint8Array {
  const size = dtype.endsWith("4") ? 4 : 8;
  const little = dtype.startsWith("<");
  const payload = new Uint8Array(values.length * size);
  const v = new DataView(payload.buffer);
  for (let i = 0; i < values.length; i++) {
    if (size === 4) v.setFloat32(i * size, values[i]!, little);
    else v.setFloat64(i * size, values[i]!, little);
  }
  const h = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

function ramp(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i / 5));
}

const GOOD = { name: "pred_0_0.npy", data: floats("<f4", [T0], ramp(T0)) };

interface Case {
  name: string;
  /** The file's bytes. */
  file: () => Promise<Uint8Array> | Uint8Array;
  /** The key the error must name ("" for the file as a whole). */
  key: string;
  problem: RegExp;
}

const CASES: Case[] = [
  {
    name: "a truncated file",
    file: () => readFileSync(fixture("evaluation", "pred.npz")).subarray(0, 5000),
    key: "",
    problem: /not an \.npz: not a zip file, or truncated/,
  },
  {
    name: "not a zip at all",
    file: () => Buffer.from("these are not the predictions you are looking for"),
    key: "",
    problem: /not an \.npz/,
  },
  {
    name: "an empty .npz",
    file: () => makeZip([]),
    key: "",
    problem: /holds no pred_<stim>_<neuron> array: nothing to score/,
  },
  {
    name: "corrupt data (CRC-32 mismatch) in the last array",
    file: async () => {
      const npy = floats("<f8", [T0], ramp(T0));
      const zip = await makeZip([
        { name: "pred_1_0.npy", data: floats("<f4", [90], ramp(90)) },
        { name: "pred_0_0.npy", data: npy, compress: false },
      ]);
      const at = zip.indexOf(Buffer.from(npy.subarray(0, 80)));
      zip[at + npy.length - 3]! ^= 0x55;
      return zip;
    },
    key: "pred_0_0",
    problem: /CRC-32 mismatch/,
  },
  {
    name: "a huge declared shape over a few bytes",
    file: () =>
      makeZip([
        {
          name: "pred_0_0.npy",
          data: rawNpy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }",
            new Uint8Array(16),
          ),
        },
      ]),
    key: "pred_0_0",
    problem: /needs 8796093022208 bytes/,
  },
  {
    name: "an array bigger than any prediction for this export (its header says so)",
    file: () => makeZip([GOOD, { name: "pred_1_0.npy", data: floats("<f8", [20000], ramp(20000)) }]),
    key: "pred_1_0",
    problem: /shape \(20000,\), expected \(90,\) or \(1, 90\): stim 1 has 90 bins/,
  },
  {
    name: "a member bigger than any prediction for this export behind a plausible header",
    // the header declares (90,) float64, the member holds 20000 values: refused from the
    // header and the member's declared size, before its data are read
    file: () =>
      makeZip([
        GOOD,
        {
          name: "pred_1_0.npy",
          data: (() => {
            const head = floats("<f8", [90], ramp(90));
            const body = floats("<f8", [20000], ramp(20000));
            const h = head.length - 90 * 8;
            const out = new Uint8Array(h + 20000 * 8);
            out.set(head.subarray(0, h));
            out.set(body.subarray(body.length - 20000 * 8), h);
            return out;
          })(),
        },
      ]),
    key: "pred_1_0",
    problem: /dtype <f8 shape \(90\) needs 720 bytes after its \d+-byte header, the member holds 160000/,
  },
  {
    name: "a pickled object array (numpy-written)",
    file: () => readFileSync(fixture("evaluation", "pred-pickled.npz")),
    key: "pred_0_0",
    problem: /unsupported \.npy dtype "\|O": an object array \(pickled data\) is refused/,
  },
  {
    name: "an int32 array",
    file: () =>
      makeZip([
        {
          name: "pred_0_0.npy",
          data: rawNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (60,), }", new Uint8Array(240)),
        },
      ]),
    key: "pred_0_0",
    problem: /dtype <i4: predictions must be float32 or float64/,
  },
  {
    name: "a bool array",
    file: () =>
      makeZip([
        {
          name: "pred_0_0.npy",
          data: rawNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (60,), }", new Uint8Array(60)),
        },
      ]),
    key: "pred_0_0",
    problem: /dtype \|b1: predictions must be float32 or float64/,
  },
  {
    name: "a float16 array",
    file: () =>
      makeZip([
        {
          name: "pred_0_0.npy",
          data: rawNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (60,), }", new Uint8Array(120)),
        },
      ]),
    key: "pred_0_0",
    problem: /unsupported \.npy dtype "<f2"/,
  },
  {
    name: "a structured dtype",
    file: () =>
      makeZip([
        {
          name: "pred_0_0.npy",
          data: rawNpy(
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (60,), }",
            new Uint8Array(480),
          ),
        },
      ]),
    key: "pred_0_0",
    problem: /descr|dtype/,
  },
  {
    name: "one bin short",
    file: () => makeZip([{ name: "pred_0_0.npy", data: floats("<f4", [T0 - 1], ramp(T0 - 1)) }]),
    key: "pred_0_0",
    problem: /shape \(59,\), expected \(60,\) or \(1, 60\): stim 0 has 60 bins/,
  },
  {
    name: "two rows",
    file: () => makeZip([{ name: "pred_0_0.npy", data: floats("<f8", [2, T0], ramp(2 * T0)) }]),
    key: "pred_0_0",
    problem: /shape \(2, 60\), expected/,
  },
  {
    name: "a column",
    file: () => makeZip([{ name: "pred_0_0.npy", data: floats("<f8", [T0, 1], ramp(T0)) }]),
    key: "pred_0_0",
    problem: /shape \(60, 1\), expected/,
  },
  {
    name: "a 0-d scalar",
    file: () => makeZip([{ name: "pred_0_0.npy", data: floats("<f8", [], [1]) }]),
    key: "pred_0_0",
    problem: /shape \(\), expected/,
  },
  {
    name: "a NaN after good arrays",
    file: () => {
      const v = ramp(90);
      v[7] = Number.NaN;
      return makeZip([GOOD, { name: "pred_1_0.npy", data: floats(">f4", [1, 90], v) }]);
    },
    key: "pred_1_0",
    problem: /bin 7 is NaN: predictions must be finite/,
  },
  {
    name: "an infinity (big-endian float64)",
    file: () => {
      const v = ramp(T0);
      v[0] = Number.NEGATIVE_INFINITY;
      return makeZip([{ name: "pred_0_0.npy", data: floats(">f8", [T0], v) }]);
    },
    key: "pred_0_0",
    problem: /bin 0 is -Infinity/,
  },
  {
    name: "an ac1 export (the two files the other way round)",
    file: () =>
      makeZip([
        { name: "manifest.npy", data: floats("<f4", [1], [0]) },
        { name: "resp_0_0.npy", data: floats("<f4", [1, T0], ramp(T0)) },
      ]),
    key: "manifest",
    problem: /this is an ac1 export, not predictions: ac1 score takes the export first, then a PRED\.npz/,
  },
  {
    name: "a pair without data",
    file: () => makeZip([GOOD, { name: "pred_2_0.npy", data: floats("<f4", [41], ramp(41)) }]),
    key: "pred_2_0",
    problem:
      /neuron 0 has no data for stim 2 in .*golden\.npz \(no resp_2_0\): only pairs with data can be scored/,
  },
  {
    name: "a stim that does not exist",
    file: () => makeZip([{ name: "pred_99_0.npy", data: floats("<f4", [T0], ramp(T0)) }]),
    key: "pred_99_0",
    problem: /no stim 99 in .*golden\.npz \(it has 7 stims, 0\.\.6\)/,
  },
  {
    name: "a neuron that does not exist",
    file: () => makeZip([{ name: "pred_0_99.npy", data: floats("<f4", [T0], ramp(T0)) }]),
    key: "pred_0_99",
    problem: /no neuron 99 in .*golden\.npz \(it has 7 neurons, 0\.\.6\)/,
  },
  {
    name: "too many arrays for the export",
    file: () => makeZip(Array.from({ length: 1100 }, (_, i) => ({ name: `x${i}.npy`, data: "" }))),
    key: "",
    problem: /declares 1100 entries, more than the limit of 1022/,
  },
  ...[
    "prediction_0_0",
    "pred_0",
    "pred_01_0",
    "pred_0_0_1",
    "pred_-1_0",
    "Pred_0_0",
    "pred_0_0.npy.npy",
    "sub/pred_0_0",
  ].map(
    (key): Case => ({
      name: `an unparsable key ${key}`,
      file: () => makeZip([GOOD, { name: `${key}.npy`, data: floats("<f4", [T0], ramp(T0)) }]),
      key,
      problem: /not a prediction key: expected pred_<stim>_<neuron> with decimal indices/,
    }),
  ),
];

let work: { dir: string; cleanup: () => Promise<void> };
let exportPath: string;
let view: ExportView;
before(async () => {
  work = await tempDir("ac1-eval-pred-");
  exportPath = await goldenExport(work.dir);
  view = await openDatasetExport(exportPath);
});
after(async () => {
  await view.close();
  await work.cleanup();
});

async function writeCase(c: Case, i: number): Promise<string> {
  const path = join(work.dir, `bad-${i}.npz`);
  await writeFile(path, await c.file());
  return path;
}

describe("readPredictions refuses a bad PRED.npz with a PredictionError naming the key and the problem", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const path = await writeCase(c, i);
      await assert.rejects(readPredictions(path, view), (e: unknown) => {
        assert.ok(e instanceof PredictionError, `${c.name}: ${String(e)}`);
        assert.equal(e.code, "PREDICTION");
        assert.equal(e.file, path);
        assert.equal(e.key, c.key, `${c.name}: ${e.message}`);
        assert.match(e.problem, c.problem);
        assert.equal(e.message, c.key ? `${path}: ${c.key}: ${e.problem}` : `${path}: ${e.problem}`);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});

describe("ac1 score on a bad PRED.npz: one line naming the key, exit 1, nothing on stdout", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const path = await writeCase(c, 100 + i);
      const r = await runAc1(["score", exportPath, path, "--json"]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.startsWith(`ac1 score: ${path}: ${c.key ? `${c.key}: ` : ""}`), lines[0]);
      assert.match(lines[0]!, c.problem);
    });
  }
});

it("ac1 score PRED.npz FILE.npz (the other way round): one line saying the export comes first", async () => {
  const path = join(work.dir, "pred-first.npz");
  await writeFile(path, await makeZip([GOOD]));
  const r = await runAc1(["score", path, exportPath]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    `ac1 score: ${path}: no manifest array: not an ac1-npz export; it holds pred_<stim>_<neuron> arrays: ac1 score takes the export first, then PRED.npz\n`,
  );
});

it("ac1 score on an .npz that is neither an export nor predictions: the reader's line, no hint about the order", async () => {
  const path = join(work.dir, "other.npz");
  await writeFile(path, await makeZip([{ ...GOOD, name: "weights.npy" }]));
  const r = await runAc1(["score", path, exportPath]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `ac1 score: ${path}: no manifest array: not an ac1-npz export\n`);
});

it("accepts float32 and float64, either byte order, (T,), (1, T) and Fortran order; pairs sorted by neuron, then stim", async () => {
  const fortran = rawNpy(
    "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 60), }",
    new Uint8Array(Float64Array.from(ramp(T0)).buffer),
  );
  const path = join(work.dir, "good.npz");
  await writeFile(
    path,
    await makeZip([
      { name: "pred_1_0.npy", data: floats(">f4", [90], ramp(90)) },
      { name: "pred_0_0.npy", data: fortran },
      { name: "pred_1_2.npy", data: floats(">f8", [1, 90], ramp(90)), compress: false },
      { name: "pred_0_3", data: floats("<f4", [T0], ramp(T0)) },
    ]),
  );
  const set = await readPredictions(path, view);
  assert.deepEqual(
    set.pairs.map((p) => [p.key, p.data.length, p.data.constructor.name]),
    [
      ["pred_0_0", 60, "Float64Array"],
      ["pred_1_0", 90, "Float32Array"],
      ["pred_1_2", 90, "Float64Array"],
      ["pred_0_3", 60, "Float32Array"],
    ],
  );
  assert.equal(set.pairs[1]!.data[5], Math.fround(Math.sin(1)));
  assert.equal(set.pairs[2]!.data[5], Math.sin(1));
});
