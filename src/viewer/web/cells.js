// @ts-check
// The cell list: one row per cell with its facts, counts, repeats rejected by
// reason and noise ceilings (SNR, CCmax; signal and noise power in the
// tooltip), sortable by any column (missing values, "–", always last),
// filtered by experimenter, site, signal type, session text and a threshold
// expression (quality-filter.js) such as `ccmax >= 0.5`. Clicking a row opens
// the cell.

import { $, fmt, h, MISSING, tableBody } from "./dom.js";
import { navigate } from "./nav.js";
import { parseFilter } from "./quality-filter.js";
import { state } from "./state.js";

/**
 * @typedef {import("../api-types.js").NeuronRowJson} NeuronRowJson
 * @typedef {import("./quality-filter.js").FilterColumn<NeuronRowJson>} FilterColumn
 */

/** @param {NeuronRowJson} n */
function rejectedOf(n) {
  return n.tally ? n.tally.range + n.tally.step + n.tally.xcorr : null;
}

/**
 * The numeric columns the threshold filter knows (and the sort keys of the numeric columns).
 * @type {FilterColumn[]}
 */
export const FILTER_COLUMNS = [
  { name: "snr", get: (n) => n.quality.snr },
  { name: "ccmax", aliases: ["cc_max"], get: (n) => n.quality.ccmax },
  { name: "signal_power", aliases: ["sp", "signal"], get: (n) => n.quality.signal_power },
  { name: "noise_power", aliases: ["np", "noise"], get: (n) => n.quality.noise_power },
  { name: "stims", get: (n) => n.stimCount },
  { name: "kept", aliases: ["repeats"], get: (n) => n.repeatCount },
  { name: "rejected", get: rejectedOf },
];

/** @type {Record<string, (n: NeuronRowJson) => number | string | null>} */
const SORT_VALUE = {
  neuron: (n) => n.neuron,
  label: (n) => n.label,
  experimenter: (n) => n.experimenter,
  site: (n) => n.site,
  signalType: (n) => n.signalType,
  stimCount: (n) => n.stimCount,
  repeatCount: (n) => n.repeatCount,
  rejected: rejectedOf,
  snr: (n) => n.quality.snr,
  ccmax: (n) => n.quality.ccmax,
};

/** A value that sorts last whatever the direction (NaN, null, absent). */
function missing(/** @type {unknown} */ v) {
  return v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v));
}

/** The rows that pass every filter, in the chosen order. */
export function filteredNeurons() {
  const exp = /** @type {HTMLSelectElement} */ ($("f-experimenter")).value;
  const site = /** @type {HTMLSelectElement} */ ($("f-site")).value;
  const sig = /** @type {HTMLSelectElement} */ ($("f-signal")).value;
  const text = /** @type {HTMLInputElement} */ ($("f-text")).value.trim().toLowerCase();
  const quality = state.qualityTest;
  const rows = state.neurons.filter(
    (n) =>
      (!exp || n.experimenter === exp) &&
      (!site || n.site === site) &&
      (!sig || n.signalType === sig) &&
      (!text || String(n.label).toLowerCase().includes(text)) &&
      (!quality || quality(n)),
  );
  const { key, dir } = state.cellSort;
  const value = SORT_VALUE[key] ?? SORT_VALUE.neuron;
  return rows.sort((a, b) => {
    const x = value?.(a);
    const y = value?.(b);
    const mx = missing(x);
    const my = missing(y);
    if (mx || my) return mx && my ? a.neuron - b.neuron : mx ? 1 : -1;
    const c =
      typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
    return (c || a.neuron - b.neuron) * dir;
  });
}

/** Sorts the cell list by a column header's data-sort key (click again to reverse). */
export function setupCellSort() {
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

/** Reads the threshold input: applies a valid expression, explains a bad one (and applies none). */
function applyQualityFilter() {
  const input = /** @type {HTMLInputElement} */ ($("f-quality"));
  const msg = $("f-quality-msg");
  const result = parseFilter(input.value, FILTER_COLUMNS);
  if (result.ok) {
    state.qualityTest = result.test;
    input.removeAttribute("aria-invalid");
    msg.hidden = true;
    msg.textContent = "";
  } else {
    state.qualityTest = null;
    input.setAttribute("aria-invalid", "true");
    msg.hidden = false;
    msg.textContent = `Threshold not applied: ${result.error}. For example: ccmax >= 0.5 and snr > 1`;
  }
  renderCells();
}

/** Wires the filter controls. */
export function setupCellFilters() {
  for (const id of ["f-experimenter", "f-site", "f-signal"]) $(id).addEventListener("change", renderCells);
  $("f-text").addEventListener("input", renderCells);
  const quality = $("f-quality");
  quality.addEventListener("input", applyQualityFilter);
  quality.setAttribute(
    "title",
    `A threshold on ${FILTER_COLUMNS.map((c) => c.name).join(", ")}: comparisons (>= > <= < = !=) joined by "and" / "or", e.g. ccmax >= 0.5 and snr > 1. A missing value (${MISSING}) never passes.`,
  );
}

/**
 * A noise-ceiling cell: the value, and signal/noise power in its tooltip.
 * @param {NeuronRowJson} n
 * @param {number | null} v
 */
function qualityCell(n, v) {
  const q = n.quality;
  const unit = n.signalType === "spikes" ? "a.u.²" : "mV²";
  const title =
    q.snr === null && q.ccmax === null && q.signal_power === null
      ? "undefined: no stim with 2 or more kept repeats"
      : `SNR ${fmt(q.snr)}, CCmax ${fmt(q.ccmax)}\nsignal power ${fmt(q.signal_power)} ${unit}\nnoise power ${fmt(q.noise_power)} ${unit}`;
  return h("td", { class: `num q${v === null ? " zero" : ""}`, text: fmt(v), title });
}

/** @param {NeuronRowJson} n */
function rejectedCell(n) {
  const t = n.tally;
  if (!t) return h("td", { class: "num zero", text: MISSING, title: "no provenance in this export" });
  const total = t.range + t.step + t.xcorr;
  return h(
    "td",
    {
      class: `num${total ? " rejected" : " zero"}`,
      title: `rejected: range ${t.range}, step ${t.step}, xcorr ${t.xcorr}`,
    },
    [String(total)],
  );
}

export function renderCells() {
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
      const tr = h(
        "tr",
        { "data-neuron": n.neuron, class: n.neuron === state.neuron ? "selected" : "", tabindex: 0 },
        [
          h("td", { class: "num", text: n.neuron }),
          h(
            "td",
            {
              class: "name",
              title: `${n.label}\nanimal ${n.animalId ?? "?"}, ${n.date ?? "?"}\n${n.recordingType ?? ""}${n.predictedPairs ? `\n${n.predictedPairs} predicted pairs` : ""}`,
            },
            [h("span", { class: "clip", text: n.label })],
          ),
          h("td", { text: n.experimenter ?? "" }),
          h("td", { text: n.site ?? "" }),
          h("td", { text: n.signalType ?? "" }),
          h("td", { class: "num", text: n.stimCount }),
          h("td", { class: "num", text: n.repeatCount }),
          rejectedCell(n),
          qualityCell(n, n.quality.snr),
          qualityCell(n, n.quality.ccmax),
        ],
      );
      const open = () => navigate({ neuron: n.neuron, stim: null });
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") open();
      });
      return tr;
    }),
  );
}
