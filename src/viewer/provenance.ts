// The per-repeat provenance as the viewer shows it: fate tallies, and each
// repeat's row with its fate said in words and only the statistics that were
// actually computed. The build stores r = 1 when the cross-trial test did not
// run for a repeat's group (fewer than 3 repeats, an empty repeat among them,
// or the test switched off: pipeline.md section 5, src/preprocess/gating.ts),
// and a step fraction of 0 for a repeat under 3 samples; shown as numbers,
// those would read as a perfect correlation and a clean trace. Here they are
// null with a note instead.

import type { RepeatProvenance } from "../dataset/model.js";
import type { FateName, FateTally, GatingJson, ProvenanceRowJson } from "./api-types.js";

export const FATES: readonly FateName[] = ["kept", "range", "step", "xcorr"];

export function emptyTally(): FateTally {
  return { kept: 0, range: 0, step: 0, xcorr: 0 };
}

export function addFate(t: FateTally, fate: FateName): void {
  if (FATES.includes(fate)) t[fate] += 1;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** A statistic in a sentence: 4 significant digits, no trailing zeros. */
function num(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** Why the cross-trial r of a group was not computed, or null when it was. */
function rSkipped(group: readonly RepeatProvenance[], gating: GatingJson | null): string | null {
  if (gating && !(gating.minXcorr > 0)) return "not computed: the xcorr test is off (min_xcorr <= 0)";
  if (group.length < 3)
    return `not computed: the xcorr test needs 3 or more repeats of the stim, this cell has ${group.length}`;
  if (group.some((p) => p.samples === 0))
    return "not computed: an empty repeat of this stim leaves no common length to correlate";
  return null;
}

/** The fate of one repeat in words, from its statistics and the build's thresholds. */
function reasonOf(p: RepeatProvenance, gating: GatingJson | null): string {
  switch (p.fate) {
    case "kept":
      return "passed every test";
    case "range":
      if (p.samples === 0) return "empty repeat (0 samples)";
      if (!Number.isFinite(p.maxAbsMv)) return "no finite sample";
      return `max |Vm| ${num(p.maxAbsMv)} mV > ${gating ? num(gating.absMvMax) : "the limit"} mV`;
    case "step":
      return `${num(p.stepFrac * 100)} % of samples jump by more than ${gating ? num(gating.stepMv) : "the step"} mV (limit ${gating ? num(gating.maxStepFrac * 100) : "?"} %)`;
    case "xcorr":
      return `r = ${num(p.r)} with the median of the other repeats < ${gating ? num(gating.minXcorr) : "the limit"}`;
    default:
      return String(p.fate);
  }
}

/**
 * The rows of the repeats `prov` (one neuron's, in any mix of stims), each
 * judged within its group: the repeats of one stim of one cell, gated
 * together. `traceRows[i]` is record i's row in GET /api/rejected (null or
 * absent: none).
 */
export function provenanceRows(
  prov: readonly RepeatProvenance[],
  gating: GatingJson | null,
  traceRows: readonly (number | null)[] = [],
): ProvenanceRowJson[] {
  const groups = new Map<string, RepeatProvenance[]>();
  for (const p of prov) {
    const key = `${p.experimenter}\u0000${p.session}\u0000${p.stimKey}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const skipped = new Map<string, string | null>();
  for (const [key, g] of groups) skipped.set(key, rSkipped(g, gating));
  return prov.map((p, i) => {
    const rNote =
      skipped.get(`${p.experimenter}\u0000${p.session}\u0000${p.stimKey}`) ??
      (Number.isFinite(p.r) ? null : "NaN: a constant repeat or reference");
    return {
      repeat: p.repeat,
      fate: p.fate,
      reason: reasonOf(p, gating),
      maxAbsMv: finiteOrNull(p.maxAbsMv),
      stepFrac: p.samples < 3 ? null : finiteOrNull(p.stepFrac),
      r: rNote === null ? p.r : null,
      rNote,
      samples: p.samples,
      session: p.session,
      stimKey: p.stimKey,
      traceRow: traceRows[i] ?? null,
    };
  });
}
