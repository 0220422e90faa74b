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
  parseWehrSessionName,
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
import { pyInt, pyIsDigit, pyPrefix } from "./python-text.js";
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
 * Reads every stimulus file whose stem Python's int() accepts, as the
 * reference's `int(os.path.splitext(fname)[0])` does: "7", "007", and also
 * "+3", " 7", "1_0" (10) or Unicode digits ("٣" is 3); the stem's value is
 * the stim's idx, so two files may share one ("1_0.mat" and "10.mat"), and
 * their stims then share the key ("wehr", folder, 10) as in the reference.
 * Maps description -> stim. Folders are taken in WEHR_STIM_FOLDERS order and
 * files in sorted name order (the reference's sorted(os.listdir)), so on a
 * duplicate description the first file in that order is kept and the later
 * one is reported. Each file is read once; waveforms are kept for the walk.
 */
export async function indexWehrStimuli(
  source: ReleaseSource,
  r: WalkReporting,
): Promise<Map<string, WehrStimEntry>> {
  const byDescription = new Map<string, WehrStimEntry>();
  for (const folder of WEHR_STIM_FOLDERS) {
    const dir = `${WEHR_ROOT}/Stimuli/${folder}`;
    for (const name of await listMatFiles(source, dir)) {
      const idx = pyInt(name.slice(0, -".mat".length));
      if (idx === undefined) continue;
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
      byDescription.set(wave.description, { folder, idx, path, wave });
    }
  }
  return byDescription;
}

/**
 * Walks the Wehr cells in `_wehr_cell_idx` order. Session folders are the
 * sub-folders of Results whose first four characters are digits (the
 * reference's `d[:4].isdigit()`: Unicode digits too, and a shorter name of
 * digits only), sorted; every one takes its index, including those that yield
 * nothing and those skipped for a malformed name.
 */
export async function* walkWehr(source: ReleaseSource, opts: WehrWalkOptions): AsyncGenerator<CellRecord> {
  const stims = await indexWehrStimuli(source, opts);
  const resultsDir = `${WEHR_ROOT}/Results`;
  const sessions = (await listNames(source, resultsDir, "dir")).filter((n) => pyIsDigit(pyPrefix(n, 4)));
  for (let cellIdx = 0; cellIdx < sessions.length; cellIdx++) {
    const session = sessions[cellIdx] as string;
    const dir = `${resultsDir}/${session}`;
    const name = sessionNameOrWarn(
      opts,
      dir,
      session,
      parseWehrSessionName,
      "does not split into date-animal-penetration with an integer penetration",
    );
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
    // Trials are grouped by description, as the reference groups them: two
    // descriptions whose files share a key ("1_0.mat", "10.mat") stay two stims.
    let stim = stims.get(description);
    if (!stim) {
      const { samples, sfHz } = entry.wave;
      stim = {
        key: ["wehr", entry.folder, entry.idx],
        waveform: samples,
        sfStimHz: sfHz,
        sfRespHz: trace.sfHz,
        // The first trial's duration; when it is 0 the reference falls back
        // to the waveform's (`duration_ms or (waveform.size / sf_stim * 1000)`),
        // which then sets Tdur, while duration_s stays 0.
        durationMs: timing.durationMs !== 0 ? timing.durationMs : (samples.length / sfHz) * 1000,
        meta: {
          experimenter: "wehr",
          category: entry.folder,
          idx: entry.idx,
          description: entry.wave.description,
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
