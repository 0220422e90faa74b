// Sahani & Linden signal and noise power (deepSTRF's _per_stim_sp_np and
// _sahani_linden_per_neuron). Per (stim, neuron) block with R_v >= 2 valid
// repeats and T_v >= 2 valid bins (block.ts):
//   psth = mean_r Y, TP = mean_r var_t(Y_r), SP = (R_v var_t(psth) - TP) / (R_v - 1), NP = TP - SP
// (variances with ddof 1), then per neuron the T_v-weighted mean over its
// counting stims (NaN if none). SNR = SP / max(NP, 1e-12).

import { BlockScratch, gatherCentred, selectRowsCols } from "./block.js";
import { type ResponseLayout, responseLayout } from "./layout.js";
import { checkReduction, reduceOverNeurons } from "./reduce.js";
import { EPS, type Reduced, type Reduction, type ResponseMetricOptions, type Responses } from "./types.js";

/**
 * SP and NP of the block held in s (after selectRowsCols and gatherCentred
 * of all s.rv rows; s.rv >= 2, s.tv >= 2), written to out[0], out[1].
 */
export function blockSignalNoise(s: BlockScratch, out: Float64Array): void {
  const rv = s.rv;
  const tv = s.tv;
  const y = s.centred;
  const col = s.colSum;
  col.fill(0, 0, tv);
  let sumSq = 0;
  for (let i = 0; i < rv; i++) {
    const o = i * tv;
    for (let j = 0; j < tv; j++) {
      const v = y[o + j]!;
      col[j] = col[j]! + v;
      sumSq += v * v;
    }
  }
  // Rows are centred, so TP = sum of squares / (T_v - 1) / R_v; the PSTH is col / R_v.
  const tp = sumSq / (tv - 1) / rv;
  let mean = 0;
  for (let j = 0; j < tv; j++) mean += col[j]! / rv;
  mean /= tv;
  let ss = 0;
  for (let j = 0; j < tv; j++) {
    const d = col[j]! / rv - mean;
    ss += d * d;
  }
  const varPsth = ss / (tv - 1);
  const sp = (rv * varPsth - tp) / (rv - 1);
  out[0] = sp;
  out[1] = tp - sp;
}

/** Per-neuron SP and NP over a layout. */
export function signalNoisePerNeuron(layout: ResponseLayout): { sp: Float64Array; np: Float64Array } {
  const N = layout.neurons;
  const sp = new Float64Array(N);
  const np = new Float64Array(N);
  const s = new BlockScratch(layout.maxRepeats, layout.maxBins, layout.maxCells);
  const out = new Float64Array(2);
  for (let n = 0; n < N; n++) {
    let w = 0;
    let wsp = 0;
    let wnp = 0;
    for (const blk of layout.blocks[n]!) {
      selectRowsCols(blk, s);
      if (s.rv < 2 || s.tv < 2) continue;
      gatherCentred(blk, s, s.rv);
      blockSignalNoise(s, out);
      w += s.tv;
      wsp += s.tv * out[0]!;
      wnp += s.tv * out[1]!;
    }
    sp[n] = w > 0 ? wsp / w : Number.NaN;
    np[n] = w > 0 ? wnp / w : Number.NaN;
  }
  return { sp, np };
}

/** SP / max(NP, EPS) elementwise (NaN stays NaN). */
export function snrOf(sp: Float64Array, np: Float64Array): Float64Array {
  const out = new Float64Array(sp.length);
  for (let i = 0; i < sp.length; i++) {
    const d = np[i]!;
    out[i] = sp[i]! / (Number.isNaN(d) ? d : Math.max(d, EPS));
  }
  return out;
}

function perNeuron(responses: Responses, options: ResponseMetricOptions<Reduction | undefined>, who: string) {
  checkReduction(options.reduction);
  return signalNoisePerNeuron(responseLayout(responses, options.mask, who));
}

/** Sahani-Linden signal power per neuron (deepSTRF signal_power). */
export function signalPower<R extends Reduction | undefined = undefined>(
  responses: Responses,
  options: ResponseMetricOptions<R> = {},
): Reduced<R> {
  return reduceOverNeurons(perNeuron(responses, options, "signalPower").sp, options.reduction as R);
}

/** Sahani-Linden noise power per neuron, TP - SP (deepSTRF noise_power). */
export function noisePower<R extends Reduction | undefined = undefined>(
  responses: Responses,
  options: ResponseMetricOptions<R> = {},
): Reduced<R> {
  return reduceOverNeurons(perNeuron(responses, options, "noisePower").np, options.reduction as R);
}

/** SP / max(NP, 1e-12) per neuron (deepSTRF snr). */
export function snr<R extends Reduction | undefined = undefined>(
  responses: Responses,
  options: ResponseMetricOptions<R> = {},
): Reduced<R> {
  const { sp, np } = perNeuron(responses, options, "snr");
  return reduceOverNeurons(snrOf(sp, np), options.reduction as R);
}
