// Loader for the committed metric goldens (test/fixtures/metrics/goldens.json
// + inputs.bin, written by make_goldens.py from the numpy restatement
// deepstrf_ref.py) and helpers that turn a batch case into the ragged form
// and compare results (1e-9 relative, NaN exactly where NaN is expected).

import { readFileSync } from "node:fs";
import type { RaggedBlock, RaggedPredictions, RaggedResponses } from "../../src/metrics/index.js";
import { fixture } from "../support/paths.js";

export type Ref = [number, number];
export type Num = number | null | string;

export interface BatchCase {
  kind: "batch";
  name: string;
  B: number;
  N: number;
  R: number;
  T: number;
  notes: string[];
  responses: Ref;
  pred: Ref;
  pairs: [number, number, number, number][];
  respMask: Ref | null;
  psthMask: Ref | null;
  expected: Record<string, { none: Num[]; mean: Num; sum: Num }>;
  quality: Record<"signal_power" | "noise_power" | "snr" | "ccmax", Num[]>;
  batchQuality: Record<"signal_power" | "noise_power" | "snr" | "ccmax", Num[]>;
  perNeuron: Record<"ccnorm_schoppe" | "ccnorm_hsu", Num[]>;
}

export interface CoherenceCase {
  kind: "coherence";
  name: string;
  B: number;
  N: number;
  T: number;
  dtMs: number;
  pred: Ref;
  gt: Ref;
  expected: { none: Num[]; mean: Num; sum: Num };
}

export interface CoherenceRaggedCase {
  kind: "coherenceRagged";
  name: string;
  N: number;
  dtMs: number;
  blocks: [number, number, Ref, Ref][];
  expected: Num[];
}

interface Goldens {
  cases: (BatchCase | CoherenceCase | CoherenceRaggedCase)[];
  splits: { K: Record<string, number>; first8: number[][] };
}

let loaded: { goldens: Goldens; blob: Float32Array } | null = null;

function load(): { goldens: Goldens; blob: Float32Array } {
  if (loaded) return loaded;
  const goldens = JSON.parse(readFileSync(fixture("metrics", "goldens.json"), "utf8")) as Goldens;
  const bytes = readFileSync(fixture("metrics", "inputs.bin"));
  const blob = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blob.length; i++) blob[i] = view.getFloat32(4 * i, true);
  loaded = { goldens, blob };
  return loaded;
}

export function goldens(): Goldens {
  return load().goldens;
}

export function batchCases(): BatchCase[] {
  return goldens().cases.filter((c): c is BatchCase => c.kind === "batch");
}

/** A stored input as float32 (as an export holds it). */
export function input(ref: Ref): Float32Array {
  const [offset, length] = ref;
  return load().blob.slice(offset, offset + length);
}

/** A stored 0/1 input as a mask. */
export function maskInput(ref: Ref): Uint8Array {
  return Uint8Array.from(input(ref), (v) => (v !== 0 ? 1 : 0));
}

export function num(v: Num): number {
  if (v === null) return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return v as number;
}

export const REL = 1e-9;

/** Whether a matches e to REL relative (NaN only where NaN; infinities exactly). */
export function close(a: number, e: number, rel = REL): boolean {
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= rel * Math.abs(e);
}

/** Throws with the first mismatch of per-neuron values. */
export function assertValues(actual: ArrayLike<number>, expected: Num[], what: string, rel = REL): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const e = num(expected[i]!);
    const a = actual[i]!;
    if (!close(a, e, rel))
      throw new Error(`${what}: [${i}] = ${a}, expected ${e} (relative tolerance ${rel})`);
  }
}

export function assertValue(actual: number, expected: Num, what: string, rel = REL): void {
  const e = num(expected);
  if (!close(actual, e, rel))
    throw new Error(`${what}: ${actual}, expected ${e} (relative tolerance ${rel})`);
}

/** The case's pairs per neuron, in stim order: [b, R_b, T_b]. */
function pairsOf(c: BatchCase): [number, number, number][][] {
  const per: [number, number, number][][] = Array.from({ length: c.N }, () => []);
  for (const [b, n, R, T] of c.pairs) per[n]!.push([b, R, T]);
  for (const list of per) list.sort((x, y) => x[0] - y[0]);
  return per;
}

/** The batch case in the ragged form: blocks, predictions and (sliced) masks. */
export function toRagged(c: BatchCase): {
  responses: RaggedResponses;
  pred: RaggedPredictions;
  respMask: Uint8Array[][] | undefined;
  psthMask: Uint8Array[][] | undefined;
} {
  const resp = input(c.responses);
  const pred = input(c.pred);
  const rm = c.respMask ? maskInput(c.respMask) : undefined;
  const pm = c.psthMask ? maskInput(c.psthMask) : undefined;
  const { N, R, T } = c;
  const responses: RaggedBlock[][] = [];
  const preds: Float32Array[][] = [];
  const respMask: Uint8Array[][] = [];
  const psthMask: Uint8Array[][] = [];
  for (const [n, list] of pairsOf(c).entries()) {
    responses.push([]);
    preds.push([]);
    respMask.push([]);
    psthMask.push([]);
    for (const [b, Rb, Tb] of list) {
      const data = new Float32Array(Rb * Tb);
      const m = new Uint8Array(Rb * Tb);
      for (let r = 0; r < Rb; r++)
        for (let t = 0; t < Tb; t++) {
          const i = ((b * N + n) * R + r) * T + t;
          data[r * Tb + t] = resp[i]!;
          if (rm) m[r * Tb + t] = rm[i]!;
        }
      responses[n]!.push({ data, repeats: Rb, bins: Tb });
      respMask[n]!.push(m);
      const o = (b * N + n) * T;
      preds[n]!.push(pred.slice(o, o + Tb));
      psthMask[n]!.push(pm ? pm.slice(o, o + Tb) : new Uint8Array(Tb));
    }
  }
  return {
    responses,
    pred: preds,
    respMask: rm ? respMask : undefined,
    psthMask: pm ? psthMask : undefined,
  };
}
