// Helpers shared by the Wehr and Asari walkers (archive.md): reading only the
// needed variables of a .mat through a ReleaseSource while turning unreadable
// files into warnings, reading a stimulus file's waveform and a trial's trace,
// session-name parsing, trigger-type normalisation and the repeat slice
// `trace * scale` from a 1-based onset.

import type { ReleaseSource } from "../archive/source.js";
import { roundHalfEven } from "../dsp/round.js";
import { Ac1Error } from "../errors.js";
import {
  MAX_RESPONSE_SF_HZ,
  MAX_STIM_ABS_SAMPLE,
  MAX_STIM_FILE_SAMPLES,
  MAX_STIM_SF_HZ,
  MAX_TRACE_SAMPLES,
} from "../limits.js";
import type { MatFile, MatValue } from "../mat/index.js";
import { charToString, getField, MatError, openMat, toFloat64, toNumber } from "../mat/index.js";
import { type MatLogical, type MatNumeric, type MatSparse, numel } from "../mat/value.js";
import { compareCodePoints, pyCollapse, pyInt, pyIsDigit, pyStrip } from "./python-text.js";
import type { WalkEvent, WalkWarning, WalkWarningCode, WarningSink } from "./types.js";

/** Options every walker takes: one warning channel, plus the skipped-file report. */
export interface WalkReporting {
  onWarning: WarningSink;
  /** Called once per .mat file that could not be read (path, reason). */
  onSkippedFile?: (path: string, reason: string) => void;
  /**
   * The channel for reports a whole walk makes only once (a stimulus file's
   * failure, keyed by its path); a recorder tags them so that replay can
   * drop repeats. Without it, reports go to this reporting unchanged.
   */
  once?: (key: string) => WalkReporting;
}

/**
 * Records a walk unit's reports as WalkEvents, to be replayed in walking
 * order elsewhere (replayWalkEvents).
 */
export class WalkRecorder implements WalkReporting {
  constructor(
    readonly events: WalkEvent[] = [],
    private readonly onceKey?: string,
  ) {}

  onWarning = (warning: WalkWarning): void => {
    this.events.push(this.tag({ kind: "warning", warning }));
  };

  onSkippedFile = (path: string, reason: string): void => {
    this.events.push(this.tag({ kind: "skipped", path, reason }));
  };

  /** Same list, so the order of reports is kept. */
  once = (key: string): WalkReporting => new WalkRecorder(this.events, key);

  private tag(e: WalkEvent): WalkEvent {
    if (this.onceKey !== undefined) e.once = this.onceKey;
    return e;
  }
}

/**
 * Replays recorded reports through `r`, in order; a report tagged `once`
 * whose key is already in `seen` is dropped (and new keys are added), so a
 * walk split into units reports a stimulus file's failure once, where the
 * whole walk would have.
 */
export function replayWalkEvents(events: readonly WalkEvent[], r: WalkReporting, seen: Set<string>): void {
  const fresh = new Set<string>();
  for (const e of events) {
    if (e.once !== undefined) {
      if (seen.has(e.once) && !fresh.has(e.once)) continue;
      fresh.add(e.once);
    }
    if (e.kind === "warning") r.onWarning(e.warning);
    else r.onSkippedFile?.(e.path, e.reason);
  }
  for (const k of fresh) seen.add(k);
}

/** Emits a warning through the sink. */
export function warn(r: WalkReporting, code: WalkWarningCode, path: string, message: string): void {
  r.onWarning({ code, path, message });
}

/**
 * Reports an unreadable or unusable file: a warning plus the skipped-file
 * entry. The release path is the key; `reason` must not repeat it.
 */
export function skipFile(r: WalkReporting, code: WalkWarningCode, path: string, reason: string): void {
  warn(r, code, path, `${path}: skipped: ${reason}`);
  r.onSkippedFile?.(path, reason);
}

/**
 * Why `path` could not be read, without naming it again: a MatError's byte
 * offset and problem, or another error's message less its leading location,
 * then the zip or folder it was read from, e.g.
 * "byte 128: corrupt zlib stream (in /data/crcns-ac1.zip)".
 */
export function unreadableReason(e: Ac1Error, source: ReleaseSource, path: string): string {
  let problem: string;
  if (e instanceof MatError) {
    problem = `byte ${e.offset}: ${e.problem}`;
  } else {
    const where = `${source.describe(path)}: `;
    problem = e.message.startsWith(where) ? e.message.slice(where.length) : e.message;
  }
  return `${problem} (in ${source.origin(path)})`;
}

/** Marker for "the file could not be read" (already reported). */
export const UNREADABLE = Symbol("unreadable");

/**
 * A .mat opened through a ReleaseSource whose variables are decoded one at a
 * time on demand. Reading failures (an Ac1Error: missing or corrupt file, bad
 * MAT data) are reported once as an "unreadable-file" warning plus a skipped
 * file and turn into UNREADABLE; any other error is a bug and propagates.
 */
export class LazyMat {
  private failed = false;
  private constructor(
    private readonly mat: MatFile,
    private readonly source: ReleaseSource,
    readonly path: string,
    private readonly r: WalkReporting,
  ) {}

  static async open(
    source: ReleaseSource,
    path: string,
    r: WalkReporting,
  ): Promise<LazyMat | typeof UNREADABLE> {
    try {
      const bytes = await source.readFile(path);
      return new LazyMat(openMat(bytes, source.describe(path)), source, path, r);
    } catch (e) {
      if (!(e instanceof Ac1Error)) throw e;
      skipFile(r, "unreadable-file", path, unreadableReason(e, source, path));
      return UNREADABLE;
    }
  }

  /** The decoded variable, undefined when absent, UNREADABLE when it cannot be decoded. */
  read(name: string): MatValue | undefined | typeof UNREADABLE {
    if (this.failed) return UNREADABLE;
    try {
      return this.mat.has(name) ? this.mat.read(name) : undefined;
    } catch (e) {
      if (!(e instanceof Ac1Error)) throw e;
      this.failed = true;
      skipFile(this.r, "unreadable-file", this.path, unreadableReason(e, this.source, this.path));
      return UNREADABLE;
    }
  }

  /** The trial's `response` trace; undefined when it cannot be read or is malformed (reported). */
  readTrace(): Trace | undefined {
    const response = this.read("response");
    if (response === UNREADABLE) return undefined;
    const trace = traceOf(response);
    if (typeof trace === "string") {
      skipFile(this.r, "malformed-file", this.path, trace);
      return undefined;
    }
    return trace;
  }
}

/**
 * The waveform of a stimulus file's `stimulus` struct (`fields` tried in
 * order for the samples); undefined when the file cannot be read or is
 * malformed (reported).
 */
export async function readStimWave(
  source: ReleaseSource,
  path: string,
  fields: readonly string[],
  r: WalkReporting,
): Promise<StimWave | undefined> {
  const mat = await LazyMat.open(source, path, r);
  if (mat === UNREADABLE) return undefined;
  const stimulus = mat.read("stimulus");
  if (stimulus === UNREADABLE) return undefined;
  const wave = stimWaveOf(stimulus, fields);
  if (typeof wave === "string") {
    skipFile(r, "malformed-file", path, wave);
    return undefined;
  }
  return wave;
}

/** Child entries of a source folder: sub-folders or files, names sorted as Python sorts str (code points). */
export async function listNames(source: ReleaseSource, dir: string, kind: "dir" | "file"): Promise<string[]> {
  const entries = await source.listDir(dir);
  return entries
    .filter((e) => (kind === "dir" ? e.isDir : !e.isDir))
    .map((e) => e.name)
    .sort(compareCodePoints);
}

/** `.mat` files of a folder, sorted (case-sensitive suffix, like glob("*.mat") on Linux). */
export async function listMatFiles(source: ReleaseSource, dir: string): Promise<string[]> {
  return (await listNames(source, dir, "file")).filter((n) => n.endsWith(".mat"));
}

/** A session folder name split on "-" into date, animal, penetration. */
export interface SessionName {
  date: string;
  animalId: string;
  penetration: number | string;
}

/**
 * A Wehr session name as the reference unpacks it: exactly three parts
 * (`date, _animal, penet = session.split("-")`) and penetration int(penet)
 * (Python's int: "003" -> 3, "+3", " 7" and "1_0" too). Undefined where the
 * reference would raise (another number of parts, a penetration int()
 * refuses): ac1 skips such a session with a warning instead.
 */
export function parseWehrSessionName(name: string): SessionName | undefined {
  const parts = name.split("-");
  if (parts.length !== 3) return undefined;
  const [date, animalId, pen] = parts as [string, string, string];
  const penetration = pyInt(pen);
  if (penetration === undefined) return undefined;
  return { date, animalId, penetration };
}

/**
 * An Asari session name as the reference reads it: at least three parts with
 * an all-digit first part (str.isdigit), the first three taken as date,
 * animal and penetration (more parts are ignored); penetration is int(penet)
 * when penet.isdigit(), else the text. Undefined for any other folder (the
 * reference passes over it). A penetration of digits int() refuses
 * (superscripts: isdigit but not decimal) stays text, where the reference
 * would raise.
 */
export function parseAsariSessionName(name: string): SessionName | undefined {
  const parts = name.split("-");
  if (parts.length < 3 || !pyIsDigit(parts[0] as string)) return undefined;
  const [date, animalId, pen] = parts as [string, string, string];
  return { date, animalId, penetration: pyIsDigit(pen) ? (pyInt(pen) ?? pen) : pen };
}

/** The session folder `dir`'s name parsed, or undefined after a "malformed-session" warning. */
export function sessionNameOrWarn(
  r: WalkReporting,
  dir: string,
  session: string,
  parse: (name: string) => SessionName | undefined,
  rule: string,
): SessionName | undefined {
  const name = parse(session);
  if (!name) warn(r, "malformed-session", dir, `${dir}: session name ${rule}; skipped`);
  return name;
}

/** The neuron metadata every walker takes from the session folder's name. */
export function sessionMeta(
  session: string,
  name: SessionName,
): { session: string; animal_id: string; penetration: number | string; date: string } {
  return { session, animal_id: name.animalId, penetration: name.penetration, date: name.date };
}

/** A char value as a string, "" when absent or not char. */
export function textOf(v: MatValue | undefined): string {
  return charToString(v) ?? "";
}

/** Trigger type as compared: the reference's `str(type).lower().strip()` (Python's white space). */
export function triggerType(trigger: MatValue | undefined, element = 0): string {
  return pyStrip(textOf(getField(trigger, "type", element)).toLowerCase());
}

/** Python's `" ".join(s.split())`: white-space runs collapsed to one space, ends trimmed. */
export function collapseWhitespace(s: string): string {
  return pyCollapse(s);
}

/** The recording's trace (mV per unit `scale`, sample rate `sfHz`), or the reason it is unusable. */
export interface Trace {
  /** Stored values (int16 in the release), read without converting the whole trace. */
  trace: ArrayLike<number>;
  scale: number;
  sfHz: number;
}

/** A numeric, logical or sparse array: values counted from its dims (a sparse array's dense size). */
function isArrayOfValues(v: MatValue | undefined): v is MatNumeric | MatLogical | MatSparse {
  return v?.kind === "numeric" || v?.kind === "logical" || v?.kind === "sparse";
}

/** The reason an array of `count` values is refused where at most `max` may be, else undefined. */
function tooManyValues(
  what: string,
  v: MatNumeric | MatLogical | MatSparse,
  count: number,
  max: number,
): string | undefined {
  if (count <= max) return undefined;
  const sparse = v.kind === "sparse" ? "a sparse array " : "";
  return `\`${what}\` is ${sparse}${v.dims.join("x")}: ${count} values, more than the ${max} it may have (corrupt or hostile)`;
}

export function traceOf(response: MatValue | undefined): Trace | string {
  if (!response) return "no `response` variable";
  if (response.kind !== "struct") return "`response` is not a struct";
  const raw = getField(response, "trace");
  if (!isArrayOfValues(raw)) return "`response.trace` is missing or not numeric";
  const count = numel(raw.dims);
  // Counted before any conversion: a sparse or logical trace is a few bytes
  // of file per million values (MAX_TRACE_SAMPLES).
  const tooMany = tooManyValues("response.trace", raw, count, MAX_TRACE_SAMPLES);
  if (tooMany !== undefined) return tooMany;
  let trace: ArrayLike<number> | undefined;
  if (
    raw.kind === "numeric" &&
    !(raw.real instanceof BigInt64Array) &&
    !(raw.real instanceof BigUint64Array)
  ) {
    trace = raw.real;
  } else if (raw.kind === "logical") {
    // 0 / 1 as stored, one byte each (as toFloat64 would give them, 8 bytes each)
    trace = raw.data;
  } else {
    trace = toFloat64(raw);
  }
  if (!trace) return "`response.trace` is missing or not numeric";
  const scale = toNumber(getField(response, "scale"));
  if (scale === undefined || !Number.isFinite(scale)) return "`response.scale` is missing or not a number";
  const sfHz = toNumber(getField(response, "sf"));
  if (sfHz === undefined || !(sfHz > 0 && sfHz <= MAX_RESPONSE_SF_HZ))
    return `\`response.sf\` is missing or not a sample rate (a number of Hz above 0, at most ${MAX_RESPONSE_SF_HZ})`;
  return { trace, scale, sfHz };
}

/** A trigger's onset (1-based sample) and duration (ms), or undefined when not numeric. */
export interface TriggerTiming {
  timeOneBased: number;
  durationMs: number;
}

export function triggerTiming(triggers: MatValue | undefined, element: number): TriggerTiming | undefined {
  const timeOneBased = toNumber(getField(triggers, "time", element));
  const durationMs = toNumber(getField(getField(triggers, "param", element), "duration"));
  if (timeOneBased === undefined || durationMs === undefined) return undefined;
  if (!Number.isFinite(timeOneBased) || !Number.isFinite(durationMs)) return undefined;
  return { timeOneBased, durationMs };
}

/** Number of response samples of a repeat: round(durationMs * sfHz / 1000), half to even. */
export function repeatLength(durationMs: number, sfHz: number): number {
  return Math.max(0, roundHalfEven((durationMs * sfHz) / 1000));
}

/**
 * Memory for a raw repeat of `length` samples, every one of which the
 * caller writes: by default a new array; a dataset build passes an arena's
 * (src/dsp/arena.ts), whose arrays die with the session's unit.
 */
export type RepeatAllocator = (length: number) => Float64Array;

const newRepeat: RepeatAllocator = (length) => new Float64Array(length);

/**
 * One raw repeat in mV: `trace * scale` from 0-based sample `time - 1` for
 * round(duration * sf / 1000) samples, clipped to the trace (empty when the
 * onset lies past its end). A (malformed) onset before the first sample is
 * clamped to 0 rather than wrapping around as a negative Python index would.
 */
export function sliceRepeat(
  t: Trace,
  timing: TriggerTiming,
  alloc: RepeatAllocator = newRepeat,
): { repeat: Float64Array; onsetSample: number } {
  const { onsetSample, start, end } = repeatSpan(t, timing);
  const repeat = alloc(end - start);
  scaleInto(t.trace, t.scale, start, repeat);
  return { repeat, onsetSample };
}

/** out[i] = trace[start + i] * scale for every i of out; its own function (CONTRIBUTING.md, "One hot loop per function"). */
function scaleInto(trace: Trace["trace"], scale: number, start: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (trace[start + i] as number) * scale;
}

/** Where sliceRepeat cuts: the 0-based onset and the clipped window [start, end) of the trace. */
export function repeatSpan(
  t: Trace,
  timing: TriggerTiming,
): { onsetSample: number; start: number; end: number } {
  const onsetSample = Math.max(0, Math.trunc(timing.timeOneBased) - 1);
  const n = repeatLength(timing.durationMs, t.sfHz);
  const start = Math.min(onsetSample, t.trace.length);
  return { onsetSample, start, end: Math.min(t.trace.length, start + n) };
}

/** Stimulus samples and rate from a `stimulus` struct (`samples`, or Asari's `sample`). */
export interface StimWave {
  samples: Float64Array;
  sfHz: number;
  description: string;
}

export function stimWaveOf(stimulus: MatValue | undefined, fields: readonly string[]): StimWave | string {
  if (!stimulus) return "no `stimulus` variable";
  if (stimulus.kind !== "struct") return "`stimulus` is not a struct";
  let samples: Float64Array | undefined;
  for (const f of fields) {
    const v = getField(stimulus, f);
    if (!isArrayOfValues(v)) continue;
    const count = numel(v.dims);
    // Counted before any conversion (MAX_STIM_FILE_SAMPLES).
    const tooMany = tooManyValues(`stimulus.${f}`, v, count, MAX_STIM_FILE_SAMPLES);
    if (tooMany !== undefined) return tooMany;
    // A presented stimulus has samples: a stim of none would have an empty tensor beside its responses.
    if (count === 0) return `\`stimulus.${f}\` is empty`;
    // Doubles as decoded (the decoder's own array, never written to here); other classes converted.
    samples = v.kind === "numeric" && v.real instanceof Float64Array ? v.real : toFloat64(v);
    if (samples) break;
  }
  if (!samples) return `\`stimulus.${fields.join("` / `stimulus.")}\` is missing or not numeric`;
  const bad = firstUnusable(samples);
  // NaN, Infinity or a magnitude beyond MAX_STIM_ABS_SAMPLE would fill the stim's tensor (and the export) with NaN or infinities.
  if (bad >= 0)
    return `\`stimulus\` sample ${bad + 1} is ${samples[bad]}, not a finite number of magnitude at most ${MAX_STIM_ABS_SAMPLE}`;
  const param = getField(stimulus, "param");
  const sfHz = toNumber(getField(param, "sf"));
  // A rate is at least 1 Hz (waveform mode resamples from round(sf), a positive integer) and at most MAX_STIM_SF_HZ.
  if (sfHz === undefined || !(sfHz >= 1 && sfHz <= MAX_STIM_SF_HZ))
    return `\`stimulus.param.sf\` is missing or not a sample rate (a number of Hz from 1 to ${MAX_STIM_SF_HZ})`;
  return { samples, sfHz, description: textOf(getField(param, "description")) };
}

/** Index of the first value that is NaN or beyond ±MAX_STIM_ABS_SAMPLE (infinities too), -1 when there is none; its own function (one hot loop). */
function firstUnusable(x: Float64Array): number {
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i] as number) <= MAX_STIM_ABS_SAMPLE)) return i;
  return -1;
}
