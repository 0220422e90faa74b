// The neuron quality's keys in each neuron's metadata (`snr`, `ccmax`,
// `signal_power`, `noise_power`: deepSTRF's names plus the powers), how they
// cross JSON (NaN in memory, null in a manifest) and the summary line on
// them: the one place that knows the keys. Computing the quality is
// quality.ts (on src/metrics); this part is what an export's manifest and
// the summary need, so a cache hit reads and rewrites a manifest without
// loading the metrics.

import type { NeuronMeta } from "../ac1/types.js";
import type { NeuronQuality } from "../metrics/index.js";

/** The per-neuron metadata keys of the neuron quality, in the order they are stored. */
export const QUALITY_KEYS = ["snr", "ccmax", "signal_power", "noise_power"] as const;
export type QualityKey = (typeof QUALITY_KEYS)[number];

/** Neuron n's metadata with the quality keys set (a fresh object; the input is not modified). */
export function withQuality(meta: NeuronMeta, q: NeuronQuality, n: number): NeuronMeta {
  return {
    ...meta,
    snr: q.snr[n]!,
    ccmax: q.ccmax[n]!,
    signal_power: q.signalPower[n]!,
    noise_power: q.noisePower[n]!,
  };
}

/**
 * A neuron's metadata as the manifest holds it: a quality value that JSON
 * cannot hold (NaN; infinity, which only responses holding infinities give)
 * as null.
 */
export function qualityToJson(meta: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...meta };
  for (const k of QUALITY_KEYS) {
    const v = out[k];
    if (typeof v === "number" && !Number.isFinite(v)) out[k] = null;
  }
  return out;
}

/** A manifest neuron entry back as metadata: quality null as NaN (keys absent stay absent). */
export function qualityFromJson(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry };
  for (const k of QUALITY_KEYS) if (out[k] === null) out[k] = Number.NaN;
  return out;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  return m % 2 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(3) : String(v);
}

/**
 * One summary line on the neurons' stored quality (metadata or manifest
 * entries): median and range of snr and ccmax over the neurons where they
 * are numbers; says so when the keys are absent (an export from before they
 * were stored).
 */
export function qualitySummaryLine(neurons: readonly Readonly<Record<string, unknown>>[]): string {
  if (neurons.length > 0 && neurons.every((m) => !("snr" in m) && !("ccmax" in m)))
    return "quality:       not stored (older export): `ac1 quality FILE.npz` computes it";
  const part = (key: QualityKey) => {
    const v = neurons
      .map((m) => m[key])
      .filter((x): x is number => typeof x === "number" && Number.isFinite(x))
      .sort((a, b) => a - b);
    if (v.length === 0) return `${key} none of ${neurons.length}`;
    return `${key} median ${fmt(median(v))} (${fmt(v[0]!)} .. ${fmt(v[v.length - 1]!)}, ${v.length} of ${neurons.length})`;
  };
  return `quality:       ${part("snr")}; ${part("ccmax")}`;
}
