// The Wehr half of the synthetic release plan: the stimulus folders
// (fragments and three categories, with a duplicate description and a
// non-integer stem) and the sessions under wehr/Results, five hand-planted
// cells that test the walker's rules, then (bench scale) plain extra cells.
// Every draw comes from the plan's one stream, in a fixed order: stimuli
// first, then the sessions in the order they are planted.

import { Rng } from "../../random/index.js";
import type { SynthArtifact } from "./manifest.js";
import {
  cellParams,
  pickDistinct,
  type ScaleParams,
  WEHR_STIM_SF_HZ,
  type WehrSession,
  type WehrStimFile,
  type WehrTrial,
} from "./plan-model.js";
import { stimulusWave } from "./signals.js";

const WEHR_WORDS = [
  "rat pup call",
  "cricket chirp",
  "water drops",
  "wind in leaves",
  "bird song",
  "footsteps",
  "purring",
  "rustle",
  "frog call",
  "thunder",
  "stream",
  "owl hoot",
];

/** The Wehr stimulus files, by "folder/stem", and the one whose stem is not an integer. */
export interface WehrStimuli {
  files: WehrStimFile[];
  byName: Map<string, WehrStimFile>;
  nonInteger: WehrStimFile;
}

/** Plans the Wehr stimulus files: fragments, then category1..3, then the non-integer stem. */
export function planWehrStimuli(P: ScaleParams, seed: number, rng: Rng): WehrStimuli {
  const files: WehrStimFile[] = [];
  const byName = new Map<string, WehrStimFile>();
  const add = (folder: string, stem: string, description: string, durationMs?: number): WehrStimFile => {
    const ms = durationMs ?? Math.round(rng.range(P.stimSec[0], P.stimSec[1]) * 1000);
    const n = Math.floor((ms * WEHR_STIM_SF_HZ) / 1000);
    const s: WehrStimFile = {
      folder,
      stem,
      idx: /^[0-9]+$/.test(stem) ? Number.parseInt(stem, 10) : null,
      path: `crcns-ac1/wehr/Stimuli/${folder}/${stem}.mat`,
      description,
      durationMs: ms,
      wave: stimulusWave(Rng.of(seed, `wehr-stim:${folder}/${stem}`), n, WEHR_STIM_SF_HZ),
    };
    files.push(s);
    byName.set(`${folder}/${stem}`, s);
    return s;
  };
  for (let k = 1; k <= P.wehrFragments; k++) {
    // fragments/2 lasts 800.125 ms: 800.125 * 4000 / 1000 = 3200.5 -> 3200 (half to even)
    add(
      "fragments",
      String(k),
      `fragment ${k}: ${WEHR_WORDS[(k - 1) % WEHR_WORDS.length]}`,
      k === 2 ? 800.125 : undefined,
    );
  }
  for (const cat of ["category1", "category2", "category3"]) {
    for (let k = 1; k <= P.wehrPerCategory; k++) {
      // category2/2 repeats fragments/1's description: the walker keeps fragments/1 and warns.
      const desc =
        cat === "category2" && k === 2
          ? (byName.get("fragments/1") as WehrStimFile).description
          : `${cat} sound ${k}`;
      add(cat, String(k), desc);
    }
  }
  // A stem that is not an integer: never indexed, so a trigger naming its description is unknown.
  const nonInteger = add("fragments", "7b", "fragment 7b: alternate take");
  return { files, byName, nonInteger };
}

type TrialSpec = Omit<WehrTrial, "file" | "artifact" | "secondTrigger" | "typeText" | "durationMs"> &
  Partial<Pick<WehrTrial, "artifact" | "secondTrigger" | "typeText" | "durationMs">>;

/** Adds sessions and their trial files, numbered as the rig numbered them. */
export class WehrSessions {
  readonly list: WehrSession[] = [];
  constructor(private readonly rng: Rng) {}

  session(name: string, malformed = false): WehrSession {
    const s: WehrSession = {
      name,
      cellIdx: -1,
      trials: [],
      malformed,
      cell: cellParams(this.rng, `wehr:${name}`, false),
    };
    this.list.push(s);
    return s;
  }

  trial(s: WehrSession, t: TrialSpec): void {
    const no = String(s.trials.length + 1).padStart(3, "0");
    s.trials.push({
      file: `crcns-ac1/wehr/Results/${s.name}/${s.name}-${no}.mat`,
      artifact: "none",
      secondTrigger: false,
      typeText: t.kind === "tone" ? "tone" : "naturalsound",
      durationMs: t.stim ? t.stim.durationMs : 100,
      ...t,
    });
  }

  tone(s: WehrSession, i: number): void {
    this.trial(s, {
      kind: "tone",
      description: `tone ${1000 * (i + 1)} Hz 60 dB`,
      typeText: i % 2 ? "Tone" : "tone",
    });
  }

  natural(s: WehrSession, stim: WehrStimFile, extra: Partial<WehrTrial> = {}): void {
    this.trial(s, { kind: "natural", description: stim.description, stim, ...extra });
  }
}

/** Cell 0: three stims x 4 interleaved, every natural type spelling, tones in between. */
function plantInterleavedCell(b: WehrSessions, W: (name: string) => WehrStimFile): void {
  const s = b.session("20020624-mw-001");
  const stims = [W("fragments/1"), W("fragments/2"), W("category1/1")];
  const types = ["naturalsound", "nauralsound", " NaturalSound ", "natural", "NATURALSOUND", "naturalsound"];
  for (let rep = 0; rep < 4; rep++) {
    for (const [j, st] of stims.entries()) {
      b.natural(s, st, {
        typeText: types[(rep * 3 + j) % types.length] as string,
        secondTrigger: rep === 1 && j === 0,
      });
      if (rep === 0 && j === 1) b.tone(s, 0);
    }
  }
  b.tone(s, 1);
}

/** Cell 1: malformed name (four parts): skipped with a warning, still takes index 1. */
function plantMalformedCell(b: WehrSessions, W: (name: string) => WehrStimFile): void {
  const s = b.session("20020701-mw-002-b", true);
  b.natural(s, W("fragments/3"));
  b.natural(s, W("fragments/3"));
}

/** Cell 2: tones only: yields nothing, still takes index 2. */
function plantTonesOnlyCell(b: WehrSessions): void {
  const s = b.session("20020708-mw-001");
  for (let i = 0; i < 3; i++) b.tone(s, i);
}

/** Cell 3: artifacts, unknown descriptions (one of them the non-integer stem's), a corrupt trial file. */
function plantArtifactCell(
  b: WehrSessions,
  W: (name: string) => WehrStimFile,
  nonInteger: WehrStimFile,
): void {
  const s = b.session("20020715-mw-003");
  const plan: [WehrStimFile, SynthArtifact[]][] = [
    [W("fragments/1"), ["none", "saturation", "none", "none"]],
    [W("category3/1"), ["none", "none", "step", "none"]],
    [W("category1/2"), ["uncorrelated", "none", "none", "none"]],
    [W("category3/2"), ["none", "none", "clipped"]],
  ];
  for (let rep = 0; rep < 4; rep++) {
    for (const [st, arts] of plan)
      if (rep < arts.length) b.natural(s, st, { artifact: arts[rep] as SynthArtifact });
    if (rep === 0) b.trial(s, { kind: "natural", description: "a sound nobody filed" });
    if (rep === 1)
      b.trial(s, { kind: "corrupt", description: W("fragments/1").description, stim: W("fragments/1") });
    if (rep === 2) b.trial(s, { kind: "natural", description: nonInteger.description });
  }
}

/** Cell 4: every repeat bad -> dropped by the dataset. */
function plantDroppedCell(b: WehrSessions, W: (name: string) => WehrStimFile): void {
  const s = b.session("20020722-mw-002");
  for (let rep = 0; rep < 3; rep++) {
    b.natural(s, W("fragments/2"), { artifact: "saturation" });
    b.natural(s, W("category2/1"), { artifact: "step" });
  }
}

/** Plain cells (bench scale): a few integer-stem stims (not the duplicate description), repeated, some tones. */
function plantExtraCells(b: WehrSessions, P: ScaleParams, rng: Rng, stimuli: WehrStimuli): void {
  const integerStims = stimuli.files.filter(
    (s) => /^[0-9]+$/.test(s.stem) && !(s.folder === "category2" && s.stem === "2"),
  );
  for (let c = 0; c < P.extraWehrCells; c++) {
    const day = new Date(Date.UTC(2002, 7, 1 + 3 * c));
    const date = day.toISOString().slice(0, 10).replaceAll("-", "");
    const s = b.session(`${date}-mw-00${1 + (c % 4)}`);
    const nStims = rng.int(P.extraStimsPerCell[0], P.extraStimsPerCell[1]);
    const chosen = pickDistinct(rng, integerStims, nStims);
    const reps = rng.int(P.extraRepeats[0], P.extraRepeats[1]);
    for (let rep = 0; rep < reps; rep++) for (const st of chosen) b.natural(s, st);
    if (c % 5 === 0) b.tone(s, c);
  }
}

/** Sorts sessions by name (Python's sorted) and gives them their cell indices. */
export function indexWehrSessions(sessions: WehrSession[]): WehrSession[] {
  sessions.sort((a, c) => (a.name < c.name ? -1 : a.name > c.name ? 1 : 0));
  sessions.forEach((s, i) => {
    s.cellIdx = i;
  });
  return sessions;
}

/** Plans the Wehr sessions, sorted by name and given their cell indices. */
export function planWehrSessions(P: ScaleParams, rng: Rng, stimuli: WehrStimuli): WehrSession[] {
  const W = (name: string) => stimuli.byName.get(name) as WehrStimFile;
  const b = new WehrSessions(rng);
  plantInterleavedCell(b, W);
  plantMalformedCell(b, W);
  plantTonesOnlyCell(b);
  plantArtifactCell(b, W, stimuli.nonInteger);
  plantDroppedCell(b, W);
  plantExtraCells(b, P, rng, stimuli);
  return indexWehrSessions(b.list);
}
