// Error types shared by every layer. An Ac1Error is a user-facing failure:
// the CLI prints its message as one line and exits non-zero, without a stack
// trace. Anything else reaching the CLI is a bug and is reported as such.

/** Base class for every error this project raises on purpose. */
export class Ac1Error extends Error {
  /** Short machine-readable code, e.g. "MAT_FORMAT", "OPTION", "DOWNLOAD_AUTH". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Ac1Error";
    this.code = code;
  }
}

/** A bad option value: names the option, the value and what is allowed. */
export class OptionError extends Ac1Error {
  /** The option's name as the library spells it, e.g. "dtMs" or "gating.stepMv". */
  readonly option: string;
  readonly value: unknown;
  /** What is allowed, in words. */
  readonly allowed: string;
  constructor(option: string, value: unknown, allowed: string) {
    super("OPTION", `invalid option ${option}=${formatValue(value)}: ${allowed}`);
    this.name = "OptionError";
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}

/** A value as it appears in an option message: strings quoted, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Type guard usable across module boundaries (workers re-create errors). */
export function isAc1Error(e: unknown): e is Ac1Error {
  return e instanceof Ac1Error;
}
