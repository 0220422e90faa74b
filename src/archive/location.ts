// Default per-user folders, following each platform's conventions, and the
// environment variables that override them (interchange.md):
// AC1_DATA_DIR (where the zips live and unpack), AC1_CACHE_DIR (build cache).

import { homedir } from "node:os";
import { join } from "node:path";

type Env = Record<string, string | undefined>;

/** Folder holding the three CRCNS-AC1 zips and/or their unpacked trees. */
export function defaultDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.AC1_DATA_DIR) return env.AC1_DATA_DIR;
  const home = homedir();
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(home, "AppData", "Local"), "ac1", "Data");
  if (platform === "darwin") return join(home, "Library", "Application Support", "ac1");
  return join(env.XDG_DATA_HOME || join(home, ".local", "share"), "ac1");
}

/** Folder holding the persistent build cache. */
export function defaultCacheDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.AC1_CACHE_DIR) return env.AC1_CACHE_DIR;
  const home = homedir();
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(home, "AppData", "Local"), "ac1", "Cache");
  if (platform === "darwin") return join(home, "Library", "Caches", "ac1");
  return join(env.XDG_CACHE_HOME || join(home, ".cache"), "ac1");
}

/** The three zips of the release, in the order the reference lists them. */
export const RELEASE_ZIPS = [
  "crcns-ac1.zip",
  "crcns-ac1-asari-results-1.zip",
  "crcns-ac1-asari-results-2.zip",
] as const;
