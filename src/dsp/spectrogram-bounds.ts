// How much working memory the log-spectrogram (spectrogram.ts) takes for F
// bands and a W-sample window, and the bound on it: the window and band
// limits the dataset options are checked against before anything is read.
// Apart from spectrogram.ts so that checking options (every load, a cache
// hit too) does not load the spectrogram itself.

/** Frames processed per pass over the kernel (their samples stay in cache). */
export const FRAME_CHUNK = 48;

/**
 * Bytes the spectrogram of F bands with a W-sample window works in: the
 * folded kernel (F bands x ceil(W/2) cos and sin values) and one chunk of
 * folded frames (48 frames x ceil(W/2) sums and differences), float64. It
 * grows with the window alone (not the signal): what bounds the window.
 */
export function spectrogramWorkBytes(F: number, W: number): number {
  const Wh = Math.ceil(W / 2);
  return 2 * Wh * (F + FRAME_CHUNK) * 8;
}

/**
 * The most working memory a spectrogram may take (see spectrogramWorkBytes):
 * 256 MiB, so a build's memory stays a small multiple of its output whatever
 * the options (every worker thread holds its own kernels).
 */
export const SPECTROGRAM_MAX_WORK_BYTES = 256 * 1024 * 1024;

/** The most bands whose spectrogram with a W-sample window fits SPECTROGRAM_MAX_WORK_BYTES (0 when none does). */
export function spectrogramMaxBands(W: number): number {
  return Math.max(0, Math.floor(SPECTROGRAM_MAX_WORK_BYTES / (2 * Math.ceil(W / 2) * 8)) - FRAME_CHUNK);
}

/** The longest window, in samples, whose spectrogram with F bands fits SPECTROGRAM_MAX_WORK_BYTES. */
export function spectrogramMaxWindow(F: number): number {
  return 2 * Math.floor(SPECTROGRAM_MAX_WORK_BYTES / (2 * (F + FRAME_CHUNK) * 8));
}
