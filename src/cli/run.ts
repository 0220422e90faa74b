// The `ac1` command line: dispatches to one command module and turns
// failures into one line on stderr and a non-zero exit (stack traces only with
// --debug).

import { isAc1Error } from "../errors.js";
import { packageVersion } from "../version.js";
import { commandLoaders } from "./commands/index.js";

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
    "Run `ac1 <command> --help` for a command's options. --debug shows stack traces.",
    "Exit status: 0 success, 1 failure (data, files, network), 2 bad command line.",
  ].join("\n");
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
    process.stdout.write(`${command.help.trimEnd()}\n`);
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
  try {
    const command = await load();
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${command.help.trimEnd()}\n`);
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
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`ac1 ${name}: internal error: ${oneLine(msg)} (run with --debug for details)\n`);
    return 70;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, "; ");
}
