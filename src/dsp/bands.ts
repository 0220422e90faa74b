// Log-spaced band layout of the spectrogram (pipeline.md section 1): one
// formula for the band count everywhere, F = floor(log2(fmax/fmin) * bpo) + 1,
// centres f_k = fmin * 2^(k / bpo).

function checkBands(fminHz: number, fmaxHz: number, binsPerOctave: number): void {
  if (!(fminHz > 0 && fmaxHz > fminHz && Number.isFinite(fmaxHz)))
    throw new RangeError(`need 0 < fmin < fmax, got fmin=${fminHz} fmax=${fmaxHz}`);
  if (!(binsPerOctave > 0 && Number.isFinite(binsPerOctave)))
    throw new RangeError(`binsPerOctave must be positive, got ${binsPerOctave}`);
}

/** Number of bands: floor(log2(fmax / fmin) * binsPerOctave) + 1 (53 for 100 Hz..45 kHz at 6/oct). */
export function bandCount(fminHz: number, fmaxHz: number, binsPerOctave: number): number {
  checkBands(fminHz, fmaxHz, binsPerOctave);
  return Math.floor(Math.log2(fmaxHz / fminHz) * binsPerOctave) + 1;
}

/** Band centres in Hz: fmin * 2^(k / binsPerOctave), k = 0 .. F-1. */
export function bandCentersHz(fminHz: number, fmaxHz: number, binsPerOctave: number): Float64Array {
  const f = bandCount(fminHz, fmaxHz, binsPerOctave);
  const out = new Float64Array(f);
  for (let k = 0; k < f; k++) out[k] = fminHz * 2 ** (k / binsPerOctave);
  return out;
}
