#!/usr/bin/env node
// Entry point of the installed `ac1` binary (see run.ts for the dispatcher).
// The exit status is 0, 1 or 2 whatever happens (README, "Exit status"): an
// error that escapes everything (an exception thrown from a callback, a
// promise nobody awaited) is still one line on stderr and status 1, and
// removes this process's temp files (a build's spill file, an export's or a
// cache entry's temp file) as an interrupt does.
import { removeTrackedTemps } from "../temp-files.js";
import { internalErrorLine, runCli } from "./run.js";

const argv = process.argv.slice(2);
const debug = argv.includes("--debug");

function crash(e: unknown): void {
  if (debug) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.stderr.write(`${internalErrorLine(argv[0], e)}\n`);
  removeTrackedTemps();
  process.exit(1);
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

runCli(argv).then((code) => {
  process.exitCode = code;
}, crash);
