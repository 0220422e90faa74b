// The export's modeller keys (interchange.md, "Added keys for modellers"):
// the manifest's units / stims / repeats / T / sf_hz / time / spike_counts /
// rejected / splits, the spk_ and rej_ arrays and prov_rej_row, the round
// trip through readDatasetNpz and the lazy view, and exports whose new keys
// lie (each an ExportError naming what is wrong).

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { openDatasetExport, readDatasetNpz, writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { ExportError } from "../../src/export/errors.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { tempDir } from "../support/cli.js";
import { plainDataset } from "../support/dataset.js";
import { sampleDataset } from "./sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-modeller-export-")));
after(() => cleanup());

async function written(name: string, extras = { rejected: true, split: true }) {
  const data = sampleDataset("spectrogram", 3, extras);
  const path = join(dir, name);
  await writeDatasetNpz(data, path);
  const r = await NpzReader.open(path);
  try {
    return { data, path, manifest: JSON.parse(await r.readString("manifest")), keys: r.keys() };
  } finally {
    await r.close();
  }
}

/** An .npz holding exactly these members (the manifest as JSON, the rest as given). */
async function npzOf(
  name: string,
  manifest: unknown,
  members: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[],
): Promise<string> {
  const path = join(dir, name);
  const w = NpzWriter.create(path);
  const text = encodeUnicodeScalar(JSON.stringify(manifest));
  await w.add("manifest", text.dtype, [], text.data);
  for (const m of members) await w.add(m.name, m.dtype, m.shape, m.data);
  await w.close();
  return path;
}

/** Every member of an export but the manifest, as written. */
async function membersOf(path: string) {
  const r = await NpzReader.load(path);
  try {
    const out: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[] = [];
    for (const k of r.keys()) {
      if (k === "manifest") continue;
      const a = await r.read(k);
      out.push({ name: k, dtype: a.dtype, shape: a.shape, data: a.data });
    }
    return out;
  } finally {
    await r.close();
  }
}

describe("the manifest's modeller keys", () => {
  it("per neuron units, stims, repeats; per stim T and sf_hz; time", async () => {
    const { manifest: m } = await written("keys.npz");
    assert.deepEqual(
      m.neurons.map((n: Record<string, unknown>) => [n.units, n.stims, n.repeats]),
      [
        ["mV", [0, 1], [2, 3]],
        ["a.u.", [0], [1]],
        ["mV", [2], [2]],
      ],
    );
    assert.deepEqual(
      m.stims.map((s: Record<string, unknown>) => [s.T, s.sf_hz]),
      [
        [5, 44100],
        [7, 97656],
        [3, 97656],
      ],
    );
    assert.equal(m.time.spectrogram_floor_db, -240);
    assert.equal(m.time.response_bin_start_ms, 0);
    assert.equal(m.time.stim_frame_centre_ms, 0);
    assert.equal(m.time.dt_ms, 5);
    assert.match(m.time.response_bin, /\[i\*dt_ms, \(i\+1\)\*dt_ms\)/);
    assert.match(m.time.stim_frame, /centred at i\*dt_ms/);
    assert.equal(m.spike_counts.dtype, "int32");
    assert.equal(m.rejected.units, "mV");
    assert.equal(m.rejected.rows, 3);
    assert.equal(m.rejected.unindexed_rows, 1);
    assert.equal(m.options.keep_rejected, true);
  });

  it("waveform mode says how a stim frame maps to audio samples", async () => {
    const data = sampleDataset("waveform");
    const path = join(dir, "wave.npz");
    await writeDatasetNpz(data, path);
    const view = await openDatasetExport(path);
    try {
      const t = view.manifest.time as Record<string, unknown>;
      assert.equal(t.stim_frame_start_ms, 0);
      assert.match(String(t.stim_frame), /audio samples \[i\*hop, \(i\+1\)\*hop\) at audio_fs \(2000 Hz\)/);
      assert.equal(t.stim_frame_centre_ms, undefined);
      assert.equal(
        (view.manifest.stims as Record<string, unknown>[]).map((s) => s.T).join(","),
        "5,7,3",
        "T in bins, not audio samples",
      );
    } finally {
      await view.close();
    }
  });

  it("splits: method, seed, fractions, counts, stim-level and per-neuron parts, the rules in words", async () => {
    const { manifest: m, data } = await written("split.npz");
    const sp = m.splits;
    assert.equal(sp.method, "stims");
    assert.equal(sp.seed, 5);
    assert.deepEqual(sp.fractions, [0.4, 0.3, 0.3]);
    assert.deepEqual(sp.counts, [1, 1, 1]);
    assert.deepEqual(sp.stims, data.split?.stims);
    assert.deepEqual(sp.neurons, data.split?.neurons);
    assert.match(sp.rounding, /largest remainders/);
    assert.match(sp.shuffle, /Fisher-Yates .* mulberry32\(seed\)/);
  });

  it("arrays: spk_ int32 beside its response, rej_ per pair with rows in provenance order, prov_rej_row", async () => {
    const { keys, path, data } = await written("arrays.npz");
    assert.deepEqual(keys.filter((k) => k.startsWith("spk_")).sort(), ["spk_0_1"]);
    assert.deepEqual(keys.filter((k) => k.startsWith("rej_")).sort(), [
      "rej_0_0",
      "rej_2_2",
      "rej_unindexed",
    ]);
    const r = await NpzReader.open(path);
    try {
      const spk = await r.read("spk_0_1");
      assert.equal(spk.dtype, "<i4");
      assert.deepEqual(spk.shape, [1, 5]);
      assert.deepEqual(spk.data, data.spikeCounts?.[0]?.[1]?.data);
      const link = await r.read("prov_rej_row");
      // rows: kept (-1), range of (0, 0): row 0, dropped cell: unindexed row 0, step of (2, 2): row 0
      assert.deepEqual(Array.from(link.data as Int32Array), [-1, 0, 0, 0]);
      assert.deepEqual((await r.read("rej_unindexed")).shape, [1, 0], "an empty repeat: a row of no bins");
    } finally {
      await r.close();
    }
  });

  it("a dataset without counts, rejected repeats or split writes none of their keys", async () => {
    const data = sampleDataset("spectrogram");
    delete data.spikeCounts;
    const path = join(dir, "bare.npz");
    await writeDatasetNpz(data, path);
    const r = await NpzReader.open(path);
    const m = JSON.parse(await r.readString("manifest"));
    const keys = r.keys();
    await r.close();
    for (const k of ["spike_counts", "rejected", "splits"]) assert.equal(k in m, false, k);
    assert.equal(
      keys.some((k) => /^(spk|rej)_|^prov_rej_row$/.test(k)),
      false,
    );
    assert.ok("time" in m && "units" in m.neurons[0], "time and units are always there");
    const back = await readDatasetNpz(path);
    assert.equal(back.spikeCounts, undefined);
    assert.equal(back.rejected, undefined);
    assert.equal(back.split, undefined);
  });
});

describe("reading them back", () => {
  for (const compress of [true, false]) {
    it(`readDatasetNpz: deep-equal round trip with counts, rejected repeats and split (${compress ? "deflated" : "stored"})`, async () => {
      const data = sampleDataset("spectrogram", 3, { rejected: true, split: true });
      const path = join(dir, `rt-${compress}.npz`);
      await writeDatasetNpz(data, path, { compress });
      const back = await readDatasetNpz(path);
      const plain = (d: typeof data) => ({
        ...(plainDataset(d) as Record<string, unknown>),
        spikeCounts: d.spikeCounts?.map((row) =>
          row.map((c) => (c ? { shape: c.shape, data: Array.from(c.data) } : null)),
        ),
        rejected: d.rejected && {
          blocks: d.rejected.blocks.map((row) =>
            row.map((b) => (b ? { shape: b.shape, data: Array.from(b.data) } : null)),
          ),
          unindexed: { shape: d.rejected.unindexed.shape, data: Array.from(d.rejected.unindexed.data) },
        },
      });
      assert.deepEqual(plain(back), plain(data));
      assert.ok(back.spikeCounts?.[0]?.[1]?.data instanceof Int32Array);
      assert.ok(Number.isNaN(back.rejected?.blocks[2]?.[2]?.data[3] as number));
      // the derived keys do not linger in the metadata
      assert.equal("T" in (back.stimMeta[0] as object), false);
      assert.equal("stims" in (back.neuronMeta[0] as object), false);
      assert.equal("repeats" in (back.neuronMeta[0] as object), false);
    });
  }

  it("the lazy view reads spike counts and rejected repeats pair by pair", async () => {
    const { path, data } = await written("lazy.npz");
    const view = await openDatasetExport(path);
    try {
      assert.deepEqual(await view.readSpikeCounts(0, 1), data.spikeCounts?.[0]?.[1]);
      assert.equal(await view.readSpikeCounts(0, 0), null);
      const rej = await view.readRejected(0, 0);
      assert.deepEqual(rej?.shape, [1, 6]);
      assert.deepEqual(Array.from(rej?.data ?? []), Array.from(data.rejected?.blocks[0]?.[0]?.data ?? []));
      assert.equal(await view.readRejected(1, 0), null);
      await assert.rejects(view.readSpikeCounts(7, 0), /stim 7 out of range/);
      await assert.rejects(view.readRejected(0, -1), /neuron -1 out of range/);
    } finally {
      await view.close();
    }
  });
});

describe("exports whose modeller keys lie", () => {
  async function lying(
    name: string,
    edit: (m: Record<string, unknown>, members: Awaited<ReturnType<typeof membersOf>>) => void,
  ) {
    const { path, manifest } = await written(`${name}-src.npz`);
    const members = await membersOf(path);
    edit(manifest, members);
    return npzOf(`${name}.npz`, manifest, members);
  }

  const cases: [
    string,
    (m: Record<string, unknown>, a: Awaited<ReturnType<typeof membersOf>>) => void,
    RegExp,
  ][] = [
    [
      "neuron stims",
      (m) => {
        (m.neurons as Record<string, unknown>[])[0]!.stims = [0];
      },
      /manifest neurons\[0\]\.stims is \[0\], the resp_<s>_0 arrays give \[0,1\]/,
    ],
    [
      "neuron repeats",
      (m) => {
        (m.neurons as Record<string, unknown>[])[2]!.repeats = [5];
      },
      /neurons\[2\]\.repeats is \[5\]/,
    ],
    [
      "stim T",
      (m) => {
        (m.stims as Record<string, unknown>[])[1]!.T = 70;
      },
      /stims\[1\]\.T is 70, stim_1 has 7 frames/,
    ],
    [
      "spk dtype",
      (_m, a) => {
        const i = a.findIndex((x) => x.name === "spk_0_1");
        a[i] = { name: "spk_0_1", dtype: "<f4", shape: [1, 5], data: new Float32Array(5) };
      },
      /spk_0_1 is <f4 \(1, 5\), expected <i4 \(R, T\)/,
    ],
    [
      "spk shape",
      (_m, a) => {
        const i = a.findIndex((x) => x.name === "spk_0_1");
        a[i] = { name: "spk_0_1", dtype: "<i4", shape: [2, 5], data: new Int32Array(10) };
      },
      /spk_0_1 has shape \(2, 5\), its response \(1, 5\)/,
    ],
    [
      "spk without a response",
      (_m, a) => {
        a.push({ name: "spk_1_1", dtype: "<i4", shape: [1, 7], data: new Int32Array(7) });
      },
      /spk_1_1 has shape \(1, 7\), its response is missing/,
    ],
    [
      "spk without the manifest saying so",
      (m) => {
        delete m.spike_counts;
      },
      /spk_ arrays but no manifest spike_counts/,
    ],
    [
      "rej rows",
      (_m, a) => {
        const i = a.findIndex((x) => x.name === "rej_2_2");
        a[i] = { name: "rej_2_2", dtype: "<f4", shape: [2, 2], data: new Float32Array(4) };
      },
      /rej_2_2 holds 2 rows, the provenance has 1 rejected repeats of \(stim 2, neuron 2\)/,
    ],
    [
      "prov_rej_row",
      (_m, a) => {
        const i = a.findIndex((x) => x.name === "prov_rej_row");
        a[i] = { name: "prov_rej_row", dtype: "<i4", shape: [4], data: Int32Array.of(-1, 1, 0, 0) };
      },
      /prov_rej_row does not link the provenance records to the rejected rows in order/,
    ],
    [
      "rej without rej_unindexed",
      (_m, a) => {
        a.splice(
          a.findIndex((x) => x.name === "rej_unindexed"),
          1,
        );
      },
      /manifest rejected but no rej_unindexed or prov_rej_row/,
    ],
    [
      "split stims out of range",
      (m) => {
        ((m.splits as Record<string, unknown>).neurons as { test: number[] }[])[0]!.test = [9];
      },
      /manifest splits\.neurons\[0\]\.test is not a list of indices below 3/,
    ],
    [
      "split with a neuron missing",
      (m) => {
        ((m.splits as Record<string, unknown>).neurons as unknown[]).pop();
      },
      /splits\.neurons does not hold one entry per neuron \(3\)/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(name, async () => {
      const path = await lying(name.replace(/\W+/g, "-"), edit);
      await assert.rejects(
        readDatasetNpz(path),
        (e: unknown) => e instanceof ExportError && message.test(e.message) && !e.message.includes("\n"),
      );
    });
  }

  it("any modeller key replaced by any JSON value gives a dataset or an ExportError (property)", async () => {
    const { path, manifest } = await written("prop-src.npz");
    const members = await membersOf(path);
    const fields = [
      "time",
      "spike_counts",
      "rejected",
      "splits",
      "splits.neurons",
      "splits.stims",
      "splits.fractions",
      "splits.seed",
      "stims.0",
      "neurons.1",
    ];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 2 }), async (field, value) => {
        const copy = structuredClone(manifest) as Record<string, unknown>;
        const [a, b] = field.split(".");
        if (b === undefined) copy[a!] = value;
        else (copy[a!] as Record<string, unknown>)[b] = value;
        const p = await npzOf(`prop-${n++}.npz`, copy, members);
        try {
          await readDatasetNpz(p);
        } catch (e) {
          assert.ok(
            e instanceof ExportError,
            `${field}=${JSON.stringify(value)}: ${String((e as Error)?.stack ?? e)}`,
          );
        }
      }),
      { numRuns: 120 },
    );
  });
});
