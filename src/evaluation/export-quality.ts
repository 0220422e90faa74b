// `ac1 quality`'s numbers (evaluation.md, "Contracts"): the noise ceilings of
// every neuron of an export, always computed from its arrays (an export made
// before the build stored them is served the same way), one neuron at a time
// from the lazily opened file, so memory holds one neuron's blocks. The blocks
// are the export's float32 arrays in ascending stim order, fed to the metrics
// in the ragged form as the build feeds them: the values equal, bit for bit,
// the ones every build stores in the manifest.

import { raggedBlock } from "../dataset/quality.js";
import type { ExportView } from "../export/export-view.js";
import { neuronQuality, type RaggedBlock } from "../metrics/index.js";

/** One neuron of `ac1 quality` (the JSON keys of the contract; NaN where undefined, null in JSON). */
export interface NeuronQualityRow {
  /** Neuron index in the export. */
  index: number;
  session: string;
  signal_type: string;
  /** Stims with data for this neuron (its pairs). */
  stims: number;
  /** Kept repeats over those pairs. */
  repeats: number;
  snr: number;
  signal_power: number;
  noise_power: number;
  /** With deepSTRF's 1.0 fallback for a neuron without any pair of 2+ repeats. */
  ccmax: number;
}

export interface ExportQualityOptions {
  /** Half-split cap of CCmax per pair (default 126, as every build). */
  maxIters?: number;
  /** After each neuron: neurons done and in total. */
  onNeuron?: (done: number, total: number) => void;
}

/** The export's pairs with data, per neuron, in ascending stim order. */
export function pairsByNeuron(view: ExportView): { stim: number; repeats: number; frames: number }[][] {
  const out: { stim: number; repeats: number; frames: number }[][] = Array.from(
    { length: view.neuronCount },
    () => [],
  );
  for (const p of view.pairs()) out[p.neuron]!.push({ stim: p.stim, repeats: p.repeats, frames: p.frames });
  for (const list of out) list.sort((a, b) => a.stim - b.stim);
  return out;
}

function text(v: unknown, fallback: string): string {
  return typeof v === "string" ? v : fallback;
}

/** SP, NP, SNR and CCmax of every neuron of the export, from its arrays. */
export async function exportQuality(
  view: ExportView,
  options: ExportQualityOptions = {},
): Promise<NeuronQualityRow[]> {
  const byNeuron = pairsByNeuron(view);
  const m = view.manifest;
  const rows: NeuronQualityRow[] = [];
  for (let n = 0; n < view.neuronCount; n++) {
    const pairs = byNeuron[n]!;
    const blocks: RaggedBlock[] = [];
    let repeats = 0;
    for (const p of pairs) {
      const t = await view.readResponse(p.stim, n);
      if (t !== null) blocks.push(raggedBlock(t));
      repeats += p.repeats;
    }
    const q = neuronQuality([blocks], { maxIters: options.maxIters });
    const meta = m.neurons[n] ?? {};
    rows.push({
      index: n,
      session: text(meta.session, ""),
      signal_type: text(meta.signal_type, m.signal_type),
      stims: pairs.length,
      repeats,
      snr: q.snr[0]!,
      signal_power: q.signalPower[0]!,
      noise_power: q.noisePower[0]!,
      ccmax: q.ccmax[0]!,
    });
    options.onNeuron?.(n + 1, view.neuronCount);
  }
  return rows;
}
