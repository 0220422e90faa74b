// The registry of CLI commands, in the order `ac1 --help` lists them.
// Each command lives in its own module under this folder.

import type { Command } from "../command.js";

/** Lazily loaded so `ac1 mat` does not pay for the viewer or the pipeline. */
export const commandLoaders: Record<string, () => Promise<Command>> = {
  demo: async () => (await import("./demo.js")).command,
  build: async () => (await import("./build.js")).command,
  info: async () => (await import("./info.js")).command,
  download: async () => (await import("./download.js")).command,
  mat: async () => (await import("./mat.js")).command,
  synth: async () => (await import("./synth.js")).command,
  view: async () => (await import("./view.js")).command,
  quality: async () => (await import("./quality.js")).command,
  score: async () => (await import("./score.js")).command,
  cache: async () => (await import("./cache.js")).command,
};
