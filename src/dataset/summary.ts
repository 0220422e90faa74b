// A readable multi-line summary of a dataset, shared by `ac1 build`, `ac1 demo`
// and `ac1 info` (for a built DatasetData or an export's manifest): counts of
// neurons and stims by experimenter / site / signal type, pairs and repeats,
// the time and frequency grid and how bins align with the stimulus, the
// response units and spike counts, the neurons' quality (snr, ccmax), the
// rejection tally (and whether the rejected repeats are kept), the split,
// dropped cells and skipped files.

import type {
  DatasetData,
  DatasetShapes,
  DatasetSplit,
  RejectionTally,
  SkippedFile,
  SplitPart,
} from "./model.js";
import { qualitySummaryLine } from "./quality-keys.js";
import { splitLabel } from "./splits.js";

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
  /** Pairs with spike counts (spk_<s>_<n>); undefined when the data carries none. */
  spikeCountPairs?: number;
  /** Rejected repeats kept (rej_<s>_<n>), or undefined when they were not kept. */
  rejectedKept?: number;
  split?: DatasetSplit | null;
}

/**
 * Ac1Dataset's toString: one readable line per fact of `d` (neurons, stims,
 * dtMs, stim mode, signal type, repeats, dropped and skipped) with what the
 * dataset's `view` shows of it (selected neurons, iterable stims, its split
 * and selected part).
 */
export function datasetRepr(
  d: DatasetData,
  view: {
    className: string;
    selectedNeurons: number;
    iterableStims: number;
    split: DatasetSplit | null;
    splitPart: SplitPart | null;
  },
): string {
  const mode =
    d.audioFs === null ? `spectrogram, F=${d.F} bands` : `waveform at ${d.audioFs} Hz (hop ${d.hop})`;
  const r = d.rejections;
  const split = view.split;
  return [
    `${view.className}: CRCNS-AC1 (${d.species})`,
    `  neurons:     ${d.neuronMeta.length} (${view.selectedNeurons} selected)`,
    `  stims:       ${d.stims.length} (${view.iterableStims} iterable)`,
    `  dtMs:        ${d.dtMs}`,
    `  stims are:   ${mode}`,
    `  signal type: ${d.signalType}`,
    `  repeats:     ${r.kept} kept, ${r.range} range, ${r.step} step, ${r.xcorr} xcorr rejected`,
    `  dropped cells (no usable stim): ${d.droppedCellsEmpty}; skipped files: ${d.skippedFiles.length}`,
    ...(split
      ? [
          `  split:       ${splitLabel(split)}, seed ${split.seed}${view.splitPart ? ` (${view.splitPart} part selected)` : ""}`,
        ]
      : []),
  ].join("\n");
}

/** Facts of a built dataset. */
export function factsOf(d: DatasetShapes): DatasetFacts {
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
    spikeCountPairs: d.spikeCounts?.reduce((a, row) => a + row.filter((c) => c !== null).length, 0),
    rejectedKept: d.rejected === undefined ? undefined : d.provenance.filter((p) => p.fate !== "kept").length,
    split: d.split ?? null,
  };
}

/** One line on a split: method, seed, stims per part and the neurons it covers. */
export function describeSplit(split: DatasetSplit): string {
  const N = split.neurons.length;
  const head = `${splitLabel(split)}, seed ${split.seed}`;
  if (split.method === "stims" && split.counts) {
    const noTest = split.neurons.filter((p) => p !== null && p.test.length === 0).length;
    return `${head}: ${split.counts.join(" / ")} stims (train / val / test), the same for all ${N} neurons${noTest > 0 ? `; ${noTest} neurons heard no test stim` : ""}`;
  }
  const done = split.neurons.filter((p) => p !== null).length;
  return `${head}: ${done} of ${N} neurons split by their Rançon counts${done < N ? ` (${N - done} without: the split's unsplit list, manifest splits.unsplit in an export, says why)` : ""}`;
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
  lines.push(
    `time axis:     response bin i = [i*dt, (i+1)*dt) ms after stim onset; ${f.audioFs === null ? "spectrogram frame i centred at i*dt ms; silent frames -240 dB" : "stim frame i = audio samples [i*hop, (i+1)*hop)"}`,
  );
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
  const units = [countBy(f.neurons, "units")].filter((x) => x);
  const counts =
    f.spikeCountPairs === undefined ? "" : `; spike counts (int) for ${f.spikeCountPairs} spikes pairs`;
  if (units.length || counts)
    lines.push(`units:         ${units.join("") || "?"} (neurons per unit)${counts}`);
  const r = f.rejections;
  const total = r.kept + r.range + r.step + r.xcorr;
  lines.push(
    `repeats:       ${total} raw: ${r.kept} kept, ${r.range} rejected range, ${r.step} step, ${r.xcorr} xcorr`,
  );
  if (f.rejectedKept !== undefined)
    lines.push(`               the ${f.rejectedKept} rejected repeats are kept, detrended and binned (mV)`);
  if (f.split) lines.push(`split:         ${describeSplit(f.split)}`);
  lines.push(`dropped cells: ${f.droppedCellsEmpty} (every repeat rejected)`);
  lines.push(`skipped files: ${f.skippedFiles.length}`);
  for (const s of f.skippedFiles.slice(0, maxSkipped)) lines.push(`  ${s.path}: ${s.reason}`);
  if (f.skippedFiles.length > maxSkipped) lines.push(`  ... and ${f.skippedFiles.length - maxSkipped} more`);
  return lines.join("\n");
}
