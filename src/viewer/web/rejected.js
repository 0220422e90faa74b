// @ts-check
// The rejected-repeats plot of a pair, for exports built with
// `--keep-rejected` (GET /api/rejected/:s/:n): every rejected repeat,
// detrended and binned like the kept ones, one trace group per fate (dimmed,
// in the fate's colour and dash; each a legend button that shows or hides it,
// remembered from pair to pair), under the kept repeats on the same zoomable
// time axis but on an axis of its own: the rows are the detrended voltage the
// gating judged, in mV even for a spikes cell whose kept repeats are a PSTH
// in a.u. For a subthreshold cell the kept repeats' mean is drawn beside them
// for reference (the same quantity). The plot is linked to the gating table
// (gating.js): hovering or focusing a row picks out its trace, hovering a
// trace marks its row.

import { getRejected } from "./api.js";
import { h } from "./dom.js";
import { state } from "./state.js";
import { drawTraces, rejectedTraceGroups, seriesOfGroups, traceLegend } from "./traces.js";

/**
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").RejectedHeader} RejectedHeader
 */
/**
 * @template H
 * @typedef {import("../api-types.js").DecodedPayload<H>} DecodedPayload
 */
/** @typedef {import("./uPlot.esm.js").default} UPlot */

const HINT = "Hover a trace to find its repeat in the table below; drag to zoom (both plots follow).";

/** Cursors of the pair's plots move together (uPlot sync key). */
export const PAIR_SYNC_KEY = "ac1-pair";

/**
 * The pair's rejected repeats when the export holds their traces and the
 * pair has any, else null.
 * @param {number} s
 * @param {number} n
 * @param {ProvenanceJson} prov
 * @returns {Promise<DecodedPayload<RejectedHeader> | null>}
 */
export async function loadRejected(s, n, prov) {
  if (!prov.rejectedTraces || !prov.rejected.some((r) => r.traceRow !== null)) return null;
  return getRejected(s, n);
}

/**
 * Makes `to` show the time range of `from` (no-op when it already does).
 * @param {UPlot} from
 * @param {UPlot | null} to
 */
export function followTime(from, to) {
  const min = from.scales.x?.min;
  const max = from.scales.x?.max;
  if (!to || min == null || max == null) return;
  if (to.scales.x?.min !== min || to.scales.x?.max !== max) to.setScale("x", { min, max });
}

/** Drops the rejected-repeats plot (uPlot keeps listeners on the window). */
export function dropRejectedPlot() {
  state.plots.rejected?.destroy();
  state.plots.rejected = null;
}

/**
 * The rejected-repeats panel: its elements now, its plot when drawn (after the
 * panel and the gating table are in the document).
 * @param {DecodedPayload<RejectedHeader>} payload
 * @param {Float32Array | null} reference the kept repeats' mean (subthreshold cells), else null
 */
export function rejectedPanel(payload, reference) {
  const { header, arrays } = payload;
  const { groups, rowOfSeries, frames } = rejectedTraceGroups(header, arrays, reference);
  const series = seriesOfGroups(groups);
  const box = h("div", { class: "plot-box", id: "rej-plot" });
  const readout = h("div", { class: "readout", id: "rej-readout", text: HINT });
  /** @type {UPlot | null} */
  let plot = null;
  const legend = traceLegend(groups, {
    id: "rej-legend",
    hidden: state.hiddenRejected,
    onToggle: (id, shown) => {
      if (shown) state.hiddenRejected.delete(id);
      else state.hiddenRejected.add(id);
      for (const i of series.get(id) ?? []) plot?.setSeries(i, { show: shown });
    },
  });
  const spikes = header.signalType === "spikes";
  const note = spikes
    ? "Never on the PSTH's axis: this cell-attached cell's kept repeats are a spike-rate PSTH (a.u.), its rejected repeats the detrended voltage before spike detection (mV)."
    : reference
      ? "The same quantity as the kept repeats above, on an axis of its own (a rejected repeat can lie far outside their range); the black line is the kept repeats' mean."
      : "No repeat of this pair was kept: these are all its repeats.";
  const limit = state.summary?.gating?.absMvMax;
  const limits =
    limit !== undefined && limit > 0
      ? [
          { value: limit, label: `+${limit} mV: range limit` },
          { value: -limit, label: `−${limit} mV` },
        ]
      : [];
  // Empty repeats (0 samples) are all-gap rows: with nothing else there is no plot to draw.
  const drawable = groups.some(
    (g) => g.id !== "kept-mean" && g.traces.some((tr) => tr.some((v) => v !== null)),
  );
  const title = h("h3", { class: "spaced", id: "rej-title" }, [
    `Rejected repeats (${header.rows.length}): ${header.quantity} in ${header.unit}, the trace the gating judged`,
  ]);
  const element = h(
    "section",
    { class: "rejected-traces", id: "rejected-traces" },
    drawable
      ? [
          title,
          h("p", { class: `note${spikes ? " own-axis" : ""}`, id: "rej-note", text: note }),
          legend,
          box,
          readout,
        ]
      : [
          title,
          h("p", {
            class: "note",
            id: "rej-note",
            text: `Nothing to draw: ${header.rows.length === 1 ? "the rejected repeat is" : "every rejected repeat is"} empty (0 samples, its trigger past the end of the recording).`,
          }),
        ],
  );

  /**
   * Marks the gating row of a rejected row (null: none).
   * @param {number | null} row
   */
  function markRow(row) {
    for (const tr of document.querySelectorAll("#gating tr[data-trace-row]")) {
      tr.classList.toggle("linked", row !== null && tr.getAttribute("data-trace-row") === String(row));
    }
  }

  /** Hovering or focusing a gating row picks out its trace. */
  function linkTable() {
    for (const tr of document.querySelectorAll("#gating tr[data-trace-row]")) {
      const row = Number(tr.getAttribute("data-trace-row"));
      const idx = rowOfSeries.indexOf(row);
      if (idx < 1) continue;
      const on = () => plot?.setSeries(idx, { focus: true });
      const off = () => plot?.setSeries(null, { focus: true });
      tr.addEventListener("mouseenter", on);
      tr.addEventListener("focus", on);
      tr.addEventListener("mouseleave", off);
      tr.addEventListener("blur", off);
    }
  }

  return {
    element,
    /** Bins the plot spans (the longest rejected repeat, or the reference; 0 when nothing is drawn). */
    frames: drawable ? frames : 0,
    /**
     * Draws the plot into the panel, `width` px wide, zoomed out to [0, fullS]
     * (nothing, and null, when every rejected repeat is empty).
     * @param {{ width: number, fullS: number, onScale: (u: UPlot, cursorS: number | null) => void }} o
     * @returns {UPlot | null}
     */
    draw(o) {
      dropRejectedPlot();
      if (!drawable) return null;
      plot = drawTraces(box, {
        groups,
        T: frames,
        dtS: header.dtMs / 1000,
        yTitle: `detrended Vm (${header.unit})`,
        width: o.width,
        height: 240,
        fullS: o.fullS,
        hidden: state.hiddenRejected,
        syncKey: PAIR_SYNC_KEY,
        onScale: o.onScale,
        onReadout: (text) => {
          readout.textContent = text ?? HINT;
        },
        onFocus: (i) => markRow(i === null ? null : (rowOfSeries[i] ?? null)),
        limits,
      });
      state.plots.rejected = plot;
      linkTable();
      return plot;
    },
  };
}
