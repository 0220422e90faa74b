// @ts-check
// A scatter plot on <canvas> for the cohort view: one marker per cell (shape
// and colour per signal type, so it reads without colour), a linear or log x
// axis, a linear y axis, an optional y = x line, and a hit test for hovering
// and clicking a cell. On a log axis, values that cannot be placed (<= 0)
// are drawn in a strip left of the axis labelled "≤ 0" rather than dropped;
// points with a missing coordinate are not drawn (the caller says how many).

import { fmtTick, niceTicks, setupCanvas, yGrid } from "./plots.js";
import { AXIS_COLOR, GRID_COLOR, TEXT_COLOR, TITLE_FONT } from "./theme.js";

/**
 * @typedef {"circle" | "triangle" | "square"} MarkerShape
 * @typedef {{ x: number, y: number, color: string, shape: MarkerShape }} ScatterPoint
 * @typedef {object} ScatterOptions
 * @property {number} width
 * @property {number} height
 * @property {ScatterPoint[]} points
 * @property {string} xTitle
 * @property {string} yTitle
 * @property {boolean} [xLog] log10 x axis
 * @property {[number, number]} [xRange] fixed x range (linear axis)
 * @property {[number, number]} [yRange] fixed y range
 * @property {string} [diagonal] draw y = x with this label
 * @property {number} [selected] index of a point to ring
 */

const RADIUS = 5;
const STRIP = 34;

/**
 * Draws one marker.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x
 * @param {number} y
 * @param {MarkerShape} shape
 * @param {string} color
 * @param {number} [r]
 */
export function drawMarker(ctx, x, y, shape, color, r = RADIUS) {
  ctx.beginPath();
  if (shape === "triangle") {
    const k = r * 1.25;
    ctx.moveTo(x, y - k);
    ctx.lineTo(x + k * 0.95, y + k * 0.7);
    ctx.lineTo(x - k * 0.95, y + k * 0.7);
    ctx.closePath();
  } else if (shape === "square") {
    ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  } else {
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.85;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 1;
  ctx.stroke();
}

/**
 * Decade ticks of a log axis covering [lo, hi] (log10 values), thinned to fit.
 * @param {number} lo
 * @param {number} hi
 * @param {number} maxTicks
 */
function decades(lo, hi, maxTicks) {
  const first = Math.floor(lo);
  const last = Math.ceil(hi);
  const every = Math.max(1, Math.ceil((last - first + 1) / Math.max(2, maxTicks)));
  /** @type {number[]} */
  const out = [];
  for (let k = first; k <= last; k++) if ((k - first) % every === 0) out.push(k);
  return out;
}

/**
 * A log-axis label: 10^k as a plain number where short, else "1e5".
 * @param {number} k
 */
function decadeLabel(k) {
  return k >= -3 && k <= 4 ? String(Number((10 ** k).toPrecision(1))) : `1e${k}`;
}

/**
 * Draws the scatter plot; returns a hit test ((x, y) in CSS px -> point index, or -1).
 * @param {HTMLCanvasElement} canvas
 * @param {ScatterOptions} o
 */
export function drawScatter(canvas, o) {
  const ctx = setupCanvas(canvas, o.width, o.height);
  const placed = o.points.map((p) => Number.isFinite(p.y) && Number.isFinite(p.x));
  const offScale = o.points.map((p, i) => Boolean(o.xLog && placed[i] && p.x <= 0));
  const strip = o.xLog && offScale.some(Boolean) ? STRIP : 0;
  const r = { left: 62 + strip, top: 12, width: o.width - 62 - strip - 18, height: o.height - 62 };

  // Ranges.
  const xs = o.points
    .filter((_p, i) => placed[i] && !offScale[i])
    .map((p) => (o.xLog ? Math.log10(p.x) : p.x));
  const ys = o.points.filter((_, i) => placed[i]).map((p) => p.y);
  let [x0, x1] = o.xRange ?? [Math.min(...xs), Math.max(...xs)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = o.xLog ? [-1, 1] : [0, 1];
  if (o.xLog) {
    x0 = Math.floor(x0 - 0.05);
    x1 = Math.ceil(x1 + 0.05);
  } else if (!o.xRange) {
    const pad = (x1 - x0 || 1) * 0.06;
    x0 -= pad;
    x1 += pad;
  }
  let [y0, y1] = o.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const xOf = (/** @type {number} */ v) => r.left + ((v - x0) / (x1 - x0)) * r.width;
  const yOf = (/** @type {number} */ v) => r.top + r.height - ((v - y0) / (y1 - y0)) * r.height;

  // Grid and axes.
  ctx.lineWidth = 1;
  yGrid(ctx, r, niceTicks(y0, y1, Math.max(2, Math.floor(r.height / 40))), yOf, r.left - strip - 6);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const xTicks = o.xLog
    ? decades(x0, x1, Math.floor(r.width / 60))
    : niceTicks(x0, x1, Math.max(2, Math.floor(r.width / 80)));
  for (const v of xTicks) {
    const x = Math.round(xOf(v)) + 0.5;
    if (x < r.left - 0.5 || x > r.left + r.width + 0.5) continue;
    ctx.strokeStyle = GRID_COLOR;
    ctx.beginPath();
    ctx.moveTo(x, r.top);
    ctx.lineTo(x, r.top + r.height);
    ctx.stroke();
    ctx.fillText(o.xLog ? decadeLabel(v) : fmtTick(v), x, r.top + r.height + 7);
  }
  if (o.xLog) {
    // Minor ticks at 2..9 x 10^k.
    ctx.strokeStyle = AXIS_COLOR;
    ctx.beginPath();
    for (let k = Math.floor(x0); k < x1; k++)
      for (let m = 2; m <= 9; m++) {
        const x = Math.round(xOf(k + Math.log10(m))) + 0.5;
        if (x <= r.left || x >= r.left + r.width) continue;
        ctx.moveTo(x, r.top + r.height);
        ctx.lineTo(x, r.top + r.height + 3);
      }
    ctx.stroke();
  }
  ctx.strokeStyle = AXIS_COLOR;
  ctx.strokeRect(r.left + 0.5, r.top + 0.5, r.width, r.height);
  if (strip) {
    ctx.strokeRect(r.left - strip + 0.5, r.top + 0.5, strip - 6, r.height);
    ctx.fillStyle = TEXT_COLOR;
    ctx.fillText("≤ 0", r.left - strip / 2 - 2.5, r.top + r.height + 7);
  }

  if (o.diagonal) {
    const lo = Math.max(x0, y0);
    const hi = Math.min(x1, y1);
    if (hi > lo) {
      ctx.save();
      ctx.strokeStyle = "#888";
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(xOf(lo), yOf(lo));
      ctx.lineTo(xOf(hi), yOf(hi));
      ctx.stroke();
      ctx.setLineDash([]);
      // The label runs along the line, below it, a third of the way up.
      const m = lo + (hi - lo) * 0.35;
      ctx.translate(xOf(m), yOf(m));
      ctx.rotate(Math.atan2(yOf(hi) - yOf(lo), xOf(hi) - xOf(lo)));
      ctx.fillStyle = "#555";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(o.diagonal, 0, 5);
      ctx.restore();
    }
  }

  // Markers (the selected one ringed).
  /** @type {{ x: number, y: number }[]} */
  const at = o.points.map((p, i) => {
    if (!placed[i]) return { x: Number.NaN, y: Number.NaN };
    const x = offScale[i] ? r.left - strip / 2 - 3 : xOf(o.xLog ? Math.log10(p.x) : p.x);
    return { x, y: yOf(p.y) };
  });
  ctx.save();
  ctx.beginPath();
  ctx.rect(r.left - strip, r.top - RADIUS, r.width + strip + RADIUS, r.height + 2 * RADIUS);
  ctx.clip();
  o.points.forEach((p, i) => {
    const q = at[i];
    if (q && Number.isFinite(q.x)) drawMarker(ctx, q.x, q.y, p.shape, p.color);
  });
  const sel = o.selected === undefined ? undefined : at[o.selected];
  if (sel && Number.isFinite(sel.x)) {
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(sel.x, sel.y, RADIUS + 4, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.restore();

  // Titles.
  ctx.font = TITLE_FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(o.xTitle, r.left + r.width / 2, o.height - 4);
  ctx.save();
  ctx.translate(16, r.top + r.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(o.yTitle, 0, 0);
  ctx.restore();

  return (/** @type {number} */ px, /** @type {number} */ py) => {
    let best = -1;
    let bestD = 10 * 10;
    at.forEach((q, i) => {
      const d = (q.x - px) ** 2 + (q.y - py) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    return best;
  };
}
