// Loader for the committed golden vectors (test/fixtures/dsp/goldens.json +
// goldens.bin, written by make_goldens.py) and the evaluator of their input
// recipes: the same mulberry32 generator and IEEE arithmetic as the python
// script, so large inputs are rebuilt bit-identically instead of stored.

import { readFileSync } from "node:fs";
import { mulberry32 } from "../../src/random/index.js";
import { irwinHall } from "../support/normal.js";
import { fixture } from "../support/paths.js";

export type Recipe = [string, ...unknown[]];
export type BinRef = [number, number];

export interface GoldenCase {
  kind: string;
  name: string;
  [field: string]: unknown;
}

let loaded: { cases: GoldenCase[]; blob: Float64Array } | null = null;

function load(): { cases: GoldenCase[]; blob: Float64Array } {
  if (loaded) return loaded;
  const index = JSON.parse(readFileSync(fixture("dsp", "goldens.json"), "utf8")) as { cases: GoldenCase[] };
  const bytes = readFileSync(fixture("dsp", "goldens.bin"));
  const blob = new Float64Array(bytes.byteLength / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blob.length; i++) blob[i] = view.getFloat64(8 * i, true);
  loaded = { cases: index.cases, blob };
  return loaded;
}

/** Every golden case of one kind (fails loudly when there are none). */
export function goldenCases(kind: string): GoldenCase[] {
  const cases = load().cases.filter((c) => c.kind === kind);
  if (cases.length === 0) throw new Error(`no golden cases of kind ${kind}`);
  return cases;
}

/** A stored float64 array. */
export function goldenArray(ref: unknown): Float64Array {
  const [offset, length] = ref as BinRef;
  return load().blob.slice(offset, offset + length);
}

/** Irwin-Hall normals (sum of 12 uniforms minus 6), exactly as gen_normal in test/fixtures/dsp/recipes.py. */
export function genNormal(seed: number, n: number): Float64Array {
  const next = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = irwinHall(next);
  return out;
}

/** Evaluates an input recipe (see evaluate() in test/fixtures/dsp/recipes.py). */
export function evalRecipe(recipe: unknown): Float64Array {
  const r = recipe as Recipe;
  const op = r[0];
  switch (op) {
    case "normal":
      return genNormal(r[1] as number, r[2] as number);
    case "walk": {
      const g = genNormal(r[1] as number, r[2] as number);
      const step = r[3] as number;
      let acc = 0;
      for (let i = 0; i < g.length; i++) {
        acc += g[i]! * step;
        g[i] = acc;
      }
      return g;
    }
    case "values":
      return Float64Array.from(r[1] as number[]);
    case "const":
      return new Float64Array(r[2] as number).fill(r[1] as number);
    case "add": {
      const a = evalRecipe(r[1]);
      const b = evalRecipe(r[2]);
      if (a.length !== b.length) throw new Error("recipe add: lengths differ");
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
      return a;
    }
    case "scale": {
      const a = evalRecipe(r[1]);
      const c = r[2] as number;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! * c;
      return a;
    }
    case "shift": {
      const a = evalRecipe(r[1]);
      const c = r[2] as number;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + c;
      return a;
    }
    case "pulse": {
      const a = evalRecipe(r[1]);
      const start = r[2] as number;
      const end = Math.min(a.length, start + (r[3] as number));
      for (let i = start; i < end; i++) a[i] = a[i]! + (r[4] as number);
      return a;
    }
    case "slice":
      return evalRecipe(r[1]).slice(r[2] as number, r[3] as number);
    case "set": {
      const a = evalRecipe(r[1]);
      a[r[2] as number] = r[3] === null ? Number.NaN : (r[3] as number);
      return a;
    }
    case "tones": {
      const n = r[1] as number;
      const out = new Float64Array(n);
      for (const [period, amp] of r[2] as [number, number][]) {
        for (let i = 0; i < n; i++) {
          const ph = (i % period) / period;
          out[i] = out[i]! + amp * (4 * Math.abs(ph - 0.5) - 1);
        }
      }
      return out;
    }
    default:
      throw new Error(`unknown recipe op ${op}`);
  }
}

/** max |a - b| / max(1, max |b|); lengths must agree. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = e; // NaN propagates as a failure
  }
  return d / scale;
}

/** Asserts a and b agree elementwise within tol relative to max(1, max |b|) (NaN must match NaN). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++)
    if (Number.isFinite(expected[i]!)) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= tol * scale))
      throw new Error(`${what}: [${i}] = ${a}, expected ${e} (tolerance ${tol * scale})`);
  }
}
