// What `ac1` does when it is interrupted (Ctrl-C: SIGINT; a kill: SIGTERM,
// SIGHUP): every temp file, temp folder and lock this process registered
// (src/temp-files.ts: the .npz being written, the build cache entry being
// stored, a zip being unpacked, a synthetic zip) is removed at once, one line
// says so on stderr, and the process exits with status 1 (failure: the
// documented statuses are 0, 1 and 2, so not the shell's 128+signal). A
// download's .part file stays on purpose: the next `ac1 download` resumes it.
// A command that stops gracefully on Ctrl-C (`ac1 view`) takes the signals
// over with onInterrupt; a second signal then exits at once.

import { stopLiveWorkersNow } from "../parallel/stop.js";
import { removeTrackedTemps } from "../temp-files.js";

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

let command = "";
let note: string | undefined;
let takeover: ((signal: NodeJS.Signals) => void) | undefined;
let interrupted = false;

function onSignal(signal: NodeJS.Signals): void {
  if (takeover !== undefined && !interrupted) {
    interrupted = true;
    takeover(signal);
    return;
  }
  // Worker threads stop first, where it is safe to (src/parallel/stop.ts): the exit then tears
  // none down mid-task, and the sweep that follows sees every temp file they made.
  stopLiveWorkersNow();
  removeTrackedTemps();
  const what = note === undefined ? "" : `; ${note}`;
  process.stderr.write(`\n${command === "" ? "ac1" : `ac1 ${command}`}: interrupted (${signal})${what}\n`);
  process.exit(1);
}

/** Installs the handlers for the run of `name` (once per process). */
export function handleInterrupts(name: string): void {
  command = name;
  for (const s of SIGNALS) {
    process.removeListener(s, onSignal);
    process.on(s, onSignal);
  }
}

/** Sets (or clears) what the interruption message adds, e.g. "no export written to x.npz". */
export function setInterruptNote(text: string | undefined): void {
  note = text;
}

/** Lets a command stop gracefully on the first signal; returns the function that gives the signals back. */
export function onInterrupt(stop: (signal: NodeJS.Signals) => void): () => void {
  takeover = stop;
  interrupted = false;
  return () => {
    if (takeover === stop) takeover = undefined;
  };
}
