// @ts-check
// The cohort view: repeats kept and rejected per cell by gating reason
// (stacked bars, counts or percent), the cells' noise ceilings (CCmax against
// SNR on a log axis, and a CCmax histogram), with `--pred` the model against
// the ceiling (each neuron's corrcoef against its CCmax, with the y = x
// line, and a histogram of its normalised correlation), then response-length
// and repeat-count histograms. Hovering a bar or a point reads its cell out;
// clicking opens it.

import { getCohort, getScores } from "./api.js";
import { $, fmt, h, plural } from "./dom.js";
import { navigate } from "./nav.js";
import { drawHistogram, drawStackedBars } from "./plots.js";
import { drawScatter } from "./scatter.js";
import { state } from "./state.js";
import { FATE_COLORS, FATE_TEXT, FATES, OTHER_STYLE, SIGNAL_STYLE } from "./theme.js";

/**
 * @typedef {import("../api-types.js").CohortCellJson} CohortCellJson
 * @typedef {import("../api-types.js").NeuronRowJson} NeuronRowJson
 * @typedef {import("../api-types.js").NeuronScoreJson} NeuronScoreJson
 */

/** @param {string} signalType */
function styleOf(signalType) {
  return signalType === "subthresh" || signalType === "spikes" ? SIGNAL_STYLE[signalType] : OTHER_STYLE;
}

/**
 * An HTML legend of the signal types present.
 * @param {string[]} signalTypes
 */
function markerLegend(signalTypes) {
  return [...new Set(signalTypes)].sort().map((t) => {
    const s = styleOf(t);
    const marker = h("span", { class: `marker ${s.shape}` });
    if (s.shape === "triangle") marker.style.borderBottomColor = s.color;
    else marker.style.backgroundColor = s.color;
    return h("span", { class: "legend-item" }, [marker, s === OTHER_STYLE ? t : s.label]);
  });
}

/**
 * Bins values into 0.1-wide bins covering at least [lo, hi].
 * @param {number[]} values finite values
 * @param {number} lo
 * @param {number} hi
 */
function tenthBins(values, lo, hi) {
  const a = Math.min(lo, Math.floor(Math.min(...values, lo) * 10) / 10);
  const b = Math.max(hi, Math.ceil(Math.max(...values, hi) * 10) / 10);
  const n = Math.max(1, Math.min(400, Math.round((b - a) * 10)));
  const edges = Array.from({ length: n + 1 }, (_, i) => Number((a + i / 10).toFixed(10)));
  const counts = new Array(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.max(0, Math.floor((v - a) * 10 + 1e-9)))] += 1;
  return { edges, counts };
}

/**
 * A scatter of cells with a hover readout and click-to-open.
 * @param {string} canvasId
 * @param {string} readoutId
 * @param {{ neuron: number, x: number | null, y: number | null, signalType: string, text: string }[]} rows
 * @param {Omit<import("./scatter.js").ScatterOptions, "points" | "width" | "height" | "selected">} opts
 * @param {string} hint
 */
function cellScatter(canvasId, readoutId, rows, opts, hint) {
  const canvas = /** @type {HTMLCanvasElement} */ ($(canvasId));
  const width = Math.max(320, (canvas.parentElement?.clientWidth ?? 400) - 30);
  const points = rows.map((r) => {
    const s = styleOf(r.signalType);
    return { x: r.x ?? Number.NaN, y: r.y ?? Number.NaN, color: s.color, shape: s.shape };
  });
  const selected = rows.findIndex((r) => r.neuron === state.neuron);
  const hit = drawScatter(canvas, {
    ...opts,
    width,
    height: 300,
    points: /** @type {import("./scatter.js").ScatterPoint[]} */ (points),
    selected: selected >= 0 ? selected : undefined,
  });
  const readout = $(readoutId);
  readout.textContent = hint;
  canvas.onmousemove = (ev) => {
    const row = rows[hit(ev.offsetX, ev.offsetY)];
    readout.textContent = row ? row.text : hint;
    canvas.style.cursor = row ? "pointer" : "default";
  };
  canvas.onclick = (ev) => {
    const row = rows[hit(ev.offsetX, ev.offsetY)];
    if (row) navigate({ tab: "cells", neuron: row.neuron, stim: null });
  };
}

/** The cells' noise ceilings: CCmax against SNR, and the CCmax histogram. */
function renderQuality() {
  const neurons = state.neurons;
  const source = state.summary?.qualitySource ?? "absent";
  $("quality-legend").replaceChildren(...markerLegend(neurons.map((n) => n.signalType)));
  const unplaced = neurons.filter((n) => n.quality.snr === null || n.quality.ccmax === null).length;
  const nonPositive = neurons.filter((n) => n.quality.snr !== null && n.quality.snr <= 0).length;
  $("quality-note").textContent =
    source === "absent"
      ? "This export stores no quality and none could be computed."
      : `${source === "computed" ? "Computed from the arrays (this export does not store quality). " : ""}${unplaced ? `${plural(unplaced, "cell")} without an SNR or CCmax (no stim with 2 or more repeats) not shown. ` : ""}${nonPositive ? `${plural(nonPositive, "cell")} with SNR ≤ 0 (no reliable signal: the signal power estimate is not positive) in the strip on the left.` : ""}`;
  cellScatter(
    "cohort-quality",
    "quality-readout",
    neurons.map((n) => ({
      neuron: n.neuron,
      x: n.quality.snr,
      y: n.quality.ccmax,
      signalType: n.signalType,
      text: `${n.label} (#${n.neuron}, ${n.signalType}): SNR ${fmt(n.quality.snr)}, CCmax ${fmt(n.quality.ccmax)}, ${plural(n.stimCount, "stim")}, ${n.repeatCount} kept repeats`,
    })),
    { xLog: true, xTitle: "SNR (signal power / noise power, log)", yTitle: "CCmax", yRange: [0, 1] },
    "Hover a point for its cell; click it to open the cell.",
  );
  const ccmax = neurons.map((n) => n.quality.ccmax).filter((v) => v !== null);
  const { edges, counts } = tenthBins(/** @type {number[]} */ (ccmax), 0, 1);
  const hist = /** @type {HTMLCanvasElement} */ ($("hist-ccmax"));
  drawHistogram(hist, {
    width: Math.max(320, (hist.parentElement?.clientWidth ?? 400) - 30),
    height: 300,
    edges,
    counts,
    color: "#4477AA",
    xTitle: "CCmax (noise ceiling of the correlation)",
    yTitle: "cells",
  });
}

/** With `--pred`: each neuron's corrcoef against its CCmax, and its CCnorm histogram. */
async function renderModel() {
  const section = $("cohort-model");
  const info = state.summary?.predictions;
  section.hidden = !info;
  if (!info) return;
  state.scores ??= await getScores();
  const scores = state.scores;
  const byNeuron = new Map(state.neurons.map((n) => [n.neuron, n]));
  $("model-title").textContent =
    `Model against the noise ceiling: ${info.file} (${plural(info.pairs, "pair")}, ${plural(info.neurons, "cell")})`;
  $("model-legend").replaceChildren(
    ...markerLegend(scores.neurons.map((s) => byNeuron.get(s.index)?.signalType ?? "")),
  );
  const m = scores.mean;
  $("model-note").textContent =
    `Per cell over its predicted pairs. Mean over cells: corrcoef ${fmt(m.corrcoef)}, CCmax ${fmt(m.ccmax)}, CCnorm (Schoppe) ${fmt(m.ccnorm_schoppe)}, CCnorm (Hsu) ${fmt(m.ccnorm_hsu)}, FVE ${fmt(m.fve)}. A point on the dashed line reaches the ceiling.`;
  /** @param {NeuronScoreJson} s */
  const label = (s) => byNeuron.get(s.index)?.label ?? `#${s.index}`;
  const ys = scores.neurons.map((s) => s.corrcoef).filter((v) => v !== null);
  cellScatter(
    "model-scatter",
    "model-readout",
    scores.neurons.map((s) => ({
      neuron: s.index,
      x: s.ccmax,
      y: s.corrcoef,
      signalType: byNeuron.get(s.index)?.signalType ?? "",
      text: `${label(s)} (#${s.index}, ${plural(s.pairs, "pair")}): corrcoef ${fmt(s.corrcoef)}, CCmax ${fmt(s.ccmax)}, CCnorm Schoppe ${fmt(s.ccnorm_schoppe)}, Hsu ${fmt(s.ccnorm_hsu)}`,
    })),
    {
      xTitle: "CCmax (noise ceiling)",
      yTitle: "corrcoef (prediction vs mean)",
      xRange: [0, 1],
      yRange: [Math.min(0, .../** @type {number[]} */ (ys)), 1],
      diagonal: "ceiling: corrcoef = CCmax",
    },
    "Hover a point for its cell; click it to open the cell.",
  );
  const cc = scores.neurons.map((s) => s.ccnorm_schoppe).filter((v) => v !== null);
  const { edges, counts } = tenthBins(/** @type {number[]} */ (cc), 0, 1);
  const hist = /** @type {HTMLCanvasElement} */ ($("hist-ccnorm"));
  drawHistogram(hist, {
    width: Math.max(320, (hist.parentElement?.clientWidth ?? 400) - 30),
    height: 300,
    edges,
    counts,
    color: "#D55E00",
    xTitle: "CCnorm (Schoppe): corrcoef relative to the ceiling",
    yTitle: "cells",
  });
}

export async function renderCohort() {
  state.cohort ??= await getCohort();
  const c = state.cohort;
  const width = Math.max(480, $("cohort-bars").parentElement?.clientWidth ?? 800) - 32;
  const cells = c.cells;
  $("cohort-legend").replaceChildren(
    ...FATES.map((f) =>
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
    stacks: FATES.map((f) => ({
      name: f,
      color: FATE_COLORS[f],
      values: cells.map((x) => (percent ? (100 * x[f]) / Math.max(1, totalOf(x)) : x[f])),
    })),
    xTitle: "cell (session)",
    yTitle: percent ? "share of recorded repeats (%)" : "repeats",
    yMax: percent ? 100 : undefined,
  });
  bars.onmousemove = (ev) => {
    const x = cells[hit(ev.offsetX)];
    $("cohort-readout").textContent = x
      ? `${x.label}${x.neuron >= 0 ? ` (#${x.neuron})` : " (dropped: nothing kept)"}: kept ${x.kept}, range ${x.range}, step ${x.step}, xcorr ${x.xcorr}`
      : "Hover a bar for its counts; click it to open the cell.";
  };
  bars.onclick = (ev) => {
    const x = cells[hit(ev.offsetX)];
    if (x && x.neuron >= 0) navigate({ tab: "cells", neuron: x.neuron, stim: null });
  };
  renderQuality();
  await renderModel();
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
