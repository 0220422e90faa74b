// @ts-check
// The ac1 viewer's browser app (plain ES modules, no build step, no CDN:
// every asset comes from the local server). This module starts it: it loads
// the summary and the cell list, wires the controls, and renders whatever the
// location hash asks for (nav.js) on every change. The views live in their
// own modules:
// - cells.js, stims.js: the cell list (quality columns, sort, filters and a
//   threshold expression, quality-filter.js) and the chosen cell's stims;
// - pair.js: a (stim, cell) pair: stimulus panel (stim-panel.js) above the
//   trace groups (traces.js: repeats, mean, prediction), model scores
//   (scores.js), the gating of its repeats (gating.js);
// - cohort.js: the cohort charts (plots.js bars and histograms, scatter.js);
// - summary.js: the summary bar; api.js: the API; state.js: shared state;
//   dom.js, theme.js: helpers, colours and fonts.
// Opening the viewer with no address shows the first cell (with predictions,
// the first one that has a prediction) and its first stim.

import { getNeurons, getSummary } from "./api.js";
import { renderCells, setupCellFilters, setupCellSort } from "./cells.js";
import { renderCohort } from "./cohort.js";
import { $, clearError, h, showError } from "./dom.js";
import { navigate, parseHash, replaceRoute } from "./nav.js";
import { loadPair, showPairMessage } from "./pair.js";
import { state } from "./state.js";
import { firstStim, loadStims, renderStims, stepStim } from "./stims.js";
import { renderSummary } from "./summary.js";

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

/** The cell to open when the address names none: the first with data (with a prediction, when loaded). */
function firstCell() {
  const withData = state.neurons.filter((n) => n.stimCount > 0);
  return (withData.find((n) => n.predictedPairs > 0) ?? withData[0])?.neuron ?? null;
}

/**
 * Clears the cell selection and says why in the pair view.
 * @param {string} message
 */
function noCell(message) {
  state.neuron = null;
  state.stim = null;
  state.stims = null;
  renderCells();
  renderStims();
  showPairMessage(message, "notice");
}

/** Renders the view the location hash asks for. */
async function applyHash() {
  clearError();
  try {
    const route = parseHash(location.hash);
    state.tab = route.tab;
    for (const b of document.querySelectorAll(".tab"))
      b.setAttribute("aria-selected", String(/** @type {HTMLElement} */ (b).dataset.tab === route.tab));
    $("view-cells").hidden = route.tab !== "cells";
    $("view-cohort").hidden = route.tab !== "cohort";
    if (route.tab === "cohort") {
      await renderCohort();
      return;
    }
    const count = state.neurons.length;
    if (route.cellText !== null) {
      noCell(
        `"${route.cellText}" is not a cell number: the address should read #cell=N with N from 0 to ${count - 1}. Pick a cell from the list.`,
      );
      return;
    }
    let cell = route.cell;
    if (cell === null && location.hash.replace(/^#/, "") === "") cell = firstCell();
    if (cell !== null && cell >= count) {
      noCell(
        `There is no cell #${cell} in this export: it has ${count} cell${count === 1 ? "" : "s"}${count ? `, #0 to #${count - 1}` : ""}. Pick one from the list.`,
      );
      return;
    }
    if (cell !== state.neuron) state.stims = null;
    state.neuron = cell;
    state.stim = route.stim;
    renderCells();
    if (cell !== null) {
      await loadStims();
      if (state.stim === null && state.stims) {
        state.stim = firstStim(state.stims);
        replaceRoute({ neuron: cell, stim: state.stim });
        renderStims();
      }
    } else {
      renderStims();
    }
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
    setupCellFilters();
    setupCellSort();
    document.addEventListener("keydown", stepStim);
    for (const b of document.querySelectorAll(".tab")) {
      b.addEventListener("click", () =>
        navigate({ tab: /** @type {HTMLElement} */ (b).dataset.tab, neuron: state.neuron, stim: state.stim }),
      );
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
