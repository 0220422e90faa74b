// The Wehr walker (archive.md, "Wehr subset"): indexes the stimulus folders by
// description, then walks crcns-ac1/wehr/Results/<session>/ one trial file at
// a time and yields one CellRecord per session with at least one usable
// natural-sound trial. Only the variables needed are decoded, and only one
// trial's trace is held at a time. The walk is made of units a build can run
// on other threads and replay in order: one per stimulus file of the index
// (listWehrStimFiles, readWehrStimEntry, then addWehrStimEntry in order) and
// one per session (listWehrSessions, walkWehrSession); walkWehr runs them in turn.

import type { ReleaseSource } from "../archive/source.js";
import { getField, structLength } from "../mat/index.js";
import {
  LazyMat,
  listMatFiles,
  listNames,
  parseWehrSessionName,
  type RepeatAllocator,
  type SessionName,
  sessionMeta,
  sessionNameOrWarn,
  skipFile,
  sliceRepeat,
  textOf,
  triggerTiming,
  triggerType,
  UNREADABLE,
  type WalkReporting,
  warn,
} from "./common.js";
import { pyInt, pyIsDigit, pyPrefix } from "./python-text.js";
import { readWehrStimFile, StimFileStore } from "./stim-files.js";
import type { CellRecord, RawStim } from "./types.js";

export const WEHR_ROOT = "crcns-ac1/wehr";
/** Stimulus folders, in the order their descriptions are indexed (first one wins on a duplicate). */
export const WEHR_STIM_FOLDERS = ["fragments", "category1", "category2", "category3"] as const;
/** Natural-sound trigger types, compared lower-cased and trimmed ("nauralsound" is a typo in the release). */
export const WEHR_NATURAL_TYPES: ReadonlySet<string> = new Set(["naturalsound", "nauralsound", "natural"]);

export type WehrWalkOptions = WalkReporting;

/** A Wehr stimulus file the index reads: a stem Python's int() accepts, in one of WEHR_STIM_FOLDERS. */
export interface WehrStimFile {
  folder: string;
  /** The stem's value (Python's int()). */
  idx: number;
  path: string;
}

/** One indexed Wehr stimulus: its file, rate and length (the samples are read when needed). */
export interface WehrStimEntry extends WehrStimFile {
  description: string;
  sfHz: number;
  length: number;
}

/** Description -> the stimulus it names (first file in index order on a duplicate). */
export type WehrStimIndex = Map<string, WehrStimEntry>;

/**
 * The stimulus files the index reads, in its order: folders in
 * WEHR_STIM_FOLDERS order, files in sorted name order (the reference's
 * sorted(os.listdir)), every stem Python's int() accepts, as the reference's
 * `int(os.path.splitext(fname)[0])` does: "7", "007", and also "+3", " 7",
 * "1_0" (10) or Unicode digits ("٣" is 3); the stem's value is the stim's
 * idx, so two files may share one ("1_0.mat" and "10.mat"), and their stims
 * then share the key ("wehr", folder, 10) as in the reference.
 */
export async function listWehrStimFiles(source: ReleaseSource): Promise<WehrStimFile[]> {
  const out: WehrStimFile[] = [];
  for (const folder of WEHR_STIM_FOLDERS) {
    const dir = `${WEHR_ROOT}/Stimuli/${folder}`;
    for (const name of await listMatFiles(source, dir)) {
      const idx = pyInt(name.slice(0, -".mat".length));
      if (idx === undefined) continue;
      out.push({ folder, idx, path: `${dir}/${name}` });
    }
  }
  return out;
}

/** Reads one stimulus file for the index: its entry, or null when unreadable or malformed (reported). */
export async function readWehrStimEntry(
  store: StimFileStore,
  file: WehrStimFile,
  r: WalkReporting,
): Promise<WehrStimEntry | null> {
  const wave = await readWehrStimFile(store, file.path, r);
  if (wave === null) return null;
  return { ...file, description: wave.description, sfHz: wave.sfHz, length: wave.samples.length };
}

/**
 * Adds one file's entry to the index, in index order: on a duplicate
 * description the first file is kept and this one is reported.
 */
export function addWehrStimEntry(index: WehrStimIndex, entry: WehrStimEntry, r: WalkReporting): void {
  const first = index.get(entry.description);
  if (first) {
    warn(
      r,
      "duplicate-description",
      entry.path,
      `${entry.path}: description ${JSON.stringify(entry.description)} already belongs to ${first.path}; keeping the first`,
    );
    return;
  }
  index.set(entry.description, entry);
}

/** Reads every stimulus file of the index (listWehrStimFiles) and maps description -> stim. */
export async function indexWehrStimuli(store: StimFileStore, r: WalkReporting): Promise<WehrStimIndex> {
  const index: WehrStimIndex = new Map();
  for (const file of await listWehrStimFiles(store.source)) {
    const entry = await readWehrStimEntry(store, file, r);
    if (entry) addWehrStimEntry(index, entry, r);
  }
  return index;
}

/** One Wehr session folder of the walk, with its `_wehr_cell_idx`. */
export interface WehrSessionUnit {
  experimenter: "wehr";
  /** Release path of the session folder. */
  dir: string;
  session: string;
  cellIdx: number;
}

/**
 * The Wehr session folders in `_wehr_cell_idx` order: the sub-folders of
 * Results whose first four characters are digits (the reference's
 * `d[:4].isdigit()`: Unicode digits too, and a shorter name of digits only),
 * sorted; every one takes its index, including those that yield nothing and
 * those skipped for a malformed name.
 */
export async function listWehrSessions(source: ReleaseSource): Promise<WehrSessionUnit[]> {
  const resultsDir = `${WEHR_ROOT}/Results`;
  const sessions = (await listNames(source, resultsDir, "dir")).filter((n) => pyIsDigit(pyPrefix(n, 4)));
  return sessions.map((session, cellIdx) => ({
    experimenter: "wehr",
    dir: `${resultsDir}/${session}`,
    session,
    cellIdx,
  }));
}

/** Walks the Wehr cells in `_wehr_cell_idx` order (the index first). */
export async function* walkWehr(
  source: ReleaseSource,
  opts: WehrWalkOptions,
  store: StimFileStore = new StimFileStore(source),
): AsyncGenerator<CellRecord> {
  const index = await indexWehrStimuli(store, opts);
  for (const unit of await listWehrSessions(source)) {
    const cell = await walkWehrSession(source, unit, index, opts);
    if (cell) yield cell;
  }
}

/**
 * One Wehr session: its cell (undefined when no trial is a usable
 * natural-sound trial); a malformed session name is reported and skipped.
 */
export async function walkWehrSession(
  source: ReleaseSource,
  unit: WehrSessionUnit,
  index: WehrStimIndex,
  r: WalkReporting,
  allocRepeat?: RepeatAllocator,
): Promise<CellRecord | undefined> {
  const { dir, session, cellIdx } = unit;
  const name = sessionNameOrWarn(
    r,
    dir,
    session,
    parseWehrSessionName,
    "does not split into date-animal-penetration with an integer penetration",
  );
  if (!name) return undefined;
  return walkWehrTrials(source, dir, session, name, cellIdx, index, r, allocRepeat);
}

async function walkWehrTrials(
  source: ReleaseSource,
  dir: string,
  session: string,
  name: SessionName,
  cellIdx: number,
  index: WehrStimIndex,
  r: WalkReporting,
  allocRepeat: RepeatAllocator | undefined,
): Promise<CellRecord | undefined> {
  const stims = new Map<string, RawStim>();
  for (const file of await listMatFiles(source, dir)) {
    const path = `${dir}/${file}`;
    const mat = await LazyMat.open(source, path, r);
    if (mat === UNREADABLE) continue;
    const triggers = mat.read("triggers");
    if (triggers === UNREADABLE || structLength(triggers) === 0) continue;
    // The trial's trigger is the first element; later ones are ignored.
    if (!WEHR_NATURAL_TYPES.has(triggerType(triggers, 0))) continue;
    const description = textOf(getField(getField(triggers, "param", 0), "description"));
    const entry = index.get(description);
    if (!entry) {
      warn(
        r,
        "unknown-description",
        path,
        `${path}: no stimulus file has description ${JSON.stringify(description)}; trial skipped`,
      );
      continue;
    }
    const timing = triggerTiming(triggers, 0);
    if (!timing) {
      skipFile(r, "malformed-file", path, "trigger 1 lacks a numeric `time` or `param.duration`");
      continue;
    }
    const trace = mat.readTrace();
    if (!trace) continue;
    const { repeat, onsetSample } = sliceRepeat(trace, timing, allocRepeat);
    // Trials are grouped by description, as the reference groups them: two
    // descriptions whose files share a key ("1_0.mat", "10.mat") stay two stims.
    let stim = stims.get(description);
    if (!stim) {
      const { length, sfHz } = entry;
      stim = {
        key: ["wehr", entry.folder, entry.idx],
        waveform: { kind: "wehr", file: entry.path, length },
        sfStimHz: sfHz,
        sfRespHz: trace.sfHz,
        // The first trial's duration; when it is 0 the reference falls back
        // to the waveform's (`duration_ms or (waveform.size / sf_stim * 1000)`),
        // which then sets Tdur, while duration_s stays 0.
        durationMs: timing.durationMs !== 0 ? timing.durationMs : (length / sfHz) * 1000,
        meta: {
          experimenter: "wehr",
          category: entry.folder,
          idx: entry.idx,
          description: entry.description,
          duration_s: (timing.durationMs || 0) / 1000,
        },
        repeats: [],
        sources: [],
      };
      stims.set(description, stim);
    }
    stim.repeats.push(repeat);
    stim.sources.push({ file: path, trigger: 0, onsetSample });
  }
  if (stims.size === 0) return undefined;
  return {
    meta: {
      experimenter: "wehr",
      ...sessionMeta(session, name),
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
      _wehr_cell_idx: cellIdx,
    },
    stims: [...stims.values()],
  };
}
