// What the Wehr and Asari file makers of the synthetic release share: the
// MAT-file writer with the release's fixed header, corrupting a file, repeat
// lengths, and SynthFiles, the state of one generation: the manifest being
// filled in, the stimulus-locked responses of the current cell (computed
// once per stim and length), the planted artifacts and the expected repeats.

import { roundHalfEven } from "../../dsp/round.js";
import { type MatValue, numeric, scalar, struct, writeMat } from "../../mat/index.js";
import type { Rng } from "../../random/index.js";
import {
  FATE_OF_ARTIFACT,
  type SynthArtifact,
  type SynthCell,
  type SynthManifest,
  type SynthRepeat,
} from "./manifest.js";
import type { CellParams } from "./plan-model.js";
import { addSaturation, addStep, addUnsharedDeflections, envelope, stimLockedResponse } from "./signals.js";

/** Header text of every file: as written when the release was standardised (fixed, so bytes are reproducible). */
const MAT_HEADER = "MATLAB 5.0 MAT-file, Platform: GLNX86, Created on: Fri Feb 20 15:26:59 2009";

/** A compressed MAT file with the release's header. */
export function mat(vars: { name: string; value: MatValue }[]): Uint8Array {
  return writeMat(vars, { compress: true, headerText: MAT_HEADER });
}

/** The `response` variable as the rigs stored it: the int16 trace (a column), its mV scale and rate. */
export function responseVar(q: Int16Array, scale: number, sfHz: number): { name: string; value: MatValue } {
  return {
    name: "response",
    value: struct({ trace: numeric("int16", q, [q.length, 1]), scale: scalar(scale), sf: scalar(sfHz) }),
  };
}

/** A readable MAT file made unreadable: the first variable's zlib stream is overwritten and the file cut short. */
export function corrupt(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice(0, Math.max(200, Math.floor(bytes.length * 0.4)));
  for (let i = 136; i < Math.min(out.length, 200); i++) out[i] = 0xa5 ^ (i & 0x0f);
  return out;
}

/** Samples of a repeat of durationMs at sfHz (pipeline.md's rounding). */
export function repeatLength(durationMs: number, sfHz: number): number {
  return roundHalfEven((durationMs * sfHz) / 1000);
}

/** A session name's penetration field: a number when all digits, else the text. */
export function penetrationOf(p: string): number | string {
  return /^[0-9]+$/.test(p) ? Number.parseInt(p, 10) : p;
}

/** The state of one generation, shared by the Wehr and Asari file makers. */
export class SynthFiles {
  private readonly pspCache = new Map<string, ReturnType<typeof stimLockedResponse>>();
  private pspCell = "";
  /** Segment files the walk has already reported as unreadable (it reads each at most once). */
  readonly reportedSegments = new Set<string>();

  constructor(
    readonly seed: number,
    readonly manifest: SynthManifest,
  ) {}

  /** A corrupt file: the walker warns "unreadable-file" and lists it as skipped. */
  expectUnreadable(path: string): void {
    this.manifest.warnings.push({ code: "unreadable-file", path });
    this.manifest.skippedFiles.push(path);
  }

  /** The stimulus-locked response of a cell to a stim over n samples (cached for the current cell). */
  psp(
    cell: CellParams,
    keyText: string,
    wave: () => Float64Array,
    sfAudio: number,
    sfResp: number,
    n: number,
  ) {
    if (this.pspCell !== cell.seedLabel) {
      this.pspCache.clear();
      this.pspCell = cell.seedLabel;
    }
    const k = `${keyText}#${n}`;
    let r = this.pspCache.get(k);
    if (!r) {
      r = stimLockedResponse(envelope(wave(), sfAudio, sfResp, n), sfResp, cell.pspPeakMv);
      this.pspCache.set(k, r);
    }
    return r;
  }

  /** Adds the stimulus-locked response (or the artifact replacing it) over [onset, onset + n). */
  applyResponse(
    rng: Rng,
    mv: Float64Array,
    onset: number,
    n: number,
    pspMv: Float64Array,
    artifact: SynthArtifact,
    sfHz: number,
    c: CellParams,
    slot = 0,
  ): void {
    const end = Math.min(mv.length, onset + n);
    if (artifact === "unshared") {
      addUnsharedDeflections(mv, onset, n, sfHz, slot);
    } else if (artifact === "uncorrelated") {
      for (let i = onset; i < end; i++)
        mv[i] = (mv[i] as number) - 0.15 * (pspMv[i - onset] as number) + 1.5 * rng.gauss();
    } else {
      for (let i = onset; i < end; i++) mv[i] = (mv[i] as number) + (pspMv[i - onset] as number);
    }
    if (artifact === "saturation") addSaturation(mv, onset, n, sfHz, c.scale);
    if (artifact === "step") addStep(mv, onset, n, sfHz);
  }

  /** The manifest's record of a repeat as the walker will slice it from the quantized trace. */
  expectedRepeat(
    file: string,
    trigger: number,
    onset: number,
    n: number,
    q: Int16Array,
    scale: number,
    artifact: SynthArtifact,
  ): SynthRepeat {
    const start = Math.min(onset, q.length);
    const end = Math.min(q.length, start + n);
    let sum = 0;
    const head: number[] = [];
    for (let i = start; i < end; i++) {
      const v = (q[i] as number) * scale;
      sum += v;
      if (head.length < 3) head.push(v);
    }
    return {
      file,
      trigger,
      onsetSample: onset,
      length: end - start,
      artifact,
      expectedFate: FATE_OF_ARTIFACT[artifact],
      sum,
      head,
    };
  }

  /** A cell is expected dropped when every stim has repeats and none of them is kept. */
  updateDropped(cell: SynthCell): void {
    cell.expectDropped = cell.stims.every(
      (s) => s.repeats.length > 0 && s.repeats.every((r) => r.expectedFate !== "kept"),
    );
  }
}
