// Helpers the cache tests share: the files a cache folder holds (entries and
// temp files alike), listed by name.

import { readdir } from "node:fs/promises";

/** The names in `dir`, sorted; none if it does not exist. */
export async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
