// The viewer's data layer on its own: payload encoding, histograms, the LRU
// cache, per-frame envelopes and means, request-target vetting, and the
// documents served for exports in waveform mode and without provenance.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { openDatasetExport, writeDatasetNpz } from "../../src/export/index.js";
import { ViewerData } from "../../src/viewer/data.js";
import { histogram } from "../../src/viewer/histogram.js";
import { LruCache } from "../../src/viewer/lru.js";
import { frameEnvelope, meanOverRepeats } from "../../src/viewer/pair-arrays.js";
import { decodePayload, encodePayload } from "../../src/viewer/payload.js";
import { vetRequestTarget } from "../../src/viewer/server.js";
import type { ViewerSource } from "../../src/viewer/source.js";
import { tempDir } from "../support/cli.js";
import { projectRoot } from "../support/paths.js";
import { buildFixture, REPEATS, STIM_FRAMES } from "./fixture.js";

test("encodePayload/decodePayload round-trip any header and float32 arrays", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
      fc.array(fc.array(fc.float({ noNaN: false }), { maxLength: 40 }), { maxLength: 4 }),
      (header, lists) => {
        const arrays = lists.map((l, i) => ({
          name: `a${i}`,
          shape: [l.length],
          data: Float32Array.from(l),
        }));
        const buf = encodePayload(header, arrays);
        assert.equal((buf.readUInt32LE(4) + 8) % 4, 0, "the data section is 4-byte aligned");
        const back = decodePayload(buf);
        for (const [k, v] of Object.entries(header)) if (k !== "arrays") assert.deepEqual(back.header[k], v);
        for (const a of arrays) assert.deepEqual(back.arrays.get(a.name), a.data);
      },
    ),
  );
  assert.throws(() => decodePayload(new Uint8Array(16)), /not an AC1P payload/);
  const good = encodePayload({}, [{ name: "x", shape: [4], data: new Float32Array(4) }]);
  assert.throws(() => decodePayload(good.subarray(0, good.length - 4)), /runs past the end/);
});

test("the browser's decoder (web/api.js decodePair) reads what the server encodes", async () => {
  const url = pathToFileURL(join(projectRoot, "src", "viewer", "web", "api.js")).href;
  const { decodePair } = (await import(url)) as { decodePair: typeof decodePayload };
  const header = { stim: 3, label: "tone × 2", mode: "spectrogram" };
  const arrays = [
    { name: "stim", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, Number.NaN]) },
    { name: "mean", shape: [3], data: Float32Array.from([-0.5, 0, 1e-30]) },
  ];
  const decoded = decodePair(encodePayload(header, arrays));
  assert.deepEqual(decoded.header, decodePayload(encodePayload(header, arrays)).header);
  for (const a of arrays) assert.deepEqual(decoded.arrays.get(a.name), a.data);
  assert.throws(() => decodePair(new Uint8Array(16)), /bad magic/);
});

test("histogram: every value in exactly one bin, nice edges from 0, whole-number bins for counts", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }),
      (values) => {
        const h = histogram(values);
        assert.equal(h.edges.length, h.counts.length + 1);
        assert.equal(h.edges[0], 0);
        assert.equal(
          h.counts.reduce((a, b) => a + b, 0),
          values.length,
        );
        for (const v of values) {
          const inBins = h.counts.filter(
            (_, i) => v >= h.edges[i]! && (v < h.edges[i + 1]! || i === h.counts.length - 1),
          );
          assert.ok(inBins.length >= 1);
        }
        assert.ok(h.edges.at(-1)! > Math.max(...values));
      },
    ),
  );
  const counts = histogram([3, 3, 4, 12], { integer: true });
  assert.deepEqual(counts.edges.slice(0, 3), [0, 1, 2]);
  assert.equal(counts.counts[3], 2);
  assert.equal(counts.counts[12], 1);
});

test("LruCache evicts the least recently used entry by count and by bytes", () => {
  const c = new LruCache<string>(2, 100);
  c.set("a", "A", 10);
  c.set("b", "B", 10);
  assert.equal(c.get("a"), "A");
  c.set("c", "C", 10);
  assert.equal(c.get("b"), undefined, "b was least recently used");
  assert.equal(c.get("a"), "A");
  c.set("big", "X", 95);
  assert.equal(c.size, 1, "byte budget forces the others out");
  c.set("huge", "Y", 101);
  assert.equal(c.get("huge"), undefined, "entries above the budget are not cached");
});

test("frameEnvelope and meanOverRepeats", () => {
  const env = frameEnvelope(Float32Array.from([0, 1, -2, 3, 0.5, -0.5, 4]), 3, 3);
  assert.deepEqual(Array.from(env.min), [-2, -0.5, 4]);
  assert.deepEqual(Array.from(env.max), [1, 3, 4]);
  const mean = meanOverRepeats({
    shape: [3, 2],
    data: Float32Array.from([1, Number.NaN, 3, 5, 5, Number.NaN]),
  });
  assert.deepEqual(Array.from(mean), [3, 5]);
  const none = meanOverRepeats({ shape: [1, 1], data: Float32Array.from([Number.NaN]) });
  assert.ok(Number.isNaN(none[0]));
});

test("vetRequestTarget accepts plain paths and refuses traversal in any spelling", () => {
  const ok = vetRequestTarget("/api/provenance?neuron=3&stim=1");
  assert.ok("path" in ok);
  assert.equal(ok.path, "/api/provenance");
  assert.equal(ok.query.get("neuron"), "3");
  for (const bad of [
    undefined,
    "",
    "*",
    "http://x/",
    "/..",
    "/a/../b",
    "/%2e%2e/x",
    "/a/%2E%2e%2fb",
    "/a\\b",
    "/a%5cb",
    "/a%5Cb",
    "//host/x",
    "/a%00b",
    "/%E0%A4%A",
    "/./x",
  ]) {
    assert.ok("reject" in vetRequestTarget(bad), `accepted ${bad}`);
  }
});

test("waveform-mode export: the pair carries per-frame min/max of the audio", async () => {
  const tmp = await tempDir("ac1-viewer-wave-");
  try {
    const { data } = buildFixture();
    const hop = 48; // audioFs 9600 Hz at 5 ms
    data.audioFs = 9600;
    data.hop = hop;
    data.options.returnWaveform = true;
    data.options.audioFs = 9600;
    data.stims = STIM_FRAMES.map((T, s) => {
      const w = new Float32Array(T * hop);
      for (let i = 0; i < w.length; i++)
        w[i] = Math.sin((2 * Math.PI * (s + 1) * 440 * i) / 9600) * (i / w.length);
      return { shape: [1, T * hop], data: w };
    });
    const path = join(tmp.dir, "wave.npz");
    await writeDatasetNpz(data, path);
    const view = new ViewerData((await openDatasetExport(path)) as unknown as ViewerSource, "wave.npz");
    try {
      const summary = await view.summary();
      assert.equal(summary.mode, "waveform");
      assert.equal(summary.audioFs, 9600);
      const { header, arrays } = decodePayload(await view.pairPayload(1, 3));
      assert.equal(header.mode, "waveform");
      assert.deepEqual(
        header.arrays.map((a) => [a.name, a.shape]),
        [
          ["stimMin", [STIM_FRAMES[1]]],
          ["stimMax", [STIM_FRAMES[1]]],
          ["responses", [REPEATS[1]![3], STIM_FRAMES[1]]],
          ["mean", [STIM_FRAMES[1]]],
        ],
      );
      const wave = data.stims[1]!.data;
      const lo = arrays.get("stimMin")!;
      const hi = arrays.get("stimMax")!;
      for (const t of [0, 17, STIM_FRAMES[1]! - 1]) {
        const frame = wave.subarray(t * hop, (t + 1) * hop);
        assert.equal(lo[t], Math.min(...frame));
        assert.equal(hi[t], Math.max(...frame));
      }
      const lone = decodePayload(await view.stimPayload(2));
      assert.equal(lone.header.frames, STIM_FRAMES[2]);
      assert.equal(lone.arrays.get("stimMax")!.length, STIM_FRAMES[2]);
    } finally {
      await view.source.close();
    }
  } finally {
    await tmp.cleanup();
  }
});

test("an export without provenance: kept repeats only, tallies marked unknown", async () => {
  const tmp = await tempDir("ac1-viewer-noprov-");
  try {
    const { data } = buildFixture();
    data.provenance = [];
    const path = join(tmp.dir, "noprov.npz");
    await writeDatasetNpz(data, path);
    const view = new ViewerData((await openDatasetExport(path)) as unknown as ViewerSource, "noprov.npz");
    try {
      const summary = await view.summary();
      assert.equal(summary.provenanceAvailable, false);
      assert.deepEqual(summary.rejections, { ...data.rejections }, "the manifest tally is still shown");
      const neurons = await view.neurons();
      for (const n of neurons) assert.equal(n.tally, null);
      const stims = await view.neuronStims(2);
      assert.ok((stims.stims as { tally: unknown }[]).every((s) => s.tally === null));
      assert.equal((stims.stims as unknown[]).length, REPEATS.filter((row) => (row[2] ?? 0) > 0).length);
      const prov = await view.provenanceFor(3, 3);
      assert.equal(prov.available, false);
      assert.deepEqual(prov.repeats, []);
      const cohort = await view.cohort();
      assert.equal(cohort.provenanceAvailable, false);
      const cells = cohort.cells as { kept: number; range: number }[];
      assert.equal(cells.length, data.neuronMeta.length);
      assert.deepEqual(
        cells.map((c) => c.kept),
        [0, 1, 2, 3, 4].map((n) => REPEATS.reduce((a, row) => a + (row[n] ?? 0), 0)),
      );
    } finally {
      await view.source.close();
    }
  } finally {
    await tmp.cleanup();
  }
});

test("the spectrogram colour map is viridis: reference colours, monotonic lightness", async () => {
  const url = pathToFileURL(join(projectRoot, "src", "viewer", "web", "colormap.js")).href;
  const { VIRIDIS_LUT } = (await import(url)) as { VIRIDIS_LUT: Uint8ClampedArray };
  assert.equal(VIRIDIS_LUT.length, 256 * 3);
  // matplotlib's viridis at 0, 64, 128, 191, 255 (#440154 #3b528b #21918c #5ec962 #fde725).
  const reference: [number, number[]][] = [
    [0, [68, 1, 84]],
    [64, [59, 82, 139]],
    [128, [33, 145, 140]],
    [191, [94, 201, 98]],
    [255, [253, 231, 37]],
  ];
  for (const [i, rgb] of reference) {
    for (let c = 0; c < 3; c++) {
      assert.ok(
        Math.abs(VIRIDIS_LUT[i * 3 + c]! - rgb[c]!) <= 6,
        `entry ${i} channel ${c}: ${VIRIDIS_LUT[i * 3 + c]} vs ${rgb[c]}`,
      );
    }
  }
  // Lightness rises along the map: never drops by more than 8-bit rounding, and rises over every 8 entries.
  const luma = (i: number) =>
    0.2126 * VIRIDIS_LUT[i * 3]! + 0.7152 * VIRIDIS_LUT[i * 3 + 1]! + 0.0722 * VIRIDIS_LUT[i * 3 + 2]!;
  for (let i = 1; i < 256; i++) assert.ok(luma(i) > luma(i - 1) - 0.5, `lightness drops at entry ${i}`);
  for (let i = 8; i < 256; i++)
    assert.ok(luma(i) > luma(i - 8), `lightness does not rise from ${i - 8} to ${i}`);
});
