// `ac1 quality FILE.npz [--json]` (evaluation.md, "Contracts"): the noise
// ceilings of every neuron of an export, computed from its arrays (read
// lazily, one neuron at a time), as a table or as {"neurons": [...]} JSON on
// stdout (NaN as null). Progress on stderr; nothing on stdout on failure.

import { exportQuality, type NeuronQualityRow } from "../../evaluation/index.js";
import { openDatasetExport } from "../../export/index.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { ProgressBar } from "../progress.js";
import { formatCell, formatTable } from "../table.js";

const HELP = `usage: ac1 quality FILE.npz [--json] [--quiet]

The noise ceilings of every neuron of an export (deepSTRF's
compute_neuron_quality), computed from its arrays: per neuron its index,
session, signal type, stims (pairs with data), kept repeats, snr (Sahani and
Linden: signal power / max(noise power, 1e-12), T-weighted over stims with 2+
repeats), signal_power, noise_power and ccmax (Hsu's noise ceiling by
Spearman-Brown over up to 126 half-splits per stim; 1.0 for a neuron without
any stim with 2+ repeats, so that ccnorm = cc). NaN where a value is undefined
(snr without a stim of 2+ repeats; ccmax when a half-split correlation is NaN).
Every build stores the same values in the export's manifest (neurons[i].snr,
.ccmax, .signal_power, .noise_power); this command recomputes them, so it also
serves exports made before they were stored.

options:
  --json       print {"neurons": [{"index", "session", "signal_type", "stims",
               "repeats", "snr", "signal_power", "noise_power", "ccmax"}, ...]}
               on stdout instead of a table (NaN is null)
  --quiet      no progress on stderr
  -h, --help   this text`;

const COLUMNS = [
  "index",
  "session",
  "signal_type",
  "stims",
  "repeats",
  "snr",
  "signal_power",
  "noise_power",
  "ccmax",
] as const satisfies readonly (keyof NeuronQualityRow)[];

/** The rows as the table `ac1 quality` prints. */
export function qualityTable(rows: readonly NeuronQualityRow[]): string {
  return formatTable(
    COLUMNS,
    rows.map((r) => COLUMNS.map((c) => formatCell(r[c]))),
    COLUMNS.map((c) => c !== "session" && c !== "signal_type"),
  );
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("quality", argv, {
    json: { type: "boolean" },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 1)
    throw new UsageError(
      `ac1 quality: expected one FILE.npz, got ${positionals.length} arguments (see ac1 quality --help)`,
    );
  const file = positionals[0]!;
  const view = await openDatasetExport(file);
  let rows: NeuronQualityRow[];
  try {
    const bar = new ProgressBar({ label: "quality", total: view.neuronCount, silent: Boolean(values.quiet) });
    rows = await exportQuality(view, { onNeuron: (done) => bar.update(done, "neurons") });
    bar.finish();
  } finally {
    await view.close();
  }
  const out = values.json ? JSON.stringify({ neurons: rows }) : qualityTable(rows);
  process.stdout.write(`${out}\n`);
  return 0;
}

export const command: Command = {
  name: "quality",
  summary: "noise ceilings (snr, ccmax) of every neuron of an export",
  help: HELP,
  run,
};
