// Writes the synthetic CRCNS-AC1 release: the three zips with the real layout
// (crcns-ac1.zip holding wehr/ and asari/Stimuli, crcns-ac1-asari-results-N.zip
// holding asari-results-N/<session>/) and synth-manifest.json beside them.
// Every .mat is written with the project's writeMat, compressed, as MATLAB
// R14 would (int16 traces with a scale, structs, struct arrays, char).
// Deterministic for a seed: file contents come from per-file PRNG streams and
// zip entries carry a fixed DOS timestamp, so the bytes are identical across
// runs and machines. Files are generated lazily as yazl reaches them, so only
// one file is in memory at a time.

import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { partialDirOf, RELEASE_LAYOUT } from "../../archive/index.js";
import { roundHalfEven } from "../../dsp/round.js";
import { Ac1Error } from "../../errors.js";
import { type MatValue, numeric, scalar, str, struct, structArray, writeMat } from "../../mat/index.js";
import { Rng } from "../../random/index.js";
import { stimKeyString } from "../types.js";
import {
  FATE_OF_ARTIFACT,
  SYNTH_GENERATOR,
  type SynthArtifact,
  type SynthCell,
  type SynthManifest,
  type SynthRepeat,
  type SynthScale,
  type SynthStim,
} from "./manifest.js";
import { planSynth } from "./plan.js";
import {
  ASARI_RESP_SF_HZ,
  type AsariRecording,
  type AsariSegmentFile,
  type AsariSession,
  type CellParams,
  type SynthPlan,
  WEHR_RESP_SF_HZ,
  WEHR_STIM_SF_HZ,
  type WehrSession,
  type WehrStimFile,
  type WehrTrial,
} from "./plan-model.js";
import {
  addSaturation,
  addSpike,
  addStep,
  background,
  envelope,
  quantize,
  stimLockedResponse,
} from "./signals.js";

export interface SynthProgress {
  /** Zip being written. */
  zip: string;
  filesDone: number;
  filesTotal: number;
}

export interface SynthOptions {
  scale: SynthScale;
  seed: number;
  onProgress?: (p: SynthProgress) => void;
}

export const MANIFEST_FILE = "synth-manifest.json";
/** Marks a folder as written by the generator (so it may overwrite the release files in it). */
export const OWNER_MARKER = ".ac1-synth";

/** Fixed entry time (local-time fields, DOS format only) so zip bytes do not depend on the clock or time zone. */
const ZIP_MTIME = new Date(2009, 1, 20, 15, 26, 58);

interface ZipEntryPlan {
  /** Path inside the zip. */
  name: string;
  make: () => Uint8Array;
}

interface ZipPlan {
  zip: string;
  /** Release-relative folder the zip unpacks into (prefix of release paths). */
  mount: string;
  entries: ZipEntryPlan[];
}

/** Writes the three zips and the manifest into outDir; resolves to the manifest. */
export async function writeSynthArchive(outDir: string, opts: SynthOptions): Promise<SynthManifest> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in 0..4294967295, got ${opts.seed}`);
  }
  const plan = planSynth(opts.scale, opts.seed);
  const manifest: SynthManifest = {
    format: "ac1-synth-manifest",
    version: 1,
    generator: SYNTH_GENERATOR,
    seed: opts.seed,
    scale: opts.scale,
    zips: [],
    cells: [],
    notYielded: [],
    warnings: [],
    skippedFiles: [],
  };
  const gen = new Generator(plan, manifest);
  const zips = gen.zipPlans();
  await claimOutDir(outDir);
  const filesTotal = zips.reduce((n, z) => n + z.entries.length, 0);
  let filesDone = 0;
  for (const z of zips) {
    const files = await writeZip(join(outDir, z.zip), z.entries, () => {
      filesDone++;
      opts.onProgress?.({ zip: z.zip, filesDone, filesTotal });
    });
    manifest.zips.push({ name: z.zip, bytes: (await stat(join(outDir, z.zip))).size, files });
  }
  await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/**
 * Makes outDir ours to write: refuses a folder holding release zips or
 * unpacked trees that the generator did not write (e.g. the real data);
 * in our own folder, removes the manifest (it marks completion) and the
 * trees unpacked from the previous zips, which would otherwise look current.
 */
async function claimOutDir(outDir: string): Promise<void> {
  const marker = join(outDir, OWNER_MARKER);
  if (!existsSync(marker)) {
    const found = RELEASE_LAYOUT.flatMap((l) => [l.zip, l.folder]).filter((f) => existsSync(join(outDir, f)));
    if (found.length > 0) {
      throw new Ac1Error(
        "SYNTH_OUT",
        `${outDir}: already holds ${found.join(", ")} not written by ac1 synth; refusing to overwrite (choose another output folder)`,
      );
    }
    await mkdir(outDir, { recursive: true });
    await writeFile(marker, "This folder holds a synthetic CRCNS-AC1 release written by ac1 synth.\n");
    return;
  }
  await rm(join(outDir, MANIFEST_FILE), { force: true });
  for (const l of RELEASE_LAYOUT) {
    await rm(join(outDir, l.folder), { recursive: true, force: true });
    await rm(partialDirOf(outDir, l), { recursive: true, force: true });
  }
}

/** Writes one zip atomically (temporary name, then rename); returns the number of file entries. */
async function writeZip(path: string, entries: ZipEntryPlan[], onFile: () => void): Promise<number> {
  const zip = new yazl.ZipFile();
  const dirs = new Set<string>();
  for (const e of entries) {
    const parts = e.name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of [...dirs].sort()) zip.addEmptyDirectory(d, { mtime: ZIP_MTIME, forceDosTimestamp: true });
  for (const e of entries) {
    zip.addReadStreamLazy(e.name, { mtime: ZIP_MTIME, forceDosTimestamp: true, compress: true }, (cb) => {
      let bytes: Uint8Array;
      try {
        bytes = e.make();
      } catch (err) {
        cb(err as Error, undefined as unknown as NodeJS.ReadableStream);
        return;
      }
      onFile();
      cb(null, Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
    });
  }
  zip.end();
  const partial = `${path}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return entries.length;
}

/** Header text of every file: as written when the release was standardised (fixed, so bytes are reproducible). */
const MAT_HEADER = "MATLAB 5.0 MAT-file, Platform: GLNX86, Created on: Fri Feb 20 15:26:59 2009";

function mat(vars: { name: string; value: MatValue }[]): Uint8Array {
  return writeMat(vars, { compress: true, headerText: MAT_HEADER });
}

/** A readable MAT file made unreadable: the first variable's zlib stream is overwritten and the file cut short. */
function corrupt(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice(0, Math.max(200, Math.floor(bytes.length * 0.4)));
  for (let i = 136; i < Math.min(out.length, 200); i++) out[i] = 0xa5 ^ (i & 0x0f);
  return out;
}

function repeatLength(durationMs: number, sfHz: number): number {
  return roundHalfEven((durationMs * sfHz) / 1000);
}

/** Gain of sample t of an m-sample segment after the 5 ms ramp (pipeline.md section 8), computed independently. */
function rampGain(t: number, m: number, sfHz: number): number {
  let n = Math.max(1, roundHalfEven((5 * sfHz) / 1000));
  n = Math.min(n, Math.floor(m / 2));
  if (n <= 0) return 1;
  const g = (k: number) => {
    const s = Math.sin(((Math.PI / 2) * k) / n);
    return s * s;
  };
  if (t < n) return g(t);
  if (t >= m - n) return g(m - 1 - t);
  return 1;
}

function collapse(s: string): string {
  return s.split(/\s+/).filter(Boolean).join(" ");
}

function penetrationOf(p: string): number | string {
  return /^[0-9]+$/.test(p) ? Number.parseInt(p, 10) : p;
}

/** Builds file contents and the manifest from the plan. */
class Generator {
  private readonly pspCache = new Map<string, ReturnType<typeof stimLockedResponse>>();
  private pspCell = "";

  constructor(
    private readonly plan: SynthPlan,
    private readonly manifest: SynthManifest,
  ) {}

  zipPlans(): ZipPlan[] {
    const main: ZipPlan = { zip: "crcns-ac1.zip", mount: "crcns-ac1/", entries: [] };
    const r1: ZipPlan = {
      zip: "crcns-ac1-asari-results-1.zip",
      mount: "crcns-ac1-asari-results-1/",
      entries: [],
    };
    const r2: ZipPlan = {
      zip: "crcns-ac1-asari-results-2.zip",
      mount: "crcns-ac1-asari-results-2/",
      entries: [],
    };
    const add = (z: ZipPlan, releasePath: string, make: () => Uint8Array) => {
      if (!releasePath.startsWith(z.mount)) throw new Error(`synth: ${releasePath} is not under ${z.mount}`);
      z.entries.push({ name: releasePath.slice(z.mount.length), make });
    };
    const { plan } = this;

    add(main, "crcns-ac1/wehr/Summary.mat", () => this.summary());
    for (const f of plan.wehrOtherFolders) {
      add(main, `crcns-ac1/wehr/Results/${f}/readme.txt`, () =>
        new TextEncoder().encode("Notes kept beside the sessions; not a session folder.\n"),
      );
    }
    for (const s of plan.wehrStims) add(main, s.path, () => this.wehrStimFile(s));
    for (const g of plan.asariSegments) add(main, g.path, () => this.asariSegmentFile(g));

    // Expected warnings of the stimulus index come first in the Wehr walk.
    const seen = new Map<string, WehrStimFile>();
    for (const folder of ["fragments", "category1", "category2", "category3"]) {
      const files = plan.wehrStims.filter((s) => s.folder === folder && /^[0-9]+$/.test(s.stem));
      files.sort((a, b) => (`${a.stem}.mat` < `${b.stem}.mat` ? -1 : 1));
      for (const s of files) {
        if (seen.has(s.description))
          this.manifest.warnings.push({ code: "duplicate-description", path: s.path });
        else seen.set(s.description, s);
      }
    }
    for (const session of plan.wehrSessions) {
      const cell = this.planWehrCell(session, seen);
      for (const t of session.trials) add(main, t.file, () => this.wehrTrialFile(session, t, cell));
    }
    for (const session of plan.asariSessions) {
      const cell = this.planAsariCell(session);
      const z = session.root.startsWith("crcns-ac1-asari-results-1/") ? r1 : r2;
      for (const r of session.recordings) add(z, r.file, () => this.asariRecordingFile(session, r, cell));
    }
    return [main, r1, r2];
  }

  // ---------------------------------------------------------------- Wehr

  private summary(): Uint8Array {
    const sessions = this.plan.wehrSessions;
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

  private wehrStimFile(s: WehrStimFile): Uint8Array {
    return mat([
      {
        name: "stimulus",
        value: struct({
          type: str("naturalsound"),
          samples: numeric("double", s.wave, [s.wave.length, 1]),
          param: struct({
            description: str(s.description),
            sf: scalar(WEHR_STIM_SF_HZ),
            duration: scalar(s.durationMs),
          }),
        }),
      },
    ]);
  }

  /** Registers the cell's expected stims/repeats (filled in when trial files are generated). */
  private planWehrCell(session: WehrSession, index: Map<string, WehrStimFile>): SynthCell | undefined {
    const dir = `crcns-ac1/wehr/Results/${session.name}`;
    if (session.malformed) {
      this.manifest.warnings.push({ code: "malformed-session", path: dir });
      this.manifest.notYielded.push({
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
    const byKey = new Map<string, SynthStim>();
    for (const t of session.trials) {
      if (t.kind === "corrupt") {
        this.manifest.warnings.push({ code: "unreadable-file", path: t.file });
        this.manifest.skippedFiles.push(t.file);
        continue;
      }
      if (t.kind !== "natural") continue;
      const stim = index.get(t.description);
      if (!stim) {
        this.manifest.warnings.push({ code: "unknown-description", path: t.file });
        continue;
      }
      const key = ["wehr", stim.folder, Number.parseInt(stim.stem, 10)];
      const k = stimKeyString(key);
      if (!byKey.has(k)) {
        const st: SynthStim = {
          key,
          meta: {
            experimenter: "wehr",
            category: stim.folder,
            idx: Number.parseInt(stim.stem, 10),
            description: stim.description,
            duration_s: t.durationMs / 1000,
          },
          sfStimHz: WEHR_STIM_SF_HZ,
          sfRespHz: WEHR_RESP_SF_HZ,
          durationMs: t.durationMs,
          waveformLength: stim.wave.length,
          waveformProbes: [0, Math.floor(stim.wave.length / 3), stim.wave.length - 1].map((i) => ({
            index: i,
            value: stim.wave[i] as number,
          })),
          repeats: [],
        };
        byKey.set(k, st);
        cell.stims.push(st);
      }
    }
    if (cell.stims.length === 0) {
      this.manifest.notYielded.push({
        experimenter: "wehr",
        session: session.name,
        reason: "no usable natural-sound trial",
        wehrCellIdx: session.cellIdx,
      });
      return undefined;
    }
    this.manifest.cells.push(cell);
    return cell;
  }

  private psp(
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

  private wehrTrialFile(session: WehrSession, t: WehrTrial, cell: SynthCell | undefined): Uint8Array {
    const rng = Rng.of(this.plan.seed, `trace:${t.file}`);
    const c = session.cell;
    const sf = WEHR_RESP_SF_HZ;
    const n = repeatLength(t.durationMs, sf);
    const pre = Math.round(rng.range(0.15, 0.35) * sf);
    const post = Math.round(0.25 * sf);
    const length = t.artifact === "clipped" ? pre + Math.floor(0.6 * n) : pre + n + post;
    const mv = background(rng, length, sf, c.baselineMv, c.driftMv, c.noiseMv);
    if (t.kind !== "tone" && t.stim) {
      const { pspMv } = this.psp(
        c,
        `${t.stim.folder}/${t.stim.stem}`,
        () => (t.stim as WehrStimFile).wave,
        WEHR_STIM_SF_HZ,
        sf,
        n,
      );
      this.applyResponse(rng, mv, pre, n, pspMv, t.artifact, sf, c);
    }
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
      {
        name: "response",
        value: struct({ trace: numeric("int16", q, [q.length, 1]), scale: scalar(c.scale), sf: scalar(sf) }),
      },
      { name: "triggers", value: structArray(trigs, [1, trigs.length]) },
    ]);
    if (t.kind === "corrupt") return corrupt(bytes);
    if (cell && t.kind === "natural" && t.stim) {
      const st = cell.stims.find(
        (s) => s.meta.experimenter === "wehr" && s.meta.description === t.description,
      );
      if (st) st.repeats.push(this.expectedRepeat(t.file, 0, pre, n, q, c.scale, t.artifact));
      this.updateDropped(cell);
    }
    return bytes;
  }

  /** Adds the stimulus-locked response (or the artifact replacing it) over [onset, onset + n). */
  private applyResponse(
    rng: Rng,
    mv: Float64Array,
    onset: number,
    n: number,
    pspMv: Float64Array,
    artifact: SynthArtifact,
    sfHz: number,
    c: CellParams,
  ): void {
    const end = Math.min(mv.length, onset + n);
    if (artifact === "uncorrelated") {
      for (let i = onset; i < end; i++)
        mv[i] = (mv[i] as number) - 0.15 * (pspMv[i - onset] as number) + 1.5 * rng.gauss();
    } else {
      for (let i = onset; i < end; i++) mv[i] = (mv[i] as number) + (pspMv[i - onset] as number);
    }
    if (artifact === "saturation") addSaturation(mv, onset, n, sfHz, c.scale);
    if (artifact === "step") addStep(mv, onset, n, sfHz);
  }

  private expectedRepeat(
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

  private updateDropped(cell: SynthCell): void {
    cell.expectDropped = cell.stims.every(
      (s) => s.repeats.length > 0 && s.repeats.every((r) => r.expectedFate !== "kept"),
    );
  }

  // ---------------------------------------------------------------- Asari

  private asariSegmentFile(g: AsariSegmentFile): Uint8Array {
    return mat([
      {
        name: "stimulus",
        value: struct({
          [g.samplesField]: numeric("double", g.wave, [g.wave.length, 1]),
          param: struct({ sf: scalar(g.sfHz), description: str(g.file.replace(/\.mat$/, "")) }),
        }),
      },
    ]);
  }

  private planAsariCell(session: AsariSession): SynthCell | undefined {
    const [date, animal, pen] = session.name.split("-") as [string, string, string];
    const spikes = session.recordingType.includes("attached");
    const cell: SynthCell = {
      meta: {
        experimenter: "asari",
        session: session.name,
        animal_id: animal,
        penetration: penetrationOf(pen),
        date,
        site: session.site,
        recording_type: session.recordingType,
        species: "rat",
      },
      expectedSignalType: spikes ? "spikes" : "subthresh",
      expectDropped: false,
      stims: [],
    };
    const byKey = new Set<string>();
    for (const r of session.recordings) {
      if (r.kind === "corrupt") {
        this.manifest.warnings.push({ code: "unreadable-file", path: r.file });
        this.manifest.skippedFiles.push(r.file);
        continue;
      }
      if (r.kind !== "normal") continue;
      for (const t of r.triggers) {
        if (t.kind === "bad-index")
          this.manifest.warnings.push({ code: "index-not-in-file-map", path: r.file });
        if (t.kind === "rate-mismatch")
          this.manifest.warnings.push({ code: "segment-rate-mismatch", path: r.file });
        if (t.kind !== "repeat" || !t.files || !t.segments) continue;
        const key = ["asari", ...t.files];
        const k = stimKeyString(key);
        if (byKey.has(k)) continue;
        byKey.add(k);
        const durationMs = this.asariDurationMs(t.segments);
        const folder = (t.files[0] as string).replaceAll("\\", "/").split("/").slice(-2, -1)[0] ?? "";
        const m = /^class([0-9]+)$/.exec(folder);
        const probes: { index: number; value: number }[] = [];
        let at = 0;
        for (const g of t.segments) {
          const m2 = g.wave.length;
          for (const i of [1, 3, Math.floor(m2 / 2), m2 - 3]) {
            if (i >= 0 && i < m2)
              probes.push({ index: at + i, value: (g.wave[i] as number) * rampGain(i, m2, g.sfHz) });
          }
          at += m2;
        }
        const text = collapse(t.description);
        cell.stims.push({
          key,
          meta: {
            experimenter: "asari",
            category: m ? folder : "mixed",
            ...(m ? { class_n: Number.parseInt(m[1] as string, 10) } : {}),
            segments: t.positions as number[],
            segment_files: t.files,
            sequence: text,
            description: text,
            duration_s: durationMs / 1000,
          },
          sfStimHz: (t.segments[0] as AsariSegmentFile).sfHz,
          sfRespHz: ASARI_RESP_SF_HZ,
          durationMs,
          waveformLength: at,
          waveformProbes: probes,
          repeats: [],
        });
      }
    }
    if (!session.yields || cell.stims.length === 0) {
      this.manifest.notYielded.push({
        experimenter: "asari",
        session: session.name,
        reason: "no usable natural-sound trigger",
      });
      return undefined;
    }
    this.manifest.cells.push(cell);
    return cell;
  }

  private asariDurationMs(segments: AsariSegmentFile[]): number {
    let total = 0;
    for (const g of segments) total += g.wave.length;
    return (total * 1000) / (segments[0] as AsariSegmentFile).sfHz;
  }

  private asariRecordingFile(
    session: AsariSession,
    r: AsariRecording,
    cell: SynthCell | undefined,
  ): Uint8Array {
    const rng = Rng.of(this.plan.seed, `trace:${r.file}`);
    const c = session.cell;
    const sf = ASARI_RESP_SF_HZ;
    // Lay the triggers out one after another.
    const onsets: number[] = [];
    const lengths: number[] = [];
    const durations: number[] = [];
    let cursor = Math.round(0.4 * sf);
    for (const t of r.triggers) {
      const durationMs = t.segments ? this.asariDurationMs(t.segments) : t.kind === "tone" ? 100 : 500;
      const n = repeatLength(durationMs, sf);
      onsets.push(cursor);
      lengths.push(n);
      durations.push(durationMs);
      cursor += n + Math.round(rng.range(0.3, 0.5) * sf);
    }
    let traceLength = cursor;
    const last = r.triggers.length - 1;
    const lastTrigger = r.triggers[last];
    if (lastTrigger?.artifact === "clipped")
      traceLength = (onsets[last] as number) + Math.floor(0.6 * (lengths[last] as number));
    if (lastTrigger?.artifact === "empty") traceLength = (onsets[last] as number) - Math.round(0.1 * sf);
    const mv = background(rng, traceLength, sf, c.baselineMv, c.driftMv, c.noiseMv);
    const spikeRng = Rng.of(this.plan.seed, `spikes:${r.file}`);
    r.triggers.forEach((t, j) => {
      if (t.kind !== "repeat" || !t.segments || !t.files) return;
      const segments = t.segments;
      const { pspMv, onsets: events } = this.psp(
        c,
        stimKeyString(t.files),
        () => spliceForEnvelope(segments),
        t.segments[0]?.sfHz as number,
        sf,
        lengths[j] as number,
      );
      const onset = onsets[j] as number;
      this.applyResponse(rng, mv, onset, lengths[j] as number, pspMv, t.artifact, sf, c);
      if (c.spikeMv > 0) {
        for (const e of events) {
          if (spikeRng.next() < 0.75)
            addSpike(
              mv,
              onset + e + 0.0015 * sf + 0.0003 * sf * spikeRng.gauss(),
              c.spikeMv * spikeRng.range(0.8, 1.2),
              sf,
            );
        }
      }
    });
    if (c.spikeMv > 0) {
      // spontaneous firing, 2 Hz Poisson
      let t = -Math.log(1 - spikeRng.next()) / 2;
      while (t * sf < traceLength) {
        addSpike(mv, t * sf, c.spikeMv * spikeRng.range(0.8, 1.2), sf);
        t += -Math.log(1 - spikeRng.next()) / 2;
      }
    }
    const q = quantize(mv, c.scale);
    const response = {
      name: "response",
      value: struct({ trace: numeric("int16", q, [q.length, 1]), scale: scalar(c.scale), sf: scalar(sf) }),
    };
    const param = () => {
      const fields: Record<string, MatValue> = {
        stimulus: structArray(
          r.stimulusFiles.map((f) => ({ file: str(f), type: str("naturalsound") })),
          [1, r.stimulusFiles.length],
          ["file", "type"],
        ),
      };
      if (r.recording) {
        const rec: Record<string, MatValue> = {};
        if (r.recording.site !== undefined) rec.site = str(r.recording.site);
        rec.type = str(r.recording.type);
        rec.depth = scalar(Math.round(rng.range(300, 1500)));
        fields.recording = struct(rec);
      }
      fields.ID = struct({ description: str(`${session.name} ${r.file.slice(-6, -4)}`) });
      return { name: "param", value: struct(fields) };
    };
    const triggers = {
      name: "triggers",
      value: structArray(
        r.triggers.map((t, j) => ({
          type: str(t.typeText),
          time: scalar((onsets[j] as number) + 1),
          file: str(""),
          param: struct({ description: str(t.description), duration: scalar(durations[j] as number) }),
        })),
        [1, r.triggers.length],
        ["type", "time", "file", "param"],
      ),
    };
    let bytes: Uint8Array;
    if (r.kind === "no-param") bytes = mat([response]);
    else if (r.kind === "no-triggers") bytes = mat([param(), response]);
    else bytes = mat([param(), response, triggers]);
    if (r.kind === "corrupt") return corrupt(bytes);
    if (cell && r.kind === "normal") {
      r.triggers.forEach((t, j) => {
        if (t.kind !== "repeat" || !t.files) return;
        const k = stimKeyString(["asari", ...t.files]);
        const st = cell.stims.find((s) => stimKeyString(s.key) === k);
        st?.repeats.push(
          this.expectedRepeat(r.file, j, onsets[j] as number, lengths[j] as number, q, c.scale, t.artifact),
        );
      });
      this.updateDropped(cell);
    }
    return bytes;
  }
}

/** Segments concatenated for the synthetic response's envelope (ramps do not matter at the response rate). */
function spliceForEnvelope(segments: AsariSegmentFile[]): Float64Array {
  let total = 0;
  for (const g of segments) total += g.wave.length;
  const out = new Float64Array(total);
  let at = 0;
  for (const g of segments) {
    out.set(g.wave, at);
    at += g.wave.length;
  }
  return out;
}
