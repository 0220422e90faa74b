// Reading the export manifest's loosely typed metadata (interchange.md) into
// what the views show: labels of cells and stims, the unit of a response
// trace, the gating thresholds and the bands per octave of the build. Values
// of an unexpected type read as absent, never as an error.

import type { GatingJson } from "./api-types.js";
import type { ViewerManifest } from "./source.js";

/** A string field (numbers are spelled out), else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** A finite number field, else undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Unit of a response trace for a neuron's signal type. */
export function responseUnit(signalType: string | undefined): { quantity: string; unit: string } {
  return signalType === "spikes"
    ? { quantity: "spike rate", unit: "a.u." }
    : { quantity: "membrane potential", unit: "mV" };
}

/** A short human label for a stim from its metadata. */
export function stimLabel(meta: Record<string, unknown> | undefined, stim: number): string {
  const description = str(meta?.description);
  if (description && description.length > 0) return description;
  const sequence = str(meta?.sequence);
  if (sequence) return sequence;
  return `stim ${stim}`;
}

/** A short human label for a neuron from its metadata. */
export function neuronLabel(meta: Record<string, unknown> | undefined, neuron: number): string {
  return str(meta?.session) ?? `neuron ${neuron}`;
}

/** The signal type of neuron `n` (its own, else the cohort's). */
export function neuronSignalType(m: ViewerManifest, n: number): string {
  return str(m.neurons[n]?.signal_type) ?? m.signal_type;
}

/** The gating thresholds of the build (manifest options use snake_case keys). */
export function gatingOf(m: ViewerManifest): GatingJson | null {
  const g = (m.options as { gating?: Record<string, unknown> } | undefined)?.gating;
  if (!g) return null;
  const pick = (snake: string, camel: string) => num(g[snake]) ?? num(g[camel]);
  const absMvMax = pick("abs_mv_max", "absMvMax");
  const stepMv = pick("step_mv", "stepMv");
  const maxStepFrac = pick("max_step_frac", "maxStepFrac");
  const minXcorr = pick("min_xcorr", "minXcorr");
  if (absMvMax === undefined || stepMv === undefined || maxStepFrac === undefined || minXcorr === undefined)
    return null;
  return { absMvMax, stepMv, maxStepFrac, minXcorr };
}

/** Bands per octave of the spectrogram (from the options, else from the band centres). */
export function bandsPerOctaveOf(m: ViewerManifest): number | null {
  const o = m.options as Record<string, unknown> | undefined;
  const b = num(o?.bins_per_octave) ?? num(o?.binsPerOctave);
  if (b !== undefined) return b;
  const [f0, f1] = m.freqs_hz;
  if (f0 !== undefined && f1 !== undefined && f0 > 0) return Math.max(1, Math.round(1 / Math.log2(f1 / f0)));
  return null;
}
