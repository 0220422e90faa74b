// @ts-check
// The trace plots of a pair (uPlot): time in s on x, a response on y, and
// the traces in *groups*. The kept-repeats plot has every kept repeat (thin,
// translucent blue), their mean (bold black) and, with `--pred`, the model's
// prediction (vermillion, on top); with an export built with
// `--keep-rejected`, a second plot below has the rejected repeats, one group
// per fate (dimmed, in the fate's colour and dash), on an axis of their own:
// they are the detrended voltage the gating judged, in mV even for a spikes
// cell whose kept repeats are a PSTH in a.u. A group is one legend entry
// (optionally a button that shows or hides it) and one or more uPlot series;
// the plot, its legend and the cursor readout are built from the list of
// groups. Dragging zooms in time; the stimulus panel and the other plot
// follow (setScale hook).

import { fmt, h } from "./dom.js";
import { fmtTick, niceTicks } from "./plots.js";
import {
  FATE_DASH,
  FATE_TEXT,
  FONT,
  GUTTER_RIGHT,
  LIMIT_COLOR,
  MEAN_COLOR,
  PREDICTION_COLOR,
  REFERENCE_COLOR,
  REJECTED_COLORS,
  REPEAT_COLOR,
  TITLE_FONT,
} from "./theme.js";
import uPlot from "./uPlot.esm.js";

/**
 * @typedef {import("../api-types.js").WireHeader<import("../api-types.js").PairHeader>} PairWireHeader
 * @typedef {import("../api-types.js").WireHeader<import("../api-types.js").RejectedHeader>} RejectedWireHeader
 * @typedef {import("../api-types.js").RejectedFate} RejectedFate
 * @typedef {Float32Array | (number | null)[]} Trace one value per bin (null: no value)
 */

/**
 * One kind of trace: a legend entry and its series.
 * @typedef {object} TraceGroup
 * @property {string} id stable name ("repeats", "mean", "prediction", "rejected-range", ...), data-group of its legend entry
 * @property {string} legend legend text
 * @property {string} color stroke colour
 * @property {number} width line width (CSS px)
 * @property {string} swatch CSS class of the legend swatch ("thin" or "bold")
 * @property {number[]} [dash] dash pattern (CSS px), solid without
 * @property {Trace[]} traces one array of T values per series
 * @property {(i: number) => string} label series label of trace i
 * @property {(t: number) => string | null} [readout] cursor readout at bin t, or null to say nothing
 */

/**
 * The range of the finite values of some traces at bin t, or null.
 * @param {Trace[]} traces
 * @param {number} t
 */
function spread(traces, t) {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of traces) {
    const v = x[t];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * The pair's trace groups, in drawing order (later groups on top).
 * @param {PairWireHeader} header
 * @param {Map<string, Float32Array>} arrays
 * @param {string | null} predFile the PRED.npz name, for the legend
 * @returns {TraceGroup[]}
 */
export function pairTraceGroups(header, arrays, predFile) {
  const R = header.repeats;
  const T = header.frames;
  const unit = header.unit;
  const resp = /** @type {Float32Array} */ (arrays.get("responses"));
  const mean = /** @type {Float32Array} */ (arrays.get("mean"));
  const repeats = Array.from({ length: R }, (_, r) => resp.subarray(r * T, (r + 1) * T));
  /** @type {TraceGroup[]} */
  const groups = [
    {
      id: "repeats",
      legend: `each kept repeat (n = ${R})`,
      color: REPEAT_COLOR,
      width: 1,
      swatch: "thin",
      traces: repeats,
      label: (i) => `repeat ${i + 1}`,
      readout: (t) => {
        const r = spread(repeats, t);
        return r ? `repeats ${fmt(r[0], 4)} … ${fmt(r[1], 4)} ${unit}` : null;
      },
    },
    {
      id: "mean",
      legend: "mean over repeats",
      color: MEAN_COLOR,
      width: 2.25,
      swatch: "bold",
      traces: [mean],
      label: () => "mean",
      readout: (t) => `mean ${fmt(mean[t], 4)} ${unit}`,
    },
  ];
  const pred = arrays.get("prediction");
  if (pred) {
    groups.push({
      id: "prediction",
      legend: `model prediction${predFile ? ` (${predFile})` : ""}`,
      color: PREDICTION_COLOR,
      width: 2,
      swatch: "bold",
      traces: [pred],
      label: () => "prediction",
      readout: (t) => `prediction ${fmt(pred[t], 4)} ${unit}`,
    });
  }
  return groups;
}

/**
 * The rejected repeats of a pair as trace groups, one per fate present, in
 * the fate's colour (translucent: dimmed) and dash, each row's series
 * labelled with its repeat; with `reference` (the kept repeats' mean, for a
 * subthreshold cell whose kept repeats are in the same units) a thin black
 * reference line first. NaN (padding, an empty repeat) becomes a gap.
 * @param {RejectedWireHeader} header
 * @param {Map<string, Float32Array>} arrays
 * @param {Float32Array | null} reference
 * @returns {{ groups: TraceGroup[], rowOfSeries: (number | null)[], frames: number }} the
 *   groups, the rejected row each series of the plot draws (index 0 is uPlot's x series:
 *   null) and the bins every trace spans (the longer of the rejected rows and the reference)
 */
export function rejectedTraceGroups(header, arrays, reference) {
  const T = header.frames;
  const frames = Math.max(T, reference?.length ?? 0);
  const block = arrays.get("rejected") ?? new Float32Array(0);
  const unit = header.unit;
  /** @type {(v: number | undefined) => number | null} */
  const finite = (v) => (v !== undefined && Number.isFinite(v) ? v : null);
  /** @type {TraceGroup[]} */
  const groups = [];
  /** @type {(number | null)[]} */
  const rowOfSeries = [null];
  if (reference) {
    const ref = Array.from({ length: frames }, (_, t) => finite(reference[t]));
    groups.push({
      id: "kept-mean",
      legend: "mean of the kept repeats (same units, for reference)",
      color: REFERENCE_COLOR,
      width: 1.5,
      swatch: "bold",
      traces: [ref],
      label: () => "kept mean",
      readout: (t) => `kept mean ${fmt(ref[t], 4)} ${unit}`,
    });
    rowOfSeries.push(null);
  }
  /** @type {RejectedFate[]} */
  const fates = ["range", "step", "xcorr"];
  for (const fate of fates) {
    const rows = header.rows.filter((r) => r.fate === fate);
    if (rows.length === 0) continue;
    const traces = rows.map((r) =>
      Array.from({ length: frames }, (_, t) => (t < T ? finite(block[r.row * T + t]) : null)),
    );
    groups.push({
      id: `rejected-${fate}`,
      legend: `${FATE_TEXT[fate]}: ${rows.length} repeat${rows.length === 1 ? "" : "s"}`,
      color: REJECTED_COLORS[fate],
      width: 1.25,
      swatch: "thin",
      dash: FATE_DASH[fate],
      traces,
      label: (i) => `repeat ${(rows[i]?.repeat ?? 0) + 1} (${fate})`,
      readout: (t) => {
        const r = spread(traces, t);
        return r ? `${fate} ${fmt(r[0], 4)} … ${fmt(r[1], 4)} ${unit}` : null;
      },
    });
    for (const r of rows) rowOfSeries.push(r.row);
  }
  return { groups, rowOfSeries, frames };
}

/**
 * The legend of the groups: a swatch in each group's colour, width and dash,
 * and its text. With `onToggle`, each entry is a button that shows or hides
 * its group (aria-pressed: shown), starting hidden for the ids in `hidden`.
 * @param {TraceGroup[]} groups
 * @param {{ id?: string, hidden?: Set<string>, onToggle?: (id: string, shown: boolean) => void }} [o]
 */
export function traceLegend(groups, o = {}) {
  return h(
    "div",
    { class: "legend", id: o.id ?? "trace-legend" },
    groups.map((g) => {
      const swatch = h("span", { class: `swatch line ${g.swatch}` });
      // CSSOM, not a style attribute: allowed by the strict CSP.
      swatch.style.borderTopColor = g.color;
      swatch.style.borderTopWidth = `${Math.max(2, Math.round(g.width + 0.5))}px`;
      if (g.dash) swatch.style.borderTopStyle = (g.dash[0] ?? 0) > 3 ? "dashed" : "dotted";
      const onToggle = o.onToggle;
      if (!onToggle) return h("span", { class: "legend-item", "data-group": g.id }, [swatch, g.legend]);
      const shown = !o.hidden?.has(g.id);
      const button = h(
        "button",
        {
          type: "button",
          class: "legend-item legend-toggle",
          "data-group": g.id,
          "aria-pressed": String(shown),
          title: "Show or hide these traces",
        },
        [swatch, g.legend],
      );
      button.addEventListener("click", () => {
        const now = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", String(now));
        onToggle(g.id, now);
      });
      return button;
    }),
  );
}

/**
 * The uPlot series indices (1-based) of each group, by id.
 * @param {TraceGroup[]} groups
 */
export function seriesOfGroups(groups) {
  /** @type {Map<string, number[]>} */
  const out = new Map();
  let i = 1;
  for (const g of groups) {
    out.set(
      g.id,
      g.traces.map(() => i++),
    );
  }
  return out;
}

/**
 * Draws the groups into `box` with uPlot.
 * @param {HTMLElement} box
 * @param {{ groups: TraceGroup[], T: number, dtS: number, yTitle: string, width: number,
 *   onScale: (u: uPlot, cursorS: number | null) => void, onReadout: (text: string | null) => void,
 *   fullS?: number, height?: number, hidden?: Set<string>, syncKey?: string,
 *   onFocus?: (seriesIndex: number | null) => void, limits?: { value: number, label: string }[] }} o
 *   fullS: the time range when zoomed out (default T dt); hidden: group ids drawn hidden;
 *   syncKey: plots with the same key share the cursor; onFocus: hovering near a series
 *   focuses it (the others fade) and reports its index (null: none); limits: dashed
 *   horizontal lines at these y values, labelled, drawn when in view (they do not widen the y range)
 */
export function drawTraces(box, o) {
  const { groups, T, dtS } = o;
  const fullS = o.fullS ?? T * dtS;
  // x at bin centres.
  const x = new Float64Array(T);
  for (let t = 0; t < T; t++) x[t] = (t + 0.5) * dtS;
  /** @type {[Float64Array, ...Trace[]]} */
  const data = [x];
  /** @type {uPlot.Series[]} */
  const series = [{ label: "time (s)" }];
  for (const g of groups) {
    const show = !o.hidden?.has(g.id);
    g.traces.forEach((trace, i) => {
      data.push(trace);
      series.push({
        label: g.label(i),
        stroke: g.color,
        width: g.width,
        dash: g.dash,
        show,
        points: { show: false },
      });
    });
  }
  let cursorS = /** @type {number | null} */ (null);
  const xFirst = x[0] ?? Number.NaN;
  const xLast = x[T - 1] ?? Number.NaN;
  /** @type {uPlot.Cursor} */
  const cursor = { drag: { x: true, y: false, setScale: true }, points: { show: false } };
  if (o.onFocus) cursor.focus = { prox: 10 };
  if (o.syncKey) cursor.sync = { key: o.syncKey, setSeries: false };
  /** @type {uPlot.Options} */
  const opts = {
    width: o.width,
    height: o.height ?? 300,
    padding: [10, GUTTER_RIGHT, 0, 0],
    legend: { show: false },
    cursor,
    focus: { alpha: 0.12 },
    scales: {
      x: {
        time: false,
        // Auto range = the whole response [0, fullS]; zoomed ranges are kept as chosen.
        range: (_u, lo, hi) =>
          lo == null || hi == null || (lo <= xFirst && hi >= xLast) ? [0, fullS] : [lo, hi],
      },
    },
    axes: [
      {
        label: "time (s)",
        font: FONT,
        labelFont: TITLE_FONT,
        stroke: "#222",
        size: 36,
        labelSize: 22,
        grid: { stroke: "rgba(0,0,0,0.07)" },
        // The same ticks as the stimulus panel above (plots.js timeAxis).
        splits: (u, _i, lo, hi) =>
          niceTicks(lo, hi, Math.max(2, Math.floor(u.bbox.width / (window.devicePixelRatio || 1) / 90))),
        values: (_u, splits) => splits.map(fmtTick),
      },
      {
        label: o.yTitle,
        font: FONT,
        labelFont: TITLE_FONT,
        stroke: "#222",
        size: 56,
        labelSize: 24,
        grid: { stroke: "rgba(0,0,0,0.07)" },
      },
    ],
    series,
    hooks: {
      draw: [(u) => drawLimits(u, o.limits ?? [])],
      setSeries: [
        // uPlot passes {focus} or {show} (typed as a Series); only focus changes report.
        (_u, i, so) => {
          if ("focus" in so) o.onFocus?.(i ?? null);
        },
      ],
      setScale: [
        (u, key) => {
          if (key === "x") o.onScale(u, cursorS);
        },
      ],
      setCursor: [
        (u) => {
          const i = u.cursor.idx;
          if (i === null || i === undefined) {
            cursorS = null;
            o.onReadout(null);
          } else {
            cursorS = x[i] ?? null;
            const parts = [`t = ${fmt(x[i], 4)} s`];
            for (const g of groups) {
              const text = g.readout?.(i);
              if (text) parts.push(text);
            }
            o.onReadout(parts.join("   "));
          }
          o.onScale(u, cursorS);
        },
      ],
    },
  };
  return new uPlot(opts, data, box);
}

/**
 * Dashed horizontal lines at the `limits` within the y range, each labelled
 * at its right end (canvas pixels: uPlot's bbox and valToPos(..., true)).
 * @param {uPlot} u
 * @param {{ value: number, label: string }[]} limits
 */
function drawLimits(u, limits) {
  const { left, top, width, height } = u.bbox;
  const dpr = window.devicePixelRatio || 1;
  const ctx = u.ctx;
  for (const l of limits) {
    const y = u.valToPos(l.value, "y", true);
    if (!(y >= top && y <= top + height)) continue;
    ctx.save();
    ctx.strokeStyle = LIMIT_COLOR;
    ctx.lineWidth = dpr;
    ctx.setLineDash([5 * dpr, 4 * dpr]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillStyle = LIMIT_COLOR;
    ctx.font = FONT.replace(/\d+px/, `${Math.round(11 * dpr)}px`);
    ctx.textAlign = "right";
    ctx.textBaseline = l.value >= 0 ? "bottom" : "top";
    ctx.fillText(l.label, left + width - 4 * dpr, l.value >= 0 ? y - 2 * dpr : y + 2 * dpr);
    ctx.restore();
  }
}
