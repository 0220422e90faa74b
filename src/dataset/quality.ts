// Neuron quality of a dataset (evaluation.md, "Noise ceilings"; deepSTRF's
// NeuralDataset.compute_neuron_quality): SP, NP, SNR and CCmax per neuron over
// every stim it heard, computed by src/metrics on the (R, T_s) blocks
// themselves in the ragged form (no copy), and kept in each neuron's metadata
// under deepSTRF's key names plus the powers: `snr`, `ccmax`, `signal_power`,
// `noise_power`. NaN in memory, null in JSON (an export's manifest).
//
// The one place that knows how a dataset's blocks become the metrics' ragged
// form, and computes the quality with them. Used by the build
// (DatasetAssembler.finish: every build stores them) and Ac1Dataset
// .computeNeuronQuality. The keys themselves, how they cross JSON and their
// summary line are quality-keys.ts (what the export's manifest and the
// summary need, without the metrics), re-exported here.

import type { NeuronMeta } from "../ac1/types.js";
import { type NeuronQuality, neuronQuality, type RaggedBlock } from "../metrics/index.js";
import type { ResponseBlock } from "./model.js";
import { withQuality } from "./quality-keys.js";

export {
  QUALITY_KEYS,
  type QualityKey,
  qualityFromJson,
  qualitySummaryLine,
  qualityToJson,
  withQuality,
} from "./quality-keys.js";

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
