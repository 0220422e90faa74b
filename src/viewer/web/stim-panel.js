// @ts-check
// The stimulus panel above the traces, aligned with uPlot's plot area and
// following its zoom: the spectrogram heat map (plots.js), or in waveform
// mode the per-frame min/max envelope of the audio drawn as a band. A pair
// whose repeats were all rejected has no trace plot; the panel is then drawn
// against the same geometry made up (PlotFrame).

import { h } from "./dom.js";
import { drawSpectrogram, fmtTick, setupCanvas, timeAxis } from "./plots.js";
import { state } from "./state.js";
import { AXIS_COLOR, FONT, GUTTER_RIGHT, TEXT_COLOR, TITLE_FONT } from "./theme.js";

/**
 * @typedef {import("../api-types.js").WireHeader<import("../api-types.js").StimHeader>} StimWireHeader
 * @typedef {import("./plots.js").Spectrogram} Spectrogram
 */

/**
 * What the stimulus panel needs of the trace plot: a uPlot instance, or the
 * same geometry made up for a pair without traces.
 * @typedef {object} PlotFrame
 * @property {number} width
 * @property {{ style: { left: string }, clientWidth: number }} over
 * @property {Record<string, { min?: number, max?: number }>} scales
 */

/** Width of the trace plot's y axis (uPlot axis size + label), also used for the made-up geometry. */
export const Y_AXIS_PX = 80;

/**
 * The geometry a trace plot of `width` px over [0, durationS] would have.
 * @param {number} width
 * @param {number} durationS
 * @returns {PlotFrame}
 */
export function frameWithoutTraces(width, durationS) {
  return {
    width,
    over: { style: { left: `${Y_AXIS_PX}px` }, clientWidth: width - Y_AXIS_PX - GUTTER_RIGHT },
    scales: { x: { min: 0, max: durationS } },
  };
}

/**
 * The stimulus panel above the traces, aligned with uPlot's plot area:
 * a spectrogram heat map, or in waveform mode a min/max envelope drawn as a band.
 * @param {StimWireHeader} header
 * @param {Map<string, Float32Array>} arrays
 * @param {HTMLElement} box
 * @param {number} width
 */
export function makeStimDrawer(header, arrays, box, width) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    h("canvas", { id: "spec", class: "chart", "aria-label": "stimulus" })
  );
  box.replaceChildren(canvas);
  const height = header.mode === "spectrogram" ? 240 : 140;
  const dtS = header.dtMs / 1000;
  /** @type {Spectrogram | null} */
  let spectrogram = null;
  const stim = arrays.get("stim");
  const [F, T] = header.arrays.find((q) => q.name === "stim")?.shape ?? [];
  if (header.mode === "spectrogram" && stim && F !== undefined && T !== undefined) {
    spectrogram = {
      data: stim,
      F,
      T,
      freqsHz: header.freqsHz,
      dtMs: header.dtMs,
      bandsPerOctave: header.bandsPerOctave ?? undefined,
    };
    state.plots.spectrogram = spectrogram;
  }
  const lo = arrays.get("stimMin");
  const hi = arrays.get("stimMax");
  return {
    /** @param {PlotFrame} u @param {number | null} cursorS */
    draw(u, cursorS) {
      const left = Number.parseFloat(u.over.style.left) || 0;
      const plotWidth = u.over.clientWidth || width - left - GUTTER_RIGHT;
      const xMin = u.scales.x?.min;
      const xMax = u.scales.x?.max;
      if (xMin === undefined || xMax === undefined) return;
      if (!Number.isFinite(xMin) || !Number.isFinite(xMax) || !(xMax > xMin)) return;
      if (spectrogram) {
        drawSpectrogram(canvas, spectrogram, {
          width: u.width,
          height,
          left,
          plotWidth,
          xMin,
          xMax,
          cursorS,
        });
      } else if (lo && hi) {
        drawEnvelope(canvas, lo, hi, dtS, { width: u.width, height, left, plotWidth, xMin, xMax, cursorS });
      }
    },
  };
}

/**
 * Waveform-mode stimulus: per-frame min/max of the audio as a filled band.
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} lo
 * @param {Float32Array} hi
 * @param {number} dtS
 * @param {{ width: number, height: number, left: number, plotWidth: number, xMin: number, xMax: number, cursorS: number | null }} L
 */
function drawEnvelope(canvas, lo, hi, dtS, L) {
  const ctx = setupCanvas(canvas, L.width, L.height);
  const top = 6;
  const bottom = L.height - 24;
  let amp = 0;
  for (let i = 0; i < lo.length; i++)
    amp = Math.max(amp, Math.abs(lo[i] ?? Number.NaN), Math.abs(hi[i] ?? Number.NaN));
  amp = amp || 1;
  const xOf = (/** @type {number} */ t) => L.left + ((t - L.xMin) / (L.xMax - L.xMin)) * L.plotWidth;
  const yOf = (/** @type {number} */ v) => top + ((amp - v) / (2 * amp)) * (bottom - top);
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.left, top, L.plotWidth, bottom - top);
  ctx.clip();
  ctx.fillStyle = "#3b528b";
  ctx.beginPath();
  for (let i = 0; i < hi.length; i++) ctx.lineTo(xOf((i + 0.5) * dtS), yOf(hi[i] ?? Number.NaN));
  for (let i = lo.length - 1; i >= 0; i--) ctx.lineTo(xOf((i + 0.5) * dtS), yOf(lo[i] ?? Number.NaN));
  ctx.closePath();
  ctx.fill();
  if (L.cursorS != null) {
    ctx.strokeStyle = "#c00";
    ctx.beginPath();
    ctx.moveTo(xOf(L.cursorS), top);
    ctx.lineTo(xOf(L.cursorS), bottom);
    ctx.stroke();
  }
  ctx.restore();
  ctx.strokeStyle = AXIS_COLOR;
  ctx.strokeRect(L.left - 0.5, top - 0.5, L.plotWidth + 1, bottom - top + 1);
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of [-amp, 0, amp]) ctx.fillText(fmtTick(Number(v.toPrecision(2))), L.left - 6, yOf(v));
  ctx.save();
  ctx.translate(14, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.font = TITLE_FONT;
  ctx.fillText("amplitude (a.u.)", 0, 0);
  ctx.restore();
  timeAxis(ctx, L.left, L.plotWidth, bottom, L.xMin, L.xMax);
}
