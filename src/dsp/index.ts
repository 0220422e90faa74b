// Generic signal processing for ac1: pure functions over Float64Arrays with
// numpy/scipy/torchaudio semantics (pipeline.md sections 0-3, 9).

export { bandCentersHz, bandCount } from "./bands.js";
export { convolveSame } from "./convolve.js";
export { fft } from "./fft.js";
export { type ConvolveMethod, correlateValid } from "./fir.js";
export { gaussianFilter1d, gaussianKernel } from "./gaussian.js";
export { medianFilter } from "./median-filter.js";
export { reflectExtend, reflectIndex } from "./reflect.js";
export {
  type ResampleKernel,
  type ResampleOptions,
  type ResamplePrecision,
  resample,
  resampledLength,
  resampleKernel,
} from "./resample.js";
export { RESAMPLE_MAX_KERNEL_BYTES, resampleKernelBytes } from "./resample-bounds.js";
export { roundHalfEven, truncToInt } from "./round.js";
export {
  type LogSpectrogram,
  type LogSpectrogramOptions,
  logSpectrogram,
  SPECTROGRAM_MAX_WORK_BYTES,
  spectrogramFrames,
  spectrogramMaxBands,
  spectrogramMaxWindow,
  spectrogramWorkBytes,
} from "./spectrogram.js";
export { type SpectrogramWasm, spectrogramWasm } from "./spectrogram-wasm.js";
export { mean, median, pairwiseSum, selectInPlace, std } from "./stats.js";
export { hamming, hann } from "./windows.js";
