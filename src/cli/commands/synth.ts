// `ac1 synth --out DIR [--scale small|bench|stims] [--size N] [--seed N]`: writes the
// deterministic synthetic release (the three zips with the real layout, plus
// synth-manifest.json) and prints the output folder on stdout.

import { resolve } from "node:path";
import {
  DEMO_SEED,
  MAX_SYNTH_SIZE,
  SYNTH_SCALES,
  type SynthScale,
  writeSynthArchive,
} from "../../ac1/synth/index.js";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { prepareOutputFolder } from "../output.js";
import { ProgressBar } from "../progress.js";

const HELP = `usage: ac1 synth --out DIR [--scale small|bench|stims] [--size N] [--seed N] [--quiet]

Write a synthetic CRCNS-AC1 release into DIR: crcns-ac1.zip (wehr/ and
asari/Stimuli), crcns-ac1-asari-results-1.zip and -2.zip, with the real
layout and MATLAB-style .mat files, plus synth-manifest.json listing every
planted cell, stim, repeat, artifact, warning and unreadable file, and the
corners of the reference loader planted on purpose (its "corners"). The same
seed always gives byte-identical zips. Use DIR as --path for ac1 build.
DIR may be new, empty or an earlier synth output; a folder holding other
CRCNS-AC1 data is refused.

options:
  --out DIR       output folder (created if needed)
  --scale S       small (default: a few MB, seconds), bench (~200 MB: many
                  repeats of short stims) or stims (~50 MB: long spliced Asari
                  sequences at 97656 Hz, few repeats each, mostly cell-attached
                  MGB cells, many Wehr stims)
  --size N        N times the scale's extra cells over the same stimulus files,
                  1..${MAX_SYNTH_SIZE} (default 1; for scaling measurements)
  --seed N        integer seed, 0..4294967295 (default 2009: the archive
                  behind ac1 demo)
  --quiet         no progress bar
`;

export const command: Command = {
  name: "synth",
  summary: "write a synthetic archive with the real layout",
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs("synth", argv, {
      out: { type: "string" },
      scale: { type: "string" },
      seed: { type: "string" },
      size: { type: "string" },
      quiet: { type: "boolean" },
    });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (see ac1 synth --help)`);
    const out = values.out;
    if (typeof out !== "string" || out === "")
      throw new UsageError("--out DIR is required (see ac1 synth --help)");
    const scale = (values.scale as string | undefined) ?? "small";
    if (!(SYNTH_SCALES as readonly string[]).includes(scale))
      throw new UsageError(`--scale must be one of ${SYNTH_SCALES.join(", ")}, got ${JSON.stringify(scale)}`);
    const size = numberFlag("size", values.size as string | undefined) ?? 1;
    if (!Number.isInteger(size) || size < 1 || size > MAX_SYNTH_SIZE)
      throw new UsageError(`--size must be an integer in 1..${MAX_SYNTH_SIZE}, got ${values.size as string}`);
    const seed = numberFlag("seed", values.seed as string | undefined) ?? DEMO_SEED;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UsageError(`--seed must be an integer in 0..4294967295, got ${values.seed as string}`);
    }
    const dir = resolve(out);
    await prepareOutputFolder(dir);
    const bar = new ProgressBar({ label: "synth", total: 0, silent: Boolean(values.quiet) });
    const manifest = await writeSynthArchive(dir, {
      scale: scale as SynthScale,
      seed,
      size,
      onProgress: (p) => {
        bar.setTotal(p.filesTotal);
        bar.update(p.filesDone, p.zip);
      },
    });
    const mb = manifest.zips.reduce((n, z) => n + z.bytes, 0) / 1024 ** 2;
    bar.finish(`${manifest.cells.length} cells, ${mb.toFixed(1)} MB`);
    await new Promise<void>((res, rej) => process.stdout.write(`${dir}\n`, (e) => (e ? rej(e) : res())));
    return 0;
  },
};
