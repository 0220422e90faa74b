// The resampler's memory bound, computed from the rates alone (no import of
// the resampler itself, so that option checks and a build-cache hit load no
// DSP code): torchaudio's kernel parameters (pipeline.md section 9), gcd, and
// an upper bound on the bytes resampleKernel builds.

export const LOWPASS_WIDTH = 6;
export const ROLLOFF = 0.99;

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function checkRate(name: string, hz: number): void {
  if (!Number.isInteger(hz) || hz <= 0)
    throw new RangeError(`resample: ${name} must be a positive integer rate, got ${hz}`);
}

/**
 * The most memory resampleKernel may build (see resampleKernelBytes): 256
 * MiB, as for a spectrogram's working memory. The release's rates need a few
 * MB (97656 -> 96000 Hz: 1.8 MB); a kernel grows with the reduced rates, so a
 * rate read off a file (1e9 Hz) or given as an option must be checked first.
 */
export const RESAMPLE_MAX_KERNEL_BYTES = 256 * 1024 * 1024;

/**
 * An upper bound on the bytes resampleKernel builds for integer rates
 * origHz -> newHz, computed without building it: n phases, each with at most
 * 2 * reach + 2 live taps (reach = 6 * o / base, in input samples), held
 * three times while it is built (per-phase lists, the packed taps and
 * resample's padded copy), plus the per-phase indices. 0 when equal.
 */
export function resampleKernelBytes(origHz: number, newHz: number): number {
  checkRate("origHz", origHz);
  checkRate("newHz", newHz);
  if (origHz === newHz) return 0;
  const g = gcd(origHz, newHz);
  const o = origHz / g;
  const n = newHz / g;
  const base = Math.min(o, n) * ROLLOFF;
  const tapsPerPhase = Math.floor((2 * LOWPASS_WIDTH * o) / base) + 2;
  return n * (24 * tapsPerPhase + 128);
}
