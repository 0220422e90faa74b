// @ts-check
// The gating panel of a pair: every rejected repeat with its fate, the reason
// in words and the statistics behind it (the one that failed highlighted), the
// build's thresholds, and the kept repeats' statistics folded away. A
// statistic that was not computed (r when the cross-trial test did not run,
// the step fraction or max |Vm| of an empty repeat) reads "–" with the reason
// in its tooltip, never as a number it does not have.

import { fmt, h, MISSING } from "./dom.js";
import { FATE_TEXT } from "./theme.js";

/**
 * @typedef {import("../api-types.js").ProvenanceJson} ProvenanceJson
 * @typedef {import("../api-types.js").ProvenanceRowJson} ProvenanceRowJson
 */

/**
 * The statistics table of some repeats.
 * @param {ProvenanceRowJson[]} rows
 */
function statsTable(rows) {
  return h("table", { class: "stats" }, [
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
        return h("tr", { "data-fate": r.fate }, [
          h("td", { class: "num", text: r.repeat + 1 }),
          h("td", {}, [
            h("span", { class: `badge fate-bg-${r.fate}`, text: r.fate, title: FATE_TEXT[r.fate] }),
          ]),
          h("td", { class: "reason", text: r.reason }),
          h("td", {
            class: `num${r.fate === "range" && !empty ? " culprit" : ""}${r.maxAbsMv === null ? " zero" : ""}`,
            text: fmt(r.maxAbsMv, 4),
            title: r.maxAbsMv === null ? "no finite sample" : undefined,
          }),
          h("td", {
            class: `num${r.fate === "step" ? " culprit" : ""}${r.stepFrac === null ? " zero" : ""}`,
            text: fmt(r.stepFrac, 3),
            title: r.stepFrac === null ? "not computed: fewer than 3 samples" : undefined,
          }),
          h("td", {
            class: `num${r.fate === "xcorr" ? " culprit" : ""}${r.r === null ? " zero" : ""}`,
            text: r.r === null ? MISSING : fmt(r.r, 3),
            title: r.rNote ?? undefined,
          }),
          h("td", { class: `num${empty ? " culprit" : ""}`, text: r.samples }),
        ]);
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
      h("p", {
        class: "note",
        text: "Rejected traces are not drawn; their gating statistics are listed instead.",
      }),
      statsTable(rejected),
    );
  } else {
    panel.append(h("p", { class: "hint", text: "No repeat of this pair was rejected." }));
  }
  const kept = prov.repeats.filter((r) => r.fate === "kept");
  if (kept.length) {
    panel.append(
      h("details", {}, [
        h("summary", { text: `Statistics of the ${kept.length} kept repeats` }),
        statsTable(kept),
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
