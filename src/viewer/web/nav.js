// @ts-check
// The location hash as the app's address: `#cell=N&stim=S` for a cell (and
// one of its stims), `#cohort` for the cohort view. navigate() writes it;
// app.js renders whatever it says on every hashchange, so links, reloads and
// the back button all land on the same view.

/**
 * What the hash asks for. `cell` is null when absent; `cellText` keeps what
 * was written when it is not an index, so the app can say so.
 * @typedef {{ tab: "cohort" } | { tab: "cells", cell: number | null, cellText: string | null, stim: number | null }} Route
 */

/** @param {string | null} v */
function indexParam(v) {
  return v !== null && /^\d{1,9}$/.test(v) ? Number(v) : null;
}

/**
 * @param {string} hash location.hash
 * @returns {Route}
 */
export function parseHash(hash) {
  const raw = hash.replace(/^#/, "");
  if (raw === "cohort") return { tab: "cohort" };
  const p = new URLSearchParams(raw);
  const cellText = p.get("cell");
  const cell = indexParam(cellText);
  return { tab: "cells", cell, cellText: cell === null ? cellText : null, stim: indexParam(p.get("stim")) };
}

/**
 * The hash of a view.
 * @param {{ tab?: string, neuron: number | null, stim: number | null }} v
 */
export function hashOf(v) {
  if (v.tab === "cohort") return "#cohort";
  const params = new URLSearchParams();
  if (v.neuron !== null) params.set("cell", String(v.neuron));
  if (v.neuron !== null && v.stim !== null) params.set("stim", String(v.stim));
  return `#${params.toString()}`;
}

/**
 * Goes to a view: sets the hash (a new history entry), or re-renders when it is already there.
 * @param {{ tab?: string, neuron: number | null, stim: number | null }} v
 */
export function navigate(v) {
  const hash = hashOf(v);
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/**
 * Replaces the current address without a history entry or a hashchange (the
 * first view chosen on opening).
 * @param {{ tab?: string, neuron: number | null, stim: number | null }} v
 */
export function replaceRoute(v) {
  history.replaceState(null, "", hashOf(v));
}
