// What an export's manifest alone says about its dataset (interchange.md,
// with the modeller keys: each neuron's stims and repeats, each stim's T):
// the summary facts, which (stim, neuron) pairs hold data, and the fields
// the cohort warnings and a split read. So a build-cache hit that copies an
// export without decoding an array (BuildCache.exportTo) warns, splits and
// summarises exactly as the build it stands for.

import type { NeuronMeta, StimMeta } from "../ac1/types.js";
import type { DatasetData, ResponseBlock } from "../dataset/model.js";
import type { DatasetFacts } from "../dataset/summary.js";
import { ExportError } from "./errors.js";
import { type ExportManifest, fromManifestOptions, hopOf, responseRatesOf } from "./manifest.js";
import { parseSplit } from "./modeller.js";

/** A DatasetData as far as a manifest tells it: `responses` only says which pairs hold data. */
export type ManifestData = Pick<
  DatasetData,
  "signalType" | "audioFs" | "freqsHz" | "stimMeta" | "neuronMeta" | "options" | "responses" | "responseRates"
>;

/** Stands for a block the manifest says exists (its values are not read). */
const PRESENT: ResponseBlock = { shape: [0, 0], data: new Float32Array(0) };

/** The stim indices a manifest neuron has data for (its modeller key `stims`). */
function heardBy(m: ExportManifest, n: number, path: string): number[] {
  const heard = (m.neurons[n] as { stims?: unknown }).stims;
  const S = m.stims.length;
  if (!Array.isArray(heard) || !heard.every((s) => Number.isInteger(s) && s >= 0 && s < S))
    throw new ExportError(`${path}: manifest neurons[${n}].stims is not a list of stim indices`);
  return heard as number[];
}

/** The dataset fields a manifest holds, for the cohort warnings and makeSplit. */
export function manifestData(m: ExportManifest, path: string): ManifestData {
  const S = m.stims.length;
  const N = m.neurons.length;
  const responses: (ResponseBlock | null)[][] = [];
  for (let s = 0; s < S; s++) responses.push(new Array<ResponseBlock | null>(N).fill(null));
  for (let n = 0; n < N; n++)
    for (const s of heardBy(m, n, path)) (responses[s] as (ResponseBlock | null)[])[n] = PRESENT;
  return {
    signalType: m.signal_type as DatasetData["signalType"],
    audioFs: m.audio_fs,
    freqsHz: Float64Array.from(m.freqs_hz),
    stimMeta: m.stims as unknown as StimMeta[],
    neuronMeta: m.neurons as unknown as NeuronMeta[],
    options: fromManifestOptions(m.options as unknown as Record<string, unknown>, path),
    responses,
    responseRates: responseRatesOf(m),
  };
}

/** The summary facts of an export from its manifest (what factsOf gives for the data it holds). */
export function manifestFacts(m: ExportManifest, path: string): DatasetFacts {
  let pairs = 0;
  let repeats = 0;
  let spikePairs = 0;
  m.neurons.forEach((meta, n) => {
    const heard = heardBy(m, n, path);
    pairs += heard.length;
    const r = (meta as { repeats?: unknown }).repeats;
    if (Array.isArray(r)) for (const x of r) repeats += typeof x === "number" ? x : 0;
    if (meta.signal_type === "spikes") spikePairs += heard.length;
  });
  let frames = 0;
  for (const st of m.stims) frames += typeof st.T === "number" ? st.T : 0;
  const rejected = m.rejected as { rows?: unknown } | undefined;
  return {
    neurons: m.neurons,
    stims: m.stims,
    dtMs: m.dt_ms,
    F: m.F,
    freqsHz: m.freqs_hz,
    audioFs: m.audio_fs,
    hop: hopOf(m),
    signalType: m.signal_type,
    pairs,
    repeats,
    frames,
    rejections: m.rejections,
    droppedCellsEmpty: m.dropped_cells_empty,
    skippedFiles: m.skipped_files,
    spikeCountPairs: m.spike_counts === undefined ? undefined : spikePairs,
    rejectedKept: typeof rejected?.rows === "number" ? rejected.rows : undefined,
    split: m.splits === undefined ? null : parseSplit(m.splits, path, m.stims.length, m.neurons.length),
  };
}
