// @ts-check
// The chosen cell's stims: one row per stim it heard (with data, or every
// repeat rejected, shown greyed), length, kept and rejected repeats, and a
// mark where `--pred` holds a prediction; then a note on stims no cell kept
// (never registered). Clicking a row, or ↑/↓ (j/k), opens the pair.

import { getNeuronStims } from "./api.js";
import { $, fmt, h, MISSING, plural, tableBody } from "./dom.js";
import { navigate } from "./nav.js";
import { state } from "./state.js";

/** @typedef {import("../api-types.js").NeuronStimsJson} NeuronStimsJson */

/** Loads the chosen cell's stims (once per cell) and shows them. */
export async function loadStims() {
  if (state.neuron === null) return;
  if (state.stims?.neuron !== state.neuron) state.stims = await getNeuronStims(state.neuron);
  renderStims();
}

/**
 * The stim to open for a cell when none is chosen: its first with a
 * prediction when predictions are loaded, else its first with data.
 * @param {NeuronStimsJson} doc
 */
export function firstStim(doc) {
  const withData = doc.stims.filter((s) => s.hasData);
  return (withData.find((s) => s.hasPrediction) ?? withData[0] ?? doc.stims[0])?.stim ?? null;
}

export function renderStims() {
  const doc = state.stims;
  const tbody = tableBody("stim-table");
  const predicted = state.summary?.predictions != null;
  $("stim-pred-col").hidden = !predicted;
  if (!doc) {
    tbody.replaceChildren(h("tr", {}, [h("td", { colspan: 7, class: "hint", text: "Select a cell." })]));
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
          h("td", { class: "num", text: s.hasData ? fmt(s.lengthS) : MISSING }),
          h("td", { class: "num", text: s.repeats }),
          h("td", {
            class: `num${rejected ? " rejected" : " zero"}`,
            text: rejected ?? MISSING,
            title: detail,
          }),
          predicted
            ? h("td", {
                class: `pred-mark${s.hasPrediction ? "" : " zero"}`,
                text: s.hasPrediction ? "●" : MISSING,
                title: s.hasPrediction
                  ? "a prediction is loaded for this pair"
                  : "no prediction for this pair",
              })
            : null,
        ],
      );
      const open = () => navigate({ neuron: state.neuron, stim: s.stim });
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") open();
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

/**
 * ↑/↓ (or j/k) step through the chosen cell's stims.
 * @param {KeyboardEvent} ev
 */
export function stepStim(ev) {
  const tag = /** @type {HTMLElement} */ (ev.target).tagName;
  if (
    state.tab !== "cells" ||
    !state.stims ||
    tag === "INPUT" ||
    tag === "SELECT" ||
    ev.altKey ||
    ev.ctrlKey ||
    ev.metaKey
  )
    return;
  const step = ev.key === "ArrowDown" || ev.key === "j" ? 1 : ev.key === "ArrowUp" || ev.key === "k" ? -1 : 0;
  if (!step) return;
  const list = state.stims.stims;
  const at = list.findIndex((x) => x.stim === state.stim);
  const next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + step))];
  if (next && next.stim !== state.stim) {
    ev.preventDefault();
    navigate({ neuron: state.neuron, stim: next.stim });
  }
}
