// The Asari walker (archive.md, "Asari subset"): walks
// asari-results-1 then asari-results-2, one session (cell) at a time, one
// recording at a time, resolves each natural-sound trigger's "Sequence k: ..."
// description to a tuple of segment files, pools repeats by that tuple across
// the session's recordings and describes the stim waveform as the segments
// to splice (pipeline.md section 8; spliced by loadStimWaveform when a
// dataset needs the samples). Segment files are read once per walk (a
// StimFileStore). The walk is made of units a build can run on other threads
// and replay in order: one per session (listAsariSessions, walkAsariSession);
// walkAsari runs them in turn.

import type { ReleaseSource } from "../archive/source.js";
import { MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE, MAX_SPLICED_STIM_SAMPLES } from "../limits.js";
import { getField, structLength } from "../mat/index.js";
import {
  collapseWhitespace,
  LazyMat,
  listMatFiles,
  listNames,
  parseAsariSessionName,
  type RepeatAllocator,
  repeatSpan,
  type SessionName,
  type StimWave,
  sessionMeta,
  sessionNameOrWarn,
  sliceRepeat,
  type Trace,
  textOf,
  triggerTiming,
  triggerType,
  UNREADABLE,
  type WalkReporting,
  warn,
} from "./common.js";
import { PY_SPACE_CLASS, pyInt, pySplit } from "./python-text.js";
import { readAsariSegment, StimFileStore } from "./stim-files.js";
import { type CellRecord, type RawStim, type Site, stimKeyString } from "./types.js";

export { SEGMENT_RAMP_MS, spliceSegments } from "./stim-files.js";

export const ASARI_STIM_ROOT = "crcns-ac1/asari/Stimuli";
/** The two results trees, walked in this order. */
export const ASARI_RESULT_ROOTS = [
  "crcns-ac1-asari-results-1/asari-results-1",
  "crcns-ac1-asari-results-2/asari-results-2",
] as const;
/** Natural-sound trigger types, compared lower-cased and trimmed. */
export const ASARI_NATURAL_TYPES: ReadonlySet<string> = new Set(["naturalsound", "natural sound"]);
/**
 * The sequence in a trigger description; the first match counts. The
 * reference's `Sequence\s+\d+\s*:\s*((?:\d+\s+)*\d+)` with re.IGNORECASE on a
 * str: `\s` is Python's white space, `\d` any Unicode decimal digit, and case
 * folds as Unicode does ("ſequence" matches).
 */
export const SEQUENCE_PATTERN = new RegExp(
  String.raw`Sequence[${PY_SPACE_CLASS}]+\p{Nd}+[${PY_SPACE_CLASS}]*:[${PY_SPACE_CLASS}]*((?:\p{Nd}+[${PY_SPACE_CLASS}]+)*\p{Nd}+)`,
  "iu",
);
/** Segments of one sequence must share a sample rate within this many Hz. */
export const SEGMENT_RATE_TOLERANCE_HZ = 1;

export interface AsariWalkOptions extends WalkReporting {
  /** Sites to yield; cells of other sites are skipped. */
  sites: readonly Site[];
}

/**
 * The integers of a trigger description's sequence (`[int(s) for s in
 * group.split()]`), or undefined when it names none. A position beyond
 * 2^53 - 1 (Python's int() takes it; no JavaScript number holds it exactly)
 * is Infinity: like the reference's huge int, a position no `param.stimulus`
 * holds, so the trigger is reported and skipped.
 */
export function parseSequence(description: string): number[] | undefined {
  const m = SEQUENCE_PATTERN.exec(description);
  if (!m) return undefined;
  return pySplit(m[1] as string).map((t) => pyInt(t) ?? Number.POSITIVE_INFINITY);
}

/**
 * Category and class number from the first segment file, as the reference's
 * `re.match(r"class(\d+)/", files[0])` reads them: "class6/3.mat" -> "class6",
 * 6; "class06/3.mat" -> "class6", 6 (the category is rebuilt from the
 * integer); anything not starting with "class<digits>/" -> "mixed". One
 * deliberate difference: backslashes count as "/" here ("class6\3.mat" is
 * class6), where the reference files such a sequence under "mixed".
 */
export function categoryOf(files: readonly string[]): { category: string; class_n?: number } {
  const m = /^class(\p{Nd}+)\//u.exec((files[0] ?? "").replaceAll("\\", "/"));
  const n = m ? pyInt(m[1] as string) : undefined;
  return n === undefined ? { category: "mixed" } : { category: `class${n}`, class_n: n };
}

/** One Asari session folder of the walk. */
export interface AsariSessionUnit {
  experimenter: "asari";
  /** Release path of the session folder. */
  dir: string;
  session: string;
}

/** The Asari session folders in walking order: results-1 then results-2, sorted by name. */
export async function listAsariSessions(source: ReleaseSource): Promise<AsariSessionUnit[]> {
  const out: AsariSessionUnit[] = [];
  for (const root of ASARI_RESULT_ROOTS) {
    for (const session of await listNames(source, root, "dir"))
      out.push({ experimenter: "asari", dir: `${root}/${session}`, session });
  }
  return out;
}

/** Walks the Asari cells: results-1 then results-2, sessions sorted by name. */
export async function* walkAsari(
  source: ReleaseSource,
  opts: AsariWalkOptions,
  store: StimFileStore = new StimFileStore(source),
): AsyncGenerator<CellRecord> {
  for (const unit of await listAsariSessions(source)) {
    const cell = await walkAsariSession(store, unit, opts);
    if (cell) yield cell;
  }
}

/**
 * One Asari session: its cell (undefined when the reference passes over it:
 * no usable trigger, no recording struct, a site not requested); a name
 * that is not <digits>-<animal>-<penetration>[-...] is reported and skipped.
 * Segment files are read through `store`.
 */
export async function walkAsariSession(
  store: StimFileStore,
  unit: AsariSessionUnit,
  r: AsariWalkOptions,
  allocRepeat?: RepeatAllocator,
): Promise<CellRecord | undefined> {
  // The reference passes over a folder whose name is not digits-animal-
  // penetration[-...]; ac1 says so.
  const name = sessionNameOrWarn(
    r,
    unit.dir,
    unit.session,
    parseAsariSessionName,
    "is not <digits>-<animal>-<penetration>[-...]",
  );
  if (!name) return undefined;
  return walkAsariRecordings(store, unit.dir, unit.session, name, r, allocRepeat);
}

interface StimAccumulator {
  stim: Omit<RawStim, "waveform" | "sfStimHz">;
  segmentPaths: string[];
  /** The first segment's rate and the spliced length. */
  sfStimHz: number;
  length: number;
}

async function walkAsariRecordings(
  store: StimFileStore,
  dir: string,
  session: string,
  name: SessionName,
  r: AsariWalkOptions,
  allocRepeat: RepeatAllocator | undefined,
): Promise<CellRecord | undefined> {
  const { source } = store;
  let siteText: string | undefined;
  let recordingType: string | undefined;
  const stims = new Map<string, StimAccumulator>();
  // Some trigger resolved to a tuple of segment files (a stim of the cell in
  // the reference's eyes, even if its segments then cannot be spliced).
  let resolvedAny = false;

  for (const file of await listMatFiles(source, dir)) {
    const path = `${dir}/${file}`;
    const mat = await LazyMat.open(source, path, r);
    if (mat === UNREADABLE) continue;
    const param = mat.read("param");
    if (param === UNREADABLE || param === undefined || param.kind !== "struct") continue;
    // 1-based position in param.stimulus -> its `file`, exactly as stored.
    const stimulus = getField(param, "stimulus");
    const fileMap = new Map<number, string>();
    for (let k = 0; k < structLength(stimulus); k++) {
      const f = textOf(getField(stimulus, "file", k));
      if (f !== "") fileMap.set(k + 1, f);
    }
    if (fileMap.size === 0) continue;
    // Site and recording type come from the first recording that has stimulus
    // files and a `recording` field (before its triggers are looked at).
    if (siteText === undefined) {
      const recording = getField(param, "recording");
      if (recording !== undefined) {
        siteText = textOf(getField(recording, "site"));
        recordingType = textOf(getField(recording, "type")).toLowerCase().replaceAll(" ", "-");
        // The cell's site is now fixed: stop reading a cell nobody asked for.
        if (!r.sites.includes(siteOf(siteText))) return undefined;
      }
    }
    const triggers = mat.read("triggers");
    if (triggers === UNREADABLE) continue;
    const nTriggers = structLength(triggers);
    let trace: Trace | undefined;
    /** Samples cut from this recording's trace so far (MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE). */
    let slicedSamples = 0;
    for (let j = 0; j < nTriggers; j++) {
      if (!ASARI_NATURAL_TYPES.has(triggerType(triggers, j))) continue;
      const description = textOf(getField(getField(triggers, "param", j), "description"));
      const positions = parseSequence(description);
      if (!positions) continue;
      const missing = positions.find((p) => !fileMap.has(p));
      if (missing !== undefined) {
        warn(
          r,
          "index-not-in-file-map",
          path,
          `${path}: trigger ${j + 1}: sequence position ${Number.isFinite(missing) ? missing : "beyond 2^53"} is not in param.stimulus (1..${structLength(stimulus)}); trigger skipped`,
        );
        continue;
      }
      const files = positions.map((p) => fileMap.get(p) as string);
      resolvedAny = true;
      const key = ["asari", ...files] as const;
      const keyText = stimKeyString(key);
      let acc = stims.get(keyText);
      let segs: StimWave[] | undefined;
      if (!acc) {
        segs = await loadSegments(store, files, r);
        if (!segs) continue;
        const sf0 = (segs[0] as StimWave).sfHz;
        const odd = segs.findIndex((s) => Math.abs(s.sfHz - sf0) > SEGMENT_RATE_TOLERANCE_HZ);
        if (odd >= 0) {
          warn(
            r,
            "segment-rate-mismatch",
            path,
            `${path}: trigger ${j + 1}: segment ${files[odd]} is at ${(segs[odd] as StimWave).sfHz} Hz, ${files[0]} at ${sf0} Hz; trigger skipped`,
          );
          continue;
        }
        const splicedSamples = segs.reduce((n, s) => n + s.samples.length, 0);
        if (splicedSamples > MAX_SPLICED_STIM_SAMPLES) {
          warn(
            r,
            "malformed-file",
            path,
            `${path}: trigger ${j + 1}: its sequence of ${files.length} segments splices ${splicedSamples} samples, more than the ${MAX_SPLICED_STIM_SAMPLES} a stimulus may have (corrupt or hostile); trigger skipped`,
          );
          continue;
        }
      }
      const timing = triggerTiming(triggers, j);
      if (!timing) {
        warn(
          r,
          "malformed-file",
          path,
          `${path}: trigger ${j + 1} lacks a numeric \`time\` or \`param.duration\`; trigger skipped`,
        );
        continue;
      }
      if (!trace) {
        trace = mat.readTrace();
        if (!trace) break;
      }
      const span = repeatSpan(trace, timing);
      if (
        slicedSamples + (span.end - span.start) >
        MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE * trace.trace.length
      ) {
        warn(
          r,
          "malformed-file",
          path,
          `${path}: trigger ${j + 1}: the triggers' windows would take more than ${MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE} times the ${trace.trace.length}-sample trace (overlapping: corrupt or hostile); trigger skipped`,
        );
        continue;
      }
      slicedSamples += span.end - span.start;
      const { repeat, onsetSample } = sliceRepeat(trace, timing, allocRepeat);
      if (!acc) {
        const text = collapseWhitespace(description);
        acc = {
          stim: {
            key,
            sfRespHz: trace.sfHz,
            durationMs: timing.durationMs,
            meta: {
              experimenter: "asari",
              ...categoryOf(files),
              segments: positions,
              segment_files: files,
              // archive.md gives both as the trigger description with
              // whitespace runs collapsed.
              sequence: text,
              description: text,
              duration_s: timing.durationMs / 1000,
            },
            repeats: [],
            sources: [],
          },
          segmentPaths: files.map(segmentPath),
          sfStimHz: (segs as StimWave[])[0]?.sfHz as number,
          length: splicedLength(segs as StimWave[]),
        };
        stims.set(keyText, acc);
      }
      acc.stim.repeats.push(repeat);
      acc.stim.sources.push({ file: path, trigger: j, onsetSample });
    }
  }
  // No `recording` anywhere: the reference never learns the cell's site and
  // passes over the cell, whatever its triggers.
  if (siteText === undefined || !resolvedAny) return undefined;
  const site = siteOf(siteText);
  if (!r.sites.includes(site)) return undefined;
  // A cell whose every sequence failed to splice (a segment file missing or
  // unusable) is yielded without stims, as the reference yields it: the
  // dataset counts it among the dropped cells.
  const out: RawStim[] = [];
  for (const { stim, segmentPaths, sfStimHz, length } of stims.values()) {
    out.push({ ...stim, waveform: { kind: "asari", segments: segmentPaths, length }, sfStimHz });
  }
  return {
    meta: {
      experimenter: "asari",
      ...sessionMeta(session, name),
      site,
      recording_type: recordingType ?? "",
      species: "rat",
    },
    stims: out,
  };
}

/** "A1" when the recording site mentions the cortex (any case), else "MGB". */
export function siteOf(siteText: string): Site {
  return siteText.toLowerCase().includes("cortex") ? "A1" : "MGB";
}

/**
 * Where a segment file string points under Stimuli, as the reference opens
 * it (`os.path.join(stims_root, *rel.replace("\\", "/").lstrip("/").split("/"))`):
 * backslashes read as "/", leading and doubled slashes dropped. Only to open
 * the file: keys and segment_files keep the stored text.
 */
export function segmentPath(file: string): string {
  const parts = file
    .replaceAll("\\", "/")
    .split("/")
    .filter((p) => p !== "");
  return `${ASARI_STIM_ROOT}/${parts.join("/")}`;
}

/** Samples of the segments spliced (spliceSegments' length). */
function splicedLength(segments: readonly StimWave[]): number {
  let n = 0;
  for (const g of segments) n += g.samples.length;
  return n;
}

/** The segments of a sequence through the store (each file read at most once per walk); undefined if one is unusable. */
async function loadSegments(
  store: StimFileStore,
  files: readonly string[],
  r: WalkReporting,
): Promise<StimWave[] | undefined> {
  const out: StimWave[] = [];
  for (const file of files) {
    const wave = await readAsariSegment(store, segmentPath(file), r);
    if (wave === null) return undefined;
    out.push(wave);
  }
  return out;
}
