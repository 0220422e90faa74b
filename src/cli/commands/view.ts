// `ac1 view FILE.npz [--port P] [--no-open]`: serves the local web viewer
// for an export on 127.0.0.1, prints its URL on stdout and runs until Ctrl-C.

import { spawn } from "node:child_process";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { onInterrupt } from "../interrupt.js";

const HELP = `usage: ac1 view FILE.npz [--port P] [--no-open]

Serves a local web viewer for an ac1-npz export on 127.0.0.1 and prints its
URL. Cells can be filtered by experimenter, site and signal type; for a
(stim, cell) pair it shows the stim spectrogram above every kept repeat and
their mean on a shared time axis, the rejected repeats with their gating
statistics, and cohort views (repeats kept/rejected per cell, response length
and repeat-count histograms). Arrays are read from the export on demand.
Runs until interrupted (Ctrl-C).

options:
  --port P     TCP port on 127.0.0.1 (default: a free ephemeral port)
  --no-open    do not try to open the URL in a web browser
  --debug      show stack traces on errors
  -h, --help   this text`;

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
    const viewer = await openViewer(positionals[0] as string, port === undefined ? {} : { port });
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
