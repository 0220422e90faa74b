// @ts-check
// The summary bar under the header: the export's size (cells, stims, pairs,
// kept repeats), repeats rejected by reason, the time step and stimulus
// representation, dropped cells and skipped files, and the predictions
// loaded with `--pred`.

import { $, fmt, h, plural } from "./dom.js";

/** @typedef {import("../api-types.js").SummaryJson} SummaryJson */

/** @param {SummaryJson} s */
export function renderSummary(s) {
  $("file").textContent = s.file;
  document.title = `ac1 viewer: ${s.file}`;
  const rej = s.rejections;
  const f0 = s.freqsHz[0] ?? Number.NaN;
  const f1 = s.freqsHz[s.freqsHz.length - 1] ?? Number.NaN;
  const parts = [
    h("span", {}, [h("b", { text: s.neuronCount }), " cells"]),
    h("span", {}, [h("b", { text: s.stimCount }), " stims"]),
    h("span", {}, [h("b", { text: s.pairCount }), " (stim, cell) pairs"]),
    h("span", {}, [h("b", { text: s.keptRepeats }), " kept repeats"]),
    h("span", { title: "repeats rejected by the gating, by reason (whole build)" }, [
      "rejected: ",
      h("b", { class: "fate-range", text: rej.range }),
      " range, ",
      h("b", { class: "fate-step", text: rej.step }),
      " step, ",
      h("b", { class: "fate-xcorr", text: rej.xcorr }),
      " xcorr",
    ]),
    h("span", {}, [`dt ${fmt(s.dtMs)} ms`]),
    s.mode === "spectrogram"
      ? h("span", {}, [`${s.F} bands, ${fmt(f0 / 1000)}–${fmt(f1 / 1000)} kHz`])
      : h("span", {}, [`waveform at ${s.audioFs} Hz`]),
    h("span", {}, [`signal: ${s.signalType}`]),
  ];
  if (s.droppedCellsEmpty)
    parts.push(h("span", {}, [`${plural(s.droppedCellsEmpty, "cell")} dropped (nothing kept)`]));
  if (s.skippedFiles.length) {
    parts.push(
      h("span", { title: s.skippedFiles.map((f) => `${f.path}: ${f.reason}`).join("\n") }, [
        `${plural(s.skippedFiles.length, "file")} skipped`,
      ]),
    );
  }
  if (!s.provenanceAvailable)
    parts.push(h("span", { class: "warn" }, ["no per-repeat provenance in this export"]));
  if (s.qualitySource === "computed")
    parts.push(
      h("span", { title: "this export does not store SNR and CCmax; the viewer computed them" }, [
        "quality computed from the arrays",
      ]),
    );
  if (s.predictions)
    parts.push(
      h(
        "span",
        { class: "pred", title: "ac1 view --pred: predictions drawn over the responses and scored" },
        [
          "model: ",
          h("b", { text: s.predictions.file }),
          ` (${plural(s.predictions.pairs, "pair")}, ${plural(s.predictions.neurons, "cell")})`,
        ],
      ),
    );
  $("summary").replaceChildren(
    ...parts.flatMap((p, i) => (i ? [h("span", { class: "sep", text: "·" }), p] : [p])),
  );
}
