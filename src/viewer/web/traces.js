// @ts-check
// The trace plot of a pair (uPlot): time in s on x, the response on y, and
// the traces in *groups*: every kept repeat (thin, translucent blue), their
// mean (bold black) and, with `--pred`, the model's prediction (vermillion,
// on top). A group is one legend entry and one or more uPlot series; the plot,
// its legend and the cursor readout are built from the list of groups, so a
// further kind of trace (e.g. rejected repeats) is one more group from
// pairTraceGroups. Dragging zooms in time; the stimulus panel follows
// (setScale hook).

import { fmt, h } from "./dom.js";
import { fmtTick, niceTicks } from "./plots.js";
import { FONT, GUTTER_RIGHT, MEAN_COLOR, PREDICTION_COLOR, REPEAT_COLOR, TITLE_FONT } from "./theme.js";
import uPlot from "./uPlot.esm.js";

/**
 * @typedef {import("../api-types.js").WireHeader<import("../api-types.js").PairHeader>} PairWireHeader
 */

/**
 * One kind of trace: a legend entry and its series.
 * @typedef {object} TraceGroup
 * @property {string} id stable name ("repeats", "mean", "prediction"), data-group of its legend entry
 * @property {string} legend legend text
 * @property {string} color stroke colour
 * @property {number} width line width (CSS px)
 * @property {string} swatch CSS class of the legend swatch ("thin" or "bold")
 * @property {Float32Array[]} traces one array of T values per series
 * @property {(i: number) => string} label series label of trace i
 * @property {(t: number) => string | null} [readout] cursor readout at bin t, or null to say nothing
 */

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
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const x of repeats) {
          const v = x[t] ?? Number.NaN;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        return `repeats ${fmt(lo, 4)} … ${fmt(hi, 4)} ${unit}`;
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
 * The legend of the groups: a swatch in each group's colour and width, and its text.
 * @param {TraceGroup[]} groups
 */
export function traceLegend(groups) {
  return h(
    "div",
    { class: "legend", id: "trace-legend" },
    groups.map((g) => {
      const swatch = h("span", { class: `swatch line ${g.swatch}` });
      // CSSOM, not a style attribute: allowed by the strict CSP.
      swatch.style.borderTopColor = g.color;
      swatch.style.borderTopWidth = `${Math.max(2, Math.round(g.width + 0.5))}px`;
      return h("span", { class: "legend-item", "data-group": g.id }, [swatch, g.legend]);
    }),
  );
}

/**
 * Draws the groups into `box` with uPlot.
 * @param {HTMLElement} box
 * @param {{ groups: TraceGroup[], T: number, dtS: number, yTitle: string, width: number,
 *   onScale: (u: uPlot, cursorS: number | null) => void, onReadout: (text: string | null) => void }} o
 */
export function drawTraces(box, o) {
  const { groups, T, dtS } = o;
  // x at bin centres.
  const x = new Float64Array(T);
  for (let t = 0; t < T; t++) x[t] = (t + 0.5) * dtS;
  /** @type {[Float64Array, ...Float32Array[]]} */
  const data = [x];
  /** @type {uPlot.Series[]} */
  const series = [{ label: "time (s)" }];
  for (const g of groups) {
    g.traces.forEach((trace, i) => {
      data.push(trace);
      series.push({ label: g.label(i), stroke: g.color, width: g.width, points: { show: false } });
    });
  }
  let cursorS = /** @type {number | null} */ (null);
  const xFirst = x[0] ?? Number.NaN;
  const xLast = x[T - 1] ?? Number.NaN;
  /** @type {uPlot.Options} */
  const opts = {
    width: o.width,
    height: 300,
    padding: [10, GUTTER_RIGHT, 0, 0],
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
    scales: {
      x: {
        time: false,
        // Auto range = the whole response [0, T dt]; zoomed ranges are kept as chosen.
        range: (_u, lo, hi) =>
          lo == null || hi == null || (lo <= xFirst && hi >= xLast) ? [0, T * dtS] : [lo, hi],
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
