// The Asari half of the synthetic release plan: the segment files under
// asari/Stimuli (with a suffixed name, a `samples` field and a segment at
// another sample rate) and the sessions of results-1 and results-2: five
// hand-planted cells (A to E) that test the walker's rules, then (bench
// scale) plain extra cells. Every draw comes from the plan's one stream, in
// a fixed order: segments first, then the sessions in the order they are
// planted.

import { Rng } from "../../random/index.js";
import type { Site } from "../types.js";
import type { SynthArtifact } from "./manifest.js";
import {
  ASARI_STIM_SF_HZ,
  type AsariRecording,
  type AsariSegmentFile,
  type AsariSession,
  type AsariTrigger,
  cellParams,
  pickDistinct,
  type ScaleParams,
} from "./plan-model.js";
import { stimulusWave } from "./signals.js";

/** Plans the segment files: classes 1, 3 and 6, then the suffixed one and the one at 44.1 kHz. */
export function planAsariSegments(P: ScaleParams, seed: number, rng: Rng): AsariSegmentFile[] {
  const segments: AsariSegmentFile[] = [];
  const add = (file: string, sfHz = ASARI_STIM_SF_HZ, samplesField: "sample" | "samples" = "sample") => {
    const n = Math.floor(rng.range(P.segSec[0], P.segSec[1]) * sfHz);
    segments.push({
      file,
      path: `crcns-ac1/asari/Stimuli/${file}`,
      sfHz,
      samplesField,
      wave: stimulusWave(Rng.of(seed, `asari-seg:${file}`), n, sfHz),
    });
  };
  for (const cls of [1, 3, 6]) {
    for (let k = 1; k <= P.asariPerClass; k++)
      add(`class${cls}/${k}.mat`, ASARI_STIM_SF_HZ, cls === 6 && k === 2 ? "samples" : "sample");
  }
  add("class3/3l.mat");
  add("class2/1.mat", 44100);
  return segments;
}

interface SeqOptions {
  artifact?: SynthArtifact;
  slot?: number;
  typeText?: string;
  spacing?: string;
  prefix?: string;
  kind?: AsariTrigger["kind"];
}

/** Adds sessions, their recording files and triggers, numbered as the rig numbered them. */
export class AsariSessions {
  readonly list: AsariSession[] = [];
  readonly #segByFile: Map<string, AsariSegmentFile>;

  constructor(
    private readonly rng: Rng,
    segments: readonly AsariSegmentFile[],
  ) {
    this.#segByFile = new Map(segments.map((g) => [g.file, g]));
  }

  /** The segment a stimulus-list entry names (backslashes read as slashes); undefined for a file not planted. */
  segment(file: string): AsariSegmentFile | undefined {
    return this.#segByFile.get(file.replaceAll("\\", "/"));
  }

  session(root: 1 | 2, name: string, site: Site, recordingType: string, yields = true): AsariSession {
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
      cell: cellParams(this.rng, `asari:${name}`, spikes),
    };
    this.list.push(s);
    return s;
  }

  recording(
    s: AsariSession,
    kind: AsariRecording["kind"],
    stimulusFiles: string[],
    rec?: { site?: string; type: string },
  ): AsariRecording {
    const r: AsariRecording = {
      file: `${s.root}/${s.name}/${s.name}-${String(s.recordings.length + 1).padStart(2, "0")}.mat`,
      kind,
      stimulusFiles,
      triggers: [],
    };
    if (rec) r.recording = rec;
    s.recordings.push(r);
    return r;
  }

  /** A natural trigger over 1-based positions of the recording's stimulus list. */
  seq(r: AsariRecording, k: number, positions: number[], opts: SeqOptions = {}): void {
    const description = `${opts.prefix ?? ""}Sequence ${k}: ${positions.join(opts.spacing ?? "  ")}`;
    const inMap = positions.every((p) => p >= 1 && p <= r.stimulusFiles.length);
    const files = inMap ? positions.map((p) => r.stimulusFiles[p - 1] as string) : undefined;
    const found = files?.map((f) => this.segment(f));
    const segments = found?.every((g) => g !== undefined) ? (found as AsariSegmentFile[]) : undefined;
    const kind =
      opts.kind ??
      (!inMap
        ? "bad-index"
        : !segments
          ? "missing-segment"
          : segments.some((g) => g.sfHz !== (segments[0] as AsariSegmentFile).sfHz)
            ? "rate-mismatch"
            : "repeat");
    const t: AsariTrigger = {
      typeText: opts.typeText ?? "naturalsound",
      description,
      kind,
      positions,
      artifact: opts.artifact ?? "none",
    };
    if (opts.slot !== undefined) t.slot = opts.slot;
    const missing = found?.indexOf(undefined) ?? -1;
    if (files && missing >= 0) t.missingSegment = files[missing] as string;
    if (files) t.files = files;
    if (segments) t.segments = segments;
    r.triggers.push(t);
  }

  tone(r: AsariRecording, f: number): void {
    r.triggers.push({ typeText: "tone", description: `tone ${f} Hz`, kind: "tone", artifact: "none" });
  }
}

/** A: A1 whole-cell; site from the second recording (the first has no `recording` struct). */
function plantCellA(b: AsariSessions): void {
  const s = b.session(1, "20050614-ha1-001", "A1", "whole-cell");
  const r1 = b.recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class3/1.mat"]);
  b.seq(r1, 1, [2, 1, 3]);
  b.tone(r1, 2000);
  b.seq(r1, 2, [4, 1], { prefix: "Natural sounds, ", spacing: " " });
  b.seq(r1, 1, [2, 1, 3], { typeText: "Natural Sound" });
  r1.triggers.push({
    typeText: "naturalsound",
    description: "silence (no sequence)",
    kind: "no-sequence",
    artifact: "none",
  });
  b.seq(r1, 3, [1, 7]);
  b.seq(r1, 2, [4, 1], { artifact: "step" });
  // same files in another order: positions differ, the tuple of files (the stim) is the same
  const r2 = b.recording(s, "normal", ["class3/3l.mat", "class1/1.mat", "class1/2.mat", "class3/1.mat"], {
    site: "primary auditory cortex",
    type: "whole cell",
  });
  b.seq(r2, 1, [3, 2, 1]);
  b.seq(r2, 2, [4, 2]);
  b.seq(r2, 1, [3, 2, 1]);
  b.seq(r2, 2, [4, 2]);
}

/** B: MGB cell-attached (spikes); corrupt, param-less and trigger-less recordings first. */
function plantCellB(b: AsariSessions): void {
  const s = b.session(1, "20050614-ha1-002", "MGB", "cell-attached");
  b.recording(s, "corrupt", ["class6/1.mat"], { site: "MGB", type: "cell attached" });
  b.recording(s, "no-param", []);
  b.recording(s, "no-triggers", ["class6/1.mat", "class1/3.mat"]);
  const files = ["class6\\1.mat", "class1/3.mat", "class6/2.mat"];
  const r4 = b.recording(s, "normal", files, { site: "MGB (ventral)", type: "Cell Attached" });
  for (let i = 0; i < 3; i++) {
    b.seq(r4, 1, [1, 2]);
    b.seq(r4, 2, [3, 2], { artifact: i === 2 ? "empty" : "none" });
  }
  const r5 = b.recording(s, "normal", files, { site: "MGB (ventral)", type: "Cell Attached" });
  b.seq(r5, 1, [1, 2]);
  b.seq(r5, 2, [3, 2]);
}

/** C: A1 whole-cell in results-2: shares a stim with A; a sequence mixing sample rates; a clipped repeat. */
function plantCellC(b: AsariSessions): void {
  const s = b.session(2, "20060301-ha3-001", "A1", "whole-cell");
  const r1 = b.recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class2/1.mat"], {
    site: "Auditory Cortex (A1)",
    type: "whole cell",
  });
  for (let i = 0; i < 4; i++) {
    b.seq(r1, 1, [2, 1, 3], { artifact: i === 1 ? "uncorrelated" : "none" });
    if (i < 2) b.seq(r1, 2, [4, 1]);
  }
  const r2 = b.recording(s, "normal", ["class1/1.mat", "class1/2.mat", "class3/3l.mat", "class2/1.mat"], {
    site: "Auditory Cortex (A1)",
    type: "whole cell",
  });
  for (let i = 0; i < 3; i++) b.seq(r2, 3, [3], { artifact: i === 2 ? "clipped" : "none" });
}

/** D: a recording struct without `site` -> MGB; penetration "00a" is not all digits. */
function plantCellD(b: AsariSessions): void {
  const s = b.session(2, "20060301-ha3-00a", "MGB", "cell-attached");
  const r1 = b.recording(s, "normal", ["class1/3.mat", "class6/2.mat"], { type: "cell attached" });
  for (let i = 0; i < 3; i++) b.seq(r1, 1, [1, 2]);
}

/** E: tones only: no usable trigger, not yielded. */
function plantCellE(b: AsariSessions): void {
  const s = b.session(2, "20060302-ha4-001", "A1", "whole-cell", false);
  const r1 = b.recording(s, "normal", ["class1/1.mat"], { site: "auditory cortex", type: "whole cell" });
  b.tone(r1, 4000);
  b.tone(r1, 8000);
}

/** Plain cells (bench scale), alternating A1 and MGB, half in each results root. */
function plantExtraCells(
  b: AsariSessions,
  P: ScaleParams,
  rng: Rng,
  segments: readonly AsariSegmentFile[],
): void {
  const pool = segments.filter((g) => g.sfHz === ASARI_STIM_SF_HZ).map((g) => g.file);
  for (let c = 0; c < P.extraAsariCells; c++) {
    const a1 = c % P.asariA1Every === 0;
    const root: 1 | 2 = c < P.extraAsariCells / 2 ? 1 : 2;
    const day = new Date(Date.UTC(root === 1 ? 2005 : 2006, 8, 1 + 2 * c));
    const date = day.toISOString().slice(0, 10).replaceAll("-", "");
    const s = b.session(
      root,
      `${date}-ha${5 + (c % 7)}-00${1 + (c % 3)}`,
      a1 ? "A1" : "MGB",
      a1 ? "whole-cell" : "cell-attached",
    );
    const stimulusFiles = pickDistinct(rng, pool, Math.min(pool.length, P.asariStimulusFiles));
    const perCell = P.asariStimsPerCell ?? P.extraStimsPerCell;
    const nSeq = rng.int(perCell[0], perCell[1]);
    const seqs: number[][] = [];
    for (let k = 0; k < nSeq; k++) {
      const len = rng.int(P.asariSeqSegments[0], P.asariSeqSegments[1]);
      seqs.push(Array.from({ length: len }, () => rng.int(1, stimulusFiles.length)));
    }
    const nRec = rng.int(P.extraRecordings[0], P.extraRecordings[1]);
    const repeats = P.asariRepeats ?? P.extraRepeats;
    const reps = rng.int(repeats[0], repeats[1]);
    const recs = Array.from({ length: nRec }, () =>
      b.recording(s, "normal", stimulusFiles, {
        site: a1 ? "auditory cortex" : "MGB",
        type: a1 ? "whole cell" : "cell attached",
      }),
    );
    for (let rep = 0; rep < reps; rep++) {
      const r = recs[rep % nRec] as AsariRecording;
      for (const [k, p] of seqs.entries()) b.seq(r, k + 1, p);
      if (rep === 0) b.tone(r, 1000);
    }
  }
}

/** Sorts sessions by results root then name, the walking order. */
export function sortAsariSessions(sessions: AsariSession[]): AsariSession[] {
  return sessions.sort((a, c) =>
    a.root < c.root ? -1 : a.root > c.root ? 1 : a.name < c.name ? -1 : a.name > c.name ? 1 : 0,
  );
}

/** Plans the Asari sessions, sorted by results root then name. */
export function planAsariSessions(
  P: ScaleParams,
  rng: Rng,
  segments: readonly AsariSegmentFile[],
): AsariSession[] {
  const b = new AsariSessions(rng, segments);
  plantCellA(b);
  plantCellB(b);
  plantCellC(b);
  plantCellD(b);
  plantCellE(b);
  plantExtraCells(b, P, rng, segments);
  return sortAsariSessions(b.list);
}
