// The leave-one-out reference of the cross-trial test (pipeline.md section
// 5.2): refs[i][t] = np.median of detrended[j][t] over the other repeats
// j != i, for t < L. With the column sorted (s) and p the sorted position of
// repeat i, the median of the others is, with m = R - 1 and half = floor(m/2),
//   m odd:  s[half + 1] for p <= half, else s[half];
//   m even: (s[half] + s[half + 1]) / 2 for p < half, (s[half - 1] + s[half + 1]) / 2
//           for p = half, (s[half - 1] + s[half]) / 2 for p > half.
// Tied values may stand in any order: the candidates of tied repeats are then
// sums of equal values, the same bits as long as equal values have equal
// bits, which holds unless the data hold -0 (0 and -0 compare equal).
// - Up to RANK_MAX_R repeats and no -0: each repeat's position is its rank,
//   counted by R^2 comparisons in straight-line code generated once per R
//   (one typed array per repeat in locals, no loops or data-dependent
//   branches: several times faster than sorting small columns), and the
//   medians are picked by table lookup.
// - Otherwise (or when the kernel meets a -0): each column is
//   insertion-sorted with its repeats, starting from the previous column's
//   order (the tie order then follows the data, which makes -0 exact too).
// A column holding NaN gives NaN medians, as np.median does.

/** Largest repeat count for the generated rank kernels. */
const RANK_MAX_R = 12;

/**
 * A generated kernel for R repeats: (d_0 .. d_R-1, refs_0 .. refs_R-1, L) =>
 * false when it met a -0 (refs then incomplete), else true with refs filled.
 */
type RankKernel = (...args: (Float64Array | number)[]) => boolean;

/**
 * refs[i][t] = np.median of detrended[j][t] over j != i, t < L: into `into`
 * when given (R arrays of at least L values; the first L of each written),
 * else into new arrays.
 */
export function medianOfOthers(detrended: Float64Array[], L: number, into?: Float64Array[]): Float64Array[] {
  const R = detrended.length;
  if (into !== undefined && (into.length !== R || into.some((a) => a.length < L)))
    throw new RangeError(`medianOfOthers: ${into.length} outputs for ${R} repeats of ${L} samples`);
  const refs = into ?? detrended.map(() => new Float64Array(L));
  if (R < 2) {
    for (const ref of refs) ref.fill(Number.NaN);
    return refs;
  }
  const kernel = R <= RANK_MAX_R ? rankKernel(R) : null;
  if (kernel?.(...detrended, ...refs, L)) return refs;
  medianOfOthersByInsertion(detrended, L, refs);
  return refs;
}

const rankKernels = new Map<number, RankKernel | null>();

/**
 * The straight-line kernel for R repeats: per column, rank r_i = #{j < i:
 * v_j <= v_i} + #{j > i: v_j < v_i} (a permutation: ties in repeat order),
 * s[r_i] = v_i, then each repeat's median picked from a table by its rank's
 * side of half. Generated from the integer R alone, never from data; null
 * where the runtime forbids generating code.
 */
function rankKernel(R: number): RankKernel | null {
  const hit = rankKernels.get(R);
  if (hit !== undefined) return hit;
  const m = R - 1;
  const half = m >> 1;
  const idx = Array.from({ length: R }, (_, i) => i);
  const all = (f: (i: number) => string, sep: string) => idx.map(f).join(sep);
  const lines: string[] = [];
  lines.push(`const s = new Float64Array(${R});`, "const pick = new Float64Array(3);");
  lines.push("for (let t = 0; t < L; t++) {");
  lines.push(`  ${all((i) => `const v${i} = d${i}[t];`, " ")}`);
  lines.push(`  if (${all((i) => `v${i} !== v${i}`, " || ")}) {`);
  lines.push(`    ${all((i) => `f${i}[t] = NaN;`, " ")}`, "    continue;", "  }");
  lines.push(
    `  if ((${all((i) => `v${i} === 0`, " || ")}) && (${all((i) => `1 / v${i} < 0`, " || ")})) return false;`,
  );
  for (const i of idx) {
    const terms = idx.filter((j) => j !== i).map((j) => `+(v${j} ${j < i ? "<=" : "<"} v${i})`);
    lines.push(`  const r${i} = ${terms.join(" + ")};`);
  }
  lines.push(`  ${all((i) => `s[r${i}] = v${i};`, " ")}`);
  if (m % 2 === 1) {
    // pick[0]: position <= half; pick[1]: position > half.
    lines.push(`  pick[0] = s[${half + 1}];`, `  pick[1] = s[${half}];`);
    for (const i of idx) lines.push(`  f${i}[t] = pick[+(r${i} > ${half})];`);
  } else {
    // pick[0]: position < half; pick[1]: position = half; pick[2]: position > half.
    lines.push(
      `  pick[0] = (s[${half}] + s[${half + 1}]) / 2;`,
      `  pick[1] = (s[${half - 1}] + s[${half + 1}]) / 2;`,
      `  pick[2] = (s[${half - 1}] + s[${half}]) / 2;`,
    );
    for (const i of idx) lines.push(`  f${i}[t] = pick[+(r${i} >= ${half}) + +(r${i} > ${half})];`);
  }
  lines.push("}", "return true;");
  const params = [...idx.map((i) => `d${i}`), ...idx.map((i) => `f${i}`), "L"];
  let kernel: RankKernel | null = null;
  try {
    kernel = new Function(...params, lines.join("\n")) as RankKernel;
  } catch {
    // Code generation from strings disallowed (node --disallow-code-generation-from-strings):
    // the insertion path gives the same results.
  }
  rankKernels.set(R, kernel);
  return kernel;
}

/**
 * Insertion sort of each column with its repeats, starting from the previous
 * column's order (the tie order then follows the data, which makes -0 exact).
 */
export function medianOfOthersByInsertion(detrended: Float64Array[], L: number, refs: Float64Array[]): void {
  const R = detrended.length;
  // order[p] is the repeat holding the p-th smallest value of the current
  // column, sorted[p] that value.
  const order = new Int32Array(R);
  for (let i = 0; i < R; i++) order[i] = i;
  const sorted = new Float64Array(R);
  const m = R - 1;
  const half = m >> 1;
  const oddCount = m % 2 === 1;
  for (let t = 0; t < L; t++) {
    let hasNaN = false;
    for (let p = 0; p < R; p++) {
      const owner = order[p]!;
      const v = detrended[owner]![t]!;
      if (Number.isNaN(v)) hasNaN = true;
      let j = p - 1;
      while (j >= 0 && sorted[j]! > v) {
        sorted[j + 1] = sorted[j]!;
        order[j + 1] = order[j]!;
        j--;
      }
      sorted[j + 1] = v;
      order[j + 1] = owner;
    }
    if (hasNaN) {
      for (let i = 0; i < R; i++) refs[i]![t] = Number.NaN;
      continue;
    }
    if (oddCount) {
      const below = sorted[half + 1]!;
      const above = sorted[half]!;
      for (let p = 0; p <= half; p++) refs[order[p]!]![t] = below;
      for (let p = half + 1; p < R; p++) refs[order[p]!]![t] = above;
    } else {
      const below = (sorted[half]! + sorted[half + 1]!) / 2;
      const at = (sorted[half - 1]! + sorted[half + 1]!) / 2;
      const above = (sorted[half - 1]! + sorted[half]!) / 2;
      for (let p = 0; p < half; p++) refs[order[p]!]![t] = below;
      refs[order[half]!]![t] = at;
      for (let p = half + 1; p < R; p++) refs[order[p]!]![t] = above;
    }
  }
}
