// The shape of one CLI command and the small helpers every command shares:
// parsing flags with node:util parseArgs and turning bad usage into a
// one-line UsageError.

import { type ParseArgsConfig, parseArgs } from "node:util";
import { Ac1Error } from "../errors.js";

export interface Command {
  /** The word after `ac1`, e.g. "mat". */
  name: string;
  /** One line for `ac1 --help`. */
  summary: string;
  /** Full text for `ac1 <name> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Wrong usage of a command (unknown flag, missing argument). */
export class UsageError extends Ac1Error {
  constructor(message: string) {
    super("USAGE", message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses argv with node:util parseArgs (strict), adding the global flags
 * --help and --debug. Unknown flags become a UsageError naming the command.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
): { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" }, debug: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(`${msg.split("\n")[0]} (see ac1 ${command} --help)`);
  }
}

/** Parses a numeric flag value, or throws a UsageError naming the flag. */
export function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new UsageError(`--${flag} expects a number, got ${JSON.stringify(value)}`);
  return n;
}
