// The build's units through the intermediate-results cache
// (src/store/intermediates.ts): what each kind of entry depends on (its key)
// and holds (its codec), and `through`, which looks an entry up, else
// computes it and stores it. Keys hash the release's identity and the code
// version (the scope), the unit, and exactly the options its result depends
// on:
//   index  a Wehr stimulus file: nothing else;
//   clean  a session folder: sites (Asari), the detrend windows, dtMs and the step
//          size (stepMv; the step fraction is counted against it). Not the
//          range, step-fraction or xcorr thresholds, nor keepRejected: the
//          entry holds every repeat's statistics and products (cleanCell
//          complete) and finishCell applies them;
//   stim   a stim (its waveform's files and length, rate, frames) and the
//          options of its tensor: dtMs, fmin, fmax, binsPerOctave, windowMs
//          (spectrograms) or audioFs, dtMs (waveforms);
//   deflated  an export member: the digest of its bytes and deflate level
//          (the export's memberDigest), nothing else (its key and codec are
//          src/pipeline/deflate-memo.ts's, beside the export they serve).
// A unit works the same with or without the cache, so a build gives the same
// bytes whether its intermediates were read back or computed. How each unit
// used the cache (CacheUse: reused, damaged, not stored and why) is counted
// per kind (ReuseTally, IntermediateReuse) for the build's report.

import type { SessionUnit } from "../ac1/release.js";
import type { WalkEvent } from "../ac1/types.js";
import type { WehrStimEntry, WehrStimFile } from "../ac1/wehr.js";
import { CacheError } from "../errors.js";
import {
  type IntermediateArray,
  type IntermediateBlob,
  type IntermediateKind,
  intermediateDtypeOf,
} from "../store/intermediate-format.js";
import { IntermediateCache, type IntermediateScope, intermediateKey } from "../store/intermediates.js";
import type { CellCleaned, StimCleaned, StimSpec } from "./clean.js";
import type { DatasetOptions, Tensor } from "./model.js";

/** A build's intermediates: the scope (plain data, sent to workers) and the cache it opens. */
export interface StageCache {
  scope: IntermediateScope;
  cache: IntermediateCache;
}

/** Opens the scope's cache (on each thread that runs units). */
export function stageCache(scope: IntermediateScope | undefined): StageCache | undefined {
  return scope === undefined ? undefined : { scope, cache: new IntermediateCache(scope.dir) };
}

/** Units of one kind a build ran, took from the cache, and found damaged there (removed, recomputed). */
export interface ReuseTally {
  units: number;
  reused: number;
  damaged: number;
  /** Results computed now that could not be stored (a full disk, a read-only folder, something in an entry's place). */
  unstored: number;
  /**
   * Why one of them could not be stored (the entry's path and the error); null when none failed.
   * It is the failure of the earliest unit in the build's order (firstUnstoredAt), not of the
   * first to finish: the same whatever the threads' timing.
   */
  firstUnstored: string | null;
  /** That unit's place in the build's order of its kind (a stim's index, an export member's lookup); null when none failed. */
  firstUnstoredAt: number | null;
}

/** How many units of each kind a build took from the cache, of how many it ran. */
export interface IntermediateReuse {
  index: ReuseTally;
  clean: ReuseTally;
  stim: ReuseTally;
  /** The export's members looked up (of at least DEFLATE_MEMO_MIN_BYTES), and those not deflated again. */
  deflated: ReuseTally;
}

export function emptyTally(): ReuseTally {
  return { units: 0, reused: 0, damaged: 0, unstored: 0, firstUnstored: null, firstUnstoredAt: null };
}

export function emptyReuse(): IntermediateReuse {
  return { index: emptyTally(), clean: emptyTally(), stim: emptyTally(), deflated: emptyTally() };
}

/** How a unit's result used the cache: taken from it, its entry found damaged (removed), or not stored (why). */
export interface CacheUse {
  reused?: boolean;
  damaged?: boolean;
  unstored?: string;
}

/**
 * Counts one unit's result into its kind's tally; `at` is the unit's place in
 * the build's order of its kind (results counted as they finish may come in
 * any order).
 */
export function countReuse(tally: ReuseTally, r: CacheUse, at: number): void {
  tally.units++;
  if (r.reused) tally.reused++;
  if (r.damaged) tally.damaged++;
  if (r.unstored !== undefined) countUnstored(tally, r.unstored, at);
}

/** Counts one result that could not be stored (the unit at place `at`), and keeps the earliest unit's reason. */
export function countUnstored(tally: ReuseTally, why: string, at: number): void {
  tally.unstored++;
  if (tally.firstUnstoredAt === null || at < tally.firstUnstoredAt) {
    tally.firstUnstored = why;
    tally.firstUnstoredAt = at;
  }
}

export function indexKey(scope: IntermediateScope, file: WehrStimFile): string {
  return intermediateKey(scope, "index", { file });
}

export function cleanKey(scope: IntermediateScope, unit: SessionUnit, o: DatasetOptions): string {
  return intermediateKey(scope, "clean", {
    unit,
    // only an Asari session's walk filters by site (every Wehr cell is A1)
    sites: unit.experimenter === "asari" ? o.sites : undefined,
    detrendMedMs: o.detrendMedMs,
    detrendGaussMs: o.detrendGaussMs,
    dtMs: o.dtMs,
    stepMv: o.gating.stepMv,
  });
}

export function stimKey(
  scope: IntermediateScope,
  stim: Pick<StimSpec, "waveform" | "sfStimHz">,
  T: number,
  o: DatasetOptions,
): string {
  const tensor = o.returnWaveform
    ? { mode: "waveform", audioFs: o.audioFs, dtMs: o.dtMs }
    : {
        mode: "spectrogram",
        dtMs: o.dtMs,
        fmin: o.fmin,
        fmax: o.fmax,
        binsPerOctave: o.binsPerOctave,
        windowMs: o.windowMs,
      };
  return intermediateKey(scope, "stim", { waveform: stim.waveform, sfStimHz: stim.sfStimHz, T, tensor });
}

/** An array of whole numbers >= 0. */
function isCount(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 0);
}

export function bad(what: string): CacheError {
  return new CacheError(`entry does not hold ${what}`);
}

/** What a lookup found: the decoded value, or a miss (`damaged`: an entry was there and did not decode, now removed). */
export type Lookup<T> = { value: T; damaged: false } | { value: undefined; damaged: boolean };

/** The entry `key` of `kind` decoded, or a miss; an entry that does not decode (or is damaged) is removed. */
export async function lookup<T>(
  sc: StageCache,
  kind: IntermediateKind,
  key: string,
  codec: { decode(blob: IntermediateBlob): T },
): Promise<Lookup<T>> {
  // (damaged: this lookup's own removal, not the cache's list, which lookups running alongside also grow)
  const found = sc.cache.find(kind, key);
  if (typeof found === "string") return { value: undefined, damaged: found === "damaged" };
  try {
    return { value: codec.decode(found), damaged: false };
  } catch (e) {
    return { value: undefined, damaged: await sc.cache.dropEntry(kind, key, e) };
  }
}

/**
 * `compute()`d, then stored as the entry `key` of `kind`. The caller has
 * looked the entry up already, on the build's own thread (cacheFirstExecutor
 * for the index and the sessions, StimTensors for the stims): a unit that
 * runs is a miss, and is not looked up again on the thread that runs it. A
 * failure to store (a full disk, a read-only folder) leaves the result as
 * computed, and says why in `unstored` (the build reports it).
 */
export async function computeAndStore<T>(
  sc: StageCache | undefined,
  kind: IntermediateKind,
  key: () => string,
  codec: { encode(value: T): IntermediateBlob },
  compute: () => Promise<T>,
): Promise<{ value: T; unstored?: string }> {
  const value = await compute();
  if (sc === undefined) return { value };
  // (encoded outside the try: a value that cannot be encoded is a bug to hear of, not a full disk)
  const blob = codec.encode(value);
  try {
    await sc.cache.put(kind, key(), blob);
  } catch (e) {
    // best effort: the build goes on without this entry, and reports it
    return { value, unstored: e instanceof Error ? e.message : String(e) };
  }
  return { value };
}

/** A Wehr stimulus file's index result: its entry (null: unreadable) and reports. */
export const indexCodec = {
  encode(v: { entry: WehrStimEntry | null; events: WalkEvent[] }): IntermediateBlob {
    return { header: v, arrays: [] };
  },
  decode(blob: IntermediateBlob): { entry: WehrStimEntry | null; events: WalkEvent[] } {
    const h = blob.header as { entry?: unknown; events?: unknown };
    if (h === null || typeof h !== "object" || !Array.isArray(h.events) || h.entry === undefined)
      throw bad("a Wehr index entry");
    if (h.entry !== null && typeof h.entry !== "object") throw bad("a Wehr index entry");
    return { entry: h.entry as WehrStimEntry | null, events: h.events as WalkEvent[] };
  },
};

/** A stim's tensor. */
export const tensorCodec = {
  encode(t: Tensor): IntermediateBlob {
    return { header: { shape: t.shape }, arrays: [t.data] };
  },
  decode(blob: IntermediateBlob): Tensor {
    const [data] = blob.arrays;
    if (!(data instanceof Float32Array)) throw bad("a stim tensor");
    const shape = tensorShapeOf(
      blob.header,
      blob.arrays.map((a) => ({ dtype: intermediateDtypeOf(a), length: a.length })),
    );
    // A view into the entry, not a copy: the entry is the tensor and a header of a few hundred bytes.
    return { shape, data };
  },
};

/**
 * The shape of a stim tensor's entry from its header and the arrays it
 * lists (tensorCodec's, and a tensor streamed from its entry): one float32
 * array holding as many values as the shape says.
 */
export function tensorShapeOf(
  header: unknown,
  arrays: readonly { dtype: string; length: number }[],
): number[] {
  const shape = (header as { shape?: unknown } | null)?.shape;
  const [data] = arrays;
  if (
    !Array.isArray(shape) ||
    !shape.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    arrays.length !== 1 ||
    data?.dtype !== "f4" ||
    (shape as number[]).reduce((a, b) => a * b, 1) !== data.length
  )
    throw bad("a stim tensor");
  return shape as number[];
}

/** A session's cleaned cell (cleanCell complete: every product present) and reports. */
export interface SessionCleaned {
  cleaned: CellCleaned | null;
  events: WalkEvent[];
}

type StimHeader = Omit<StimCleaned, "stats" | "binned" | "psth" | "counts">;

export const sessionCodec = {
  encode(v: SessionCleaned): IntermediateBlob {
    const arrays: IntermediateArray[] = [];
    let cell: unknown = null;
    if (v.cleaned !== null) {
      const spikes = v.cleaned.signalType === "spikes";
      const stims: StimHeader[] = v.cleaned.stims.map((st) => {
        arrays.push(st.stats);
        st.samples.forEach((_, i) => {
          const b = st.binned[i];
          const p = st.psth[i];
          const c = st.counts[i];
          if (!b || (spikes && (!p || !c)))
            throw new Error(`stim ${st.key} cleaned incompletely: not storable`);
          arrays.push(b);
          if (spikes) arrays.push(p as Float32Array, c as Int32Array);
        });
        const { stats: _s, binned: _b, psth: _p, counts: _c, ...rest } = st;
        return rest;
      });
      cell = { meta: v.cleaned.meta, signalType: v.cleaned.signalType, stims };
    }
    return { header: { events: v.events, cell }, arrays };
  },
  decode(blob: IntermediateBlob): SessionCleaned {
    const h = blob.header as { events?: unknown; cell?: unknown };
    if (h === null || typeof h !== "object" || !Array.isArray(h.events)) throw bad("a session");
    const events = h.events as WalkEvent[];
    if (h.cell === null) return { cleaned: null, events };
    const cell = h.cell as { meta?: unknown; signalType?: unknown; stims?: unknown };
    if (
      typeof cell !== "object" ||
      cell === null ||
      !Array.isArray(cell.stims) ||
      typeof cell.meta !== "object"
    )
      throw bad("a cleaned cell");
    if (cell.signalType !== "spikes" && cell.signalType !== "subthresh") throw bad("a signal type");
    const spikes = cell.signalType === "spikes";
    let a = 0;
    const next = <C extends new (...args: never[]) => IntermediateArray>(Ctor: C): InstanceType<C> => {
      const arr = blob.arrays[a++];
      if (!(arr instanceof Ctor)) throw bad("the arrays its header lists");
      return arr as InstanceType<C>;
    };
    const stims: StimCleaned[] = (cell.stims as StimHeader[]).map((st) => {
      if (!isCount(st.samples) || !isCount(st.lengths) || st.samples.length !== st.lengths.length)
        throw bad("repeat lengths");
      if (
        typeof st.key !== "string" ||
        typeof st.spec !== "object" ||
        st.spec === null ||
        typeof st.sfRespHz !== "number" ||
        typeof st.xcorr !== "boolean"
      )
        throw bad("a stim's facts");
      const R = st.samples.length;
      const stats = next(Float64Array);
      if (stats.length !== 3 * R) throw bad("3 statistics per repeat");
      const binned: Float32Array[] = [];
      const psth: (Float32Array | null)[] = [];
      const counts: (Int32Array | null)[] = [];
      for (let i = 0; i < R; i++) {
        const b = next(Float32Array);
        binned.push(b);
        if (spikes) {
          const p = next(Float32Array);
          const c = next(Int32Array);
          if (p.length !== b.length || c.length !== b.length) throw bad("products of one length per repeat");
          psth.push(p);
          counts.push(c);
        } else {
          psth.push(null);
          counts.push(null);
        }
      }
      return { ...st, stats, binned, psth, counts };
    });
    if (a !== blob.arrays.length) throw bad("exactly the arrays its header lists");
    return {
      cleaned: { meta: cell.meta as CellCleaned["meta"], signalType: cell.signalType, stims },
      events,
    };
  },
};
