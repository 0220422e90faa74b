// How many worker threads a build uses: the default (the machine's available
// parallelism) and the check of a given value. Apart from the build itself so
// that callers (the CLI, the pipeline) can name a default without loading it.

import { availableParallelism } from "node:os";
import { OptionError } from "../errors.js";

/** Default number of worker threads: the machine's available parallelism. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Checks a jobs value (an integer >= 1) and fills in the default. */
export function resolveJobs(jobs: number | undefined): number {
  if (jobs === undefined) return defaultJobs();
  if (typeof jobs !== "number" || !Number.isInteger(jobs) || jobs < 1) {
    throw new OptionError(
      "jobs",
      jobs,
      "a whole number of worker threads >= 1 (1 builds on the calling thread)",
    );
  }
  return jobs;
}
