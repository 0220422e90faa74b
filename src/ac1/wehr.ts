// The Wehr walker (archive.md, "Wehr subset"): indexes the stimulus folders by
// description, then walks crcns-ac1/wehr/Results/<session>/ one trial file at
// a time and yields one CellRecord per session with at least one usable
// natural-sound trial. Only the variables needed are decoded, and only one
// trial's trace is held at a time.

import type { ReleaseSource } from "../archive/source.js";
import { getField, structLength } from "../mat/index.js";
import {
  LazyMat,
  listMatFiles,
  listNames,
  readStimWave,
  type SessionName,
  type StimWave,
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
import type { CellRecord, RawStim } from "./types.js";

export const WEHR_ROOT = "crcns-ac1/wehr";
/** Stimulus folders, in the order their descriptions are indexed (first one wins on a duplicate). */
export const WEHR_STIM_FOLDERS = ["fragments", "category1", "category2", "category3"] as const;
/** Natural-sound trigger types, compared lower-cased and trimmed ("nauralsound" is a typo in the release). */
export const WEHR_NATURAL_TYPES: ReadonlySet<string> = new Set(["naturalsound", "nauralsound", "natural"]);

export type WehrWalkOptions = WalkReporting;

/** One indexed Wehr stimulus file. */
export interface WehrStimEntry {
  folder: string;
  idx: number;
  path: string;
  wave: StimWave;
}

/**
 * Reads every stimulus file whose stem is an integer (plain digits: the
 * reference's int(stem) also accepts signs or spaces, which the release never
 * uses) and maps description -> stim. Folders are taken in WEHR_STIM_FOLDERS
 * order and files in sorted name order (the reference's sorted(os.listdir)), so
 * on a duplicate description the first file in that order is kept and the
 * later one is reported. Each file is read once; waveforms are kept for the walk.
 */
export async function indexWehrStimuli(
  source: ReleaseSource,
  r: WalkReporting,
): Promise<Map<string, WehrStimEntry>> {
  const byDescription = new Map<string, WehrStimEntry>();
  for (const folder of WEHR_STIM_FOLDERS) {
    const dir = `${WEHR_ROOT}/Stimuli/${folder}`;
    for (const name of await listMatFiles(source, dir)) {
      const stem = name.slice(0, -".mat".length);
      if (!/^[0-9]+$/.test(stem)) continue;
      const path = `${dir}/${name}`;
      const wave = await readStimWave(source, path, ["samples", "sample"], r);
      if (!wave) continue;
      const first = byDescription.get(wave.description);
      if (first) {
        warn(
          r,
          "duplicate-description",
          path,
          `${path}: description ${JSON.stringify(wave.description)} already belongs to ${first.path}; keeping the first`,
        );
        continue;
      }
      byDescription.set(wave.description, { folder, idx: Number.parseInt(stem, 10), path, wave });
    }
  }
  return byDescription;
}

/**
 * Walks the Wehr cells in `_wehr_cell_idx` order. Session folders are the
 * sub-folders of Results whose name starts with four digits, sorted; every one
 * takes its index, including those that yield nothing and those skipped for a
 * malformed name.
 */
export async function* walkWehr(source: ReleaseSource, opts: WehrWalkOptions): AsyncGenerator<CellRecord> {
  const stims = await indexWehrStimuli(source, opts);
  const resultsDir = `${WEHR_ROOT}/Results`;
  const sessions = (await listNames(source, resultsDir, "dir")).filter((n) => /^[0-9]{4}/.test(n));
  for (let cellIdx = 0; cellIdx < sessions.length; cellIdx++) {
    const session = sessions[cellIdx] as string;
    const dir = `${resultsDir}/${session}`;
    const name = sessionNameOrWarn(opts, dir, session);
    if (!name) continue;
    const cell = await walkWehrSession(source, dir, session, name, cellIdx, stims, opts);
    if (cell) yield cell;
  }
}

async function walkWehrSession(
  source: ReleaseSource,
  dir: string,
  session: string,
  name: SessionName,
  cellIdx: number,
  index: Map<string, WehrStimEntry>,
  r: WalkReporting,
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
    const { repeat, onsetSample } = sliceRepeat(trace, timing);
    const keyText = `${entry.folder}/${entry.idx}`;
    let stim = stims.get(keyText);
    if (!stim) {
      stim = {
        key: ["wehr", entry.folder, entry.idx],
        waveform: entry.wave.samples,
        sfStimHz: entry.wave.sfHz,
        sfRespHz: trace.sfHz,
        durationMs: timing.durationMs,
        meta: {
          experimenter: "wehr",
          category: entry.folder,
          idx: entry.idx,
          description: entry.wave.description,
          duration_s: timing.durationMs / 1000,
        },
        repeats: [],
        sources: [],
      };
      stims.set(keyText, stim);
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
