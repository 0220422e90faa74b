// Build worker threads started ahead of the build. A worker spends its first
// ~130 ms loading the build's modules; started when a caller knows a build
// will run (a cache miss, before it loads the build code itself), that time
// overlaps this thread's own loading and planning instead of delaying the
// first unit. The build's pool adopts them (build.ts) and sends their setup
// (the options) as its first message. Workers nobody adopts are unref'd (the
// process may exit) and ended by discardPrestartedWorkers.
// Kept apart from build.ts so that starting them loads nothing heavy here.

import { Worker } from "node:worker_threads";

/** The build worker's entry point. */
export const BUILD_WORKER_SCRIPT = new URL("./worker.js", import.meta.url);

interface Started {
  worker: Worker;
  /** It failed or exited before a pool adopted it. */
  dead: boolean;
}

let started: Started[] = [];

/**
 * Starts build workers until `count` are waiting (none when count < 2: a
 * one-job build runs on the calling thread). Returns how many were started.
 * (`script` is for tests: the pool's script must be the build worker's.)
 */
export function prestartBuildWorkers(count: number, script: URL = BUILD_WORKER_SCRIPT): number {
  if (!Number.isInteger(count) || count < 2) return 0;
  let n = 0;
  while (started.length < count) {
    const entry: Started = { worker: new Worker(script), dead: false };
    // Until adopted, a failure only marks it: the pool starts a fresh one instead (and reports its failure).
    entry.worker.on("error", () => {
      entry.dead = true;
    });
    entry.worker.on("exit", () => {
      entry.dead = true;
    });
    entry.worker.unref();
    started.push(entry);
    n++;
  }
  return n;
}

/** Workers waiting and still alive. */
export function prestartedWorkersWaiting(): number {
  return started.filter((s) => !s.dead).length;
}

/** Hands over up to `max` waiting workers that are still alive (the pool adopts them). */
export function takePrestartedWorkers(max: number): Worker[] {
  const alive = started.filter((s) => !s.dead);
  for (const s of started) if (s.dead) void s.worker.terminate().catch(() => 0);
  const taken = alive.slice(0, Math.max(0, max));
  started = alive.slice(taken.length);
  for (const s of taken) s.worker.removeAllListeners();
  return taken.map((s) => s.worker);
}

/** Ends the workers nobody adopted (a build served from the cache, a failed start). */
export async function discardPrestartedWorkers(): Promise<void> {
  const rest = started;
  started = [];
  await Promise.all(rest.map((s) => s.worker.terminate().catch(() => 0)));
}
