#!/usr/bin/env node
// Entry point of the installed `ac1` binary (see run.ts for the dispatcher).
import { runCli } from "./run.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ac1: internal error: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
