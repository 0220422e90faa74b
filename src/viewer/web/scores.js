// @ts-check
// The model's scores beside a pair's plot (with `ac1 view --pred`): the
// pair's own (what `ac1 score` prints for a PRED.npz holding only that pair)
// and its neuron's over all its predicted pairs (its row of `ac1 score`),
// one metric per row with what it means in the tooltip. A pair without a
// prediction says so and still shows the neuron's.

import { fmt, h, MISSING } from "./dom.js";
import { PREDICTION_COLOR } from "./theme.js";

/**
 * @typedef {import("../api-types.js").PairScoresJson} PairScoresJson
 * @typedef {import("../api-types.js").ScoreValuesJson} ScoreValuesJson
 */

/**
 * The metrics shown, in `ac1 score`'s order, with their labels and meaning.
 * @type {{ key: keyof ScoreValuesJson, label: string, title: string }[]}
 */
export const SCORE_ROWS = [
  { key: "corrcoef", label: "corrcoef", title: "Pearson r between the prediction and the mean over repeats" },
  { key: "fve", label: "FVE", title: "fraction of the variance of the mean over repeats explained" },
  { key: "mse", label: "MSE", title: "mean squared error against the mean over repeats" },
  {
    key: "ccnorm_schoppe",
    label: "CCnorm Schoppe",
    title: "cov(pred, mean) / sqrt(var(pred) · signal power)",
  },
  { key: "ccnorm_hsu", label: "CCnorm Hsu", title: "corrcoef / CCmax" },
  { key: "snr", label: "SNR", title: "signal power / noise power of these pairs (Sahani and Linden)" },
  {
    key: "ccmax",
    label: "CCmax",
    title: "noise ceiling of these pairs (Hsu, Spearman-Brown over half-splits)",
  },
];

/**
 * The scores panel.
 * @param {PairScoresJson} s
 * @param {string} predFile
 */
export function renderScores(s, predFile) {
  const body = SCORE_ROWS.map((row) =>
    h("tr", { "data-metric": row.key }, [
      h("th", { scope: "row", text: row.label, title: row.title }),
      h("td", { class: "num", text: s.pair ? fmt(s.pair[row.key], 3) : MISSING }),
      h("td", { class: "num", text: s.score ? fmt(s.score[row.key], 3) : MISSING }),
    ]),
  );
  const swatch = h("span", { class: "swatch line bold" });
  swatch.style.borderTopColor = PREDICTION_COLOR;
  const head = [h("h3", {}, [swatch, "Model scores"]), h("div", { class: "note pred-file", text: predFile })];
  if (!s.pair && !s.score) {
    // Nothing to score for this cell at all: say so, without a table of dashes.
    return h("div", { class: "scores", id: "scores" }, [
      ...head,
      h("p", { class: "no-pred", id: "no-prediction", text: `No prediction for this cell in ${predFile}.` }),
    ]);
  }
  return h("div", { class: "scores", id: "scores" }, [
    ...head,
    s.pair
      ? null
      : h("p", {
          class: "no-pred",
          id: "no-prediction",
          text: `No prediction for this pair in ${predFile}.`,
        }),
    h("table", { class: "score-table" }, [
      h("thead", {}, [
        h("tr", {}, [
          h("th", { text: "" }),
          h("th", { class: "num", text: "pair", title: "this (stim, cell) pair alone" }),
          h("th", {
            class: "num",
            text: "cell",
            title: s.score
              ? `this cell's ${s.score.pairs} predicted pairs, stims concatenated (stims ${s.stims.join(", ")})`
              : "no prediction for this cell",
          }),
        ]),
      ]),
      h("tbody", {}, body),
    ]),
    h("p", {
      class: "note",
      text: `pair: this stim alone; cell: ${s.score ? `its ${s.score.pairs} predicted pair${s.score.pairs === 1 ? "" : "s"}` : "no predicted pair"}. Against the mean over repeats, as ac1 score.`,
    }),
  ]);
}
