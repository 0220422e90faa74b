// `ac1 cache list|clear [KEY] [--dir DIR]`: look at and empty the persistent
// build cache and the intermediate results kept beside it (src/cache).
// Listings of the builds go to stdout (a table, or JSON with --json), the
// totals and the intermediates (count and bytes per kind) to stderr; the
// cache folder defaults to AC1_CACHE_DIR or the per-user cache.

import { defaultCacheDir } from "../../archive/location.js";
import { BuildCache } from "../../cache/build-cache.js";
import { DEFAULT_BUILDS_MAX_BYTES } from "../../cache/builds-bound.js";
import {
  DEFAULT_INTERMEDIATE_MAX_BYTES,
  IntermediateCache,
  intermediateMaxBytes,
} from "../../store/intermediates.js";
import type { Command } from "../command.js";
import { parseCommandArgs, UsageError } from "../command.js";
import { formatBytes } from "../progress.js";

const HELP = `usage: ac1 cache list [--dir DIR] [--json]
       ac1 cache clear [KEY] [--dir DIR]

The build cache keeps each built dataset (one per combination of options and
archive state) so that the next build with the same options loads it in well
under a second. Beside it, a build keeps its intermediate results: each Wehr
stimulus file's index entry, each session cleaned up to the gating thresholds
(every repeat's gating statistics and binned products), each stim's
spectrogram or waveform, and each large array of an export as compressed
(kind "deflated", keyed by its bytes: an array that did not change is not
compressed again). A build with only a gating threshold changed
(--abs-mv-max, --max-step-frac, --min-xcorr, --keep-rejected) then reads no
zip member and recomputes nothing but the gating; one with the detrend
windows or --step-mv changed recleans the sessions but reuses the stims; one
with spectrogram options changed recomputes the stims but reuses the cleaned
sessions. The export is the same, byte for byte, as without any cache. Entries are checked on load; a corrupt one is removed and rebuilt.
Both are bounded: after each build the least recently used builds are removed
until they take at most $AC1_CACHE_BUILDS_MAX (default ${formatBytes(DEFAULT_BUILDS_MAX_BYTES)}), and the
least recently used intermediates until they take at most
$AC1_CACHE_INTERMEDIATES_MAX (default ${formatBytes(DEFAULT_INTERMEDIATE_MAX_BYTES)}); sizes such as 500M or
4G, 0 keeps none. A build loaded from the cache counts as used.
--no-cache on a build bypasses both.

subcommands:
  list           one line per build entry: key, size, creation time, summary;
                 then (on stderr) the intermediates: entries and bytes per kind
  clear [KEY]    remove the build entry KEY (a unique prefix of at least 6
                 hex digits is enough), or every entry and every intermediate
                 result when no KEY is given (and anything else under an
                 entry's name, such as a folder no build can store over), and
                 the temp files of stores whose process no longer runs

options:
  --dir DIR      cache folder (default: $AC1_CACHE_DIR or the per-user cache,
                 here ${defaultCacheDir()})
  --json         list: print the entries as JSON
`;

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
  );
}

export const command: Command = {
  name: "cache",
  summary: "list or clear the build cache",
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs("cache", argv, {
      dir: { type: "string" },
      json: { type: "boolean" },
    });
    const [sub, ...args] = positionals;
    const cache = new BuildCache(typeof values.dir === "string" ? values.dir : defaultCacheDir());
    const intermediates = new IntermediateCache(cache.dir);
    if (sub === "list") {
      if (args.length > 0)
        throw new UsageError(`list: unexpected argument ${JSON.stringify(args[0])} (see ac1 cache --help)`);
      const entries = await cache.list();
      const kinds = await intermediates.list();
      const kindsLine = () => {
        const total = kinds.reduce((a, k) => a + k.bytes, 0);
        const each = kinds.map((k) => `${k.kind} ${k.entries} (${formatBytes(k.bytes)})`).join(", ");
        return `intermediates: ${each}; ${formatBytes(total)} of at most ${formatBytes(intermediateMaxBytes())} in ${intermediates.root}\n`;
      };
      if (values.json) {
        await write(
          `${JSON.stringify(
            entries.map((e) => ({
              key: e.key,
              bytes: e.bytes,
              created_at: e.createdAt.toISOString(),
              summary: e.summary,
            })),
            null,
            1,
          )}\n`,
        );
        process.stderr.write(kindsLine());
        return 0;
      }
      if (entries.length === 0) {
        process.stderr.write(`ac1 cache: no entries in ${cache.entriesDir}\n${kindsLine()}`);
        return 0;
      }
      const lines = entries.map(
        (e) =>
          `${e.key.slice(0, 16)}  ${formatBytes(e.bytes).padStart(9)}  ${e.createdAt.toISOString().replace("T", " ").slice(0, 19)}  ${e.summary}`,
      );
      const total = entries.reduce((a, e) => a + e.bytes, 0);
      await write(`${lines.join("\n")}\n`);
      process.stderr.write(
        `${entries.length} entr${entries.length === 1 ? "y" : "ies"}, ${formatBytes(total)} of at most ${formatBytes(cache.maxBytes)} in ${cache.entriesDir}\n${kindsLine()}`,
      );
      return 0;
    }
    if (sub === "clear") {
      if (args.length > 1) throw new UsageError(`clear: expected at most one KEY (see ac1 cache --help)`);
      const prefix = args[0];
      if (prefix === undefined) {
        const n = await cache.clear();
        const m = await intermediates.clear();
        await write(
          `removed ${n} entr${n === 1 ? "y" : "ies"} from ${cache.entriesDir} and ${m} intermediate result${m === 1 ? "" : "s"} from ${intermediates.root}\n`,
        );
        return 0;
      }
      if (!/^[0-9a-f]{6,64}$/.test(prefix)) {
        throw new UsageError(
          `clear: KEY must be 6 to 64 lowercase hex digits, got ${JSON.stringify(prefix)}`,
        );
      }
      const keys = await cache.resolve(prefix);
      if (keys.length === 0)
        throw new UsageError(`clear: no entry with key ${prefix} in ${cache.entriesDir}`);
      if (keys.length > 1)
        throw new UsageError(`clear: key prefix ${prefix} matches ${keys.length} entries; give more digits`);
      const n = await cache.clear(keys[0]!);
      await write(`removed ${n} entr${n === 1 ? "y" : "ies"} (${keys[0]})\n`);
      return 0;
    }
    if (sub === undefined)
      throw new UsageError("expected a subcommand, list or clear (see ac1 cache --help)");
    throw new UsageError(
      `unknown subcommand ${JSON.stringify(sub)}, expected list or clear (see ac1 cache --help)`,
    );
  },
};
