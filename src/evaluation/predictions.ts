// Reading a model's predictions for `ac1 score` (evaluation.md, "Contracts"):
// a PRED.npz of `pred_<s>_<n>` float arrays of shape (T_s,) or (1, T_s), one
// per scored (stim, neuron) pair with data in the export. Hostile input is
// normal here, so the whole file is checked before anything is scored:
// 1. the zip directory and every member's .npy header (NpzReader.open), with
//    the member count capped by the export's pairs and the member size by the
//    longest stim, so nothing bigger than a legitimate prediction is read;
// 2. every key's name, pair, dtype (float32/float64, either byte order; no
//    object or pickled arrays) and shape against the expected T_s, before
//    any data is read;
// 3. then the data, each array CRC-checked and every value finite.
// Any failure is a PredictionError naming the file, the key and the problem.

import { ExportError, PredictionError } from "../errors.js";
import type { ExportView } from "../export/export-view.js";
import { parseDtype } from "../export/npy-dtype.js";
import { NpzReader } from "../export/npz-reader.js";

/** The prediction for one (stim, neuron) pair: `frames` values, as read (float32 or float64). */
export interface PairPrediction {
  /** The array's name in PRED.npz, `pred_<stim>_<neuron>`. */
  key: string;
  stim: number;
  neuron: number;
  data: Float32Array | Float64Array;
}

/** A validated PRED.npz: its predictions sorted by neuron, then stim. */
export interface PredictionSet {
  path: string;
  pairs: PairPrediction[];
}

/** Room for a .npy header around a prediction's payload when capping member sizes. */
const HEADER_ROOM_BYTES = 64 * 1024;
/** Members allowed beyond the export's pair count, so that a file of stray keys gets its first bad key named. */
const EXTRA_MEMBERS = 1000;
const KEY_RE = /^pred_(0|[1-9][0-9]{0,8})_(0|[1-9][0-9]{0,8})$/;

/** An NpzReader complaint as a PredictionError, keeping the member it names as the key. */
function fromReader(path: string, e: ExportError): PredictionError {
  let problem = e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message;
  let key = "";
  const m = /^member "([^"]*)":? ?(.*)$/.exec(problem);
  if (m) {
    key = m[1]!.endsWith(".npy") ? m[1]!.slice(0, -4) : m[1]!;
    problem = m[2]!;
  }
  if (/dtype "[<>|=]?O"/.test(problem))
    problem = `${problem}: an object array (pickled data) is refused; save float32 or float64 arrays`;
  return new PredictionError(path, key, problem, { cause: e });
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * True when `path` is an .npz with at least one pred_<stim>_<neuron> member
 * (false for anything else, unreadable files included): a hint for a user
 * who gave predictions where an export was expected.
 */
export async function holdsPredictions(path: string): Promise<boolean> {
  let reader: NpzReader | undefined;
  try {
    reader = await NpzReader.open(path);
    return reader.keys().some((k) => KEY_RE.test(k));
  } catch {
    return false;
  } finally {
    await reader?.close();
  }
}

/**
 * Reads and validates PRED.npz against the export: every key must name a
 * (stim, neuron) pair with data, hold float32 or float64 of shape (T_s,) or
 * (1, T_s), and only finite values. Nothing is returned unless all of it is.
 */
export async function readPredictions(path: string, view: ExportView): Promise<PredictionSet> {
  const frames = new Map<string, number>();
  let maxFrames = 0;
  for (const p of view.pairs()) {
    frames.set(`${p.stim}_${p.neuron}`, p.frames);
    maxFrames = Math.max(maxFrames, p.frames);
  }
  let reader: NpzReader;
  try {
    reader = await NpzReader.open(path, {
      maxMembers: frames.size + EXTRA_MEMBERS,
      maxMemberBytes: 8 * maxFrames + HEADER_ROOM_BYTES,
      verifyCrc: true,
    });
  } catch (e) {
    if (e instanceof ExportError) throw fromReader(path, e);
    throw e;
  }
  try {
    const keys = reader.keys();
    if (keys.length === 0)
      throw new PredictionError(path, "", "holds no pred_<stim>_<neuron> array: nothing to score");
    if (keys.includes("manifest"))
      throw new PredictionError(
        path,
        "manifest",
        "this is an ac1 export, not predictions: ac1 score takes the export first, then a PRED.npz of pred_<stim>_<neuron> arrays",
      );
    const planned: { key: string; stim: number; neuron: number; frames: number }[] = [];
    for (const key of keys) {
      const m = KEY_RE.exec(key);
      if (!m)
        throw new PredictionError(
          path,
          key,
          "not a prediction key: expected pred_<stim>_<neuron> with decimal indices (e.g. pred_0_3)",
        );
      const stim = Number(m[1]);
      const neuron = Number(m[2]);
      if (stim >= view.stimCount)
        throw new PredictionError(
          path,
          key,
          `no stim ${stim} in ${view.path} (it has ${view.stimCount} stims, 0..${view.stimCount - 1})`,
        );
      if (neuron >= view.neuronCount)
        throw new PredictionError(
          path,
          key,
          `no neuron ${neuron} in ${view.path} (it has ${view.neuronCount} neurons, 0..${view.neuronCount - 1})`,
        );
      const T = frames.get(`${stim}_${neuron}`);
      if (T === undefined)
        throw new PredictionError(
          path,
          key,
          `neuron ${neuron} has no data for stim ${stim} in ${view.path} (no resp_${stim}_${neuron}): only pairs with data can be scored`,
        );
      const info = reader.info(key);
      const dt = parseDtype(info.dtype);
      if (dt?.kind !== "f" || (dt.itemSize !== 4 && dt.itemSize !== 8))
        throw new PredictionError(
          path,
          key,
          `dtype ${info.dtype}: predictions must be float32 or float64 (little or big endian)`,
        );
      const s = info.shape;
      const ok = (s.length === 1 && s[0] === T) || (s.length === 2 && s[0] === 1 && s[1] === T);
      if (!ok)
        throw new PredictionError(
          path,
          key,
          `shape ${shapeText(s)}, expected (${T},) or (1, ${T}): stim ${stim} has ${T} bins`,
        );
      // A deflate stream is never much longer than its output: anything longer is not a real member.
      if (info.compressedSize > info.size + (info.size >> 6) + 1024)
        throw new PredictionError(
          path,
          key,
          `${info.compressedSize} compressed bytes for a ${info.size}-byte array, impossible for deflate`,
        );
      planned.push({ key, stim, neuron, frames: T });
    }
    const pairs: PairPrediction[] = [];
    for (const p of planned) {
      let a: Awaited<ReturnType<NpzReader["read"]>>;
      try {
        a = await reader.read(p.key);
      } catch (e) {
        if (e instanceof ExportError) throw fromReader(path, e);
        throw e;
      }
      const data = a.data as Float32Array | Float64Array;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (!Number.isFinite(v))
          throw new PredictionError(
            path,
            p.key,
            `bin ${i} is ${v}: predictions must be finite (no NaN or infinity)`,
          );
      }
      pairs.push({ key: p.key, stim: p.stim, neuron: p.neuron, data });
    }
    pairs.sort((a, b) => a.neuron - b.neuron || a.stim - b.stim);
    return { path, pairs };
  } finally {
    await reader.close();
  }
}
