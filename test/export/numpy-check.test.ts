// Cross-check against numpy without running Python: check_numpy.py summarised
// the deterministic sample exports (keys, dtypes, shapes, CRC-32 of the raw
// bytes, NaN-ignoring sums, the parsed manifest) once with numpy.load, and the
// output is committed as numpy-check.expected.json. Here the same summary is
// computed with ac1's own reader from freshly written exports of the same
// deterministic datasets and must match exactly.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import zlib from "node:zlib";
import { writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { tempDir } from "../support/cli.js";
import { fixture } from "../support/paths.js";
import { sampleDataset } from "./sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-npcheck-")));
after(() => cleanup());

function crc32(bytes: Uint8Array): number {
  return bytes.byteLength === 0 ? 0 : zlib.crc32(bytes);
}

async function summarise(path: string): Promise<unknown> {
  const r = await NpzReader.open(path);
  try {
    const keys = r.keys().sort();
    const arrays: Record<string, unknown> = {};
    for (const k of keys) {
      const a = await r.read(k);
      const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      const entry: Record<string, unknown> = { dtype: a.dtype, shape: a.shape, crc32: crc32(bytes) };
      if (a.dtype[1] === "f") {
        let sum = 0;
        let nan = 0;
        for (const v of a.data as Float32Array | Float64Array) {
          if (Number.isNaN(v)) nan++;
          else sum += v;
        }
        entry.nansum = sum;
        entry.nan_count = nan;
      }
      arrays[k] = entry;
    }
    const manifest = JSON.parse(await r.readString("manifest"));
    const waveform = manifest.audio_fs !== null;
    const frames = manifest.stims.map((_: unknown, s: number) => {
      const shape = r.info(`stim_${s}`).shape;
      return waveform ? Math.floor(shape[1]! / manifest.hop) : shape[2];
    });
    const pairs = keys
      .filter((k) => k.startsWith("resp_"))
      .map((k) => k.split("_").slice(1).map(Number))
      .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    return { keys, arrays, manifest, pairs, frames };
  } finally {
    await r.close();
  }
}

describe("the numpy cross-check", () => {
  it("our reader's summary of the sample exports equals numpy's (numpy-check.expected.json)", async () => {
    const expected = JSON.parse(readFileSync(fixture("export", "numpy-check.expected.json"), "utf8"));
    const files = {
      spectrogram: [sampleDataset("spectrogram"), true],
      waveform: [sampleDataset("waveform"), true],
      stored: [sampleDataset("spectrogram", 7), false],
      modeller: [sampleDataset("spectrogram", 3, { rejected: true, split: true }), true],
    } as const;
    const actual: Record<string, unknown> = {};
    for (const [name, [data, compress]] of Object.entries(files)) {
      const path = join(dir, `${name}.npz`);
      await writeDatasetNpz(data, path, { compress });
      actual[name] = await summarise(path);
    }
    assert.deepEqual(actual, expected);
  });
});
