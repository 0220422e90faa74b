// The rejected repeats of a pair as the viewer draws them, from an export
// built with `--keep-rejected` (interchange.md rej_<s>_<n>): each rejected
// repeat detrended and binned, in provenance order, linked to its provenance
// record by the export's own rule (rejectedRowLinks, the prov_rej_row of the
// file). The rows are the detrended voltage the gating judged, in mV for
// spikes cells too, whose kept rows are a spike-rate PSTH: the header says
// so, and the browser draws them on an axis of their own.

import type { RepeatProvenance } from "../dataset/model.js";
import { rejectedRowLinks } from "../export/index.js";
import type { RejectedFate, RejectedHeader, RejectedRowJson } from "./api-types.js";
import { neuronLabel, neuronSignalType, stimLabel } from "./manifest.js";
import type { PayloadInput } from "./payload.js";
import type { ViewerSource } from "./source.js";

/** What a rejected row measures. */
export const REJECTED_QUANTITY = "detrended membrane potential";

/** True when the export holds the rejected repeats' traces (its manifest says so). */
export function hasRejectedTraces(source: ViewerSource): boolean {
  return source.manifest.rejected !== undefined && source.manifest.rejected !== null;
}

/**
 * Each provenance record's row in its pair's rej_<s>_<n> array, or null: for
 * kept repeats, for repeats without a stim or neuron index (their rows are in
 * rej_unindexed, which no pair view shows) and when the export holds no traces.
 */
export function traceRowsOf(
  provenance: readonly RepeatProvenance[],
  neuronCount: number,
  withTraces: boolean,
): (number | null)[] {
  if (!withTraces) return provenance.map(() => null);
  const links = rejectedRowLinks(provenance, neuronCount);
  return provenance.map((p, i) =>
    p.fate === "kept" || p.stim < 0 || p.neuron < 0 ? null : (links[i] as number),
  );
}

/** Why a pair has no rejected traces to draw, or null when it has. */
export function noRejectedTraces(
  source: ViewerSource,
  rows: readonly RejectedRowJson[],
  s: number,
  n: number,
): string | null {
  if (!hasRejectedTraces(source))
    return "this export holds no rejected traces: build it with --keep-rejected to see them";
  if (rows.length === 0) return `no rejected repeat of stim ${s} and neuron ${n}`;
  return null;
}

/** The rejected repeats of (s, n) in provenance order, each with its row. */
export function rejectedRows(
  provenance: readonly RepeatProvenance[],
  s: number,
  n: number,
): RejectedRowJson[] {
  const out: RejectedRowJson[] = [];
  for (const p of provenance) {
    if (p.stim !== s || p.neuron !== n || p.fate === "kept") continue;
    out.push({ row: out.length, repeat: p.repeat, fate: p.fate as RejectedFate, samples: p.samples });
  }
  return out;
}

/**
 * Header and arrays of GET /api/rejected/:s/:n. Throws (a plain Error, so a
 * 500 naming the array) when rej_<s>_<n> is missing or its rows disagree with
 * the provenance: a damaged export, not a bad request.
 */
export async function rejectedParts(
  source: ViewerSource,
  rows: RejectedRowJson[],
  s: number,
  n: number,
  keptFrames: number,
): Promise<{ header: RejectedHeader; arrays: PayloadInput[] }> {
  const block = await source.readRejected(s, n);
  const [R = 0, T = 0] = block?.shape ?? [];
  if (!block || R !== rows.length)
    throw new Error(
      `rej_${s}_${n} ${block ? `holds ${R} rows` : "is missing"}, the provenance lists ${rows.length} rejected repeats`,
    );
  const m = source.manifest;
  const header: RejectedHeader = {
    stim: s,
    neuron: n,
    stimLabel: stimLabel(m.stims[s], s),
    neuronLabel: neuronLabel(m.neurons[n], n),
    signalType: neuronSignalType(m, n),
    dtMs: m.dt_ms,
    quantity: REJECTED_QUANTITY,
    unit: "mV",
    rows,
    frames: T,
    keptFrames,
  };
  return { header, arrays: [{ name: "rejected", shape: [R, T], data: block.data }] };
}
