// The bound on the build cache's total size (AC1_CACHE_BUILDS_MAX), read
// from the environment; the least-recently-used rule that keeps it is
// src/store/bounds.ts.

import { envByteSize } from "../store/bounds.js";

/** Default bound on the builds' total size: 8 GiB. */
export const DEFAULT_BUILDS_MAX_BYTES = 8 * 1024 ** 3;

/** Environment variable overriding the bound ("0" keeps no build). */
export const BUILDS_MAX_ENV = "AC1_CACHE_BUILDS_MAX";

/**
 * The bound on the builds' total size, bytes: AC1_CACHE_BUILDS_MAX (a size
 * such as 500M, 20G, or bytes; 0 keeps none), else 8 GiB.
 */
export function buildsMaxBytes(env: Record<string, string | undefined> = process.env): number {
  return envByteSize(BUILDS_MAX_ENV, DEFAULT_BUILDS_MAX_BYTES, env);
}
