// The thresholds of the repeat gating (gating.ts, pipeline.md section 5) and
// the reference's defaults: the dataset option `gating`. Apart from the
// gating itself so that checking options (every load, a cache hit too) does
// not load the filters.

/** Thresholds of the gating tests (pipeline.md section 5): the dataset option `gating`. */
export interface GatingThresholds {
  /** "range": max |x| (mV) above this fails. */
  absMvMax: number;
  /** "step": deviation (mV) from the trace median counted as a step sample. */
  stepMv: number;
  /** "step": fraction of step samples above this fails. */
  maxStepFrac: number;
  /** "xcorr": correlation with the median of the other repeats below this fails; <= 0 disables. */
  minXcorr: number;
}

/** The reference's thresholds; `gating` options override them one by one. */
export const DEFAULT_GATING_THRESHOLDS: Readonly<GatingThresholds> = Object.freeze({
  absMvMax: 150,
  stepMv: 30,
  maxStepFrac: 0.005,
  minXcorr: 0.05,
});
