// @ts-check
// The pair view: for the chosen (stim, cell), a title and facts line, the
// stimulus panel above the trace plot on one time axis (stim-panel.js,
// traces.js), with an export built with `--keep-rejected` the rejected
// repeats' plot below it on the same time axis (rejected.js), the model's
// scores beside them when predictions are loaded (scores.js), and the gating
// panel (gating.js). A pair whose repeats were all rejected shows its
// stimulus, its rejected repeats when the export has them, and its gating; a
// missing selection or a cell without that stim shows a message saying what
// to do.

import { getPair, getPairScores, getProvenance, getStim } from "./api.js";
import { $, fmt, h } from "./dom.js";
import { renderGating } from "./gating.js";
import { dropRejectedPlot, followTime, loadRejected, PAIR_SYNC_KEY, rejectedPanel } from "./rejected.js";
import { renderScores } from "./scores.js";
import { state } from "./state.js";
import { frameWithoutTraces, makeStimDrawer } from "./stim-panel.js";
import { drawTraces, pairTraceGroups, traceLegend } from "./traces.js";

/**
 * @typedef {import("../api-types.js").WireHeader<import("../api-types.js").PairHeader>} PairWireHeader
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").PairScoresJson} PairScoresJson
 * @typedef {import("../api-types.js").RejectedHeader} RejectedHeader
 */
/**
 * @template H
 * @typedef {import("../api-types.js").DecodedPayload<H>} DecodedPayload
 */

const READOUT_HINT =
  "Drag across the traces to zoom in time; double-click to reset; ↑/↓ (or j/k) step through the stims.";

/** Drops the trace plots (uPlot keeps listeners on the window). */
function dropPlot() {
  state.plots.responses?.destroy();
  state.plots.responses = null;
  dropRejectedPlot();
}

/**
 * Replaces the pair view with a message.
 * @param {string} text
 * @param {string} [kind] "placeholder" (what to do next) or "notice" (something is wrong with the address)
 */
export function showPairMessage(text, kind = "placeholder") {
  const pair = $("pair");
  dropPlot();
  ++state.loadToken;
  pair.replaceChildren(
    h("div", { class: kind, id: "pair-message", role: kind === "notice" ? "alert" : null, text }),
  );
  delete pair.dataset.pair;
  pair.dataset.rendered = "1";
}

/**
 * The stimulus panel's title.
 * @param {"spectrogram" | "waveform"} mode
 */
function stimTitle(mode) {
  return mode === "spectrogram"
    ? "Stimulus spectrogram (log-frequency bands, dB)"
    : "Stimulus waveform (per-frame min and max)";
}

/**
 * @param {string} cell
 * @param {number} n
 * @param {string} stim
 * @param {number} s
 */
function pairTitle(cell, n, stim, s) {
  return h("h2", { id: "pair-title" }, [
    "Cell ",
    h("b", { text: cell }),
    ` (#${n}) × stim `,
    h("b", { text: stim }),
    ` (#${s})`,
  ]);
}

/**
 * @param {PairWireHeader} header
 * @param {Map<string, Float32Array>} arrays
 * @param {ProvenanceJson} prov
 * @param {PairScoresJson | null} scores
 * @param {DecodedPayload<RejectedHeader> | null} rejected
 */
function renderPair(header, arrays, prov, scores, rejected) {
  const pair = $("pair");
  const meta = header.neuronMeta;
  const stimMeta = header.stimMeta;
  const R = header.repeats;
  const T = header.frames;
  const dtS = header.dtMs / 1000;
  const predFile = state.summary?.predictions?.file ?? null;
  const metaLine = h("div", { class: "meta" }, [
    [meta.experimenter, meta.site, header.signalType, meta.recording_type].filter(Boolean).join(" · "),
    ` — ${R} kept repeat${R === 1 ? "" : "s"}, ${T} frames of ${fmt(header.dtMs)} ms = ${fmt(T * dtS)} s`,
    stimMeta.category ? ` — category ${stimMeta.category}` : "",
    stimMeta.duration_s
      ? `, stim duration ${fmt(typeof stimMeta.duration_s === "number" ? stimMeta.duration_s : null)} s`
      : "",
  ]);
  const groups = pairTraceGroups(header, arrays, predFile);
  // The kept mean is the rejected rows' quantity (detrended mV) for subthreshold cells only.
  const rej = rejected
    ? rejectedPanel(rejected, header.signalType === "spikes" ? null : (arrays.get("mean") ?? null))
    : null;
  const specBox = h("div", { class: "plot-box", id: "spec-box" });
  const respBox = h("div", { class: "plot-box", id: "resp-plot" });
  const readout = h("div", { class: "readout", id: "resp-readout", text: READOUT_HINT });
  const plots = h("div", { class: "plots-col" }, [
    h("h3", { text: stimTitle(header.mode) }),
    specBox,
    h("h3", { class: "spaced" }, [
      `Responses: ${header.quantity} of every kept repeat and their mean${header.hasPrediction ? ", and the model's prediction" : ""}`,
    ]),
    traceLegend(groups),
    respBox,
    readout,
    rej?.element,
  ]);
  const panel = h("div", { class: `panel pair-plots${scores && predFile ? " with-scores" : ""}` }, [plots]);
  if (scores && predFile) panel.append(h("aside", { class: "scores-col" }, [renderScores(scores, predFile)]));
  pair.replaceChildren(
    h("div", { class: "pair-head" }, [
      pairTitle(header.neuronLabel, header.neuron, header.stimLabel, header.stim),
      metaLine,
    ]),
    panel,
    renderGating(prov, R),
  );
  pair.dataset.pair = `${header.stim}:${header.neuron}`;

  const width = Math.max(320, respBox.clientWidth);
  const stim = makeStimDrawer(header, arrays, specBox, width);
  dropPlot();
  // Both plots span the longer of the kept and the rejected repeats.
  const fullS = Math.max(T, rej?.frames ?? 0) * dtS;
  const u = drawTraces(respBox, {
    groups,
    T,
    dtS,
    yTitle: `${header.quantity} (${header.unit})`,
    width,
    fullS,
    syncKey: rej ? PAIR_SYNC_KEY : undefined,
    onScale: (plot, cursorS) => {
      stim.draw(plot, cursorS);
      followTime(plot, state.plots.rejected);
    },
    onReadout: (text) => {
      readout.textContent = text ?? READOUT_HINT;
    },
  });
  state.plots.responses = u;
  rej?.draw({
    width,
    fullS,
    onScale: (plot, cursorS) => {
      stim.draw(plot, cursorS);
      followTime(plot, state.plots.responses);
    },
  });
  stim.draw(u, null);
  pair.dataset.rendered = "1";
}

/**
 * A pair without kept repeats: its stimulus (against the geometry a trace
 * plot would have) and the gating of its repeats.
 * @param {number} s
 * @param {number} n
 * @param {string} cellLabel
 * @param {string} stimLabel
 * @param {number} token
 */
async function renderLoneStim(s, n, cellLabel, stimLabel, token) {
  const pair = $("pair");
  const [prov, stimPayload] = await Promise.all([getProvenance(n, s), getStim(s)]);
  const rejected = await loadRejected(s, n, prov);
  if (token !== state.loadToken) return;
  dropPlot();
  const specBox = h("div", { class: "plot-box", id: "spec-box" });
  const { header } = stimPayload;
  const rej = rejected ? rejectedPanel(rejected, null) : null;
  pair.replaceChildren(
    h("div", { class: "pair-head" }, [
      pairTitle(cellLabel, n, stimLabel, s),
      h("div", {
        class: "meta",
        text: rej
          ? "No repeat of this pair was kept, so the export holds no responses for it; the stimulus, the rejected repeats and their gating are shown."
          : "No repeat of this pair was kept, so the export holds no responses for it; the stimulus and the gating of its repeats are shown.",
      }),
    ]),
    h("div", { class: "panel" }, [h("h3", { text: stimTitle(header.mode) }), specBox, rej?.element]),
    renderGating(prov, 0),
  );
  const width = Math.max(320, specBox.clientWidth);
  const stim = makeStimDrawer(header, stimPayload.arrays, specBox, width);
  const dtS = header.dtMs / 1000;
  const fullS = Math.max(header.frames, rej?.frames ?? 0) * dtS;
  const u = rej?.draw({ width, fullS, onScale: (plot, cursorS) => stim.draw(plot, cursorS) });
  stim.draw(u ?? frameWithoutTraces(width, fullS), null);
  pair.dataset.pair = `${s}:${n}`;
  pair.dataset.rendered = "1";
}

/** Loads and shows the chosen pair (or says why there is none). */
export async function loadPair() {
  const pair = $("pair");
  if (state.neuron === null || state.stim === null) {
    showPairMessage(state.neuron === null ? "Select a cell, then a stim." : "Select a stim of this cell.");
    return;
  }
  const token = ++state.loadToken;
  delete pair.dataset.rendered;
  const s = state.stim;
  const n = state.neuron;
  const stims = state.stims;
  const row = stims?.stims.find((x) => x.stim === s);
  if (stims && !row) {
    const known = stims.stims.map((x) => x.stim);
    showPairMessage(
      `Cell ${stims.label} (#${n}) has no recording of stim #${s}${known.length ? ` (it heard stims ${known.map((k) => `#${k}`).join(", ")})` : ""}. Pick one of its stims.`,
      "notice",
    );
    return;
  }
  if (row && !row.hasData) {
    await renderLoneStim(s, n, stims?.label ?? `#${n}`, row.label, token);
    return;
  }
  pair.classList.add("loading");
  try {
    const [{ header, arrays }, prov, scores] = await Promise.all([
      getPair(s, n),
      getProvenance(n, s),
      state.summary?.predictions ? getPairScores(s, n) : Promise.resolve(null),
    ]);
    const rejected = await loadRejected(s, n, prov);
    if (token !== state.loadToken) return;
    renderPair(header, arrays, prov, scores, rejected);
  } finally {
    pair.classList.remove("loading");
  }
}
