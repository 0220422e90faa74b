// @ts-check
// The gating panel of a pair: every rejected repeat with its fate, the reason
// in words and the statistics behind it (the one that failed highlighted,
// beside the threshold it crossed), the build's thresholds, and the kept
// repeats' statistics folded away. With the rejected traces in the export
// (`--keep-rejected`), each rejected row is linked to its trace in the
// rejected-repeats plot (data-trace-row; rejected.js picks the trace out when
// the row is hovered or focused, and the row when the trace is hovered);
// without them, the panel says how to get them. A statistic that was not
// computed (r when the cross-trial test did not run, the step fraction or
// max |Vm| of an empty repeat) reads "–" with the reason in its tooltip, never
// as a number it does not have.

import { fmt, h, MISSING } from "./dom.js";
import { FATE_TEXT } from "./theme.js";

/**
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").ProvenanceRowJson} ProvenanceRowJson
 * @typedef {import("../api-types.js").GatingJson} GatingJson
 */

/**
 * A statistic's cell; when it is the one that failed, highlighted with the
 * threshold it crossed beside it.
 * @param {string} text the statistic as shown
 * @param {{ culprit: boolean, missing: boolean, title?: string, limit?: string }} o
 */
function statCell(text, o) {
  const cls = `num${o.culprit ? " culprit" : ""}${o.missing ? " zero" : ""}`;
  return h("td", { class: cls, title: o.title }, [
    text,
    o.culprit && o.limit ? h("span", { class: "limit", text: ` ${o.limit}` }) : null,
  ]);
}

/**
 * The statistics table of some repeats.
 * @param {ProvenanceRowJson[]} rows
 * @param {GatingJson | null} g the build's thresholds
 * @param {boolean} linked rows carry the row of their trace (data-trace-row)
 */
function statsTable(rows, g, linked) {
  return h("table", { class: `stats${linked ? " linked-table" : ""}` }, [
    h("thead", {}, [
      h("tr", {}, [
        h("th", { class: "num", text: "repeat" }),
        h("th", { text: "fate" }),
        h("th", { text: "reason" }),
        h("th", { class: "num", text: "max |Vm| (mV)" }),
        h("th", { class: "num", text: "step fraction" }),
        h("th", { class: "num", text: "r (xcorr)" }),
        h("th", { class: "num", text: "samples" }),
      ]),
    ]),
    h(
      "tbody",
      {},
      rows.map((r) => {
        const empty = r.samples === 0;
        const traced = linked && r.traceRow !== null;
        return h(
          "tr",
          {
            "data-fate": r.fate,
            "data-trace-row": traced ? r.traceRow : undefined,
            tabindex: traced ? 0 : undefined,
            class: traced ? "linkable" : undefined,
            title: traced
              ? `Repeat ${r.repeat + 1}: hover or focus to pick out its trace in the rejected-repeats plot`
              : undefined,
          },
          [
            h("td", { class: "num", text: r.repeat + 1 }),
            h("td", {}, [
              h("span", { class: `badge fate-bg-${r.fate}`, text: r.fate, title: FATE_TEXT[r.fate] }),
            ]),
            h("td", { class: "reason", text: r.reason }),
            statCell(fmt(r.maxAbsMv, 4), {
              culprit: r.fate === "range" && !empty,
              missing: r.maxAbsMv === null,
              title: r.maxAbsMv === null ? "no finite sample" : undefined,
              limit: g ? `> ${fmt(g.absMvMax)} limit` : undefined,
            }),
            statCell(fmt(r.stepFrac, 3), {
              culprit: r.fate === "step",
              missing: r.stepFrac === null,
              title: r.stepFrac === null ? "not computed: fewer than 3 samples" : undefined,
              limit: g ? `> ${fmt(g.maxStepFrac)} limit` : undefined,
            }),
            statCell(r.r === null ? MISSING : fmt(r.r, 3), {
              culprit: r.fate === "xcorr",
              missing: r.r === null,
              title: r.rNote ?? undefined,
              limit: g ? `< ${fmt(g.minXcorr)} limit` : undefined,
            }),
            statCell(String(r.samples), { culprit: empty, missing: false }),
          ],
        );
      }),
    ),
  ]);
}

/**
 * The gating panel: rejected repeats with their reason and statistics.
 * @param {ProvenanceJson} prov
 * @param {number} keptCount kept repeats the export holds for the pair
 */
export function renderGating(prov, keptCount) {
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
        text: `Gating rules: range if max |Vm| > ${fmt(g.absMvMax)} mV (or the repeat is empty); step if more than ${fmt(g.maxStepFrac * 100)} % of samples jump by more than ${fmt(g.stepMv)} mV; xcorr if r < ${fmt(g.minXcorr)} with the median of the other repeats (computed for 3 or more non-empty repeats). The first failing test names the reason.`,
      }),
    );
  }
  if (rejected.length) {
    panel.append(
      prov.rejectedTraces
        ? h("p", {
            class: "note",
            text: "The rejected repeats are drawn in the rejected-repeats plot above (detrended, mV; an empty repeat has nothing to draw): hover or focus a row to pick out its trace, or hover a trace to find its row.",
          })
        : h("p", { class: "note no-traces", id: "no-rejected-traces" }, [
            "Only the statistics of rejected repeats are in this export, not their traces: build it with ",
            h("code", { text: "--keep-rejected" }),
            " to see the traces.",
          ]),
      statsTable(rejected, g, prov.rejectedTraces),
    );
  } else {
    panel.append(h("p", { class: "hint", text: "No repeat of this pair was rejected." }));
  }
  const kept = prov.repeats.filter((r) => r.fate === "kept");
  if (kept.length) {
    panel.append(
      h("details", {}, [
        h("summary", { text: `Statistics of the ${kept.length} kept repeats` }),
        statsTable(kept, g, false),
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
