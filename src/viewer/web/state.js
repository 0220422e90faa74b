// @ts-check
// The browser app's one shared state: the documents loaded from the API, what
// is selected (cell, stim, tab), the cell list's sort and filters, and the
// live plots. Modules read and write it directly; the location hash
// (nav.js) is the source of truth for the selection. Exposed as
// window.ac1viewer for the browser tests and for poking around in the console.

/**
 * The API's documents (src/viewer/api-types.ts, the server/browser contract).
 * @typedef {import("../api-types.js").SummaryJson} SummaryJson
 * @typedef {import("../api-types.js").NeuronRowJson} NeuronRowJson
 * @typedef {import("../api-types.js").NeuronStimsJson} NeuronStimsJson
 * @typedef {import("../api-types.js").CohortJson} CohortJson
 * @typedef {import("../api-types.js").ScoresJson} ScoresJson
 * @typedef {import("./plots.js").Spectrogram} Spectrogram
 * @typedef {import("./uPlot.esm.js").default} UPlot
 */

/** @typedef {(row: NeuronRowJson) => boolean} RowTest */

export const state = {
  /** @type {SummaryJson | null} */ summary: null,
  /** @type {NeuronRowJson[]} */ neurons: [],
  /** @type {number | null} */ neuron: null,
  /** @type {number | null} */ stim: null,
  /** @type {NeuronStimsJson | null} */ stims: null,
  /** @type {CohortJson | null} */ cohort: null,
  /** Scores of every predicted neuron (GET /api/scores), once loaded. @type {ScoresJson | null} */
  scores: null,
  tab: "cells",
  cohortPercent: false,
  /** Column key and direction (1 ascending, -1 descending). */
  cellSort: { key: "neuron", dir: 1 },
  /** The quality threshold filter in force (null: none or not valid). @type {RowTest | null} */
  qualityTest: null,
  /** The pair's plots: kept repeats, rejected repeats (`--keep-rejected`), the spectrogram. */
  /** @type {{ responses: UPlot | null, rejected: UPlot | null, spectrogram: Spectrogram | null }} */
  plots: { responses: null, rejected: null, spectrogram: null },
  /** Trace groups of the rejected-repeats plot the user hid (kept from pair to pair). @type {Set<string>} */
  hiddenRejected: new Set(),
  /** Bumped by every pair load, so a slow response for an older selection is dropped. */
  loadToken: 0,
};

Object.assign(window, { ac1viewer: state });
