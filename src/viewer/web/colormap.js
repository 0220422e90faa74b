// @ts-check
// Perceptual colour map for the spectrogram heat map: viridis (van der Walt &
// Smith, matplotlib's default), perceptually uniform, readable in grey scale
// and by colour-blind readers. Evaluated from a published degree-6 polynomial
// fit of matplotlib's 256-entry table (within about 6/255 per channel of it;
// test/viewer/data.test.ts checks reference colours and that lightness rises
// monotonically) and tabulated once into a 256-entry RGB lookup table.

/** Polynomial coefficients c0..c6 per channel (r, g, b). */
const VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/**
 * The colour map as a 256 x RGB table (Uint8ClampedArray of 768 bytes).
 * @returns {Uint8ClampedArray}
 */
function tabulate() {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let ch = 0; ch < 3; ch++) {
      let v = 0;
      for (let k = 6; k >= 0; k--) v = v * t + (VIRIDIS[k]?.[ch] ?? 0);
      lut[i * 3 + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return lut;
}

export const VIRIDIS_LUT = tabulate();

/**
 * CSS colour of the map at position t in [0, 1].
 * @param {number} t
 */
export function viridisCss(t) {
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return `rgb(${VIRIDIS_LUT[i]}, ${VIRIDIS_LUT[i + 1]}, ${VIRIDIS_LUT[i + 2]})`;
}
