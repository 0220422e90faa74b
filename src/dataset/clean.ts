// Cleaning one cell (pipeline.md section 10 step 3) in two steps, so that the
// costly one can be kept (src/dataset/intermediates.ts) and only the cheap one
// redone when just a gating threshold (range, step fraction, xcorr) changes:
//   cleanCell   detrends every raw repeat (MedGauss, the costly part), takes
//               its gating statistics (max |x|, step fraction, cross-trial r)
//               and its binned products: the detrended trace binned, and for
//               spikes cells the PSTH binned and the spike counts. With
//               `complete`, every repeat's products and r are made whatever
//               the thresholds say (what a cache entry holds); without, only
//               what this build's fates need.
//   finishCell  each repeat's fate from its statistics and the thresholds
//               (repeatFate, the one gating rule), the kept repeats' block cut
//               to the shortest, the rejected repeats with keepRejected.
// processCell = finishCell(cleanCell(...)): the same numbers, bit for bit,
// whether the products were made now or read back.

import type { CellRecord, NeuronMeta, RawStim, StimMeta, StimWaveformRef } from "../ac1/types.js";
import { stimKeyString } from "../ac1/types.js";
import { scratchFloat64 } from "../dsp/scratch.js";
import { repeatFate, xcorrRuns } from "../preprocess/gating.js";
import {
  binResponse,
  crossTrialCorrelations,
  maxAbsIgnoringNaN,
  medgauss,
  spikeTrain,
  stepFraction,
} from "../preprocess/index.js";
import type { CountBlock, DatasetOptions, Fate, ResponseBlock, SignalType } from "./model.js";

/** The waveform (by reference: its files and length) and facts of a stim kept from its first registration. */
export interface StimSpec {
  key: string;
  waveform: StimWaveformRef;
  sfStimHz: number;
  durationMs: number;
  meta: StimMeta;
}

/** Gating statistics of one raw repeat. */
export interface RepeatStats {
  maxAbsMv: number;
  stepFrac: number;
  r: number;
}

/** What processCell produces for one stim of a cell. */
export interface StimOutcome {
  key: string;
  /** Facts for registration. */
  spec: StimSpec;
  /** Fate of every raw repeat, in order. */
  fates: Fate[];
  stats: RepeatStats[];
  /** Raw length of every repeat (samples). */
  samples: number[];
  /** Sample rate of the responses (Hz). */
  sfRespHz: number;
  /** The binned (R, T) block of the kept repeats, or null when the stim is skipped. */
  block: ResponseBlock | null;
  /** Spikes cells: the spike counts of the kept repeats, the block's shape; else null. */
  counts: CountBlock | null;
  /** With keepRejected: each rejected repeat detrended and binned, in repeat order (float32, its own length); else empty. */
  rejected: Float32Array[];
}

export interface CellOutcome {
  meta: NeuronMeta;
  signalType: SignalType;
  stims: StimOutcome[];
}

/** One stim of a cell after the costly step (cleanCell). */
export interface StimCleaned {
  key: string;
  spec: StimSpec;
  sfRespHz: number;
  /** Raw length of every repeat (samples). */
  samples: number[];
  /** Length of every detrended repeat (what the range test checks for 0). */
  lengths: number[];
  /** maxAbsMv, stepFrac, r of every repeat, 3 per repeat; r is 1 where it was not computed. */
  stats: Float64Array;
  /** Whether r was computed (then for every repeat). */
  xcorr: boolean;
  /** Each repeat detrended and binned (float32), null where not made. */
  binned: (Float32Array | null)[];
  /** Spikes cells: each repeat's PSTH binned (float32), null where not made (always null for subthresh cells). */
  psth: (Float32Array | null)[];
  /** Spikes cells: each repeat's spike counts per bin, null where not made. */
  counts: (Int32Array | null)[];
}

/** One cell after the costly step: what a cache entry of the "clean" kind holds. */
export interface CellCleaned {
  meta: NeuronMeta;
  signalType: SignalType;
  stims: StimCleaned[];
}

/** Signal type of a cell: "spikes" iff its recording type contains "attached" (any case). */
export function cellSignalType(meta: Pick<NeuronMeta, "recording_type">): SignalType {
  return (meta.recording_type ?? "").toLowerCase().includes("attached") ? "spikes" : "subthresh";
}

/**
 * The costly step: detrending, gating statistics, binned products. With
 * `complete`, every repeat's products and (R >= 3) its r are made, so that
 * finishCell can apply any range / step-fraction / xcorr thresholds; else
 * only those this build's thresholds need.
 */
export function cleanCell(cell: CellRecord, options: DatasetOptions, complete = false): CellCleaned {
  const signalType = cellSignalType(cell.meta);
  return {
    meta: cell.meta,
    signalType,
    stims: cell.stims.map((stim) => cleanStim(stim, signalType, options, complete)),
  };
}

function cleanStim(stim: RawStim, signalType: SignalType, o: DatasetOptions, complete: boolean): StimCleaned {
  const sf = stim.sfRespHz;
  // The detrended repeats are temporaries (every product below is a copy): views of one buffer
  // reused from stim to stim (src/dsp/scratch.ts; this function is synchronous).
  let total = 0;
  for (const x of stim.repeats) total += x.length;
  const buffer = scratchFloat64("detrended", total);
  let at = 0;
  const detrended = stim.repeats.map((x) => {
    const out = buffer.subarray(at, at + x.length);
    at += x.length;
    return medgauss(x, sf, o.detrendMedMs, o.detrendGaussMs, out);
  });
  const R = detrended.length;
  let L = Number.POSITIVE_INFINITY;
  for (const x of detrended) L = Math.min(L, x.length);
  const xcorr = complete ? R >= 3 && L > 0 : xcorrRuns(o.gating, R, L);
  const r = xcorr ? crossTrialCorrelations(detrended, L) : null;
  const stats = new Float64Array(3 * R);
  const binned: (Float32Array | null)[] = [];
  const psth: (Float32Array | null)[] = [];
  const counts: (Int32Array | null)[] = [];
  for (let i = 0; i < R; i++) {
    const x = detrended[i] as Float64Array;
    const s = {
      maxAbsMv: maxAbsIgnoringNaN(x),
      stepFrac: stepFraction(x, sf, o.gating.stepMv),
      r: r ? r[i]! : 1,
    };
    stats[3 * i] = s.maxAbsMv;
    stats[3 * i + 1] = s.stepFrac;
    stats[3 * i + 2] = s.r;
    const kept = repeatFate(x.length, s, o.gating) === "kept";
    const spikes = signalType === "spikes";
    const needBinned = complete || (kept ? !spikes : o.keepRejected);
    binned.push(needBinned ? Float32Array.from(binResponse(x, sf, o.dtMs)) : null);
    if (spikes && (complete || kept)) {
      // the full-length PSTH is a temporary (only its bins are kept), reused from repeat to repeat
      const t = spikeTrain(x, sf, o.dtMs, o.detrendMedMs, o.detrendGaussMs, scratchFloat64("psth", x.length));
      psth.push(Float32Array.from(binResponse(t.psth, sf, o.dtMs)));
      counts.push(t.counts);
    } else {
      psth.push(null);
      counts.push(null);
    }
  }
  const key = stimKeyString(stim.key);
  return {
    key,
    spec: {
      key,
      waveform: stim.waveform,
      sfStimHz: stim.sfStimHz,
      durationMs: stim.durationMs,
      meta: stim.meta,
    },
    sfRespHz: sf,
    samples: stim.repeats.map((x) => x.length),
    lengths: detrended.map((x) => x.length),
    stats,
    xcorr,
    binned,
    psth,
    counts,
  };
}

function missing(what: string, key: string, i: number): Error {
  return new Error(`dataset build: stim ${key} repeat ${i} has no ${what} (cleaned for other thresholds)`);
}

/**
 * The cheap step: fates from the statistics and the thresholds (an r not
 * computed, or a disabled xcorr test, counts as 1), the kept repeats'
 * products cut to the shortest into a float32 (R, T) block (and the spike
 * counts' block), the rejected repeats' binned traces with keepRejected.
 * Every array it returns is its own (none shares a buffer with the input).
 */
export function finishCell(cell: CellCleaned, options: DatasetOptions): CellOutcome {
  const spikes = cell.signalType === "spikes";
  const stims: StimOutcome[] = [];
  for (const st of cell.stims) {
    const R = st.samples.length;
    const useR = st.xcorr && options.gating.minXcorr > 0;
    const outcome: StimOutcome = {
      key: st.key,
      spec: st.spec,
      fates: [],
      stats: [],
      samples: st.samples.slice(),
      sfRespHz: st.sfRespHz,
      block: null,
      counts: null,
      rejected: [],
    };
    stims.push(outcome);
    const kept: number[] = [];
    for (let i = 0; i < R; i++) {
      const s = {
        maxAbsMv: st.stats[3 * i]!,
        stepFrac: st.stats[3 * i + 1]!,
        r: useR ? st.stats[3 * i + 2]! : 1,
      };
      const fate = repeatFate(st.lengths[i]!, s, options.gating);
      outcome.fates.push(fate);
      outcome.stats.push(s);
      if (fate === "kept") kept.push(i);
      else if (options.keepRejected) {
        const b = st.binned[i];
        if (!b) throw missing("binned trace", st.key, i);
        outcome.rejected.push(b.slice());
      }
    }
    if (kept.length === 0) continue;
    const products = kept.map((i) => {
      const p = spikes ? st.psth[i] : st.binned[i];
      if (!p) throw missing(spikes ? "PSTH" : "binned trace", st.key, i);
      return p;
    });
    let T = Number.POSITIVE_INFINITY;
    for (const b of products) T = Math.min(T, b.length);
    if (!(T > 0)) continue;
    const K = kept.length;
    const data = new Float32Array(K * T);
    for (let k = 0; k < K; k++) data.set((products[k] as Float32Array).subarray(0, T), k * T);
    outcome.block = { shape: [K, T], data };
    if (spikes) {
      const c = new Int32Array(K * T);
      kept.forEach((i, k) => {
        const ci = st.counts[i];
        if (!ci) throw missing("spike counts", st.key, i);
        c.set(ci.subarray(0, T), k * T);
      });
      outcome.counts = { shape: [K, T], data: c };
    }
  }
  return { meta: cell.meta, signalType: cell.signalType, stims };
}

/**
 * Pure per-cell processing (pipeline.md section 10 step 3): for each stim,
 * gate the raw repeats, turn kept repeats into PSTHs (and spike counts, from
 * the same supra-threshold mask) for spikes cells, bin, truncate to the
 * shortest binned length. The block is float32 (R, T); a stim with nothing
 * kept or a zero-length block has block null. With keepRejected, the
 * rejected repeats are binned too, from the detrended trace the gating judged.
 */
export function processCell(cell: CellRecord, options: DatasetOptions): CellOutcome {
  return finishCell(cleanCell(cell, options), options);
}
