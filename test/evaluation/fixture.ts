// The committed evaluation fixture (test/fixtures/evaluation, written by
// make_goldens.py): a small dataset's responses (inputs.npz), a model's
// predictions written by numpy (pred.npz) and what `ac1 quality --json` and
// `ac1 score --json` must print (expected.json, from the numpy restatement of
// deepSTRF). goldenExport() turns the responses into an ac1 export with the
// production writer, neuron quality stored as every build stores it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DatasetData, ResponseBlock } from "../../src/dataset/model.js";
import { metaWithQuality } from "../../src/dataset/quality.js";
import { writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { handmade, neuron, spec, wehrStim } from "../dataset/handmade.js";
import type { Num } from "../metrics/golden.js";
import { fixture } from "../support/paths.js";

export interface QualityRowJson {
  index: number;
  session: string;
  signal_type: string;
  stims: number;
  repeats: number;
  snr: Num;
  signal_power: Num;
  noise_power: Num;
  ccmax: Num;
}

export interface Expected {
  quality: Omit<QualityRowJson, "session" | "signal_type">[];
  score: { neurons: Record<string, Num>[]; mean: Record<string, Num> };
}

export function expected(): Expected {
  return JSON.parse(readFileSync(fixture("evaluation", "expected.json"), "utf8")) as Expected;
}

export const PRED_FIXTURE = fixture("evaluation", "pred.npz");

/** Session names of the fixture's neurons (spikes for neuron 4, whose data are rate-like). */
export function sessionOf(n: number): string {
  return `20020101-mw-00${n}`;
}

/** The fixture's responses as a DatasetData (stims (1, 2, T_s); neuron quality as every build stores it). */
export async function goldenData(): Promise<DatasetData> {
  const reader = await NpzReader.load(fixture("evaluation", "inputs.npz"));
  const blocks = new Map<string, ResponseBlock>();
  let S = 0;
  let N = 0;
  try {
    for (const key of reader.keys()) {
      const m = /^resp_(\d+)_(\d+)$/.exec(key);
      if (!m) throw new Error(`unexpected ${key} in inputs.npz`);
      const a = await reader.read(key);
      blocks.set(key, { shape: a.shape, data: a.data as Float32Array });
      S = Math.max(S, Number(m[1]) + 1);
      N = Math.max(N, Number(m[2]) + 1);
    }
  } finally {
    await reader.close();
  }
  const responses: (ResponseBlock | null)[][] = [];
  const stims = [];
  for (let s = 0; s < S; s++) {
    const row: (ResponseBlock | null)[] = [];
    let T = 0;
    for (let n = 0; n < N; n++) {
      const b = blocks.get(`resp_${s}_${n}`) ?? null;
      if (b) T = b.shape[1]!;
      row.push(b);
    }
    responses.push(row);
    stims.push(spec(2, T, s));
  }
  // units as a build fills them in (interchange.md: "mV" for subthresh, "a.u." for spikes)
  const meta = Array.from({ length: N }, (_, n) => {
    const m = neuron(sessionOf(n), n === 4 ? "MGB" : "A1");
    return { ...m, units: m.signal_type === "spikes" ? ("a.u." as const) : ("mV" as const) };
  });
  const base = handmade();
  return {
    ...base,
    signalType: "mixed",
    stims,
    stimMeta: stims.map((_, s) => wehrStim(s + 1)),
    neuronMeta: metaWithQuality(meta, responses),
    responses,
    provenance: [],
  };
}

/** Writes the golden export into dir; returns its path. */
export async function goldenExport(dir: string): Promise<string> {
  const path = join(dir, "golden.npz");
  await writeDatasetNpz(await goldenData(), path);
  return path;
}
