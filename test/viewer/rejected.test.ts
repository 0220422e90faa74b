// GET /api/rejected/:s/:n and the links to it, over HTTP: the fixture
// exported with its rejected repeats' traces (keepRejected), and a real build
// of the synthetic release with --keep-rejected. The rows served are the
// export's rej_<s>_<n>, bit for bit, in provenance order; each rejected
// provenance row's traceRow is the export's own prov_rej_row (read from the
// file); the binary and JSON forms agree; an export without the traces, a
// pair without a rejected repeat, bad indices and a damaged export are
// refused with a reason.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DatasetData, RepeatProvenance, Tensor } from "../../src/dataset/model.js";
import { openDatasetExport } from "../../src/export/index.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import type {
  ErrorJson,
  ProvenanceJson,
  RejectedHeader,
  RejectedJson,
  SummaryJson,
} from "../../src/viewer/api-types.js";
import { ViewerData } from "../../src/viewer/data.js";
import { openViewer, type ViewerServer } from "../../src/viewer/index.js";
import { decodePayload } from "../../src/viewer/payload.js";
import type { ViewerSource } from "../../src/viewer/source.js";
import { runAc1, tempDir } from "../support/cli.js";
import { writeFixture } from "./fixture.js";
import { raw as get, json } from "./server-support.js";

/** The export's own prov_rej_row, read from the file. */
async function provRejRow(path: string): Promise<Int32Array> {
  const r = await NpzReader.open(path);
  try {
    return (await r.read("prov_rej_row")).data as Int32Array;
  } finally {
    await r.close();
  }
}

/** Checks every pair's /api/rejected against the export's rej_ arrays and provenance. */
async function checkAgainstExport(port: number, path: string, provenance: readonly RepeatProvenance[]) {
  const links = await provRejRow(path);
  const view = await openDatasetExport(path);
  const pairs = new Set(
    provenance
      .filter((p) => p.fate !== "kept" && p.stim >= 0 && p.neuron >= 0)
      .map((p) => `${p.stim}:${p.neuron}`),
  );
  assert.ok(pairs.size > 0, "the export has rejected repeats of indexed pairs");
  try {
    for (const key of pairs) {
      const [s, n] = key.split(":").map(Number) as [number, number];
      const r = await get(port, `/api/rejected/${s}/${n}`);
      assert.equal(r.status, 200, `${key}: ${r.body.toString("utf8").slice(0, 200)}`);
      assert.equal(r.headers["content-type"], "application/octet-stream");
      const { header, arrays } = decodePayload<RejectedHeader>(r.body);
      const block = (await view.readRejected(s, n)) as Tensor;
      assert.deepEqual([header.rows.length, header.frames], block.shape);
      assert.deepEqual(arrays.get("rejected"), block.data, `${key}: the export's rej_${s}_${n}, bit for bit`);
      assert.equal(header.unit, "mV");
      assert.equal(header.quantity, "detrended membrane potential");
      assert.equal(header.keptFrames, view.pairs().find((p) => p.stim === s && p.neuron === n)?.frames ?? 0);
      // Rows in provenance order, each the provenance record prov_rej_row links to it.
      const records = provenance
        .map((p, i) => ({ p, link: links[i] as number }))
        .filter(({ p }) => p.stim === s && p.neuron === n && p.fate !== "kept");
      assert.deepEqual(
        header.rows.map((row) => [row.row, row.repeat, row.fate, row.samples]),
        records.map(({ p, link }) => [link, p.repeat, p.fate, p.samples]),
      );
      // The provenance rows of the pair name the same rows.
      const prov = await json<ProvenanceJson>(port, `/api/provenance?neuron=${n}&stim=${s}`);
      assert.equal(prov.body.rejectedTraces, true);
      assert.deepEqual(
        prov.body.rejected.map((x) => x.traceRow),
        records.map(({ link }) => link),
      );
      assert.ok(prov.body.repeats.filter((x) => x.fate === "kept").every((x) => x.traceRow === null));
    }
  } finally {
    await view.close();
  }
}

describe("GET /api/rejected on the fixture exported with its rejected traces", () => {
  let viewer: ViewerServer;
  let plain: ViewerServer;
  let data: DatasetData;
  let path: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    const tmp = await tempDir("ac1-viewer-rej-");
    cleanup = tmp.cleanup;
    const f = await writeFixture(tmp.dir, "rejected.npz", { keepRejected: true });
    data = f.data;
    path = f.path;
    viewer = await openViewer(f.path);
    plain = await openViewer((await writeFixture(tmp.dir, "plain.npz")).path);
  });
  after(async () => {
    await viewer.close();
    await plain.close();
    await cleanup();
  });

  test("the summary says whether the traces are there", async () => {
    assert.equal((await json<SummaryJson>(viewer.port, "/api/summary")).body.rejectedTraces, true);
    assert.equal((await json<SummaryJson>(plain.port, "/api/summary")).body.rejectedTraces, false);
  });

  test("every pair's rows are its rej_ array, in provenance order, linked as prov_rej_row links them", async () => {
    await checkAgainstExport(viewer.port, path, data.provenance);
  });

  test("the rows are the fixture's traces: a range repeat rails at its max |Vm|", async () => {
    const { header, arrays } = decodePayload<RejectedHeader>(
      (await get(viewer.port, "/api/rejected/3/3")).body,
    );
    const block = arrays.get("rejected") as Float32Array;
    const want = data.rejected?.blocks[3]?.[3];
    assert.ok(want);
    assert.deepEqual(block, want.data);
    const prov = (await json<ProvenanceJson>(viewer.port, "/api/provenance?neuron=3&stim=3")).body;
    for (const row of prov.rejected.filter((r) => r.fate === "range")) {
      const T = header.frames;
      const max = Math.max(
        ...Array.from(block.subarray(row.traceRow! * T, (row.traceRow! + 1) * T), Math.abs),
      );
      assert.ok(Math.abs(max - row.maxAbsMv!) < 1e-3, `max ${max} vs max |Vm| ${row.maxAbsMv}`);
    }
  });

  test("a pair whose every repeat was rejected has its traces too (no kept frames)", async () => {
    const r = await get(viewer.port, "/api/rejected/0/2");
    assert.equal(r.status, 200);
    const { header } = decodePayload<RejectedHeader>(r.body);
    assert.equal(header.keptFrames, 0);
    assert.deepEqual(
      header.rows.map((x) => x.fate),
      ["range", "step", "step"],
    );
    assert.equal((await get(viewer.port, "/api/pair/0/2")).status, 404, "and still no kept responses");
  });

  test("?format=json: the same rows, NaN (an empty repeat) as null", async () => {
    const bin = decodePayload<RejectedHeader>((await get(viewer.port, "/api/rejected/4/1")).body);
    const j = await json<RejectedJson>(viewer.port, "/api/rejected/4/1?format=json");
    assert.equal(j.status, 200);
    const { arrays, ...header } = j.body;
    const { arrays: _layout, ...binHeader } = bin.header;
    assert.deepEqual(header, binHeader);
    const rows = arrays.rejected;
    assert.ok(rows);
    assert.deepEqual(rows.shape, [1, 0], "the only rejected repeat of (4, 1) is empty: no bins");
    const j33 = await json<RejectedJson>(viewer.port, "/api/rejected/3/3?format=json");
    const b33 = decodePayload<RejectedHeader>((await get(viewer.port, "/api/rejected/3/3")).body);
    assert.deepEqual(
      j33.body.arrays.rejected?.data,
      Array.from(b33.arrays.get("rejected")!, (v) => (Number.isFinite(v) ? v : null)),
    );
  });

  test("refusals: no traces in the export, no rejected repeat, bad indices, bad format", async () => {
    const cases: [number, string, number, RegExp][] = [
      [plain.port, "/api/rejected/3/3", 404, /no rejected traces: build it with --keep-rejected/],
      [viewer.port, "/api/rejected/1/3", 404, /no rejected repeat of stim 1 and neuron 3/],
      [viewer.port, "/api/rejected/9/0", 404, /no stim 9/],
      [viewer.port, "/api/rejected/0/9", 404, /no neuron 9/],
      [viewer.port, "/api/rejected/x/0", 400, /stim must be a non-negative integer/],
      [viewer.port, "/api/rejected/0/0?format=xml", 400, /format must be "binary" or "json"/],
    ];
    for (const [port, p, status, re] of cases) {
      const r = await json<ErrorJson>(port, p);
      assert.equal(r.status, status, p);
      assert.match(r.body.error, re, p);
    }
    const prov = (await json<ProvenanceJson>(plain.port, "/api/provenance?neuron=3&stim=3")).body;
    assert.equal(prov.rejectedTraces, false);
    assert.ok(prov.repeats.every((r) => r.traceRow === null));
  });

  test("a damaged export (rows that disagree with the provenance) is an error naming the array", async () => {
    const view = await openDatasetExport(path);
    const source: ViewerSource = {
      manifest: view.manifest,
      stimCount: view.stimCount,
      neuronCount: view.neuronCount,
      pairs: () => view.pairs(),
      readStim: (s) => view.readStim(s),
      readResponse: (s, n) => view.readResponse(s, n),
      provenance: () => view.provenance(),
      close: () => view.close(),
      // One row short.
      readRejected: async (s, n) => {
        const t = await view.readRejected(s, n);
        if (!t) return t;
        const [R = 0, T = 0] = t.shape;
        return { shape: [R - 1, T], data: t.data.subarray(0, (R - 1) * T) };
      },
    };
    const vd = new ViewerData(source, "damaged.npz");
    try {
      await assert.rejects(
        vd.rejectedPayload(3, 3),
        /rej_3_3 holds 2 rows, the provenance lists 3 rejected repeats/,
      );
    } finally {
      await view.close();
    }
  });
});

test("GET /api/rejected on a real build of the synthetic release with --keep-rejected", async () => {
  const tmp = await tempDir("ac1-viewer-rej-build-");
  try {
    const env = { AC1_CACHE_DIR: join(tmp.dir, "cache") };
    const synth = await runAc1(["synth", "--out", join(tmp.dir, "release"), "--quiet"], { env });
    assert.equal(synth.code, 0, synth.stderr);
    const path = join(tmp.dir, "ac1.npz");
    const build = await runAc1(
      [
        "build",
        "--path",
        join(tmp.dir, "release"),
        "--out",
        path,
        "--keep-rejected",
        "--quiet",
        "--jobs",
        "1",
      ],
      { env },
    );
    assert.equal(build.code, 0, build.stderr);
    const view = await openDatasetExport(path);
    const provenance = await view.provenance();
    await view.close();
    const viewer = await openViewer(path);
    try {
      await checkAgainstExport(viewer.port, path, provenance);
    } finally {
      await viewer.close();
    }
  } finally {
    await tmp.cleanup();
  }
});
