// The AC1 preprocessing built from dsp/: MedGauss detrend, repeat gating,
// spike-rate PSTH, binning onto the dt grid and segment ramps
// (pipeline.md sections 4-8).

export { binResponse, binSamples } from "./binning.js";
export {
  crossTrialCorrelations,
  DEFAULT_GATING_THRESHOLDS,
  type Fate,
  type GateRepeatsOptions,
  type GateResult,
  type GatingStats,
  type GatingThresholds,
  gateRepeats,
  maxAbsIgnoringNaN,
  stepFraction,
} from "./gating.js";
export { gaussianSigmaSamples, medgauss, medianWindowSamples } from "./medgauss.js";
export { binSpikeCounts, psthOfMask, spikeMask, spikePsth, spikeRunStarts, spikeTrain } from "./psth.js";
export { rampInPlace, rampSegment } from "./ramp.js";
