// The shape of one CLI command and the small helpers every command shares:
// parsing flags with node:util parseArgs and turning bad usage into a
// one-line UsageError.

import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "../errors.js";

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

/** Wrong usage of a command (unknown flag, missing argument); defined in src/errors.ts. */
export { UsageError };

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
  let parsed: ReturnType<typeof parseArgs> & { tokens?: { kind: string; name?: string; rawName?: string }[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" }, debug: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    throw new UsageError(`${parseArgsProblem(e, argv)} (see ac1 ${command} --help)`);
  }
  // A value flag given twice would silently keep the last one (--out a.npz ... --out b.npz).
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option" || t.name === undefined) continue;
    const spec = options[t.name];
    if (spec?.type !== "string" || spec.multiple) continue;
    if (seen.has(t.name))
      throw new UsageError(
        `${t.rawName ?? `--${t.name}`} given twice: give it once (see ac1 ${command} --help)`,
      );
    seen.add(t.name);
  }
  return {
    values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>,
    positionals: parsed.positionals,
  };
}

/** node:util parseArgs's complaint as one short line naming the flag. */
function parseArgsProblem(e: unknown, argv: string[]): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  const flag = /Option '(-[^' ]+)/.exec(msg)?.[1] ?? /Unknown option '([^']+)'/.exec(msg)?.[1];
  if (flag !== undefined) {
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${flag}`;
    if (/argument is ambiguous/.test(msg)) {
      const value = argv[argv.indexOf(flag) + 1] ?? "";
      return `${flag} ${value}: a value starting with "-" needs the = form, ${flag}=${value}`;
    }
    if (/argument missing/.test(msg)) return `${flag} needs a value`;
    if (/does not take an argument/.test(msg)) return `${flag} takes no value`;
  }
  return msg.split("\n")[0] ?? msg;
}

/** Parses a numeric flag value, or throws a UsageError naming the flag. */
export function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new UsageError(`--${flag} expects a number, got ${JSON.stringify(value)}`);
  return n;
}
