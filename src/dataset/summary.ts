// A readable multi-line summary of a dataset, shared by `ac1 build`, `ac1 demo`
// and `ac1 info` (for a built DatasetData or an export's manifest): counts of
// neurons and stims by experimenter / site / signal type, pairs and repeats,
// the time and frequency grid, the neurons' quality (snr, ccmax), the
// rejection tally, dropped cells and skipped files.

import type { DatasetData, RejectionTally, SkippedFile } from "./model.js";
import { qualitySummaryLine } from "./quality.js";

/** What the summary needs; buildable from a DatasetData or an export manifest. */
export interface DatasetFacts {
  neurons: readonly Readonly<Record<string, unknown>>[];
  stims: readonly Readonly<Record<string, unknown>>[];
  dtMs: number;
  F: number;
  freqsHz: ArrayLike<number>;
  audioFs: number | null;
  hop: number;
  signalType: string;
  /** Pairs with data and the repeats they hold (undefined when unknown). */
  pairs?: number;
  repeats?: number;
  /** Sum over stims of their length in frames (undefined when unknown). */
  frames?: number;
  rejections: RejectionTally;
  droppedCellsEmpty: number;
  skippedFiles: readonly SkippedFile[];
}

/** Facts of a built dataset. */
export function factsOf(d: DatasetData): DatasetFacts {
  let pairs = 0;
  let repeats = 0;
  let frames = 0;
  d.responses.forEach((row, s) => {
    const stim = d.stims[s];
    if (stim) frames += d.audioFs === null ? (stim.shape[2] ?? 0) : (stim.shape[1] ?? 0) / d.hop;
    for (const b of row) {
      if (b === null) continue;
      pairs++;
      repeats += b.shape[0] ?? 0;
    }
  });
  return {
    neurons: d.neuronMeta as unknown as Record<string, unknown>[],
    stims: d.stimMeta as unknown as Record<string, unknown>[],
    dtMs: d.dtMs,
    F: d.F,
    freqsHz: d.freqsHz,
    audioFs: d.audioFs,
    hop: d.hop,
    signalType: d.signalType,
    pairs,
    repeats,
    frames,
    rejections: d.rejections,
    droppedCellsEmpty: d.droppedCellsEmpty,
    skippedFiles: d.skippedFiles,
  };
}

function countBy(items: readonly Readonly<Record<string, unknown>>[], key: string): string {
  const counts = new Map<string, number>();
  for (const m of items) {
    const v = m[key];
    if (v === undefined) continue;
    const k = String(v);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

function hz(f: number): string {
  return f >= 1000 ? `${+(f / 1000).toFixed(2)} kHz` : `${+f.toFixed(1)} Hz`;
}

/** The summary text (no trailing newline). `maxSkipped` limits the listed skipped files. */
export function formatSummary(f: DatasetFacts, maxSkipped = 10): string {
  const S = f.stims.length;
  const N = f.neurons.length;
  const lines: string[] = [];
  const byGroups = [
    countBy(f.neurons, "experimenter"),
    countBy(f.neurons, "site"),
    countBy(f.neurons, "signal_type"),
  ].filter((x) => x);
  lines.push(`neurons:       ${N}${byGroups.length ? ` (${byGroups.join("; ")})` : ""}`);
  const stimGroups = countBy(f.stims, "experimenter");
  lines.push(`stims:         ${S}${stimGroups ? ` (${stimGroups})` : ""}`);
  if (f.pairs !== undefined) {
    const pct = S * N > 0 ? ((100 * f.pairs) / (S * N)).toFixed(1) : "0";
    lines.push(`pairs:         ${f.pairs} of ${S * N} with data (${pct}%), ${f.repeats ?? "?"} repeats`);
  }
  const secs = f.frames !== undefined ? `, ${((f.frames * f.dtMs) / 1000).toFixed(1)} s of stimulus` : "";
  lines.push(`time bins:     dtMs ${f.dtMs}${secs}`);
  const fmin = f.freqsHz.length ? (f.freqsHz[0] as number) : Number.NaN;
  const fmax = f.freqsHz.length ? (f.freqsHz[f.freqsHz.length - 1] as number) : Number.NaN;
  if (f.audioFs === null)
    lines.push(`stims are:     log-spectrograms, F ${f.F} bands (${hz(fmin)} .. ${hz(fmax)})`);
  else
    lines.push(
      `stims are:     waveforms at ${f.audioFs} Hz (hop ${f.hop} samples per bin; F ${f.F} bands for reference)`,
    );
  lines.push(`signal type:   ${f.signalType}`);
  lines.push(qualitySummaryLine(f.neurons));
  const r = f.rejections;
  const total = r.kept + r.range + r.step + r.xcorr;
  lines.push(
    `repeats:       ${total} raw: ${r.kept} kept, ${r.range} rejected range, ${r.step} step, ${r.xcorr} xcorr`,
  );
  lines.push(`dropped cells: ${f.droppedCellsEmpty} (every repeat rejected)`);
  lines.push(`skipped files: ${f.skippedFiles.length}`);
  for (const s of f.skippedFiles.slice(0, maxSkipped)) lines.push(`  ${s.path}: ${s.reason}`);
  if (f.skippedFiles.length > maxSkipped) lines.push(`  ... and ${f.skippedFiles.length - maxSkipped} more`);
  return lines.join("\n");
}
