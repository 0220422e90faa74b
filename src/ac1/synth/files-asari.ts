// The Asari files of the synthetic release and what the manifest expects of
// them: the segment files under asari/Stimuli, and one recording file per
// planned recording (param with the stimulus list and recording struct, an
// int16 trace with spikes for cell-attached cells, 'Sequence k: ...'
// triggers laid out one after another), with each cell's expected stims
// registered before its files are written and its expected repeats recorded
// as they are.

import { roundHalfEven } from "../../dsp/round.js";
import { type MatValue, numeric, scalar, str, struct, structArray } from "../../mat/index.js";
import { Rng } from "../../random/index.js";
import { stimKeyString } from "../types.js";
import { corrupt, mat, penetrationOf, repeatLength, responseVar, type SynthFiles } from "./files.js";
import type { SynthCell } from "./manifest.js";
import {
  ASARI_RESP_SF_HZ,
  type AsariRecording,
  type AsariSegmentFile,
  type AsariSession,
} from "./plan-model.js";
import { addSpike, background, quantize } from "./signals.js";

/** A segment file: its samples under `sample` or `samples`, its rate and description. */
export function asariSegmentFile(g: AsariSegmentFile): Uint8Array {
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

/**
 * Registers the cell's expected stims (their repeats are filled in when the
 * recording files are written) and the session's expected warnings;
 * undefined for a session the walker must not yield.
 */
export function expectAsariCell(files: SynthFiles, session: AsariSession): SynthCell | undefined {
  const { manifest } = files;
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
  // Some trigger resolves to a tuple of files: the walker yields the cell
  // (without stims if no tuple could be spliced) when its site is known.
  let resolved = false;
  for (const r of session.recordings) {
    if (r.kind === "corrupt") {
      files.expectUnreadable(r.file);
      continue;
    }
    if (r.kind !== "normal") continue;
    for (const t of r.triggers) {
      if (t.kind === "bad-index") manifest.warnings.push({ code: "index-not-in-file-map", path: r.file });
      if (t.kind === "rate-mismatch") manifest.warnings.push({ code: "segment-rate-mismatch", path: r.file });
      if (t.kind === "repeat" || t.kind === "rate-mismatch" || t.kind === "missing-segment") resolved = true;
      if (t.kind === "missing-segment" && t.missingSegment !== undefined) {
        // the walker reads each segment file at most once a walk, and reports it then
        const path = `crcns-ac1/asari/Stimuli/${t.missingSegment.replaceAll("\\", "/")}`;
        if (!files.reportedSegments.has(path)) {
          files.reportedSegments.add(path);
          files.expectUnreadable(path);
        }
      }
      if (t.kind !== "repeat" || !t.files || !t.segments) continue;
      const key = ["asari", ...t.files];
      const k = stimKeyString(key);
      if (byKey.has(k)) continue;
      byKey.add(k);
      const durationMs = asariDurationMs(t.segments);
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
  if (!session.yields || !resolved) {
    manifest.notYielded.push({
      experimenter: "asari",
      session: session.name,
      reason: session.notYieldedReason ?? "no usable natural-sound trigger",
    });
    return undefined;
  }
  files.updateDropped(cell);
  manifest.cells.push(cell);
  return cell;
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

/** Runs of white space as one space, trimmed (the walker's description text). */
function collapse(s: string): string {
  return s.split(/\s+/).filter(Boolean).join(" ");
}

/** Duration of the spliced segments in ms, at the first segment's rate. */
function asariDurationMs(segments: AsariSegmentFile[]): number {
  let total = 0;
  for (const g of segments) total += g.wave.length;
  return (total * 1000) / (segments[0] as AsariSegmentFile).sfHz;
}

/** One recording file: triggers laid out in turn, responses, spikes, artifacts; records the expected repeats. */
export function asariRecordingFile(
  files: SynthFiles,
  session: AsariSession,
  r: AsariRecording,
  cell: SynthCell | undefined,
): Uint8Array {
  const rng = Rng.of(files.seed, `trace:${r.file}`);
  const c = session.cell;
  const sf = ASARI_RESP_SF_HZ;
  // Lay the triggers out one after another.
  const onsets: number[] = [];
  const lengths: number[] = [];
  const durations: number[] = [];
  let cursor = Math.round(0.4 * sf);
  for (const t of r.triggers) {
    const durationMs = t.segments ? asariDurationMs(t.segments) : t.kind === "tone" ? 100 : 500;
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
  const spikeRng = Rng.of(files.seed, `spikes:${r.file}`);
  r.triggers.forEach((t, j) => {
    if (t.kind !== "repeat" || !t.segments || !t.files) return;
    const segments = t.segments;
    const { pspMv, onsets: events } = files.psp(
      c,
      stimKeyString(t.files),
      () => spliceForEnvelope(segments),
      t.segments[0]?.sfHz as number,
      sf,
      lengths[j] as number,
    );
    const onset = onsets[j] as number;
    files.applyResponse(rng, mv, onset, lengths[j] as number, pspMv, t.artifact, sf, c, t.slot);
    // no stimulus-locked spikes where the repeat shares no deflection
    if (c.spikeMv > 0 && t.artifact !== "unshared") {
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
  const response = responseVar(q, c.scale, sf);
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
        files.expectedRepeat(r.file, j, onsets[j] as number, lengths[j] as number, q, c.scale, t.artifact),
      );
    });
    files.updateDropped(cell);
  }
  return bytes;
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
