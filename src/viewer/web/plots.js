// @ts-check
// Hand-drawn <canvas> plots of the viewer: the stimulus spectrogram heat map
// (log-frequency rows labelled in kHz at the band centres, time in s, a dB
// colour bar) and the cohort bar charts (stacked bars per cell, histograms).
//
// Why these and uPlot for the traces: uPlot (served locally from the
// package) draws tens of dense time series with zoom and a cursor at almost
// no cost, which is exactly the repeats + mean panel. It has no heat map and
// its bar charts need as much code as drawing them directly, so the
// spectrogram and the bars are plain canvas code here: no CDN, no build step,
// exact control over the alignment with uPlot's plot area.

import { VIRIDIS_LUT, viridisCss } from "./colormap.js";
import { AXIS_COLOR, FONT, GRID_COLOR, TEXT_COLOR, TITLE_FONT } from "./theme.js";

/**
 * Sizes a canvas for the device pixel ratio and returns a context in CSS px.
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 */
export function setupCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * dpr));
  canvas.height = Math.max(1, Math.round(height * dpr));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/**
 * "Nice" tick positions (1, 2, 2.5, 5 x 10^k steps) covering [min, max].
 * @param {number} min
 * @param {number} max
 * @param {number} target approximate number of ticks
 * @returns {number[]}
 */
export function niceTicks(min, max, target) {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * pow;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Compact number formatting for tick labels.
 * @param {number} v
 */
export function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/**
 * A frequency in Hz as a kHz label with at most three significant digits.
 * @param {number} hz
 */
export function khzLabel(hz) {
  return String(Number((hz / 1000).toPrecision(3)));
}

/**
 * @typedef {object} Spectrogram
 * @property {Float32Array} data (F, T) row-major, dB
 * @property {number} F
 * @property {number} T
 * @property {number[]} freqsHz band centres, ascending
 * @property {number} dtMs frame step
 * @property {number} [bandsPerOctave]
 * @property {{ vmin: number, vmax: number, image: HTMLCanvasElement } | undefined} [cache]
 */

/**
 * Colour range: from the loudest bin down 80 dB (or the quietest bin if the
 * range is smaller); silence at -240 dB would otherwise flatten everything.
 * @param {Float32Array} data
 */
export function dbRange(data) {
  let vmax = Number.NEGATIVE_INFINITY;
  let vmin = Number.POSITIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = /** @type {number} */ (data[i]);
    if (!Number.isFinite(v)) continue;
    if (v > vmax) vmax = v;
    if (v < vmin) vmin = v;
  }
  if (!Number.isFinite(vmax)) return { vmin: 0, vmax: 1 };
  const lo = Math.max(vmin, vmax - 80);
  return { vmin: lo, vmax: lo < vmax ? vmax : lo + 1 };
}

/**
 * The heat map as an offscreen T x F image (lowest band at the bottom).
 * @param {Spectrogram} spec
 */
function spectrogramImage(spec) {
  if (spec.cache) return spec.cache;
  const { F, T, data } = spec;
  const { vmin, vmax } = dbRange(data);
  const image = document.createElement("canvas");
  image.width = Math.max(1, T);
  image.height = Math.max(1, F);
  const ctx = /** @type {CanvasRenderingContext2D} */ (image.getContext("2d"));
  const img = ctx.createImageData(image.width, image.height);
  const px = img.data;
  const scale = 255 / (vmax - vmin);
  for (let k = 0; k < F; k++) {
    const row = F - 1 - k;
    for (let t = 0; t < T; t++) {
      const v = /** @type {number} */ (data[k * T + t]);
      const idx = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - vmin) * scale))) : 0;
      const o = (row * T + t) * 4;
      px[o] = VIRIDIS_LUT[idx * 3] ?? 0;
      px[o + 1] = VIRIDIS_LUT[idx * 3 + 1] ?? 0;
      px[o + 2] = VIRIDIS_LUT[idx * 3 + 2] ?? 0;
      px[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  spec.cache = { vmin, vmax, image };
  return spec.cache;
}

/**
 * Draws time ticks and labels under a plot rectangle.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} left
 * @param {number} width
 * @param {number} y baseline of the plot
 * @param {number} xMin
 * @param {number} xMax
 */
export function timeAxis(ctx, left, width, y, xMin, xMax) {
  ctx.strokeStyle = AXIS_COLOR;
  ctx.fillStyle = TEXT_COLOR;
  ctx.font = FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.beginPath();
  for (const t of niceTicks(xMin, xMax, Math.max(2, Math.floor(width / 90)))) {
    const x = left + ((t - xMin) / (xMax - xMin)) * width;
    if (x < left - 0.5 || x > left + width + 0.5) continue;
    ctx.moveTo(Math.round(x) + 0.5, y);
    ctx.lineTo(Math.round(x) + 0.5, y + 5);
    ctx.fillText(fmtTick(t), x, y + 7);
  }
  ctx.stroke();
}

/**
 * Label step (in bands) so labels are at least 16 px apart, preferring whole
 * octaves (or halves) so the labels read as a doubling sequence.
 * @param {number} bandPx
 * @param {number} bandsPerOctave
 */
function bandLabelStep(bandPx, bandsPerOctave) {
  const candidates = [1, 2, 3];
  if (bandsPerOctave % 2 === 0) candidates.push(bandsPerOctave / 2);
  for (let m = 1; m <= 16; m *= 2) candidates.push(bandsPerOctave * m);
  candidates.sort((a, b) => a - b);
  const prefer = candidates.filter(
    (c) => c % bandsPerOctave === 0 || (bandsPerOctave % c === 0 && c >= bandsPerOctave / 2),
  );
  for (const c of prefer) if (c * bandPx >= 16) return c;
  for (const c of candidates) if (c * bandPx >= 16) return c;
  return candidates[candidates.length - 1] ?? 1;
}

/**
 * @typedef {object} SpectrogramLayout
 * @property {number} width canvas width (CSS px)
 * @property {number} height canvas height (CSS px)
 * @property {number} left plot area left edge (aligned with the trace plot)
 * @property {number} plotWidth plot area width
 * @property {number} xMin visible time range start (s)
 * @property {number} xMax visible time range end (s)
 * @property {number | null} [cursorS] a time to mark with a vertical line
 */

/**
 * Draws the spectrogram heat map with frequency (kHz, log) and time (s)
 * axes and a dB colour bar in the right gutter.
 * @param {HTMLCanvasElement} canvas
 * @param {Spectrogram} spec
 * @param {SpectrogramLayout} layout
 */
export function drawSpectrogram(canvas, spec, layout) {
  const { width, height, left, plotWidth, xMin, xMax } = layout;
  const ctx = setupCanvas(canvas, width, height);
  const top = 6;
  const bottom = height - 24;
  const plotHeight = bottom - top;
  const { vmin, vmax, image } = spectrogramImage(spec);
  const dt = spec.dtMs / 1000;
  const xOf = (/** @type {number} */ t) => left + ((t - xMin) / (xMax - xMin)) * plotWidth;

  // Heat map: column i is centred on t = i * dt (frame i is centred on sample i * hop).
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, plotWidth, plotHeight);
  ctx.clip();
  ctx.fillStyle = "#e6e8eb"; // outside the stim's frames: no data
  ctx.fillRect(left, top, plotWidth, plotHeight);
  ctx.imageSmoothingEnabled = false;
  const x0 = xOf(-0.5 * dt);
  const x1 = xOf((spec.T - 0.5) * dt);
  ctx.drawImage(image, x0, top, x1 - x0, plotHeight);
  if (layout.cursorS != null) {
    const x = Math.round(xOf(layout.cursorS)) + 0.5;
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
  ctx.strokeStyle = AXIS_COLOR;
  ctx.strokeRect(left - 0.5, top - 0.5, plotWidth + 1, plotHeight + 1);

  // Frequency axis: equal rows per band (log-spaced centres), labels in kHz.
  const F = spec.F;
  const bandPx = plotHeight / Math.max(1, F);
  const [f0, f1] = spec.freqsHz;
  const bpo =
    spec.bandsPerOctave ??
    (f0 !== undefined && f1 !== undefined ? Math.max(1, Math.round(1 / Math.log2(f1 / f0))) : 1);
  const step = bandLabelStep(bandPx, bpo);
  ctx.fillStyle = TEXT_COLOR;
  ctx.font = FONT;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.beginPath();
  for (let k = 0; k < F; k += step) {
    const y = top + (F - 1 - k + 0.5) * bandPx;
    ctx.moveTo(left - 5, Math.round(y) + 0.5);
    ctx.lineTo(left, Math.round(y) + 0.5);
    ctx.fillText(khzLabel(spec.freqsHz[k] ?? Number.NaN), left - 7, y);
  }
  ctx.stroke();
  ctx.save();
  ctx.translate(14, top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.font = TITLE_FONT;
  ctx.fillText("frequency (kHz, log)", 0, 0);
  ctx.restore();

  timeAxis(ctx, left, plotWidth, bottom, xMin, xMax);

  // Colour bar.
  const barX = left + plotWidth + 14;
  const barW = 12;
  if (barX + barW + 40 <= width) {
    const grad = ctx.createLinearGradient(0, bottom, 0, top);
    for (let i = 0; i <= 16; i++) grad.addColorStop(i / 16, viridisCss(i / 16));
    ctx.fillStyle = grad;
    ctx.fillRect(barX, top, barW, plotHeight);
    ctx.strokeStyle = AXIS_COLOR;
    ctx.strokeRect(barX - 0.5, top - 0.5, barW + 1, plotHeight + 1);
    ctx.fillStyle = TEXT_COLOR;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.beginPath();
    for (const v of niceTicks(vmin, vmax, 4)) {
      const y = bottom - ((v - vmin) / (vmax - vmin)) * plotHeight;
      ctx.moveTo(barX + barW, Math.round(y) + 0.5);
      ctx.lineTo(barX + barW + 4, Math.round(y) + 0.5);
      ctx.fillText(fmtTick(v), barX + barW + 6, y);
    }
    ctx.stroke();
    ctx.save();
    ctx.translate(width - 8, top + plotHeight / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.font = TITLE_FONT;
    ctx.fillText("level (dB)", 0, 0);
    ctx.restore();
  }
}

/**
 * Horizontal grid lines across the plot rect `r` at `ticks`, each labelled
 * (right-aligned) at `labelX`; `yOf` maps a value to its pixel row.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{ left: number, width: number }} r
 * @param {Iterable<number>} ticks
 * @param {(v: number) => number} yOf
 * @param {number} labelX
 */
export function yGrid(ctx, r, ticks, yOf, labelX) {
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of ticks) {
    const y = Math.round(yOf(v)) + 0.5;
    ctx.strokeStyle = GRID_COLOR;
    ctx.beginPath();
    ctx.moveTo(r.left, y);
    ctx.lineTo(r.left + r.width, y);
    ctx.stroke();
    ctx.fillText(fmtTick(v), labelX, y);
  }
}

/**
 * Axes frame with a y grid; returns the y mapping.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{ left: number, top: number, width: number, height: number }} r
 * @param {number} yMax
 * @param {string} yTitle
 */
function yAxis(ctx, r, yMax, yTitle) {
  // Counts: whole-number steps of 1, 2, 5 x 10^k, the top rounded up to a step.
  const raw = yMax / Math.max(2, Math.floor(r.height / 40));
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const m = raw / pow;
  const step = Math.max(1, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow);
  const top = Math.max(step, Math.ceil(yMax / step) * step);
  /** @type {number[]} */
  const ticks = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(v);
  const yOf = (/** @type {number} */ v) => r.top + r.height - (v / (top || 1)) * r.height;
  yGrid(ctx, r, ticks, yOf, r.left - 6);
  ctx.strokeStyle = AXIS_COLOR;
  ctx.beginPath();
  ctx.moveTo(r.left + 0.5, r.top);
  ctx.lineTo(r.left + 0.5, r.top + r.height + 0.5);
  ctx.lineTo(r.left + r.width, r.top + r.height + 0.5);
  ctx.stroke();
  ctx.save();
  ctx.translate(Math.max(14, r.left - 46), r.top + r.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.font = TITLE_FONT;
  ctx.fillText(yTitle, 0, 0);
  ctx.restore();
  return yOf;
}

/**
 * @typedef {object} Stack
 * @property {string} name
 * @property {string} color
 * @property {number[]} values one per category
 */

/**
 * Stacked bars, one per category; returns a hit test (x -> category index).
 * @param {HTMLCanvasElement} canvas
 * @param {{ width: number, plotHeight: number, categories: string[], stacks: Stack[], xTitle: string, yTitle: string, yMax?: number, selected?: number }} o
 */
export function drawStackedBars(canvas, o) {
  const n = o.categories.length;
  const measure = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  measure.font = FONT;
  /** Labels longer than 24 characters are shortened with an ellipsis. */
  const labels = o.categories.map((c) => (c.length > 24 ? `${c.slice(0, 23)}…` : c));
  let longest = 0;
  for (const c of labels) longest = Math.max(longest, measure.measureText(c).width);
  const rotate = n > 0 && (o.width - 80) / n < longest + 6;
  // Rotated labels hang down and to the left of their bar by longest * sin(45°).
  const hang = rotate ? longest * Math.SQRT1_2 : 0;
  const labelBand = rotate ? hang + 14 : 20;
  const slotGuess = (o.width - 76) / Math.max(1, n);
  const left = rotate ? Math.max(60, Math.ceil(hang - slotGuess / 2 + 8)) : 60;
  const height = 10 + o.plotHeight + labelBand + 26;
  const ctx = setupCanvas(canvas, o.width, height);
  const r = { left, top: 10, width: o.width - left - 16, height: o.plotHeight };
  const totals = o.categories.map((_, i) => o.stacks.reduce((s, st) => s + (st.values[i] ?? 0), 0));
  const yOf = yAxis(ctx, r, o.yMax ?? Math.max(1, ...totals), o.yTitle);
  const slot = r.width / Math.max(1, n);
  const barW = Math.max(1, Math.min(40, slot * 0.8));
  for (let i = 0; i < n; i++) {
    const x = r.left + i * slot + (slot - barW) / 2;
    let acc = 0;
    for (const st of o.stacks) {
      const v = st.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = yOf(acc);
      const y1 = yOf(acc + v);
      ctx.fillStyle = st.color;
      ctx.fillRect(x, y1, barW, y0 - y1);
      acc += v;
    }
    if (o.selected === i) {
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 1, yOf(acc) - 1, barW + 2, yOf(0) - yOf(acc) + 2);
      ctx.lineWidth = 1;
    }
  }
  // Category labels (thinned so they never overlap).
  ctx.fillStyle = TEXT_COLOR;
  ctx.font = FONT;
  const every = rotate ? Math.max(1, Math.ceil(14 / slot)) : 1;
  for (let i = 0; i < n; i += every) {
    const x = r.left + (i + 0.5) * slot;
    const y = r.top + r.height + 6;
    if (rotate) {
      ctx.save();
      ctx.translate(x, y);
      ctx.rotate(-Math.PI / 4);
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(labels[i] ?? "", 0, 0);
      ctx.restore();
    } else {
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(labels[i] ?? "", x, y);
    }
  }
  ctx.font = TITLE_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(o.xTitle, r.left + r.width / 2, height - 4);
  return (/** @type {number} */ px) => {
    const i = Math.floor((px - r.left) / slot);
    return i >= 0 && i < n ? i : -1;
  };
}

/**
 * A histogram over bin edges; returns a hit test (x -> bin index).
 * @param {HTMLCanvasElement} canvas
 * @param {{ width: number, height: number, edges: number[], counts: number[], color: string, xTitle: string, yTitle: string, integer?: boolean }} o
 */
export function drawHistogram(canvas, o) {
  const ctx = setupCanvas(canvas, o.width, o.height);
  const r = { left: 60, top: 10, width: o.width - 76, height: o.height - 58 };
  const yOf = yAxis(ctx, r, Math.max(1, ...o.counts), o.yTitle);
  const lo = o.edges[0] ?? 0;
  const hi = o.edges[o.edges.length - 1] ?? 1;
  const xOf = (/** @type {number} */ v) => r.left + ((v - lo) / (hi - lo || 1)) * r.width;
  /** The edges of bin i (NaN past the end of a malformed histogram, which draws and hits nothing). */
  const edge = (/** @type {number} */ i) => o.edges[i] ?? Number.NaN;
  for (let i = 0; i < o.counts.length; i++) {
    const c = o.counts[i];
    if (!c) continue;
    const x0 = xOf(edge(i));
    const x1 = xOf(edge(i + 1));
    ctx.fillStyle = o.color;
    ctx.fillRect(x0 + 0.5, yOf(c), Math.max(1, x1 - x0 - 1), yOf(0) - yOf(c));
  }
  if (o.integer) {
    // Whole-number data: label each bin at its centre with its value.
    ctx.strokeStyle = AXIS_COLOR;
    ctx.fillStyle = TEXT_COLOR;
    ctx.font = FONT;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const every = Math.max(1, Math.ceil(28 / (r.width / Math.max(1, o.counts.length))));
    const y = r.top + r.height;
    ctx.beginPath();
    for (let i = 0; i < o.counts.length; i += every) {
      const e0 = edge(i);
      const e1 = edge(i + 1);
      const x = (xOf(e0) + xOf(e1)) / 2;
      ctx.moveTo(Math.round(x) + 0.5, y);
      ctx.lineTo(Math.round(x) + 0.5, y + 5);
      ctx.fillText(e1 - e0 === 1 ? String(e0) : `${e0}–${e1 - 1}`, x, y + 7);
    }
    ctx.stroke();
  } else {
    timeAxis(ctx, r.left, r.width, r.top + r.height, lo, hi);
  }
  ctx.font = TITLE_FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(o.xTitle, r.left + r.width / 2, o.height - 4);
  return (/** @type {number} */ px) => {
    const v = lo + ((px - r.left) / r.width) * (hi - lo);
    for (let i = 0; i < o.counts.length; i++) if (v >= edge(i) && v < edge(i + 1)) return i;
    return -1;
  };
}
