// @ts-check
// The ac1 viewer's browser app (plain ES modules, no build step, no CDN:
// every asset comes from the local server). Views:
// - Cells: a cell list filterable by experimenter, site and signal type, with
//   stim and repeat counts and gating tallies; the stims of the chosen cell;
//   for a chosen (stim, cell) the stimulus spectrogram above every kept
//   repeat (thin) and their mean (bold) on a shared, zoomable time axis, and
//   the rejected repeats with their reason and gating statistics.
// - Cohort: repeats kept/rejected per cell by reason (stacked bars), and
//   histograms of response length and of kept repeats per pair.
// The traces use uPlot (fast, small, dense time series with zoom and
// cursor); the heat map and bar charts are drawn on <canvas> in plots.js.
// The location hash (#cell=N&stim=S, #cohort) keeps the view linkable.

import { getCohort, getNeuronStims, getNeurons, getPair, getProvenance, getStim, getSummary } from "./api.js";
import { drawHistogram, drawSpectrogram, drawStackedBars, fmtTick, niceTicks, timeAxis } from "./plots.js";
import uPlot from "./uPlot.esm.js";

/**
 * The API's documents (src/viewer/api-types.ts, the server/browser contract).
 * @typedef {import("../api-types.js").SummaryJson} SummaryJson
 * @typedef {import("../api-types.js").NeuronRowJson} NeuronRowJson
 * @typedef {import("../api-types.js").NeuronStimsJson} NeuronStimsJson
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").ProvenanceRowJson} ProvenanceRowJson
 * @typedef {import("../api-types.js").CohortJson} CohortJson
 * @typedef {import("../api-types.js").CohortCellJson} CohortCellJson
 * @typedef {import("../api-types.js").PairHeader} PairHeader
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

/** Colour per gating fate (Paul Tol's colour-blind-safe "bright" set). */
const FATE_COLORS = { kept: "#4477AA", range: "#EE6677", step: "#CCBB44", xcorr: "#AA3377" };
const FATE_TEXT = {
  kept: "kept",
  range: "range (max |Vm| too large, or empty)",
  step: "step (voltage jumps)",
  xcorr: "xcorr (low correlation with the other repeats)",
};
const REPEAT_COLOR = "rgba(68, 119, 170, 0.38)";
const MEAN_COLOR = "#111111";
const GUTTER_RIGHT = 78;
const AXIS_FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const LABEL_FONT = "600 13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * The body of table #id.
 * @param {string} id
 */
function tableBody(id) {
  const body = /** @type {HTMLTableElement} */ ($(id)).tBodies[0];
  if (!body) throw new Error(`missing tbody in #${id}`);
  return body;
}

/**
 * Creates an element with text and attributes.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {(Node | string | null | undefined)[]} [children]
 */
function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** @param {number | null | undefined} v @param {number} [digits] */
function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

/** @param {number} n @param {string} word */
function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const state = {
  /** @type {SummaryJson | null} */ summary: null,
  /** @type {NeuronRowJson[]} */ neurons: [],
  /** @type {number | null} */ neuron: null,
  /** @type {number | null} */ stim: null,
  /** @type {NeuronStimsJson | null} */ stims: null,
  /** @type {CohortJson | null} */ cohort: null,
  tab: "cells",
  cohortPercent: false,
  cellSort: { key: "neuron", dir: 1 },
  /** @type {{ responses: uPlot | null, spectrogram: Spectrogram | null }} */ plots: {
    responses: null,
    spectrogram: null,
  },
  loadToken: 0,
};

// Exposed for the browser tests and for poking around in the console.
Object.assign(window, { ac1viewer: state });

/** @param {unknown} e */
function showError(e) {
  const el = $("error");
  el.hidden = false;
  el.textContent = e instanceof Error ? e.message : String(e);
}

function clearError() {
  const el = $("error");
  el.hidden = true;
  el.textContent = "";
}

// ---------------------------------------------------------------- summary

/** @param {SummaryJson} s */
function renderSummary(s) {
  $("file").textContent = s.file;
  document.title = `ac1 viewer: ${s.file}`;
  const rej = s.rejections;
  const f0 = s.freqsHz[0] ?? Number.NaN;
  const f1 = s.freqsHz[s.freqsHz.length - 1] ?? Number.NaN;
  const parts = [
    h("span", {}, [h("b", { text: s.neuronCount }), " cells"]),
    h("span", {}, [h("b", { text: s.stimCount }), " stims"]),
    h("span", {}, [h("b", { text: s.pairCount }), " (stim, cell) pairs"]),
    h("span", {}, [h("b", { text: s.keptRepeats }), " kept repeats"]),
    h("span", { title: "repeats rejected by the gating, by reason (whole build)" }, [
      "rejected: ",
      h("b", { class: "fate-range", text: rej.range }),
      " range, ",
      h("b", { class: "fate-step", text: rej.step }),
      " step, ",
      h("b", { class: "fate-xcorr", text: rej.xcorr }),
      " xcorr",
    ]),
    h("span", {}, [`dt ${fmt(s.dtMs)} ms`]),
    s.mode === "spectrogram"
      ? h("span", {}, [`${s.F} bands, ${fmt(f0 / 1000)}–${fmt(f1 / 1000)} kHz`])
      : h("span", {}, [`waveform at ${s.audioFs} Hz`]),
    h("span", {}, [`signal: ${s.signalType}`]),
  ];
  if (s.droppedCellsEmpty)
    parts.push(h("span", {}, [`${plural(s.droppedCellsEmpty, "cell")} dropped (nothing kept)`]));
  if (s.skippedFiles.length) {
    parts.push(
      h("span", { title: s.skippedFiles.map((f) => `${f.path}: ${f.reason}`).join("\n") }, [
        `${plural(s.skippedFiles.length, "file")} skipped`,
      ]),
    );
  }
  if (!s.provenanceAvailable)
    parts.push(h("span", { class: "warn" }, ["no per-repeat provenance in this export"]));
  $("summary").replaceChildren(
    ...parts.flatMap((p, i) => (i ? [h("span", { class: "sep", text: "·" }), p] : [p])),
  );
}

// ---------------------------------------------------------------- cell list

/**
 * @param {HTMLSelectElement} select
 * @param {string} label
 * @param {string[]} values
 */
function fillSelect(select, label, values) {
  select.replaceChildren(
    h("option", { value: "", text: `all ${label}` }),
    ...values.map((v) => h("option", { value: v, text: v })),
  );
}

function filteredNeurons() {
  const exp = /** @type {HTMLSelectElement} */ ($("f-experimenter")).value;
  const site = /** @type {HTMLSelectElement} */ ($("f-site")).value;
  const sig = /** @type {HTMLSelectElement} */ ($("f-signal")).value;
  const text = /** @type {HTMLInputElement} */ ($("f-text")).value.trim().toLowerCase();
  const rows = state.neurons.filter(
    (n) =>
      (!exp || n.experimenter === exp) &&
      (!site || n.site === site) &&
      (!sig || n.signalType === sig) &&
      (!text || String(n.label).toLowerCase().includes(text)),
  );
  const { key, dir } = state.cellSort;
  /** @param {NeuronRowJson} n */
  const sortValue = (n) =>
    key === "range" || key === "step" || key === "xcorr"
      ? (n.tally?.[key] ?? 0)
      : n[/** @type {keyof NeuronRowJson} */ (key)];
  return rows.sort((a, b) => {
    const x = sortValue(a);
    const y = sortValue(b);
    const c =
      typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
    return (c || a.neuron - b.neuron) * dir;
  });
}

/** Sorts the cell list by a column header's data-sort key (click again to reverse). */
function setupCellSort() {
  for (const th of document.querySelectorAll("#cell-table th[data-sort]")) {
    const el = /** @type {HTMLElement} */ (th);
    el.tabIndex = 0;
    const sortBy = () => {
      const key = el.dataset.sort ?? "neuron";
      state.cellSort = { key, dir: state.cellSort.key === key ? -state.cellSort.dir : 1 };
      for (const other of document.querySelectorAll("#cell-table th[data-sort]"))
        other.removeAttribute("aria-sort");
      el.setAttribute("aria-sort", state.cellSort.dir > 0 ? "ascending" : "descending");
      renderCells();
    };
    el.addEventListener("click", sortBy);
    el.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") sortBy();
    });
  }
}

function renderCells() {
  const rows = filteredNeurons();
  $("cell-count").textContent =
    rows.length === state.neurons.length ? `(${rows.length})` : `(${rows.length} of ${state.neurons.length})`;
  const tbody = tableBody("cell-table");
  if (rows.length === 0) {
    tbody.replaceChildren(
      h("tr", {}, [h("td", { colspan: 10, class: "hint", text: "No cell matches the filters." })]),
    );
    return;
  }
  tbody.replaceChildren(
    ...rows.map((n) => {
      const t = n.tally;
      const tr = h(
        "tr",
        { "data-neuron": n.neuron, class: n.neuron === state.neuron ? "selected" : "", tabindex: 0 },
        [
          h("td", { class: "num", text: n.neuron }),
          h(
            "td",
            {
              class: "name",
              title: `${n.label}\nanimal ${n.animalId ?? "?"}, ${n.date ?? "?"}\n${n.recordingType ?? ""}`,
            },
            [h("span", { class: "clip", text: n.label })],
          ),
          h("td", { text: n.experimenter ?? "" }),
          h("td", { text: n.site ?? "" }),
          h("td", { text: n.signalType ?? "" }),
          h("td", { class: "num", text: n.stimCount }),
          h("td", { class: "num", text: n.repeatCount }),
          h("td", { class: `num${t?.range ? " fate-range" : " zero"}`, text: t ? t.range : "—" }),
          h("td", { class: `num${t?.step ? " fate-step" : " zero"}`, text: t ? t.step : "—" }),
          h("td", { class: `num${t?.xcorr ? " fate-xcorr" : " zero"}`, text: t ? t.xcorr : "—" }),
        ],
      );
      tr.addEventListener("click", () => navigate({ neuron: n.neuron, stim: null }));
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") navigate({ neuron: n.neuron, stim: null });
      });
      return tr;
    }),
  );
}

// ---------------------------------------------------------------- stim list

async function loadStims() {
  if (state.neuron === null) return;
  if (state.stims?.neuron !== state.neuron) state.stims = await getNeuronStims(state.neuron);
  renderStims();
}

function renderStims() {
  const doc = state.stims;
  const tbody = tableBody("stim-table");
  if (!doc) {
    tbody.replaceChildren(h("tr", {}, [h("td", { colspan: 6, class: "hint", text: "Select a cell." })]));
    $("stim-title").textContent = "Stims";
    $("unregistered").replaceChildren();
    return;
  }
  $("stim-title").textContent =
    `Stims heard by ${doc.label} (#${doc.neuron}): ${doc.stims.filter((s) => s.hasData).length} with data`;
  tbody.replaceChildren(
    ...doc.stims.map((s) => {
      const t = s.tally;
      const rejected = t ? t.range + t.step + t.xcorr : null;
      const detail = t ? `range ${t.range} · step ${t.step} · xcorr ${t.xcorr}` : "no provenance";
      const tr = h(
        "tr",
        {
          "data-stim": s.stim,
          class: `${s.stim === state.stim ? "selected" : ""}${s.hasData ? "" : " nodata"}`,
          tabindex: 0,
        },
        [
          h("td", { class: "num", text: s.stim }),
          h("td", { class: "name", title: s.label }, [h("span", { class: "clip", text: s.label })]),
          h("td", { text: s.category ?? "" }),
          h("td", { class: "num", text: s.hasData ? fmt(s.lengthS) : "—" }),
          h("td", { class: "num", text: s.repeats }),
          h("td", { class: `num${rejected ? " rejected" : " zero"}`, text: rejected ?? "—", title: detail }),
        ],
      );
      tr.addEventListener("click", () => navigate({ neuron: state.neuron, stim: s.stim }));
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") navigate({ neuron: state.neuron, stim: s.stim });
      });
      return tr;
    }),
  );
  if (doc.unregistered.length) {
    const total = doc.unregistered.reduce((a, u) => a + u.tally.range + u.tally.step + u.tally.xcorr, 0);
    $("unregistered").textContent =
      `${plural(doc.unregistered.length, "further stim")} heard by this cell ${doc.unregistered.length === 1 ? "was" : "were"} never registered (no cell kept a repeat of it): ${plural(total, "repeat")} rejected.`;
  } else {
    $("unregistered").replaceChildren();
  }
}

// ---------------------------------------------------------------- pair view

/**
 * @param {import("../api-types.js").WireHeader<PairHeader>} header
 * @param {Map<string, Float32Array>} arrays
 * @param {ProvenanceJson} prov
 */
function renderPair(header, arrays, prov) {
  const pair = $("pair");
  const meta = header.neuronMeta;
  const stimMeta = header.stimMeta;
  const R = header.repeats;
  const T = header.frames;
  const dtS = header.dtMs / 1000;
  const yTitle = `${header.quantity} (${header.unit})`;
  const title = h("h2", { id: "pair-title" }, [
    "Cell ",
    h("b", { text: header.neuronLabel }),
    ` (#${header.neuron}) × stim `,
    h("b", { text: header.stimLabel }),
    ` (#${header.stim})`,
  ]);
  const metaLine = h("div", { class: "meta" }, [
    [meta.experimenter, meta.site, header.signalType, meta.recording_type].filter(Boolean).join(" · "),
    ` — ${R} kept repeat${R === 1 ? "" : "s"}, ${T} frames of ${fmt(header.dtMs)} ms = ${fmt(T * dtS)} s`,
    stimMeta.category ? ` — category ${stimMeta.category}` : "",
    stimMeta.duration_s
      ? `, stim duration ${fmt(typeof stimMeta.duration_s === "number" ? stimMeta.duration_s : null)} s`
      : "",
  ]);
  const specTitle =
    header.mode === "spectrogram"
      ? "Stimulus spectrogram (log-frequency bands, dB)"
      : "Stimulus waveform (per-frame min and max)";
  const specBox = h("div", { class: "plot-box", id: "spec-box" });
  const respBox = h("div", { class: "plot-box", id: "resp-plot" });
  const legend = h("div", { class: "legend" }, [
    h("span", { class: "swatch thin" }),
    `each kept repeat (n = ${R})`,
    h("span", { class: "swatch bold" }),
    "mean over repeats",
  ]);
  const readout = h("div", {
    class: "readout",
    id: "resp-readout",
    text: "Drag across the traces to zoom in time; double-click to reset; ↑/↓ (or j/k) step through the stims.",
  });
  const plotsPanel = h("div", { class: "panel" }, [
    h("h3", { text: specTitle }),
    specBox,
    h("h3", { class: "spaced" }, [`Responses: ${header.quantity} of every kept repeat and their mean`]),
    legend,
    respBox,
    readout,
  ]);
  pair.replaceChildren(
    h("div", { class: "pair-head" }, [title, metaLine]),
    plotsPanel,
    renderGating(prov, R),
  );
  pair.dataset.pair = `${header.stim}:${header.neuron}`;

  // Response traces: x at bin centres, one series per repeat plus the mean.
  const x = new Float64Array(T);
  for (let t = 0; t < T; t++) x[t] = (t + 0.5) * dtS;
  const resp = /** @type {Float32Array} */ (arrays.get("responses"));
  const mean = /** @type {Float32Array} */ (arrays.get("mean"));
  /** @type {[Float64Array, ...Float32Array[]]} */
  const data = [x];
  /** @type {uPlot.Series[]} */
  const series = [{ label: "time (s)" }];
  for (let r = 0; r < R; r++) {
    data.push(resp.subarray(r * T, (r + 1) * T));
    series.push({ label: `repeat ${r + 1}`, stroke: REPEAT_COLOR, width: 1, points: { show: false } });
  }
  data.push(mean);
  series.push({ label: "mean", stroke: MEAN_COLOR, width: 2.25, points: { show: false } });

  const width = Math.max(320, respBox.clientWidth);
  let cursorS = /** @type {number | null} */ (null);
  const spec = makeStimDrawer(header, arrays, specBox, width);
  const xFirst = x[0] ?? Number.NaN;
  const xLast = x[T - 1] ?? Number.NaN;
  /** @type {uPlot.Options} */
  const opts = {
    width,
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
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
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
        label: yTitle,
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
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
          if (key === "x") spec.draw(u, cursorS);
        },
      ],
      setCursor: [
        (u) => {
          const i = u.cursor.idx;
          const rd = $("resp-readout");
          if (i === null || i === undefined) {
            cursorS = null;
            rd.textContent =
              "Drag across the traces to zoom in time; double-click to reset; ↑/↓ (or j/k) step through the stims.";
          } else {
            cursorS = x[i] ?? null;
            let lo = Number.POSITIVE_INFINITY;
            let hi = Number.NEGATIVE_INFINITY;
            for (let r = 0; r < R; r++) {
              const v = resp[r * T + i] ?? Number.NaN;
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            rd.textContent = `t = ${fmt(x[i], 4)} s   mean = ${fmt(mean[i], 4)} ${header.unit}   repeats range ${fmt(lo, 4)} … ${fmt(hi, 4)} ${header.unit}`;
          }
          spec.draw(u, cursorS);
        },
      ],
    },
  };
  state.plots.responses?.destroy();
  const u = new uPlot(opts, data, respBox);
  state.plots.responses = u;
  spec.draw(u, null);
  pair.dataset.rendered = "1";
}

/**
 * The stimulus panel above the traces, aligned with uPlot's plot area:
 * a spectrogram heat map, or in waveform mode a min/max envelope drawn as a band.
 * @param {StimWireHeader} header
 * @param {Map<string, Float32Array>} arrays
 * @param {HTMLElement} box
 * @param {number} width
 */
function makeStimDrawer(header, arrays, box, width) {
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
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(L.width * dpr);
  canvas.height = Math.round(L.height * dpr);
  canvas.style.width = `${L.width}px`;
  canvas.style.height = `${L.height}px`;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
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
  ctx.strokeStyle = "#444";
  ctx.strokeRect(L.left - 0.5, top - 0.5, L.plotWidth + 1, bottom - top + 1);
  ctx.font = AXIS_FONT;
  ctx.fillStyle = "#222";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of [-amp, 0, amp]) ctx.fillText(fmtTick(Number(v.toPrecision(2))), L.left - 6, yOf(v));
  ctx.save();
  ctx.translate(14, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.font = LABEL_FONT;
  ctx.fillText("amplitude (a.u.)", 0, 0);
  ctx.restore();
  timeAxis(ctx, L.left, L.plotWidth, bottom, L.xMin, L.xMax);
}

/**
 * The gating panel: rejected repeats with their reason and statistics.
 * @param {ProvenanceJson} prov
 * @param {number} keptCount
 */
function renderGating(prov, keptCount) {
  const panel = h("div", { class: "panel", id: "gating" });
  if (!prov.available) {
    panel.append(
      h("h3", { text: "Rejected repeats" }),
      h("p", {
        class: "hint",
        text: "This export carries no per-repeat provenance, so rejected repeats cannot be listed.",
      }),
    );
    return panel;
  }
  const g = prov.gating;
  const rejected = prov.rejected;
  panel.append(
    h("h3", {}, [
      `Rejected repeats: ${rejected.length} of ${prov.repeats.length} recorded`,
      rejected.length
        ? ` (range ${prov.tally.range}, step ${prov.tally.step}, xcorr ${prov.tally.xcorr})`
        : "",
    ]),
  );
  if (g) {
    panel.append(
      h("p", {
        class: "note",
        text: `Gating rules: range if max |Vm| > ${fmt(g.absMvMax)} mV; step if more than ${fmt(g.maxStepFrac * 100)} % of samples jump by more than ${fmt(g.stepMv)} mV; xcorr if r < ${fmt(g.minXcorr)} with the median of the other repeats. The first failing test names the reason.`,
      }),
    );
  }
  if (rejected.length) {
    panel.append(
      h("p", {
        class: "note",
        text: "The export stores only kept repeats, so rejected traces cannot be drawn; their gating statistics are listed instead.",
      }),
    );
  }
  /** @param {ProvenanceRowJson[]} rows */
  const table = (rows) =>
    h("table", { class: "stats" }, [
      h("thead", {}, [
        h("tr", {}, [
          h("th", { class: "num", text: "repeat" }),
          h("th", { text: "fate" }),
          h("th", { class: "num", text: "max |Vm| (mV)" }),
          h("th", { class: "num", text: "step fraction" }),
          h("th", { class: "num", text: "r (xcorr)" }),
          h("th", { class: "num", text: "samples" }),
        ]),
      ]),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h("tr", { "data-fate": r.fate }, [
            h("td", { class: "num", text: r.repeat + 1 }),
            h("td", {}, [
              h("span", {
                class: `badge fate-bg-${r.fate}`,
                text: r.fate,
                title: FATE_TEXT[r.fate],
              }),
            ]),
            h("td", { class: `num${r.fate === "range" ? " culprit" : ""}`, text: fmt(r.maxAbsMv, 4) }),
            h("td", { class: `num${r.fate === "step" ? " culprit" : ""}`, text: fmt(r.stepFrac, 3) }),
            h("td", { class: `num${r.fate === "xcorr" ? " culprit" : ""}`, text: fmt(r.r, 3) }),
            h("td", { class: "num", text: r.samples }),
          ]),
        ),
      ),
    ]);
  if (rejected.length) panel.append(table(rejected));
  else panel.append(h("p", { class: "hint", text: "No repeat of this pair was rejected." }));
  const kept = prov.repeats.filter((r) => r.fate === "kept");
  if (kept.length) {
    panel.append(
      h("details", {}, [
        h("summary", { text: `Statistics of the ${kept.length} kept repeats` }),
        table(kept),
      ]),
    );
  }
  if (kept.length !== keptCount) {
    panel.append(
      h("p", {
        class: "warn",
        text: `Provenance lists ${kept.length} kept repeats but the export holds ${keptCount}.`,
      }),
    );
  }
  return panel;
}

async function loadPair() {
  const pair = $("pair");
  const token = ++state.loadToken;
  delete pair.dataset.rendered;
  if (state.neuron === null || state.stim === null) {
    state.plots.responses?.destroy();
    state.plots.responses = null;
    pair.replaceChildren(
      h("div", {
        class: "placeholder",
        text: state.neuron === null ? "Select a cell, then a stim." : "Select a stim of this cell.",
      }),
    );
    delete pair.dataset.pair;
    return;
  }
  const s = state.stim;
  const n = state.neuron;
  const stims = state.stims;
  const row = stims?.stims.find((x) => x.stim === s);
  if (stims && !row) {
    state.plots.responses?.destroy();
    state.plots.responses = null;
    pair.replaceChildren(
      h("div", {
        class: "placeholder",
        text: `Cell ${stims.label} (#${n}) has no recording of stim #${s}. Pick one of its stims.`,
      }),
    );
    delete pair.dataset.pair;
    return;
  }
  const provPromise = getProvenance(n, s);
  if (row && !row.hasData) {
    const [prov, stimPayload] = await Promise.all([provPromise, getStim(s)]);
    if (token !== state.loadToken) return;
    state.plots.responses?.destroy();
    state.plots.responses = null;
    const specBox = h("div", { class: "plot-box", id: "spec-box" });
    const { header } = stimPayload;
    pair.replaceChildren(
      h("div", { class: "pair-head" }, [
        h("h2", { id: "pair-title" }, [
          "Cell ",
          h("b", { text: stims?.label }),
          ` (#${n}) × stim `,
          h("b", { text: row.label }),
          ` (#${s})`,
        ]),
        h("div", {
          class: "meta",
          text: "No repeat of this pair was kept, so the export holds no responses for it; the stimulus and the gating of its repeats are shown.",
        }),
      ]),
      h("div", { class: "panel" }, [
        h("h3", {
          text:
            header.mode === "spectrogram"
              ? "Stimulus spectrogram (log-frequency bands, dB)"
              : "Stimulus waveform (per-frame min and max)",
        }),
        specBox,
      ]),
      renderGating(prov, 0),
    );
    // Same geometry as the traces plot would have (y axis 80 px, colour-bar gutter).
    const width = Math.max(320, specBox.clientWidth);
    const left = 80;
    const fake = {
      width,
      over: { style: { left: `${left}px` }, clientWidth: width - left - GUTTER_RIGHT },
      scales: { x: { min: 0, max: (header.frames * header.dtMs) / 1000 } },
    };
    makeStimDrawer(header, stimPayload.arrays, specBox, width).draw(fake, null);
    pair.dataset.pair = `${s}:${n}`;
    pair.dataset.rendered = "1";
    return;
  }
  pair.classList.add("loading");
  try {
    const [{ header, arrays }, prov] = await Promise.all([getPair(s, n), provPromise]);
    if (token !== state.loadToken) return;
    renderPair(header, arrays, prov);
  } finally {
    pair.classList.remove("loading");
  }
}

// ---------------------------------------------------------------- cohort

async function renderCohort() {
  state.cohort ??= await getCohort();
  const c = state.cohort;
  const width = Math.max(480, $("cohort-bars").parentElement?.clientWidth ?? 800) - 32;
  const cells = c.cells;
  const fates = /** @type {("kept" | "range" | "step" | "xcorr")[]} */ (["kept", "range", "step", "xcorr"]);
  $("cohort-legend").replaceChildren(
    ...fates.map((f) =>
      h("span", { class: "legend-item" }, [h("span", { class: `swatch box fate-bg-${f}` }), FATE_TEXT[f]]),
    ),
    c.provenanceAvailable
      ? ""
      : h("span", { class: "warn", text: "No provenance: only kept repeats are known." }),
  );
  const percent = state.cohortPercent;
  for (const b of document.querySelectorAll("#cohort-scale button")) {
    const isPercent = /** @type {HTMLElement} */ (b).dataset.scale === "percent";
    b.setAttribute("aria-pressed", String(isPercent === percent));
  }
  const bars = /** @type {HTMLCanvasElement} */ ($("cohort-bars"));
  const totalOf = (/** @type {CohortCellJson} */ x) => x.kept + x.range + x.step + x.xcorr;
  const hit = drawStackedBars(bars, {
    width,
    plotHeight: 260,
    categories: cells.map((x) => (x.dropped ? `${x.label} (dropped)` : x.label)),
    stacks: fates.map((f) => ({
      name: f,
      color: FATE_COLORS[f],
      values: cells.map((x) => (percent ? (100 * x[f]) / Math.max(1, totalOf(x)) : x[f])),
    })),
    xTitle: "cell (session)",
    yTitle: percent ? "share of recorded repeats (%)" : "repeats",
    yMax: percent ? 100 : undefined,
  });
  bars.onmousemove = (ev) => {
    const i = hit(ev.offsetX);
    const x = cells[i];
    $("cohort-readout").textContent = x
      ? `${x.label}${x.neuron >= 0 ? ` (#${x.neuron})` : " (dropped: nothing kept)"}: kept ${x.kept}, range ${x.range}, step ${x.step}, xcorr ${x.xcorr}`
      : "Hover a bar for its counts; click it to open the cell.";
  };
  bars.onclick = (ev) => {
    const x = cells[hit(ev.offsetX)];
    if (x && x.neuron >= 0) navigate({ tab: "cells", neuron: x.neuron, stim: null });
  };
  const half = Math.max(320, ($("hist-length").parentElement?.clientWidth ?? 400) - 32);
  drawHistogram(/** @type {HTMLCanvasElement} */ ($("hist-length")), {
    width: half,
    height: 260,
    edges: c.responseLengthS.edges,
    counts: c.responseLengthS.counts,
    color: "#4477AA",
    xTitle: "response length (s)",
    yTitle: "pairs",
  });
  drawHistogram(/** @type {HTMLCanvasElement} */ ($("hist-repeats")), {
    width: half,
    height: 260,
    edges: c.repeatCount.edges,
    counts: c.repeatCount.counts,
    color: "#228833",
    xTitle: "kept repeats per pair",
    yTitle: "pairs",
    integer: true,
  });
  $("view-cohort").dataset.rendered = "1";
}

// ---------------------------------------------------------------- navigation

/** @param {{ tab?: string, neuron?: number | null, stim?: number | null }} next */
function navigate(next) {
  const tab = next.tab ?? "cells";
  const neuron = next.neuron === undefined ? state.neuron : next.neuron;
  const stim = next.stim === undefined ? state.stim : next.stim;
  const params = new URLSearchParams();
  if (neuron !== null) params.set("cell", String(neuron));
  if (neuron !== null && stim !== null) params.set("stim", String(stim));
  const hash = tab === "cohort" ? "#cohort" : `#${params.toString()}`;
  if (location.hash === hash) void applyHash();
  else location.hash = hash;
}

/** @param {string | null} v */
function indexParam(v) {
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

async function applyHash() {
  clearError();
  try {
    const raw = location.hash.replace(/^#/, "");
    const tab = raw === "cohort" ? "cohort" : "cells";
    state.tab = tab;
    for (const b of document.querySelectorAll(".tab"))
      b.setAttribute("aria-selected", String(/** @type {HTMLElement} */ (b).dataset.tab === tab));
    $("view-cells").hidden = tab !== "cells";
    $("view-cohort").hidden = tab !== "cohort";
    if (tab === "cohort") {
      await renderCohort();
      return;
    }
    const p = new URLSearchParams(raw);
    const neuron = indexParam(p.get("cell"));
    const stim = neuron === null ? null : indexParam(p.get("stim"));
    const neuronChanged = neuron !== state.neuron;
    state.neuron = neuron !== null && neuron < state.neurons.length ? neuron : null;
    state.stim = stim;
    if (neuronChanged) state.stims = null;
    renderCells();
    if (state.neuron !== null) await loadStims();
    else renderStims();
    await loadPair();
    document.querySelector("#cell-table tr.selected")?.scrollIntoView({ block: "nearest" });
    document.querySelector("#stim-table tr.selected")?.scrollIntoView({ block: "nearest" });
  } catch (e) {
    showError(e);
  }
}

async function main() {
  try {
    const [summary, neurons] = await Promise.all([getSummary(), getNeurons()]);
    state.summary = summary;
    state.neurons = neurons;
    renderSummary(summary);
    fillSelect(
      /** @type {HTMLSelectElement} */ ($("f-experimenter")),
      "experimenters",
      summary.experimenters,
    );
    fillSelect(/** @type {HTMLSelectElement} */ ($("f-site")), "sites", summary.sites);
    fillSelect(/** @type {HTMLSelectElement} */ ($("f-signal")), "signal types", summary.signalTypes);
    for (const id of ["f-experimenter", "f-site", "f-signal"]) $(id).addEventListener("change", renderCells);
    $("f-text").addEventListener("input", renderCells);
    setupCellSort();
    // Arrow keys (or j/k) step through the chosen cell's stims.
    document.addEventListener("keydown", (ev) => {
      const tag = /** @type {HTMLElement} */ (ev.target).tagName;
      if (
        state.tab !== "cells" ||
        !state.stims ||
        tag === "INPUT" ||
        tag === "SELECT" ||
        ev.altKey ||
        ev.ctrlKey ||
        ev.metaKey
      ) {
        return;
      }
      const step =
        ev.key === "ArrowDown" || ev.key === "j" ? 1 : ev.key === "ArrowUp" || ev.key === "k" ? -1 : 0;
      if (!step) return;
      const list = state.stims.stims;
      const at = list.findIndex((x) => x.stim === state.stim);
      const next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + step))];
      if (next && next.stim !== state.stim) {
        ev.preventDefault();
        navigate({ neuron: state.neuron, stim: next.stim });
      }
    });
    for (const b of document.querySelectorAll(".tab")) {
      b.addEventListener("click", () => navigate({ tab: /** @type {HTMLElement} */ (b).dataset.tab }));
    }
    for (const b of document.querySelectorAll("#cohort-scale button")) {
      b.addEventListener("click", () => {
        state.cohortPercent = /** @type {HTMLElement} */ (b).dataset.scale === "percent";
        void renderCohort();
      });
    }
    window.addEventListener("hashchange", () => void applyHash());
    let resizeTimer = 0;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => void (state.tab === "cohort" ? renderCohort() : loadPair()), 150);
    });
    await applyHash();
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(e);
  }
}

void main();
