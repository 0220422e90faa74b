// `ac1 view FILE.npz [--port P] [--pred PRED.npz] [--no-open]`: serves the
// local web viewer for an export on 127.0.0.1, prints its URL on stdout and
// runs until Ctrl-C. With --pred, a model's predictions (checked whole first,
// as `ac1 score` does) are drawn over the responses and scored.

import { spawn } from "node:child_process";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { onInterrupt } from "../interrupt.js";

const HELP = `usage: ac1 view FILE.npz [--port P] [--pred PRED.npz] [--no-open]

Serves a local web viewer for an ac1-npz export on 127.0.0.1 and prints its
URL. It opens on the first cell and its first stim. What it shows:
- Cells: every cell with its stim and kept-repeat counts, repeats rejected
  by reason, and its noise ceilings (SNR and CCmax; signal and noise power in
  the tooltip; "–" where undefined), sortable by any column, filtered by
  experimenter, site, signal type, session name and a quality threshold such
  as "ccmax >= 0.5" or "snr > 1 and stims >= 3".
- A (stim, cell) pair: the stim spectrogram (or waveform envelope) above
  every kept repeat and their mean on a shared, zoomable time axis, and every
  rejected repeat with its reason and gating statistics (the failing one
  beside its threshold). An export built with --keep-rejected also has the
  rejected repeats drawn under the kept ones, by fate, as the detrended
  voltage in mV on an axis of their own, each linked to its table row.
- Cohort: repeats kept/rejected per cell by reason, CCmax against SNR per
  cell, response-length and repeat-count histograms.

With --pred PRED.npz (the file ac1 score reads: pred_<s>_<n> arrays of
shape (T_s,) or (1, T_s)), the prediction is drawn over the repeats and their
mean, with the pair's and the neuron's scores beside the plot (corrcoef,
fve, mse, ccnorm_schoppe, ccnorm_hsu, snr, ccmax: the numbers ac1 score
prints), and the cohort view adds each neuron's corrcoef against its CCmax.
PRED.npz is checked whole before anything is served; a bad one is one line
naming the key, exit status 1.

Arrays are read from the export on demand. Runs until interrupted (Ctrl-C).

options:
  --port P          TCP port on 127.0.0.1 (default: a free ephemeral port)
  --pred PRED.npz   a model's predictions to draw and score (see ac1 score --help)
  --no-open         do not try to open the URL in a web browser
  -h, --help        this text`;

/** Best effort: ask the desktop to open the URL; never fails the command. */
function openInBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No desktop opener: the printed URL is enough.
  }
}

export const command: Command = {
  name: "view",
  summary: "serve the local viewer for an export",
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs("view", argv, {
      port: { type: "string" },
      pred: { type: "string" },
      "no-open": { type: "boolean" },
    });
    if (positionals.length !== 1)
      throw new UsageError(
        `ac1 view: expected one FILE.npz, got ${positionals.length} (see ac1 view --help)`,
      );
    const port = numberFlag("port", values.port as string | undefined);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new UsageError(`--port expects an integer 0..65535, got ${JSON.stringify(values.port)}`);
    }
    const { openViewer } = await import("../../viewer/index.js");
    const pred = values.pred as string | undefined;
    const viewer = await openViewer(positionals[0] as string, {
      ...(port === undefined ? {} : { port }),
      ...(pred === undefined ? {} : { pred }),
    });
    process.stdout.write(`${viewer.url}\n`);
    process.stderr.write("ac1 view: serving on 127.0.0.1 only; press Ctrl-C to stop\n");
    if (!values["no-open"] && process.stdout.isTTY) openInBrowser(viewer.url);
    // Ctrl-C is how the viewer is meant to stop: exit 0 once it is closed (a second Ctrl-C exits at once)
    await new Promise<void>((resolve) => {
      const release = onInterrupt(() => {
        void viewer.close().finally(() => {
          release();
          resolve();
        });
      });
    });
    return 0;
  },
};
