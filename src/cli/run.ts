// The `ac1` command line: dispatches to one command module and turns
// failures into one line on stderr and a non-zero exit (stack traces only with
// --debug). Exit status: 0 success, 1 failure (an Ac1Error, an interruption,
// or a bug: "internal error"), 2 bad command line; nothing else.

import { isAc1Error } from "../errors.js";
import { packageVersion } from "../version.js";
import type { Command } from "./command.js";
import { commandLoaders } from "./commands/index.js";
import { handleInterrupts } from "./interrupt.js";

/** The one line for an error that is not an Ac1Error: a bug, said so, with the way to its stack. */
export function internalErrorLine(command: string | undefined, e: unknown): string {
  const prefix = command === undefined || !commandLoaders[command] ? "ac1" : `ac1 ${command}`;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `${prefix}: internal error (a bug in ac1; please report it): ${oneLine(what)} (run with --debug for the stack trace)`;
}

let pipeWatched = false;

/** Stdout closed by its reader (`ac1 mat x.mat | head`): one line, status 1, instead of a crash. */
function brokenPipe(command: string): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.stderr.write(`ac1 ${command}: standard output was closed before all output was written\n`);
    process.exit(1);
  });
}

const SUMMARIES: Record<string, string> = {
  demo: "build the dataset from the embedded synthetic archive and export it",
  synth: "write a synthetic CRCNS-AC1 archive with the real layout",
  build: "build the dataset from the release and export it as .npz",
  download: "download the three CRCNS-AC1 zips (free CRCNS account)",
  info: "summarise an export, or what a build would produce",
  mat: "print a MAT-file as JSON",
  view: "serve the local viewer for an export",
  quality: "noise ceilings (snr, ccmax) of every neuron of an export",
  score: "score a model's predictions (PRED.npz) against an export",
  cache: "list or clear the build cache",
};

function usage(): string {
  const names = Object.keys(commandLoaders);
  const width = Math.max(...names.map((n) => n.length), 4);
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${SUMMARIES[n] ?? ""}`);
  return [
    "usage: ac1 <command> [options]",
    "",
    "CRCNS-AC1 (Wehr & Asari) to a clean stimulus/response dataset.",
    "",
    "commands:",
    ...lines,
    "",
    "Run `ac1 <command> --help` for a command's options. --debug shows stack traces;",
    "ac1 --version prints the version.",
    "Exit status: 0 success, 1 failure (data, files, network, interrupted), 2 bad command line.",
  ].join("\n");
}

/** A command's --help: its own text, then the flags every command takes (parseCommandArgs adds them). */
function commandHelp(command: Command): string {
  return `${command.help.trimEnd()}\n\nEvery command also takes --help and --debug (on a failure, its stack trace too).\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const [name, ...rest] = argv;
  if (name === undefined) {
    const names = Object.keys(commandLoaders).join(", ");
    process.stderr.write(`ac1: no command given; one of ${names} (see ac1 --help)\n`);
    return 2;
  }
  if (name === "help" && rest[0] !== undefined && commandLoaders[rest[0]]) {
    // `ac1 help build` is `ac1 build --help`
    const command = await commandLoaders[rest[0]]!();
    process.stdout.write(commandHelp(command));
    return 0;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (name === "--version") {
    process.stdout.write(`ac1 ${packageVersion()}\n`);
    return 0;
  }
  const load = commandLoaders[name];
  if (!load) {
    process.stderr.write(`ac1: unknown command ${JSON.stringify(name)} (see ac1 --help)\n`);
    return 2;
  }
  handleInterrupts(name);
  brokenPipe(name);
  try {
    const command = await load();
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(rest);
  } catch (e) {
    if (debug) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    if (isAc1Error(e)) {
      // some messages already carry the "ac1 <command>: " prefix; print it once
      const prefix = `ac1 ${name}: `;
      const text = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      process.stderr.write(`${prefix}${oneLine(text)}\n`);
      return e.code === "USAGE" ? 2 : 1;
    }
    process.stderr.write(`${internalErrorLine(name, e)}\n`);
    return 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, "; ");
}
