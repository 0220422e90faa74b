// The Wehr files of the synthetic release and what the manifest expects of
// them: Summary.mat, the stimulus files, and one trial file per trigger
// (an int16 trace with its scale, the natural-sound trigger and sometimes a
// second one), with each cell's expected stims registered before its files
// are written and its expected repeats recorded as they are.

import { numeric, scalar, str, struct, structArray } from "../../mat/index.js";
import { Rng } from "../../random/index.js";
import { corrupt, mat, penetrationOf, repeatLength, responseVar, type SynthFiles } from "./files.js";
import type { SynthCell, SynthStim } from "./manifest.js";
import {
  STUB_SAMPLES,
  WEHR_RESP_SF_HZ,
  WEHR_STIM_SF_HZ,
  type WehrSession,
  type WehrStimFile,
  type WehrTrial,
} from "./plan-model.js";
import { background, INT16_MAX, quantize } from "./signals.js";

/** The sample rate a Wehr stimulus file declares. */
function stimSf(s: WehrStimFile): number {
  return s.sfHz ?? WEHR_STIM_SF_HZ;
}

/** wehr/Summary.mat: one entry per session with its number of trials. */
export function wehrSummaryFile(sessions: readonly WehrSession[]): Uint8Array {
  return mat([
    {
      name: "summary",
      value: structArray(
        sessions.map((s) => ({ session: str(s.name), ntrials: scalar(s.trials.length) })),
        [1, sessions.length],
        ["session", "ntrials"],
      ),
    },
  ]);
}

export function wehrStimFile(s: WehrStimFile): Uint8Array {
  return mat([
    {
      name: "stimulus",
      value: struct({
        type: str("naturalsound"),
        samples: numeric("double", s.wave, [s.wave.length, 1]),
        param: struct({
          description: str(s.description),
          sf: scalar(stimSf(s)),
          duration: scalar(s.durationMs),
        }),
      }),
    },
  ]);
}

/**
 * Registers the cell's expected stims (their repeats are filled in when the
 * trial files are written) and the session's expected warnings; undefined
 * for a session the walker must not yield.
 */
export function expectWehrCell(
  files: SynthFiles,
  session: WehrSession,
  index: Map<string, WehrStimFile>,
): SynthCell | undefined {
  const { manifest } = files;
  const dir = `crcns-ac1/wehr/Results/${session.name}`;
  if (session.malformed) {
    manifest.warnings.push({ code: "malformed-session", path: dir });
    manifest.notYielded.push({
      experimenter: "wehr",
      session: session.name,
      reason: "malformed session name",
      wehrCellIdx: session.cellIdx,
    });
    return undefined;
  }
  const [date, animal, pen] = session.name.split("-") as [string, string, string];
  const cell: SynthCell = {
    meta: {
      experimenter: "wehr",
      session: session.name,
      animal_id: animal,
      penetration: penetrationOf(pen),
      date,
      site: "A1",
      recording_type: "whole-cell",
      species: "rat",
      _wehr_cell_idx: session.cellIdx,
    },
    expectedSignalType: "subthresh",
    expectDropped: false,
    stims: [],
  };
  // Trials group by description, as the reference groups them (two files of one idx stay two stims).
  const byDescription = new Map<string, SynthStim>();
  for (const t of session.trials) {
    if (t.kind === "corrupt") {
      files.expectUnreadable(t.file);
      continue;
    }
    if (t.kind !== "natural") continue;
    const stim = index.get(t.description);
    if (!stim) {
      manifest.warnings.push({ code: "unknown-description", path: t.file });
      continue;
    }
    const idx = stim.idx as number;
    const key = ["wehr", stim.folder, idx];
    if (!byDescription.has(t.description)) {
      const st: SynthStim = {
        key,
        meta: {
          experimenter: "wehr",
          category: stim.folder,
          idx,
          description: stim.description,
          duration_s: t.durationMs / 1000,
        },
        sfStimHz: stimSf(stim),
        sfRespHz: WEHR_RESP_SF_HZ,
        // the first trial's duration, or when 0 the waveform's (the reference's `duration_ms or ...`)
        durationMs: t.durationMs !== 0 ? t.durationMs : (stim.wave.length / stimSf(stim)) * 1000,
        waveformLength: stim.wave.length,
        waveformProbes: [0, Math.floor(stim.wave.length / 3), stim.wave.length - 1].map((i) => ({
          index: i,
          value: stim.wave[i] as number,
        })),
        repeats: [],
      };
      byDescription.set(t.description, st);
      cell.stims.push(st);
    }
  }
  if (cell.stims.length === 0) {
    manifest.notYielded.push({
      experimenter: "wehr",
      session: session.name,
      reason: "no usable natural-sound trial",
      wehrCellIdx: session.cellIdx,
    });
    return undefined;
  }
  manifest.cells.push(cell);
  return cell;
}

/** One trial file: background, the response to its stim (or a planted artifact), triggers; records the expected repeat. */
export function wehrTrialFile(
  files: SynthFiles,
  session: WehrSession,
  t: WehrTrial,
  cell: SynthCell | undefined,
): Uint8Array {
  const rng = Rng.of(files.seed, `trace:${t.file}`);
  const c = session.cell;
  const sf = WEHR_RESP_SF_HZ;
  const n = repeatLength(t.durationMs, sf);
  const pre = Math.round(rng.range(0.15, 0.35) * sf);
  const post = Math.round(0.25 * sf);
  const length =
    t.artifact === "clipped"
      ? pre + Math.floor(0.6 * n)
      : t.artifact === "stub"
        ? pre + STUB_SAMPLES
        : pre + n + post;
  const mv = background(rng, length, sf, c.baselineMv, c.driftMv, c.noiseMv);
  if (t.kind !== "tone" && t.stim) {
    const { pspMv } = files.psp(
      c,
      `${t.stim.folder}/${t.stim.stem}`,
      () => (t.stim as WehrStimFile).wave,
      stimSf(t.stim),
      sf,
      n,
    );
    files.applyResponse(rng, mv, pre, n, pspMv, t.artifact, sf, c);
  }
  // the amplifier railed for the whole trial
  if (t.artifact === "flat-rail") mv.fill(INT16_MAX * c.scale);
  const q = quantize(mv, c.scale);
  const trig = (type: string, time: number, file: string, description: string, durationMs: number) => ({
    type: str(type),
    time: scalar(time),
    file: str(file),
    param: struct({ description: str(description), duration: scalar(durationMs) }),
  });
  const trigs = [
    trig(
      t.typeText,
      pre + 1,
      t.stim ? `${t.stim.folder}/${t.stim.stem}.mat` : "",
      t.description,
      t.durationMs,
    ),
  ];
  if (t.secondTrigger) trigs.push(trig("tone", pre + n + 1, "", "tone 2000 Hz 50 dB", 50));
  const bytes = mat([
    responseVar(q, c.scale, sf),
    { name: "triggers", value: structArray(trigs, [1, trigs.length]) },
  ]);
  if (t.kind === "corrupt") return corrupt(bytes);
  if (cell && t.kind === "natural" && t.stim) {
    const st = cell.stims.find((s) => s.meta.experimenter === "wehr" && s.meta.description === t.description);
    if (st) st.repeats.push(files.expectedRepeat(t.file, 0, pre, n, q, c.scale, t.artifact));
    files.updateDropped(cell);
  }
  return bytes;
}
