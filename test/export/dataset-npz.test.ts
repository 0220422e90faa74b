// The ac1-npz dataset export: full round trips in both modes (stored and
// deflated), the lazy view the viewer uses, the manifest layout of
// interchange.md, and exports that are not what they claim to be.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { openDatasetExport, readDatasetNpz, writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { ExportError } from "../../src/export/errors.js";
import { type ExportManifest, manifestJson } from "../../src/export/manifest.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { tempDir } from "../support/cli.js";
import { plainDataset } from "../support/dataset.js";
import { sampleDataset } from "./sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-dsnpz-")));
after(() => cleanup());

describe("writeDatasetNpz -> readDatasetNpz", () => {
  for (const mode of ["spectrogram", "waveform"] as const) {
    for (const compress of [true, false]) {
      it(`${mode}, ${compress ? "deflated" : "stored"}: deep-equal round trip`, async () => {
        const data = sampleDataset(mode);
        const path = join(dir, `${mode}-${compress}.npz`);
        const progress: [number, number][] = [];
        await writeDatasetNpz(data, path, { compress, onProgress: (d, t) => progress.push([d, t]) });
        const back = await readDatasetNpz(path);
        assert.deepEqual(plainDataset(back), plainDataset(data));
        assert.ok(back.stims[0]!.data instanceof Float32Array);
        assert.equal(back.responses[0]![2], null);
        assert.ok(Number.isNaN(back.responses[2]![2]!.data[1]!));
        const last = progress.at(-1)!;
        assert.equal(last[0], last[1]);
        assert.ok(progress.every(([d], i) => i === 0 || d >= progress[i - 1]![0]));
      });
    }
  }

  it("omits absent metadata keys instead of writing null", async () => {
    const data = sampleDataset("spectrogram");
    const path = join(dir, "absent.npz");
    await writeDatasetNpz(data, path);
    const r = await NpzReader.open(path);
    const text = await r.readString("manifest");
    await r.close();
    assert.equal(text.includes("null"), true, "audio_fs is null in spectrogram mode");
    const m = JSON.parse(text);
    assert.equal(m.audio_fs, null);
    assert.equal("class_n" in m.stims[2], false);
    assert.equal("_wehr_cell_idx" in m.neurons[2], false);
    assert.equal(JSON.stringify(m.stims).includes("null"), false);
    assert.equal(JSON.stringify(m.neurons).includes("null"), false);
  });

  it("writes the manifest layout of interchange.md", async () => {
    const data = sampleDataset("waveform");
    const path = join(dir, "layout.npz");
    await writeDatasetNpz(data, path);
    const r = await NpzReader.open(path);
    const m = JSON.parse(await r.readString("manifest"));
    const keys = r.keys();
    await r.close();
    for (const k of [
      "format",
      "version",
      "dt_ms",
      "F",
      "audio_fs",
      "signal_type",
      "freqs_hz",
      "options",
      "stims",
      "neurons",
      "rejections",
      "dropped_cells_empty",
      "skipped_files",
    ]) {
      assert.ok(k in m, `manifest.${k}`);
    }
    assert.equal(m.format, "ac1-npz");
    assert.equal(m.version, 1);
    assert.equal(m.audio_fs, 2000);
    assert.equal(m.freqs_hz.length, m.F);
    assert.deepEqual(Object.keys(m.options).sort(), [
      "audio_fs",
      "bins_per_octave",
      "detrend_gauss_ms",
      "detrend_med_ms",
      "dt_ms",
      "experimenter",
      "fmax",
      "fmin",
      "gating",
      "keep_rejected",
      "path",
      "return_waveform",
      "sites",
      "window_ms",
    ]);
    assert.deepEqual(Object.keys(m.options.gating).sort(), [
      "abs_mv_max",
      "max_step_frac",
      "min_xcorr",
      "step_mv",
    ]);
    assert.deepEqual(m.rejections, { range: 1, step: 1, xcorr: 1, kept: 8 });
    assert.deepEqual(keys.filter((k) => k.startsWith("resp_")).sort(), [
      "resp_0_0",
      "resp_0_1",
      "resp_1_0",
      "resp_2_2",
    ]);
    assert.deepEqual(keys.filter((k) => k.startsWith("stim_")).sort(), ["stim_0", "stim_1", "stim_2"]);
  });

  it("refuses values JSON cannot hold instead of writing null", async () => {
    const data = sampleDataset("spectrogram");
    (data.stimMeta[0] as { duration_s: number }).duration_s = Number.NaN;
    const path = join(dir, "nan-meta.npz");
    await assert.rejects(
      writeDatasetNpz(data, path),
      (e: unknown) => e instanceof ExportError && /manifest\.stims\[0\]\.duration_s is NaN/.test(e.message),
    );
  });

  it("refuses a manifest its reader would refuse (a release of 40000 broken files), writing nothing", async () => {
    // The build wrote a 30 MB manifest beside ~70 members, whose cap is ~5 MB: an export nobody could open.
    const data = sampleDataset("spectrogram");
    const reason = "byte 0: not a MAT file (no MI/IM endian indicator) (in /data/crcns-ac1.zip)";
    data.skippedFiles = Array.from({ length: 40000 }, (_, i) => ({
      path: `crcns-ac1/wehr/Results/20020624-mw-001/z${i}.mat`,
      reason,
    }));
    const path = join(dir, "huge-manifest.npz");
    await assert.rejects(
      writeDatasetNpz(data, path),
      (e: unknown) =>
        e instanceof ExportError &&
        /^cannot export to .*huge-manifest\.npz: its manifest would take \d+ bytes, more than the \d+ a reader accepts for an \.npz of \d+ members \(40000 skipped files, 3 stims: .*\); nothing written$/.test(
          e.message,
        ),
    );
    assert.equal(existsSync(path), false);
  });

  it("manifestJson names the first value JSON cannot hold by its path, and skips undefined keys", () => {
    const m = (extra: unknown) =>
      ({
        format: "ac1-npz",
        stims: [{ a: 1 }, { b: [0, extra] }],
        gone: undefined,
      }) as unknown as ExportManifest;
    assert.equal(manifestJson(m(2)), '{"format":"ac1-npz","stims":[{"a":1},{"b":[0,2]}]}');
    for (const [v, what] of [
      [Number.POSITIVE_INFINITY, "is Infinity, which JSON cannot hold"],
      [10n, "is a bigint"],
      [() => 0, "is a function"],
      [{ deep: { x: [Number.NaN] } }, "is NaN, which JSON cannot hold"],
    ] as const) {
      const path = typeof v === "object" ? "manifest.stims[1].b[1].deep.x[0]" : "manifest.stims[1].b[1]";
      assert.throws(
        () => manifestJson(m(v)),
        (e: unknown) =>
          e instanceof ExportError && e.message === `cannot export: manifest value ${path} ${what}`,
      );
    }
  });

  it("refuses tensors whose shape does not match their data", async () => {
    const data = sampleDataset("spectrogram");
    data.responses[1]![0] = { shape: [3, 8], data: new Float32Array(21) };
    await assert.rejects(
      writeDatasetNpz(data, join(dir, "bad-shape.npz")),
      /response \(1, 0\) has shape \(3, 8\) but 21 values/,
    );
  });
});

describe("openDatasetExport (lazy view)", () => {
  it("lists pairs from the directory and reads arrays on demand", async () => {
    const data = sampleDataset("spectrogram");
    const path = join(dir, "lazy.npz");
    await writeDatasetNpz(data, path);
    const view = await openDatasetExport(path);
    try {
      assert.equal(view.stimCount, 3);
      assert.equal(view.neuronCount, 3);
      assert.equal(view.manifest.F, 4);
      assert.deepEqual(view.pairs(), [
        { stim: 0, neuron: 0, repeats: 2, frames: 5 },
        { stim: 0, neuron: 1, repeats: 1, frames: 5 },
        { stim: 1, neuron: 0, repeats: 3, frames: 7 },
        { stim: 2, neuron: 2, repeats: 2, frames: 3 },
      ]);
      const st = await view.readStim(1);
      assert.deepEqual(st.shape, [1, 4, 7]);
      assert.deepEqual(Array.from(st.data), Array.from(data.stims[1]!.data));
      assert.equal(await view.readResponse(1, 1), null);
      const r = await view.readResponse(1, 0);
      assert.deepEqual(Array.from(r!.data), Array.from(data.responses[1]![0]!.data));
      const prov = await view.provenance();
      assert.deepEqual(prov, data.provenance);
      assert.throws(() => view.readStim(3), /stim 3 out of range/);
      await assert.rejects(view.readResponse(0, 5), /neuron 5 out of range/);
    } finally {
      await view.close();
    }
  });

  it("an export without provenance arrays reads as empty provenance", async () => {
    const data = sampleDataset("spectrogram");
    data.provenance = [];
    const path = join(dir, "noprov.npz");
    await writeDatasetNpz(data, path);
    const back = await readDatasetNpz(path);
    assert.deepEqual(back.provenance, []);
  });
});

describe("exports that are not what they claim", () => {
  /** The sample export's three stims (spectrogram, F = 4), as npzWith takes them. */
  const SAMPLE_STIMS: [string, number[], Float32Array][] = [
    ["stim_0", [1, 4, 5], new Float32Array(20)],
    ["stim_1", [1, 4, 7], new Float32Array(28)],
    ["stim_2", [1, 4, 3], new Float32Array(12)],
  ];

  async function npzWith(
    name: string,
    manifest: unknown,
    arrays: [string, number[], Float32Array][] = [],
  ): Promise<string> {
    const path = join(dir, name);
    const w = NpzWriter.create(path);
    const text = encodeUnicodeScalar(JSON.stringify(manifest));
    await w.add("manifest", text.dtype, [], text.data);
    for (const [k, shape, d] of arrays) await w.add(k, "<f4", shape, d);
    await w.close();
    return path;
  }

  async function manifestOf(mode: "spectrogram" | "waveform"): Promise<Record<string, unknown>> {
    const path = join(dir, `m-${mode}.npz`);
    await writeDatasetNpz(sampleDataset(mode), path);
    const r = await NpzReader.open(path);
    const m = JSON.parse(await r.readString("manifest"));
    await r.close();
    return m;
  }

  it("a plain npz without manifest", async () => {
    const path = join(dir, "plain.npz");
    const w = NpzWriter.create(path);
    await w.add("x", "<f4", [1], new Float32Array(1));
    await w.close();
    await assert.rejects(readDatasetNpz(path), /no manifest array: not an ac1-npz export/);
  });

  it("another format or a newer version", async () => {
    const m = await manifestOf("spectrogram");
    await assert.rejects(
      readDatasetNpz(await npzWith("fmt.npz", { ...m, format: "other" })),
      /not an ac1 export/,
    );
    await assert.rejects(
      readDatasetNpz(await npzWith("ver.npz", { ...m, version: 2 })),
      /unsupported ac1-npz version 2/,
    );
    await assert.rejects(
      readDatasetNpz(await npzWith("F.npz", { ...m, freqs_hz: [1, 2] })),
      /freqs_hz does not hold F=4/,
    );
  });

  it("a missing stim array, a misshapen one, a response outside the manifest", async () => {
    const m = await manifestOf("spectrogram");
    const stims = SAMPLE_STIMS.slice(0, 2);
    await assert.rejects(readDatasetNpz(await npzWith("nostim.npz", m, stims)), /missing array stim_2/);
    const bad: [string, number[], Float32Array][] = [...stims, ["stim_2", [1, 3, 3], new Float32Array(9)]];
    await assert.rejects(
      readDatasetNpz(await npzWith("shape.npz", m, bad)),
      /stim_2 has shape \(1, 3, 3\), expected \(1, 4, T\)/,
    );
    const good = SAMPLE_STIMS;
    await assert.rejects(
      readDatasetNpz(await npzWith("resp.npz", m, [...good, ["resp_9_0", [1, 3], new Float32Array(3)]])),
      /resp_9_0 is outside/,
    );
    await assert.rejects(
      readDatasetNpz(await npzWith("frames.npz", m, [...good, ["resp_0_0", [1, 4], new Float32Array(4)]])),
      /resp_0_0 has shape \(1, 4\), expected \(R, 5\)/,
    );
  });

  it("response_rates: written from the data and read back; a malformed list is an ExportError", async () => {
    const data = {
      ...sampleDataset("spectrogram"),
      responseRates: [
        { sfHz: 4000, firstIn: "wehr cell a" },
        { sfHz: 10000, firstIn: "asari cell b" },
      ],
    };
    const path = join(dir, "rates.npz");
    await writeDatasetNpz(data, path);
    assert.deepEqual((await readDatasetNpz(path)).responseRates, data.responseRates);
    const without = join(dir, "no-rates.npz");
    await writeDatasetNpz(sampleDataset("spectrogram"), without);
    assert.equal((await readDatasetNpz(without)).responseRates, undefined, "an export without them");
    const m = await manifestOf("spectrogram");
    const stims = SAMPLE_STIMS;
    for (const [i, bad] of [{}, [{ sf_hz: 0, first_in: "x" }], [{ sf_hz: 4000 }], ["4000"]].entries())
      await assert.rejects(
        readDatasetNpz(await npzWith(`bad-rates-${i}.npz`, { ...m, response_rates: bad }, stims)),
        (e: unknown) =>
          e instanceof ExportError &&
          /manifest response_rates is not a list of \{sf_hz > 0, first_in\}$/.test(e.message),
      );
  });

  it("a manifest that is not JSON", async () => {
    const path = join(dir, "notjson.npz");
    const w = NpzWriter.create(path);
    const text = encodeUnicodeScalar("{nope");
    await w.add("manifest", text.dtype, [], text.data);
    await w.close();
    await assert.rejects(readDatasetNpz(path), /manifest is not valid JSON/);
  });

  it("garbage instead of a zip", async () => {
    const path = join(dir, "garbage.npz");
    await writeFile(path, Buffer.alloc(1000, 0x41));
    await assert.rejects(openDatasetExport(path), ExportError);
  });

  it("any manifest field replaced by any JSON value gives a dataset or an ExportError (property)", async () => {
    const m = await manifestOf("spectrogram");
    const stims: [string, number[], Float32Array][] = [
      ...SAMPLE_STIMS,
      ["resp_0_0", [2, 5], new Float32Array(10)],
    ];
    const fields = [
      ...Object.keys(m),
      "options.gating",
      "options.dt_ms",
      "provenance.count",
      "response_rates",
      "stims.0",
      "neurons",
    ];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 2 }), async (field, value) => {
        const copy = structuredClone(m) as Record<string, unknown>;
        const [a, b] = field.split(".");
        if (b === undefined) copy[a!] = value;
        else if (copy[a!] && typeof copy[a!] === "object") (copy[a!] as Record<string, unknown>)[b] = value;
        const path = await npzWith(`prop-${n++}.npz`, copy, stims);
        try {
          await readDatasetNpz(path);
        } catch (e) {
          assert.ok(
            e instanceof ExportError,
            `${field}=${JSON.stringify(value)}: ${String((e as Error)?.stack ?? e)}`,
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});
