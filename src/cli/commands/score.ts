// `ac1 score FILE.npz PRED.npz [--json]` (evaluation.md, "Contracts"): scores
// a model's predictions against an export. PRED.npz is checked whole
// (readPredictions) before anything is scored; the export is read lazily, one
// scored neuron at a time. A table, or {"neurons": [...], "mean": {...}} JSON
// on stdout (NaN as null); nothing on stdout on failure.

import { ExportError } from "../../errors.js";
import {
  type NeuronScore,
  readPredictions,
  SCORE_METRICS,
  type ScoreReport,
  scorePredictions,
} from "../../evaluation/index.js";
import { holdsPredictions } from "../../evaluation/predictions.js";
import { openDatasetExport } from "../../export/index.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { ProgressBar } from "../progress.js";
import { formatCell, formatTable } from "../table.js";

const HELP = `usage: ac1 score FILE.npz PRED.npz [--json] [--quiet]

Scores a model's predictions against an export (deepSTRF's metrics). PRED.npz
holds one float32 or float64 array pred_<s>_<n> of shape (T_s,) or (1, T_s)
per (stim s, neuron n) pair to score, for any subset of the pairs with data
(resp_<s>_<n> in FILE.npz; T_s is that array's second dimension). In numpy:
  np.savez("pred.npz", **{f"pred_{s}_{n}": p for (s, n), p in preds.items()})

Per neuron with at least one scored pair, on its scored pairs only (stims
concatenated, against the PSTH, the mean over repeats): index, pairs,
corrcoef (Pearson r), fve (fraction of variance explained), mse,
ccnorm_schoppe (cov / sqrt(var(pred) * signal power)), ccnorm_hsu
(corrcoef / ccmax), snr and ccmax of those pairs (see ac1 quality --help);
both ccnorm are the plain corrcoef for a neuron whose scored pairs have one
repeat each. Then the NaN-aware mean of each over the neurons.

The whole of PRED.npz is checked before anything is scored: a key that is not
pred_<stim>_<neuron>, names a stim or neuron that does not exist or a pair
without data, an array that is not float32/float64 (object or pickled arrays
are refused), of the wrong shape, holding NaN or infinity, or a damaged file
is one line on stderr naming the key and the problem, with exit status 1.

options:
  --json       print {"neurons": [{"index", "pairs", "corrcoef", "fve", "mse",
               "ccnorm_schoppe", "ccnorm_hsu", "snr", "ccmax"}, ...],
               "mean": {"corrcoef", ...}} on stdout instead of a table (NaN is null)
  --quiet      no progress on stderr
  -h, --help   this text`;

const COLUMNS = ["index", "pairs", ...SCORE_METRICS] as const satisfies readonly (keyof NeuronScore)[];

/** The report as the table `ac1 score` prints, with a last row of means. */
export function scoreTable(report: ScoreReport): string {
  const rows = report.neurons.map((r) => COLUMNS.map((c) => formatCell(r[c])));
  rows.push(["mean", "", ...SCORE_METRICS.map((k) => formatCell(report.mean[k]))]);
  return formatTable(
    COLUMNS,
    rows,
    COLUMNS.map(() => true),
  );
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("score", argv, {
    json: { type: "boolean" },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 2)
    throw new UsageError(
      `ac1 score: expected FILE.npz PRED.npz, got ${positionals.length} arguments (see ac1 score --help)`,
    );
  const [file, predFile] = positionals as [string, string];
  const view = await openDatasetExport(file).catch(async (e: unknown) => {
    // The two files given the other way round: say so.
    if (e instanceof ExportError && (await holdsPredictions(file)))
      throw new ExportError(
        `${e.message}; it holds pred_<stim>_<neuron> arrays: ac1 score takes the export first, then PRED.npz`,
        { cause: e },
      );
    throw e;
  });
  let report: ScoreReport;
  let unitsNote: string | undefined;
  try {
    const predictions = await readPredictions(predFile, view);
    const bar = new ProgressBar({ label: "scoring", total: 0, silent: Boolean(values.quiet) });
    report = await scorePredictions(view, predictions, {
      onNeuron: (done, total) => {
        bar.setTotal(total);
        bar.update(done, "neurons");
      },
    });
    bar.finish();
    unitsNote = mixedUnitsNote(report, view.manifest.neurons);
  } finally {
    await view.close();
  }
  if (unitsNote !== undefined && !values.quiet) process.stderr.write(`ac1 score: warning: ${unitsNote}\n`);
  const out = values.json ? JSON.stringify(report) : scoreTable(report);
  process.stdout.write(`${out}\n`);
  return 0;
}

/**
 * A note when the scored neurons' responses are in different units (a mixed
 * cohort: mV and a.u.): their mean mse adds mV^2 to a.u.^2. Undefined otherwise.
 */
function mixedUnitsNote(
  report: ScoreReport,
  neurons: readonly Record<string, unknown>[],
): string | undefined {
  const count = new Map<string, number>();
  for (const { index } of report.neurons) {
    const units = String(neurons[index]?.units ?? "unknown units");
    count.set(units, (count.get(units) ?? 0) + 1);
  }
  if (count.size < 2) return undefined;
  const parts = [...count].map(([u, n]) => `${n} in ${u}`).join(", ");
  return `the scored neurons' responses are in different units (${parts}): the mean mse mixes them; score each signal type apart (an export of --sites A1 or --sites MGB, or predictions for one type only)`;
}

export const command: Command = {
  name: "score",
  summary: "score a model's predictions (PRED.npz) against an export",
  help: HELP,
  run,
};
