// The plan of the synthetic release: which stimulus files, sessions, trial
// and recording files exist, what each trigger says and which artifact each
// repeat carries. Everything that tests the walkers' rules is planted here
// (archive.md): trigger-type variants and the 'nauralsound' typo, a duplicate
// and an unknown description, a non-integer stem, a malformed session name, a
// session with tones only, int16 traces with a scale, 'Sequence k: ...'
// triggers over param.stimulus struct arrays, a suffixed and a backslashed
// segment file, `samples` instead of `sample`, a segment at another sample
// rate, an out-of-range position, corrupt files, recordings without param or
// triggers, sites and recording types, and the gating artifacts.

import { Rng } from "../../random/index.js";
import type { Site } from "../types.js";
import type { SynthArtifact, SynthScale } from "./manifest.js";
import { stimulusWave } from "./signals.js";

export const WEHR_STIM_SF_HZ = 44100;
export const WEHR_RESP_SF_HZ = 4000;
export const ASARI_STIM_SF_HZ = 97656;
export const ASARI_RESP_SF_HZ = 10000;

interface ScaleParams {
  stimSec: [number, number];
  segSec: [number, number];
  wehrFragments: number;
  wehrPerCategory: number;
  asariPerClass: number;
  extraWehrCells: number;
  extraAsariCells: number;
  extraRepeats: [number, number];
  extraStimsPerCell: [number, number];
  extraRecordings: [number, number];
}

const SCALES: Record<SynthScale, ScaleParams> = {
  small: {
    stimSec: [0.3, 0.7],
    segSec: [0.12, 0.3],
    wehrFragments: 4,
    wehrPerCategory: 2,
    asariPerClass: 3,
    extraWehrCells: 0,
    extraAsariCells: 0,
    extraRepeats: [3, 5],
    extraStimsPerCell: [2, 3],
    extraRecordings: [1, 2],
  },
  bench: {
    stimSec: [1.5, 3.5],
    segSec: [0.6, 1.6],
    wehrFragments: 12,
    wehrPerCategory: 6,
    asariPerClass: 8,
    extraWehrCells: 20,
    extraAsariCells: 36,
    extraRepeats: [14, 20],
    extraStimsPerCell: [5, 8],
    extraRecordings: [3, 5],
  },
};

export interface WehrStimFile {
  folder: string;
  /** File stem as written (an integer, or e.g. "7b" for the non-integer one). */
  stem: string;
  path: string;
  description: string;
  durationMs: number;
  wave: Float64Array;
}

export interface WehrTrial {
  file: string;
  kind: "natural" | "tone" | "corrupt";
  typeText: string;
  description: string;
  durationMs: number;
  /** Stim file the description resolves to (undefined: unknown description). */
  stim?: WehrStimFile;
  artifact: SynthArtifact;
  /** Append a second (tone) trigger that the walker must ignore. */
  secondTrigger: boolean;
}

export interface WehrSession {
  name: string;
  cellIdx: number;
  trials: WehrTrial[];
  malformed: boolean;
  cell: CellParams;
}

export interface AsariSegmentFile {
  /** Canonical file text, e.g. "class3/3l.mat". */
  file: string;
  path: string;
  sfHz: number;
  samplesField: "sample" | "samples";
  wave: Float64Array;
}

export interface AsariTrigger {
  typeText: string;
  description: string;
  kind: "repeat" | "tone" | "no-sequence" | "bad-index" | "rate-mismatch";
  /** Segment files (canonical) for natural triggers that resolve. */
  segments?: AsariSegmentFile[];
  /** File strings as stored in param.stimulus (the stim key). */
  files?: string[];
  positions?: number[];
  artifact: SynthArtifact;
}

export interface AsariRecording {
  file: string;
  kind: "normal" | "corrupt" | "no-param" | "no-triggers";
  stimulusFiles: string[];
  recording?: { site?: string; type: string };
  triggers: AsariTrigger[];
}

export interface AsariSession {
  root: "crcns-ac1-asari-results-1/asari-results-1" | "crcns-ac1-asari-results-2/asari-results-2";
  name: string;
  recordings: AsariRecording[];
  site: Site;
  recordingType: string;
  yields: boolean;
  cell: CellParams;
}

export interface CellParams {
  seedLabel: string;
  baselineMv: number;
  driftMv: number;
  noiseMv: number;
  pspPeakMv: number;
  /** Spike amplitude in mV for cell-attached cells; 0 for whole-cell. */
  spikeMv: number;
  scale: number;
}

export interface SynthPlan {
  seed: number;
  scale: SynthScale;
  wehrStims: WehrStimFile[];
  wehrSessions: WehrSession[];
  /** Non-session folders under Results (ignored by the walker). */
  wehrOtherFolders: string[];
  asariSegments: AsariSegmentFile[];
  asariSessions: AsariSession[];
}

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

function cellParams(rng: Rng, label: string, spikes: boolean): CellParams {
  return {
    seedLabel: label,
    baselineMv: rng.range(-66, -56),
    driftMv: rng.range(0.8, 3),
    noiseMv: rng.range(0.5, 0.9),
    pspPeakMv: spikes ? rng.range(5, 8) : rng.range(5, 11),
    spikeMv: spikes ? rng.range(25, 55) : 0,
    // mV per int16 unit; MATLAB stores these as doubles
    scale: rng.pick([0.0125, 0.01, 0.015625]),
  };
}

/** Builds the plan for a scale and seed (stimulus waveforms included). */
export function planSynth(scale: SynthScale, seed: number): SynthPlan {
  const P = SCALES[scale];
  const rng = Rng.of(seed, "plan");

  // ---------------- Wehr stimuli ----------------
  const wehrStims: WehrStimFile[] = [];
  const wehrByName = new Map<string, WehrStimFile>();
  const addWehrStim = (
    folder: string,
    stem: string,
    description: string,
    durationMs?: number,
  ): WehrStimFile => {
    const ms = durationMs ?? Math.round(rng.range(P.stimSec[0], P.stimSec[1]) * 1000);
    const n = Math.floor((ms * WEHR_STIM_SF_HZ) / 1000);
    const s: WehrStimFile = {
      folder,
      stem,
      path: `crcns-ac1/wehr/Stimuli/${folder}/${stem}.mat`,
      description,
      durationMs: ms,
      wave: stimulusWave(Rng.of(seed, `wehr-stim:${folder}/${stem}`), n, WEHR_STIM_SF_HZ),
    };
    wehrStims.push(s);
    wehrByName.set(`${folder}/${stem}`, s);
    return s;
  };
  for (let k = 1; k <= P.wehrFragments; k++) {
    // fragments/2 lasts 800.125 ms: 800.125 * 4000 / 1000 = 3200.5 -> 3200 (half to even)
    addWehrStim(
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
          ? (wehrByName.get("fragments/1") as WehrStimFile).description
          : `${cat} sound ${k}`;
      addWehrStim(cat, String(k), desc);
    }
  }
  // A stem that is not an integer: never indexed, so a trigger naming its description is unknown.
  const nonInteger = addWehrStim("fragments", "7b", "fragment 7b: alternate take");
  const W = (name: string) => wehrByName.get(name) as WehrStimFile;

  // ---------------- Wehr sessions ----------------
  const wehrSessions: WehrSession[] = [];
  const session = (name: string, malformed = false): WehrSession => {
    const s: WehrSession = {
      name,
      cellIdx: -1,
      trials: [],
      malformed,
      cell: cellParams(rng, `wehr:${name}`, false),
    };
    wehrSessions.push(s);
    return s;
  };
  const trial = (
    s: WehrSession,
    t: Omit<WehrTrial, "file" | "artifact" | "secondTrigger" | "typeText" | "durationMs"> &
      Partial<Pick<WehrTrial, "artifact" | "secondTrigger" | "typeText" | "durationMs">>,
  ): void => {
    const no = String(s.trials.length + 1).padStart(3, "0");
    s.trials.push({
      file: `crcns-ac1/wehr/Results/${s.name}/${s.name}-${no}.mat`,
      artifact: "none",
      secondTrigger: false,
      typeText: t.kind === "tone" ? "tone" : "naturalsound",
      durationMs: t.stim ? t.stim.durationMs : 100,
      ...t,
    });
  };
  const tone = (s: WehrSession, i: number) =>
    trial(s, {
      kind: "tone",
      description: `tone ${1000 * (i + 1)} Hz 60 dB`,
      typeText: i % 2 ? "Tone" : "tone",
    });
  const natural = (s: WehrSession, stim: WehrStimFile, extra: Partial<WehrTrial> = {}) =>
    trial(s, { kind: "natural", description: stim.description, stim, ...extra });

  {
    // cell 0: three stims x 4 interleaved, every natural type spelling, tones in between
    const s = session("20020624-mw-001");
    const stims = [W("fragments/1"), W("fragments/2"), W("category1/1")];
    const types = [
      "naturalsound",
      "nauralsound",
      " NaturalSound ",
      "natural",
      "NATURALSOUND",
      "naturalsound",
    ];
    for (let rep = 0; rep < 4; rep++) {
      for (const [j, st] of stims.entries()) {
        natural(s, st, {
          typeText: types[(rep * 3 + j) % types.length] as string,
          secondTrigger: rep === 1 && j === 0,
        });
        if (rep === 0 && j === 1) tone(s, 0);
      }
    }
    tone(s, 1);
  }
  {
    // cell 1: malformed name (four parts): skipped with a warning, still takes index 1
    const s = session("20020701-mw-002-b", true);
    natural(s, W("fragments/3"));
    natural(s, W("fragments/3"));
  }
  {
    // cell 2: tones only: yields nothing, still takes index 2
    const s = session("20020708-mw-001");
    for (let i = 0; i < 3; i++) tone(s, i);
  }
  {
    // cell 3: artifacts, unknown descriptions, a corrupt trial file
    const s = session("20020715-mw-003");
    const plan: [WehrStimFile, SynthArtifact[]][] = [
      [W("fragments/1"), ["none", "saturation", "none", "none"]],
      [W("category3/1"), ["none", "none", "step", "none"]],
      [W("category1/2"), ["uncorrelated", "none", "none", "none"]],
      [W("category3/2"), ["none", "none", "clipped"]],
    ];
    for (let rep = 0; rep < 4; rep++) {
      for (const [st, arts] of plan)
        if (rep < arts.length) natural(s, st, { artifact: arts[rep] as SynthArtifact });
      if (rep === 0) trial(s, { kind: "natural", description: "a sound nobody filed" });
      if (rep === 1)
        trial(s, { kind: "corrupt", description: W("fragments/1").description, stim: W("fragments/1") });
      if (rep === 2) trial(s, { kind: "natural", description: nonInteger.description });
    }
  }
  {
    // cell 4: every repeat bad -> dropped by the dataset
    const s = session("20020722-mw-002");
    for (let rep = 0; rep < 3; rep++) {
      natural(s, W("fragments/2"), { artifact: "saturation" });
      natural(s, W("category2/1"), { artifact: "step" });
    }
  }
  const integerStims = wehrStims.filter(
    (s) => /^[0-9]+$/.test(s.stem) && !(s.folder === "category2" && s.stem === "2"),
  );
  for (let c = 0; c < P.extraWehrCells; c++) {
    const day = new Date(Date.UTC(2002, 7, 1 + 3 * c));
    const date = day.toISOString().slice(0, 10).replaceAll("-", "");
    const s = session(`${date}-mw-00${1 + (c % 4)}`);
    const nStims = rng.int(P.extraStimsPerCell[0], P.extraStimsPerCell[1]);
    const chosen = pickDistinct(rng, integerStims, nStims);
    const reps = rng.int(P.extraRepeats[0], P.extraRepeats[1]);
    for (let rep = 0; rep < reps; rep++) for (const st of chosen) natural(s, st);
    if (c % 5 === 0) tone(s, c);
  }
  wehrSessions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  wehrSessions.forEach((s, i) => {
    s.cellIdx = i;
  });

  // ---------------- Asari stimuli ----------------
  const asariSegments: AsariSegmentFile[] = [];
  const segByFile = new Map<string, AsariSegmentFile>();
  const addSeg = (file: string, sfHz = ASARI_STIM_SF_HZ, samplesField: "sample" | "samples" = "sample") => {
    const n = Math.floor(rng.range(P.segSec[0], P.segSec[1]) * sfHz);
    const s: AsariSegmentFile = {
      file,
      path: `crcns-ac1/asari/Stimuli/${file}`,
      sfHz,
      samplesField,
      wave: stimulusWave(Rng.of(seed, `asari-seg:${file}`), n, sfHz),
    };
    asariSegments.push(s);
    segByFile.set(file, s);
  };
  for (const cls of [1, 3, 6]) {
    for (let k = 1; k <= P.asariPerClass; k++)
      addSeg(`class${cls}/${k}.mat`, ASARI_STIM_SF_HZ, cls === 6 && k === 2 ? "samples" : "sample");
  }
  addSeg("class3/3l.mat");
  addSeg("class2/1.mat", 44100);
  const S = (file: string) => segByFile.get(file.replaceAll("\\", "/")) as AsariSegmentFile;

  // ---------------- Asari sessions ----------------
  const asariSessions: AsariSession[] = [];
  const asariSession = (
    root: 1 | 2,
    name: string,
    site: Site,
    recordingType: string,
    yields = true,
  ): AsariSession => {
    const spikes = recordingType.includes("attached");
    const s: AsariSession = {
      root:
        root === 1
          ? "crcns-ac1-asari-results-1/asari-results-1"
          : "crcns-ac1-asari-results-2/asari-results-2",
      name,
      recordings: [],
      site,
      recordingType,
      yields,
      cell: cellParams(rng, `asari:${name}`, spikes),
    };
    asariSessions.push(s);
    return s;
  };
  const recording = (
    s: AsariSession,
    kind: AsariRecording["kind"],
    stimulusFiles: string[],
    rec?: { site?: string; type: string },
  ): AsariRecording => {
    const r: AsariRecording = {
      file: `${s.root}/${s.name}/${s.name}-${String(s.recordings.length + 1).padStart(2, "0")}.mat`,
      kind,
      stimulusFiles,
      triggers: [],
    };
    if (rec) r.recording = rec;
    s.recordings.push(r);
    return r;
  };
  /** A natural trigger over 1-based positions of the recording's stimulus list. */
  const seq = (
    r: AsariRecording,
    k: number,
    positions: number[],
    opts: {
      artifact?: SynthArtifact;
      typeText?: string;
      spacing?: string;
      prefix?: string;
      kind?: AsariTrigger["kind"];
    } = {},
  ): void => {
    const description = `${opts.prefix ?? ""}Sequence ${k}: ${positions.join(opts.spacing ?? "  ")}`;
    const inMap = positions.every((p) => p >= 1 && p <= r.stimulusFiles.length);
    const files = inMap ? positions.map((p) => r.stimulusFiles[p - 1] as string) : undefined;
    const segments = files?.map(S);
    const kind =
      opts.kind ??
      (!inMap
        ? "bad-index"
        : segments?.some((g) => g.sfHz !== (segments[0] as AsariSegmentFile).sfHz)
          ? "rate-mismatch"
          : "repeat");
    const t: AsariTrigger = {
      typeText: opts.typeText ?? "naturalsound",
      description,
      kind,
      positions,
      artifact: opts.artifact ?? "none",
    };
    if (files && segments) {
      t.files = files;
      t.segments = segments;
    }
    r.triggers.push(t);
  };
  const asariTone = (r: AsariRecording, f: number) =>
    r.triggers.push({ typeText: "tone", description: `tone ${f} Hz`, kind: "tone", artifact: "none" });

  {
    // A: A1 whole-cell; site from the second recording (the first has no `recording` struct)
    const s = asariSession(1, "20050614-ha1-001", "A1", "whole-cell");
    const r1 = recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class3/1.mat"]);
    seq(r1, 1, [2, 1, 3]);
    asariTone(r1, 2000);
    seq(r1, 2, [4, 1], { prefix: "Natural sounds, ", spacing: " " });
    seq(r1, 1, [2, 1, 3], { typeText: "Natural Sound" });
    r1.triggers.push({
      typeText: "naturalsound",
      description: "silence (no sequence)",
      kind: "no-sequence",
      artifact: "none",
    });
    seq(r1, 3, [1, 7]);
    seq(r1, 2, [4, 1], { artifact: "step" });
    // same files in another order: positions differ, the tuple of files (the stim) is the same
    const r2 = recording(s, "normal", ["class3/3l.mat", "class1/1.mat", "class1/2.mat", "class3/1.mat"], {
      site: "primary auditory cortex",
      type: "whole cell",
    });
    seq(r2, 1, [3, 2, 1]);
    seq(r2, 2, [4, 2]);
    seq(r2, 1, [3, 2, 1]);
    seq(r2, 2, [4, 2]);
  }
  {
    // B: MGB cell-attached (spikes); corrupt, param-less and trigger-less recordings first
    const s = asariSession(1, "20050614-ha1-002", "MGB", "cell-attached");
    recording(s, "corrupt", ["class6/1.mat"], { site: "MGB", type: "cell attached" });
    recording(s, "no-param", []);
    recording(s, "no-triggers", ["class6/1.mat", "class1/3.mat"]);
    const files = ["class6\\1.mat", "class1/3.mat", "class6/2.mat"];
    const r4 = recording(s, "normal", files, { site: "MGB (ventral)", type: "Cell Attached" });
    for (let i = 0; i < 3; i++) {
      seq(r4, 1, [1, 2]);
      seq(r4, 2, [3, 2], { artifact: i === 2 ? "empty" : "none" });
    }
    const r5 = recording(s, "normal", files, { site: "MGB (ventral)", type: "Cell Attached" });
    seq(r5, 1, [1, 2]);
    seq(r5, 2, [3, 2]);
  }
  {
    // C: A1 whole-cell in results-2: shares a stim with A; a sequence mixing sample rates; a clipped repeat
    const s = asariSession(2, "20060301-ha3-001", "A1", "whole-cell");
    const r1 = recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class2/1.mat"], {
      site: "Auditory Cortex (A1)",
      type: "whole cell",
    });
    for (let i = 0; i < 4; i++) {
      seq(r1, 1, [2, 1, 3], { artifact: i === 1 ? "uncorrelated" : "none" });
      if (i < 2) seq(r1, 2, [4, 1]);
    }
    const r2 = recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class2/1.mat"], {
      site: "Auditory Cortex (A1)",
      type: "whole cell",
    });
    for (let i = 0; i < 3; i++) seq(r2, 3, [3], { artifact: i === 2 ? "clipped" : "none" });
  }
  {
    // D: a recording struct without `site` -> MGB; penetration "00a" is not all digits
    const s = asariSession(2, "20060301-ha3-00a", "MGB", "cell-attached");
    const r1 = recording(s, "normal", ["class1/3.mat", "class6/2.mat"], { type: "cell attached" });
    for (let i = 0; i < 3; i++) seq(r1, 1, [1, 2]);
  }
  {
    // E: tones only: no usable trigger, not yielded
    const s = asariSession(2, "20060302-ha4-001", "A1", "whole-cell", false);
    const r1 = recording(s, "normal", ["class1/1.mat"], { site: "auditory cortex", type: "whole cell" });
    asariTone(r1, 4000);
    asariTone(r1, 8000);
  }
  const pool = asariSegments.filter((g) => g.sfHz === ASARI_STIM_SF_HZ).map((g) => g.file);
  for (let c = 0; c < P.extraAsariCells; c++) {
    const a1 = c % 2 === 0;
    const root: 1 | 2 = c < P.extraAsariCells / 2 ? 1 : 2;
    const day = new Date(Date.UTC(root === 1 ? 2005 : 2006, 8, 1 + 2 * c));
    const date = day.toISOString().slice(0, 10).replaceAll("-", "");
    const s = asariSession(
      root,
      `${date}-ha${5 + (c % 7)}-00${1 + (c % 3)}`,
      a1 ? "A1" : "MGB",
      a1 ? "whole-cell" : "cell-attached",
    );
    const stimulusFiles = pickDistinct(rng, pool, Math.min(pool.length, 6));
    const nSeq = rng.int(P.extraStimsPerCell[0], P.extraStimsPerCell[1]);
    const seqs: number[][] = [];
    for (let k = 0; k < nSeq; k++) {
      const len = rng.int(1, 4);
      seqs.push(Array.from({ length: len }, () => rng.int(1, stimulusFiles.length)));
    }
    const nRec = rng.int(P.extraRecordings[0], P.extraRecordings[1]);
    const reps = rng.int(P.extraRepeats[0], P.extraRepeats[1]);
    const recs = Array.from({ length: nRec }, () =>
      recording(s, "normal", stimulusFiles, {
        site: a1 ? "auditory cortex" : "MGB",
        type: a1 ? "whole cell" : "cell attached",
      }),
    );
    for (let rep = 0; rep < reps; rep++) {
      const r = recs[rep % nRec] as AsariRecording;
      for (const [k, p] of seqs.entries()) seq(r, k + 1, p);
      if (rep === 0) asariTone(r, 1000);
    }
  }
  asariSessions.sort((a, b) =>
    a.root < b.root ? -1 : a.root > b.root ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );

  return {
    seed,
    scale,
    wehrStims,
    wehrSessions,
    wehrOtherFolders: ["Notes"],
    asariSegments,
    asariSessions,
  };
}

function pickDistinct<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, Math.min(n, copy.length));
}
