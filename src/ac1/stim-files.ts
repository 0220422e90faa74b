// Stimulus files read once per walk (or per worker thread), and stim
// waveforms made on demand from a StimWaveformRef. The walkers only need a
// stimulus file's rate, length and description; its samples are needed once
// per registered stim, when its spectrogram or resampled waveform is
// computed. So a StimFileStore keeps every file's facts (or that it is
// unreadable: reported once, never read again) and the samples of the most
// recently read files within a byte budget; loadStimWaveform reads (or finds)
// the files and splices Asari segments (pipeline.md section 8).

import { ArchiveError } from "../archive/errors.js";
import type { ReleaseSource } from "../archive/source.js";
import { rampInPlace } from "../preprocess/index.js";
import { readStimWave, type StimWave, type WalkReporting } from "./common.js";
import type { StimWaveformRef } from "./types.js";

/** Ramp applied to both ends of every segment before splicing (pipeline.md section 8). */
export const SEGMENT_RAMP_MS = 5;

/** Samples fields tried, in order: Wehr stores `samples`, Asari `sample` (either is accepted). */
const WEHR_FIELDS = ["samples", "sample"] as const;
const ASARI_FIELDS = ["sample", "samples"] as const;

/** Default budget of samples kept by a store (bytes of Float64Array). */
export const DEFAULT_STIM_STORE_BYTES = 256 * 1024 * 1024;

/** A readable stimulus file's facts (samples may have been dropped from the store). */
interface Facts {
  sfHz: number;
  length: number;
  description: string;
}

/**
 * Stimulus files of one walk: each is read at most once while its samples
 * stay within the budget (least recently used samples are dropped first and
 * read again when needed), and an unreadable one is reported once, through
 * the reporting of the walk that first asked for it, then remembered.
 */
export class StimFileStore {
  private readonly facts = new Map<string, Facts | null>();
  /** Samples by path, in least-recently-used order (Map iteration order). */
  private readonly samples = new Map<string, Float64Array>();
  private bytes = 0;

  constructor(
    readonly source: ReleaseSource,
    private readonly budgetBytes: number = DEFAULT_STIM_STORE_BYTES,
  ) {}

  /**
   * The stimulus file at `path` (release-relative), its samples under the
   * first of `fields` present; null when it cannot be read or is malformed
   * (reported through `r` the first time only).
   */
  async read(path: string, fields: readonly string[], r: WalkReporting): Promise<StimWave | null> {
    const known = this.facts.get(path);
    if (known === null) return null;
    const kept = this.samples.get(path);
    if (known !== undefined && kept !== undefined) {
      // Most recently used now.
      this.samples.delete(path);
      this.samples.set(path, kept);
      return { samples: kept, sfHz: known.sfHz, description: known.description };
    }
    const wave = await readStimWave(this.source, path, fields, r.once?.(path) ?? r);
    if (wave === undefined) {
      if (known !== undefined) {
        // Readable before, not now: the file changed under the build.
        throw new ArchiveError(`${this.source.describe(path)}: could be read earlier in this build, not now`);
      }
      this.facts.set(path, null);
      return null;
    }
    if (known !== undefined && known.length !== wave.samples.length) {
      throw new ArchiveError(
        `${this.source.describe(path)}: held ${known.length} samples earlier in this build, ${wave.samples.length} now`,
      );
    }
    this.facts.set(path, { sfHz: wave.sfHz, length: wave.samples.length, description: wave.description });
    this.keep(path, wave.samples);
    return wave;
  }

  private keep(path: string, samples: Float64Array): void {
    if (samples.byteLength > this.budgetBytes) return;
    this.samples.set(path, samples);
    this.bytes += samples.byteLength;
    for (const [p, s] of this.samples) {
      if (this.bytes <= this.budgetBytes) break;
      this.samples.delete(p);
      this.bytes -= s.byteLength;
    }
  }

  /** Bytes of samples held now (for tests and statistics). */
  heldBytes(): number {
    return this.bytes;
  }
}

/** A Wehr stimulus file through the store. */
export function readWehrStimFile(
  store: StimFileStore,
  path: string,
  r: WalkReporting,
): Promise<StimWave | null> {
  return store.read(path, WEHR_FIELDS, r);
}

/** An Asari segment file through the store. */
export function readAsariSegment(
  store: StimFileStore,
  path: string,
  r: WalkReporting,
): Promise<StimWave | null> {
  return store.read(path, ASARI_FIELDS, r);
}

/**
 * Concatenation of the segments, each ramped over SEGMENT_RAMP_MS at both
 * ends: one copy of the samples, then the ramps applied in place on the edges.
 * Into `into` when given (exactly the total length), else a new array.
 */
export function spliceSegments(segments: readonly StimWave[], into?: Float64Array): Float64Array {
  let total = 0;
  for (const s of segments) total += s.samples.length;
  if (into !== undefined && into.length !== total)
    throw new RangeError(`spliceSegments: ${into.length} values for ${total} samples`);
  const out = into ?? new Float64Array(total);
  let at = 0;
  for (const s of segments) {
    const n = s.samples.length;
    out.set(s.samples, at);
    rampInPlace(out.subarray(at, at + n), s.sfHz, SEGMENT_RAMP_MS);
    at += n;
  }
  return out;
}

/** Reporting for reads whose files the walk already read successfully: any report is a failure. */
const NO_REPORTS: WalkReporting = { onWarning: () => {} };

/**
 * The samples of a stim's waveform (Wehr: the stimulus file as stored;
 * Asari: the segments ramped and spliced), exactly what the walk described
 * in `ref`. Its files were read by the walk, so a failure now is an error.
 */
export async function loadStimWaveform(store: StimFileStore, ref: StimWaveformRef): Promise<Float64Array> {
  return stimWaveformOf(store, ref, await readStimWaveformFiles(store, ref));
}

/** The files of a stim's waveform (one Wehr file, or the Asari segments in order), read or found in the store. */
export async function readStimWaveformFiles(store: StimFileStore, ref: StimWaveformRef): Promise<StimWave[]> {
  const paths = ref.kind === "wehr" ? [ref.file] : ref.segments;
  const waves: StimWave[] = [];
  for (const path of paths) {
    const wave =
      ref.kind === "wehr"
        ? await readWehrStimFile(store, path, NO_REPORTS)
        : await readAsariSegment(store, path, NO_REPORTS);
    if (wave === null)
      throw new ArchiveError(`${store.source.describe(path)}: unreadable, but the walk read it`);
    waves.push(wave);
  }
  return waves;
}

/**
 * The samples of a stim's waveform from its files (readStimWaveformFiles):
 * Wehr's as stored (not copied), Asari's spliced, into `into(length)` when
 * given (a buffer the caller reuses), else into a new array.
 */
export function stimWaveformOf(
  store: StimFileStore,
  ref: StimWaveformRef,
  waves: readonly StimWave[],
  into?: (length: number) => Float64Array,
): Float64Array {
  let total = 0;
  for (const w of waves) total += w.samples.length;
  if (total !== ref.length) {
    const first = ref.kind === "wehr" ? ref.file : (ref.segments[0] as string);
    throw new ArchiveError(
      `${store.source.describe(first)}: the stim's waveform has ${total} samples, the walk saw ${ref.length}`,
    );
  }
  return ref.kind === "wehr" ? (waves[0] as StimWave).samples : spliceSegments(waves, into?.(total));
}
