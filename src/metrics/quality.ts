// Noise ceilings per neuron in one pass over the data (deepSTRF's
// NeuralDataset.compute_neuron_quality, which also returns SP and NP here):
// Sahani-Linden SP, NP, SNR = SP / max(NP, 1e-12), and CCmax with its 1.0
// fallback: a neuron whose CCmax is NaN *and* that has no pair with 2 or more
// repeats (R = 1-only neurons, neurons without data) gets 1.0, so that
// cc_norm = cc_raw; a NaN from any other cause (silent stims, every stim with
// rho <= 0) stays NaN.
//
// "A pair with 2 or more repeats" is, as in deepSTRF, the pair's stored row
// count in the ragged form (an export's (R, T) array). The batch form cannot
// tell a stored all-NaN repeat from padding, so there it is the count of
// repeats with any valid bin; the two agree unless a ragged block stores a
// repeat without a single valid value.

import { BlockScratch, gatherCentred, selectRowsCols } from "./block.js";
import { blockCcmax, SplitScratch } from "./ccmax.js";
import { responseLayout } from "./layout.js";
import { checkMaxIters } from "./reduce.js";
import { blockSignalNoise, snrOf } from "./sahani-linden.js";
import type { NeuronQuality, QualityOptions, Responses } from "./types.js";

/** SP, NP, SNR and CCmax (with the 1.0 fallback) per neuron, from either input form. */
export function neuronQuality(responses: Responses, options: QualityOptions = {}): NeuronQuality {
  const maxIters = checkMaxIters(options.maxIters);
  const layout = responseLayout(responses, options.mask, "neuronQuality");
  const N = layout.neurons;
  const signalPower = new Float64Array(N);
  const noisePower = new Float64Array(N);
  const ccmax = new Float64Array(N);
  const s = new BlockScratch(layout.maxRepeats, layout.maxBins, layout.maxCells);
  const sp = new SplitScratch(layout.maxRepeats, layout.maxBins);
  const out = new Float64Array(2);
  for (let n = 0; n < N; n++) {
    let w = 0;
    let wsp = 0;
    let wnp = 0;
    let wc = 0;
    let wcc = 0;
    let multiRepeat = false;
    for (const blk of layout.blocks[n]!) {
      if (blk.storedRepeats >= 2) multiRepeat = true;
      selectRowsCols(blk, s);
      if (blk.storedRepeats < 0 && s.rv >= 2) multiRepeat = true;
      if (s.rv < 2 || s.tv < 2) continue;
      gatherCentred(blk, s, s.rv);
      blockSignalNoise(s, out);
      w += s.tv;
      wsp += s.tv * out[0]!;
      wnp += s.tv * out[1]!;
      const c = blockCcmax(s, sp, maxIters);
      if (c === undefined) continue;
      wc += s.tv;
      wcc += s.tv * c;
    }
    signalPower[n] = w > 0 ? wsp / w : Number.NaN;
    noisePower[n] = w > 0 ? wnp / w : Number.NaN;
    const cc = wc > 0 ? wcc / wc : Number.NaN;
    ccmax[n] = Number.isNaN(cc) && !multiRepeat ? 1 : cc;
  }
  return { signalPower, noisePower, snr: snrOf(signalPower, noisePower), ccmax };
}
