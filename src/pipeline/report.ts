// A load's LoadReport, made for a cache hit or for a build, and described in
// one line for the CLI ("loaded from the cache" or "built in 12.3 s", with
// what the intermediates saved).

import type { IntermediateReuse } from "../dataset/intermediates.js";
import type { LoadReport, Prepared } from "./options.js";

/** The report of a load that hit the cache. */
export function hitReport(p: Prepared): LoadReport {
  return {
    origin: "cache",
    cacheKey: p.key,
    cacheDir: p.cache?.dir ?? null,
    cacheMissReason: null,
    storeError: null,
    jobs: 0,
    elapsedMs: performance.now() - p.t0,
    buildStats: null,
    reuse: null,
  };
}

/** The report of a load that built the dataset (`built`: what buildAndStore says of it). */
export function buildReport(
  p: Prepared,
  cacheMissReason: string | null,
  built: Pick<LoadReport, "buildStats" | "storeError" | "reuse">,
): LoadReport {
  return {
    origin: "build",
    cacheKey: p.key,
    cacheDir: p.cache?.dir ?? null,
    cacheMissReason,
    storeError: built.storeError,
    jobs: p.jobs,
    elapsedMs: performance.now() - p.t0,
    buildStats: built.buildStats,
    reuse: built.reuse,
  };
}

/** One line: where the dataset came from and what it took (the CLI prints it after a load). */
export function describeLoad(r: LoadReport): string {
  const seconds = (r.elapsedMs / 1000).toFixed(r.elapsedMs < 10_000 ? 2 : 1);
  if (r.origin === "cache") return `loaded from the build cache in ${seconds} s (${r.cacheDir})`;
  const threads = r.jobs === 1 ? "on 1 thread" : `on ${r.jobs} worker threads`;
  let line = `built from the release in ${seconds} s ${threads}`;
  if (r.cacheDir === null) line += " (cache off)";
  else if (r.storeError !== null) line += `; could not store it in the build cache: ${r.storeError}`;
  else line += `; stored in the build cache (${r.cacheDir})`;
  if (r.cacheMissReason !== null && r.cacheMissReason !== "miss") line += `; ${r.cacheMissReason}`;
  const reused = r.reuse === null ? "" : describeReuse(r.reuse);
  if (reused !== "") line += `; ${reused}`;
  return line;
}

/**
 * "reused 12/12 cleaned sessions, 30/30 stim tensors" (the kinds any unit
 * was reused of; how many damaged entries were recomputed; how many results
 * could not be stored, and why the first), or "".
 */
export function describeReuse(r: IntermediateReuse): string {
  const parts: string[] = [];
  if (r.clean.reused > 0) parts.push(`${r.clean.reused}/${r.clean.units} cleaned sessions`);
  if (r.stim.reused > 0) parts.push(`${r.stim.reused}/${r.stim.units} stim tensors`);
  if (r.index.reused > 0) parts.push(`${r.index.reused}/${r.index.units} Wehr index files`);
  if (r.deflated.reused > 0) parts.push(`${r.deflated.reused}/${r.deflated.units} compressed arrays`);
  const out = parts.length === 0 ? [] : [`reused ${parts.join(", ")}`];
  const damaged = r.index.damaged + r.clean.damaged + r.stim.damaged + r.deflated.damaged;
  if (damaged > 0)
    out.push(`${damaged} damaged intermediate entr${damaged === 1 ? "y" : "ies"} removed and recomputed`);
  const tallies = [r.index, r.clean, r.stim, r.deflated];
  const unstored = tallies.reduce((a, t) => a + t.unstored, 0);
  if (unstored > 0) {
    const first = tallies.find((t) => t.firstUnstored !== null)?.firstUnstored;
    out.push(`${unstored} intermediate result${unstored === 1 ? "" : "s"} not stored (${first})`);
  }
  return out.join("; ");
}
