// @ts-check
// The viewer's colours, fonts and fixed geometry, in one place. Trace and
// category colours come from Paul Tol's colour-blind-safe "bright" set; the
// model prediction is Okabe and Ito's vermillion, which stays apart from the
// blue repeats and the black mean for every common colour-vision deficiency.

/** @typedef {"kept" | "range" | "step" | "xcorr"} Fate */

/** Colour per gating fate. */
export const FATE_COLORS = { kept: "#4477AA", range: "#EE6677", step: "#CCBB44", xcorr: "#AA3377" };

/** What each fate means, for legends and tooltips. */
export const FATE_TEXT = {
  kept: "kept",
  range: "range (max |Vm| too large, or empty)",
  step: "step (voltage jumps)",
  xcorr: "xcorr (low correlation with the other repeats)",
};

/** @type {readonly Fate[]} */
export const FATES = ["kept", "range", "step", "xcorr"];

/**
 * Rejected repeats, drawn dimmed (translucent) in their fate's colour; the
 * fate also has a dash (range solid, step dashed, xcorr dotted), so the three
 * stay apart without colour.
 */
export const REJECTED_COLORS = {
  range: "rgba(238, 102, 119, 0.7)",
  step: "rgba(170, 153, 34, 0.75)",
  xcorr: "rgba(170, 51, 119, 0.7)",
};
/** @type {{ range: number[] | undefined, step: number[], xcorr: number[] }} */
export const FATE_DASH = { range: undefined, step: [7, 4], xcorr: [2, 3] };
/** A gating threshold drawn in a plot (dashed). */
export const LIMIT_COLOR = "rgba(60, 60, 60, 0.75)";
/** The kept repeats' mean drawn for reference beside the rejected ones. */
export const REFERENCE_COLOR = "#222222";

export const REPEAT_COLOR = "rgba(68, 119, 170, 0.38)";
export const MEAN_COLOR = "#111111";
export const PREDICTION_COLOR = "#D55E00";

/** Marker colour and shape per signal type in the cohort scatter plots. */
export const SIGNAL_STYLE = {
  subthresh: { color: "#4477AA", shape: "circle", label: "subthreshold (Vm)" },
  spikes: { color: "#EE6677", shape: "triangle", label: "spikes (cell-attached)" },
};
export const OTHER_STYLE = { color: "#777777", shape: "square", label: "other" };

/** Space right of the trace plot, where the spectrogram's colour bar sits. */
export const GUTTER_RIGHT = 78;

export const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
export const TITLE_FONT = "600 13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
export const AXIS_COLOR = "#444";
export const GRID_COLOR = "rgba(0,0,0,0.08)";
export const TEXT_COLOR = "#222";
