// Neuron quality of a dataset (evaluation.md, "Noise ceilings"; deepSTRF's
// NeuralDataset.compute_neuron_quality): SP, NP, SNR and CCmax per neuron over
// every stim it heard, computed by src/metrics on the (R, T_s) blocks
// themselves in the ragged form (no copy), and kept in each neuron's metadata
// under deepSTRF's key names plus the powers: `snr`, `ccmax`, `signal_power`,
// `noise_power`. NaN in memory, null in JSON (an export's manifest).
//
// The one place that knows the quality keys, how a dataset's blocks become
// the metrics' ragged form, and how the keys cross JSON. Used by the build
// (DatasetAssembler.finish: every build stores them), Ac1Dataset
// .computeNeuronQuality, the export (manifest) and the summary.

import type { NeuronMeta } from "../ac1/types.js";
import { type NeuronQuality, neuronQuality, type RaggedBlock } from "../metrics/index.js";
import type { ResponseBlock } from "./model.js";

/** The per-neuron metadata keys of the neuron quality, in the order they are stored. */
export const QUALITY_KEYS = ["snr", "ccmax", "signal_power", "noise_power"] as const;
export type QualityKey = (typeof QUALITY_KEYS)[number];

/** A dataset's (R, T) block as the metrics' ragged block: a view of the same float32 data. */
export function raggedBlock(block: ResponseBlock): RaggedBlock {
  return { data: block.data, repeats: block.shape[0] as number, bins: block.shape[1] as number };
}

/**
 * The responses (responses[s][n], null for a missing pair) in the metrics'
 * ragged form: per neuron, its blocks in ascending stim order. Views only.
 */
export function raggedByNeuron(
  responses: readonly (readonly (ResponseBlock | null)[])[],
  neurons: number,
): RaggedBlock[][] {
  const out: RaggedBlock[][] = Array.from({ length: neurons }, () => []);
  for (const row of responses)
    for (let n = 0; n < neurons; n++) {
      const b = row[n];
      if (b) out[n]!.push(raggedBlock(b));
    }
  return out;
}

/** SP, NP, SNR and CCmax (deepSTRF's 1.0 fallback included) of every neuron over all its stims. */
export function datasetQuality(
  responses: readonly (readonly (ResponseBlock | null)[])[],
  neurons: number,
  options: { maxIters?: number } = {},
): NeuronQuality {
  return neuronQuality(raggedByNeuron(responses, neurons), { maxIters: options.maxIters });
}

/** Neuron n's metadata with the quality keys set (a fresh object; the input is not modified). */
export function withQuality(meta: NeuronMeta, q: NeuronQuality, n: number): NeuronMeta {
  return {
    ...meta,
    snr: q.snr[n]!,
    ccmax: q.ccmax[n]!,
    signal_power: q.signalPower[n]!,
    noise_power: q.noisePower[n]!,
  };
}

/** Every neuron's metadata with its quality computed from the responses (fresh objects). */
export function metaWithQuality(
  neuronMeta: readonly NeuronMeta[],
  responses: readonly (readonly (ResponseBlock | null)[])[],
): NeuronMeta[] {
  const q = datasetQuality(responses, neuronMeta.length);
  return neuronMeta.map((m, n) => withQuality(m, q, n));
}

/**
 * One neuron's metadata with its quality computed from its own blocks
 * (ascending stim order): what metaWithQuality gives it, the neurons being
 * independent, for a build that reads one neuron's blocks at a time.
 */
export function neuronMetaWithQuality(meta: NeuronMeta, blocks: readonly ResponseBlock[]): NeuronMeta {
  return withQuality(meta, neuronQuality([blocks.map(raggedBlock)]), 0);
}

/**
 * A neuron's metadata as the manifest holds it: a quality value that JSON
 * cannot hold (NaN; infinity, which only responses holding infinities give)
 * as null.
 */
export function qualityToJson(meta: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...meta };
  for (const k of QUALITY_KEYS) {
    const v = out[k];
    if (typeof v === "number" && !Number.isFinite(v)) out[k] = null;
  }
  return out;
}

/** A manifest neuron entry back as metadata: quality null as NaN (keys absent stay absent). */
export function qualityFromJson(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry };
  for (const k of QUALITY_KEYS) if (out[k] === null) out[k] = Number.NaN;
  return out;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  return m % 2 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(3) : String(v);
}

/**
 * One summary line on the neurons' stored quality (metadata or manifest
 * entries): median and range of snr and ccmax over the neurons where they
 * are numbers; says so when the keys are absent (an export from before they
 * were stored).
 */
export function qualitySummaryLine(neurons: readonly Readonly<Record<string, unknown>>[]): string {
  if (neurons.length > 0 && neurons.every((m) => !("snr" in m) && !("ccmax" in m)))
    return "quality:       not stored (older export): `ac1 quality FILE.npz` computes it";
  const part = (key: QualityKey) => {
    const v = neurons
      .map((m) => m[key])
      .filter((x): x is number => typeof x === "number" && Number.isFinite(x))
      .sort((a, b) => a - b);
    if (v.length === 0) return `${key} none of ${neurons.length}`;
    return `${key} median ${fmt(median(v))} (${fmt(v[0]!)} .. ${fmt(v[v.length - 1]!)}, ${v.length} of ${neurons.length})`;
  };
  return `quality:       ${part("snr")}; ${part("ccmax")}`;
}
