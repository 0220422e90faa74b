// Element-by-element passes over whole traces shared by the pipeline's
// steps, each in a function of its own (CONTRIBUTING.md, "One hot loop per
// function").

/** b[i] = a[i] - b[i] for every i of b (a at least as long). */
export function subtractFrom(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < b.length; i++) b[i] = a[i]! - b[i]!;
}
