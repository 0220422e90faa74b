// The registry of CLI commands, in the order `ac1 --help` lists them.
// Each command lives in its own module under this folder.

import type { Command } from "../command.js";

/** Lazily loaded so `ac1 mat` does not pay for the viewer or the pipeline. */
export const commandLoaders: Record<string, () => Promise<Command>> = {
};
