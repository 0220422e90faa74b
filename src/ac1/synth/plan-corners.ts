// The corners of the reference loader that the real release may reach,
// planted on purpose (issue #16) and recorded in the manifest's `corners`:
// Wehr stimulus stems Python's int() reads ("+8", " 7", "1_0", Arabic-Indic
// digits) with two files of one idx, a first trial of duration 0, a kept
// repeat shorter than one bin (the stim shrinks to T = 1 for every cell), a
// trace flat at the int16 rail, a stim at 51200 Hz (a band on its Nyquist,
// fmax 25600 on a band centre), a stim whose resampled length float32 cuts
// by one with the grid reaching past its end; an Asari cell-attached cell
// whose three repeats share no deflection (all "xcorr", dropped) and is the
// first to hear a stim that a later cell registers, a session without any
// `recording` struct, a four-part session name, and a cell whose every
// sequence names a missing segment file.
//
// The corner sessions sort after every other session of their kind, and all
// their draws come from their own stream, so the files planted before them
// keep their bytes.

import { Rng } from "../../random/index.js";
import type { SynthCorner } from "./manifest.js";
import { AsariSessions } from "./plan-asari.js";
import {
  type AsariSegmentFile,
  type AsariSession,
  STUB_SAMPLES,
  WEHR_STIM_SF_HZ,
  type WehrSession,
  type WehrStimFile,
} from "./plan-model.js";
import { WehrSessions } from "./plan-wehr.js";
import { stimulusWave } from "./signals.js";

/** The stim file the resample corner is built on: L samples at 44.1 kHz. */
export const RESAMPLE_CORNER_SAMPLES = 60287;
/** Rate of the band-limits corner's stim: its Nyquist, 25600 Hz, is band 48 of 100 Hz at 6 per octave. */
export const BAND_CORNER_SF_HZ = 51200;

export interface PlannedCorners {
  wehrStims: WehrStimFile[];
  wehrSessions: WehrSession[];
  asariSessions: AsariSession[];
  corners: SynthCorner[];
}

/** A Wehr stimulus file of the corners: its stem as written and the idx Python's int() gives it. */
function cornerStim(
  seed: number,
  folder: string,
  stem: string,
  idx: number,
  description: string,
  samples: number,
  sfHz = WEHR_STIM_SF_HZ,
): WehrStimFile {
  const s: WehrStimFile = {
    folder,
    stem,
    idx,
    path: `crcns-ac1/wehr/Stimuli/${folder}/${stem}.mat`,
    description,
    durationMs: (samples * 1000) / sfHz,
    wave: stimulusWave(Rng.of(seed, `wehr-stim:${folder}/${stem}`), samples, sfHz),
  };
  if (sfHz !== WEHR_STIM_SF_HZ) s.sfHz = sfHz;
  return s;
}

/** The last 10 ms of a wave replaced by a loud 1 kHz tone, so its resampled end is not silence. */
function loudEnding(wave: Float64Array, sfHz: number): void {
  const n = Math.round(0.01 * sfHz);
  for (let i = wave.length - n; i < wave.length; i++) {
    const v = 0.6 * Math.sin((2 * Math.PI * 1000 * i) / sfHz) + 0.2;
    wave[i] = Math.round(v * 32768) / 32768;
  }
}

/** Plans every corner: the Wehr stims and two cells, the Asari cells (added to the plan by planSynth). */
export function planCorners(
  seed: number,
  rng: Rng,
  asariSegments: readonly AsariSegmentFile[],
  regular: { wehrFragments: number; wehrPerCategory: number },
): PlannedCorners {
  const corners: SynthCorner[] = [];
  // The corner stims are 10 and 10 (category1), 7 (category2), 8 (category3)
  // and 13 (fragments); a scale whose regular stems reach those numbers gets
  // them shifted by a round base (110, 107, ...) so no file name or idx of the
  // regular stims is taken twice. Small and bench keep base 0 (their bytes).
  const base =
    regular.wehrPerCategory < 7 && regular.wehrFragments < 13
      ? 0
      : 100 * Math.ceil((Math.max(regular.wehrPerCategory, regular.wehrFragments) + 1) / 100);
  const n10 = String(base + 10);
  const underscored = `${n10.slice(0, 1)}_${n10.slice(1)}`;
  const arabicDigits = [...String(base + 13)].map((d) => String.fromCharCode(0x0660 + Number(d))).join("");
  const ten = cornerStim(seed, "category1", n10, base + 10, `category1 sound ${n10}`, 22050);
  const oneUnderscoreZero = cornerStim(
    seed,
    "category1",
    underscored,
    base + 10,
    `category1 sound ${underscored}`,
    30870,
  );
  const spaceSeven = cornerStim(
    seed,
    "category2",
    ` ${base + 7}`,
    base + 7,
    `category2 sound ' ${base + 7}'`,
    17640,
  );
  const plusEight = cornerStim(
    seed,
    "category3",
    `+${base + 8}`,
    base + 8,
    `category3 sound '+${base + 8}' at 51.2 kHz`,
    23040,
    BAND_CORNER_SF_HZ,
  );
  const arabic13 = cornerStim(
    seed,
    "fragments",
    arabicDigits,
    base + 13,
    `fragment ${base + 13} (Arabic-Indic digits)`,
    RESAMPLE_CORNER_SAMPLES,
  );
  loudEnding(arabic13.wave, WEHR_STIM_SF_HZ);
  const wehrStims = [ten, oneUnderscoreZero, spaceSeven, plusEight, arabic13];
  corners.push({
    id: "wehr-int-stems",
    what: `stimulus stems Python's int() reads: '${n10}', '${underscored}' (${n10}), ' ${base + 7}' (${base + 7}), '+${base + 8}' (${base + 8}), Arabic-Indic '${base + 13}'`,
    sessions: [],
    stimKeys: wehrStims.map((s) => ["wehr", s.folder, s.idx as number]),
  });

  const w = new WehrSessions(rng);
  // WA: two files of idx 10 in one cell (the later description's block wins),
  // a first trial of duration 0, a stub repeat, the resample corner.
  const wa = w.session("20030106-mw-001");
  w.natural(wa, ten, { durationMs: 0, artifact: "zero-duration" });
  const longArabic = (RESAMPLE_CORNER_SAMPLES / WEHR_STIM_SF_HZ) * 1000 + 20;
  for (let rep = 0; rep < 3; rep++) {
    w.natural(wa, ten, { durationMs: ten.durationMs + 40 });
    if (rep < 2) w.natural(wa, oneUnderscoreZero);
    if (rep < 2) w.natural(wa, spaceSeven, { artifact: rep === 1 ? "stub" : "none" });
    if (rep < 2) w.natural(wa, arabic13, { durationMs: longArabic });
  }
  // WB: the stub's stim again (T = 1 here too), and a trace flat at the rail among three.
  const wb = w.session("20030113-mw-002");
  for (let rep = 0; rep < 3; rep++) {
    w.natural(wb, spaceSeven);
    w.natural(wb, plusEight, { artifact: rep === 1 ? "flat-rail" : "none" });
  }
  corners.push(
    {
      id: "wehr-idx-collision",
      what: `'${underscored}.mat' and '${n10}.mat' share idx ${n10}: one key, two stims of one cell (grouped by description); the stim is registered with the first, the cell's block is the later one's`,
      sessions: [wa.name],
      stimKeys: [["wehr", "category1", base + 10]],
    },
    {
      id: "wehr-duration-zero",
      what: "the first trial of a stim has duration 0: an empty repeat (range), the stim's duration falls back to its waveform's (Tdur from it), duration_s 0",
      sessions: [wa.name],
      stimKeys: [["wehr", "category1", base + 10]],
      facts: { waveformSamples: ten.wave.length, sfHz: WEHR_STIM_SF_HZ, laterTrialsMs: ten.durationMs + 40 },
    },
    {
      id: "short-repeat-one-bin",
      what: `a kept repeat of ${STUB_SAMPLES} samples (under one 5 ms bin) bins to one value: the cell's block has T = 1, so the stim is cut to T = 1 for every cell`,
      sessions: [wa.name, wb.name],
      stimKeys: [["wehr", "category2", base + 7]],
      facts: { stubSamples: STUB_SAMPLES },
    },
    {
      id: "flat-rail",
      what: "a trial trace flat at the int16 rail among three repeats: detrended exactly flat, r = 0, xcorr",
      sessions: [wb.name],
      stimKeys: [["wehr", "category3", base + 8]],
    },
    {
      id: "band-limits",
      what: "a stim at 51200 Hz: band 48 (25600 Hz) lies on its Nyquist and the bands above it beyond; built with fmax 25600, fmax is a band centre (F = 49)",
      sessions: [wb.name],
      stimKeys: [["wehr", "category3", base + 8]],
      facts: { sfHz: BAND_CORNER_SF_HZ, fmaxOnBandHz: 25600 },
    },
    {
      id: "resample-length",
      what: "44100 -> 96000 Hz of L = 60287 samples: torchaudio keeps ceil(f32(320 L / 147)) = 131237 samples, one less than the exact ceil; the trials last 20 ms longer than the stim, so Tcanon = Tspec and Tcanon * hop reaches past the resampled end (zeros there)",
      sessions: [wa.name],
      stimKeys: [["wehr", "fragments", base + 13]],
      facts: { waveformSamples: RESAMPLE_CORNER_SAMPLES, sfHz: WEHR_STIM_SF_HZ, resampledAt96k: 131237 },
    },
  );

  const a = new AsariSessions(rng, asariSegments);
  // AU (results-1, MGB cell-attached): three repeats with deflections nobody
  // shares; the first cell to hear ("class1/2.mat", "class3/1.mat").
  const au = a.session(1, "20051201-ha5-001", "MGB", "cell-attached");
  const au1 = a.recording(au, "normal", ["class1/2.mat", "class3/1.mat"], {
    site: "MGB (ventral)",
    type: "cell attached",
  });
  for (let i = 0; i < 3; i++) a.seq(au1, 4, [1, 2], { artifact: "unshared", slot: i });
  // AN: no `recording` struct in any recording: the reference never learns the site.
  const an = a.session(1, "20051202-ha5-002", "MGB", "", false);
  an.notYieldedReason = "no recording struct";
  const an1 = a.recording(an, "normal", ["class1/1.mat"]);
  for (let i = 0; i < 2; i++) a.seq(an1, 1, [1]);
  // AS: a four-part name, read as its first three parts.
  const as = a.session(1, "20051203-ha5-003-b", "A1", "whole-cell");
  const as1 = a.recording(as, "normal", ["class1/1.mat", "class6/1.mat"], {
    site: "auditory cortex",
    type: "whole cell",
  });
  for (let i = 0; i < 3; i++) a.seq(as1, 2, [2, 1]);
  // AM: every sequence names a segment file that is not in Stimuli: yielded without stims, dropped.
  const am = a.session(1, "20051204-ha5-004", "A1", "whole-cell");
  const am1 = a.recording(am, "normal", ["class4/9.mat", "class1/1.mat"], {
    site: "auditory cortex",
    type: "whole cell",
  });
  for (let i = 0; i < 2; i++) a.seq(am1, 1, [1, 2]);
  // AL (results-2, A1): registers the stim AU heard first, with its own positions and description.
  const al = a.session(2, "20061201-ha6-001", "A1", "whole-cell");
  const al1 = a.recording(al, "normal", ["class3/1.mat", "class1/2.mat"], {
    site: "auditory cortex",
    type: "whole cell",
  });
  for (let i = 0; i < 3; i++) a.seq(al1, 1, [2, 1]);
  const shared = ["asari", "class1/2.mat", "class3/1.mat"];
  corners.push(
    {
      id: "unshared-xcorr",
      what: "a cell-attached cell with R = 3 and no shared deflection: every repeat anti-correlates with the mean of the other two, all xcorr, the cell is dropped",
      sessions: [au.name],
      stimKeys: [shared],
    },
    {
      id: "registered-by-later-cell",
      what: "the first cell to hear a stim is a dropped one: the stim takes its index and metadata (segments, sequence) from the later cell that keeps a repeat",
      sessions: [au.name, al.name],
      stimKeys: [shared],
      facts: { firstSequence: "Sequence 4: 1 2", registeredSequence: "Sequence 1: 2 1" },
    },
    {
      id: "asari-no-recording-struct",
      what: "a session without any `recording` struct: the reference never sets the cell's site and passes over it",
      sessions: [an.name],
      stimKeys: [],
    },
    {
      id: "asari-four-part-name",
      what: "a session name of four parts: the reference takes the first three (date, animal, penetration)",
      sessions: [as.name],
      stimKeys: [["asari", "class6/1.mat", "class1/1.mat"]],
    },
    {
      id: "asari-splice-failed",
      what: "every sequence of a cell names a segment file missing from Stimuli: the reference warns, yields the cell without stims, and the dataset counts it dropped",
      sessions: [am.name],
      stimKeys: [],
      facts: { missingSegment: "crcns-ac1/asari/Stimuli/class4/9.mat" },
    },
  );
  return { wehrStims, wehrSessions: w.list, asariSessions: a.list, corners };
}
