// Every error this project raises on purpose, in one place (the lowest layer:
// it imports nothing from the project):
//   AC1_ERROR_CODES / Ac1ErrorCode  the one code union, each code with its
//                                   meaning and the class every error with
//                                   that code is an instance of;
//   Ac1Error and its subclasses     one per kind of failure that carries
//                                   fields of its own (MatError: file, byte
//                                   offset, problem; OptionError: option,
//                                   value, allowed; ...), kept as plain data;
//   isAc1Error(e, code?)            the type guard, narrowing to that class;
//   errorToData / errorFromData     an error as structured-clone-safe data and
//                                   back, as the same class with the same
//                                   fields: how errors cross the worker-thread
//                                   boundary (src/parallel), so instanceof and
//                                   fields do not depend on --jobs.
// The layers re-export their own class from here (src/mat/errors.ts, ...).
// The CLI prints an Ac1Error's message as one line and exits non-zero, without
// a stack trace; anything else reaching the CLI is a bug and reported as such.

/**
 * Every code an Ac1Error can carry: what it means, and the class every error
 * with that code is an instance of ("Ac1Error" for the general codes, which
 * any Ac1Error may carry). To add a code, add a row here (see CONTRIBUTING.md).
 */
export const AC1_ERROR_CODES = frozenTable({
  ARCHIVE: {
    class: "ArchiveError",
    meaning:
      "the release on disk: a missing zip or folder, a corrupt or hostile zip, an unreadable member, a full disk while extracting",
  },
  CACHE: {
    class: "CacheError",
    meaning: "the build cache: a malformed or ambiguous key, an unusable cache folder",
  },
  COLLATE: { class: "Ac1Error", meaning: "Ac1Dataset.collate: no items, or items of different shapes" },
  CONCAT: {
    class: "Ac1Error",
    meaning: "Ac1Dataset.concat: no datasets, or datasets with different dtMs, F or audioFs",
  },
  DOWNLOAD_AUTH: { class: "DownloadError", meaning: "CRCNS did not accept the login" },
  DOWNLOAD_BUSY: { class: "DownloadError", meaning: "another download holds the data folder's lock" },
  DOWNLOAD_CREDENTIALS: {
    class: "DownloadError",
    meaning: "no user name or password from the options, the environment or a terminal",
  },
  DOWNLOAD_DISK_FULL: {
    class: "DownloadError",
    meaning: "no space left on the device holding the data folder",
  },
  DOWNLOAD_FILELIST: {
    class: "DownloadError",
    meaning: "the dataset's file list lacks an entry or cannot be read",
  },
  DOWNLOAD_HTML: {
    class: "DownloadError",
    meaning: "an HTML page arrived where a zip or the file list was expected",
  },
  DOWNLOAD_HTTP: { class: "DownloadError", meaning: "an unexpected HTTP status (after the retries for 5xx)" },
  DOWNLOAD_INTERRUPTED: {
    class: "DownloadError",
    meaning: "the connection kept dropping; the .part file is kept for resuming",
  },
  DOWNLOAD_IO: {
    class: "DownloadError",
    meaning: "a local file-system failure other than a full disk (permissions, read-only folder)",
  },
  DOWNLOAD_NETWORK: {
    class: "DownloadError",
    meaning: "CRCNS could not be reached (login, file list) after the retries",
  },
  DOWNLOAD_NOT_FOUND: { class: "DownloadError", meaning: "the server answered 404" },
  DOWNLOAD_SIZE: {
    class: "DownloadError",
    meaning: "the server sent a different number of bytes than the file list says",
  },
  DOWNLOAD_URL: {
    class: "DownloadError",
    meaning: "an endpoint or redirect that is not HTTPS to an allowed host",
  },
  EXPORT: {
    class: "ExportError",
    meaning:
      "a .npy/.npz file or export: unreadable or hostile input, a dataset it cannot hold, a failed write",
  },
  INDEX: { class: "Ac1Error", meaning: "an Ac1Dataset index or slice out of range or not an integer" },
  INPUT: {
    class: "Ac1Error",
    meaning:
      "an input file that cannot be opened: missing, a folder, no permission (openMatFile; the path and why)",
  },
  INVARIANT: {
    class: "DatasetInvariantError",
    meaning: "a dataset breaks an invariant of dataset.md (a bug, or a corrupt export)",
  },
  MAT_FORMAT: {
    class: "MatError",
    meaning: "a malformed or unsupported MAT file (MatError names the file and the byte offset)",
  },
  NO_NEURONS: { class: "Ac1Error", meaning: "a build found no cell with usable data for the options" },
  OPTION: {
    class: "Ac1Error",
    meaning:
      "a bad option or argument value: an OptionError (fields option, value, allowed), from the load and build options and the Ac1Dataset methods alike",
  },
  OUTPUT: {
    class: "Ac1Error",
    meaning: "an output file or folder of the ac1 command that cannot be written",
  },
  PREDICTION: {
    class: "PredictionError",
    meaning:
      "a predictions file (PRED.npz) that cannot be scored: unreadable, a bad key, a pair without data, a wrong dtype or shape, a non-finite value",
  },
  SHAPE: {
    class: "Ac1Error",
    meaning:
      "arrays of the wrong shape: stims with different numbers of bands (standardizeStims), metric inputs, masks or predictions whose lengths do not match",
  },
  SPLIT: {
    class: "Ac1Error",
    meaning: "a stim split that cannot be made (split counts, a neuron that is not a Wehr cell)",
  },
  SYNTH_OUT: {
    class: "Ac1Error",
    meaning: "writeSynthArchive would overwrite release files it did not write",
  },
  VALUE: {
    class: "Ac1Error",
    meaning: "a value a computation cannot take: NaN where a metric needs finite numbers, a negative rate",
  },
  USAGE: { class: "UsageError", meaning: "wrong use of the ac1 command (unknown flag, missing argument)" },
  VIEW_OPEN: {
    class: "ViewerOpenError",
    meaning: "the export given to the viewer cannot be opened or served",
  },
  WORKER: {
    class: "WorkerError",
    meaning: "a worker thread failed outside of a task (crash, exit, start-up), or its pool was closed",
  },
} as const satisfies Record<string, { class: keyof Ac1ErrorClasses; meaning: string }>);

/** `table` with the table and every row frozen. */
function frozenTable<T extends Record<string, object>>(
  table: T,
): { readonly [K in keyof T]: Readonly<T[K]> } {
  for (const row of Object.values(table)) Object.freeze(row);
  return Object.freeze(table);
}

/** The one code union: every code an Ac1Error can carry (see AC1_ERROR_CODES). */
export type Ac1ErrorCode = keyof typeof AC1_ERROR_CODES;

/** The codes of DownloadError, one per kind of download failure. */
export type DownloadErrorCode = Extract<Ac1ErrorCode, `DOWNLOAD_${string}`>;

/** Every error class, by name. */
export interface Ac1ErrorClasses {
  Ac1Error: Ac1Error;
  ArchiveError: ArchiveError;
  CacheError: CacheError;
  DatasetInvariantError: DatasetInvariantError;
  DownloadError: DownloadError;
  ExportError: ExportError;
  MatError: MatError;
  OptionError: OptionError;
  PredictionError: PredictionError;
  UsageError: UsageError;
  ViewerOpenError: ViewerOpenError;
  WorkerError: WorkerError;
}

type ClassNameOf<C extends Ac1ErrorCode> = (typeof AC1_ERROR_CODES)[C]["class"];

/** The codes one class owns: only that class raises them (e.g. MAT_FORMAT, DOWNLOAD_AUTH). */
export type OwnedErrorCode = {
  [C in Ac1ErrorCode]: ClassNameOf<C> extends "Ac1Error" ? never : C;
}[Ac1ErrorCode];

/** The codes any Ac1Error may carry (e.g. INDEX, OPTION). */
export type GeneralErrorCode = Exclude<Ac1ErrorCode, OwnedErrorCode>;

/** What an error with code C is: its owner class, or an Ac1Error for a general code. */
export type Ac1ErrorOf<C extends Ac1ErrorCode> = Ac1ErrorClasses[ClassNameOf<C>] & { readonly code: C };

declare const ownedCode: unique symbol;
/**
 * An owned code as its class passes it to Ac1Error's constructor. Only this
 * module can make one (`own`), so the compiler refuses `new Ac1Error("MAT_FORMAT", ...)`
 * elsewhere, and isAc1Error(e, "MAT_FORMAT") narrowing to MatError is sound.
 */
type OwnedCodeToken = OwnedErrorCode & { readonly [ownedCode]: true };
const own = (code: OwnedErrorCode) => code as OwnedCodeToken;

/** The `cause` of an error, as Error's constructor takes it. */
export interface Ac1ErrorOptions {
  cause?: unknown;
}

/** Base class for every error this project raises on purpose. */
export class Ac1Error extends Error {
  /** Machine-readable code, e.g. "MAT_FORMAT", "OPTION", "DOWNLOAD_AUTH" (AC1_ERROR_CODES). */
  readonly code: Ac1ErrorCode;
  /** `code` is a general code; an owned code (MAT_FORMAT, DOWNLOAD_*, ...) is raised by its own class. */
  constructor(code: GeneralErrorCode | OwnedCodeToken, message: string, options?: Ac1ErrorOptions) {
    super(message, options);
    this.name = "Ac1Error";
    this.code = code;
  }
}

/** A bad option value: names the option, the value and what is allowed. */
export class OptionError extends Ac1Error {
  declare readonly code: "OPTION";
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

/**
 * A malformed or unsupported MAT file: names the file (path or "zip!member"),
 * the byte offset where the problem was found and what is wrong, as one line:
 * "<file>: byte <offset>: <problem>".
 */
export class MatError extends Ac1Error {
  declare readonly code: "MAT_FORMAT";
  readonly file: string;
  readonly offset: number;
  readonly problem: string;
  constructor(file: string, offset: number, problem: string, options?: Ac1ErrorOptions) {
    super(own("MAT_FORMAT"), `${file}: byte ${offset}: ${problem}`, options);
    this.name = "MatError";
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }
}

/**
 * Every user-facing failure of the archive layer (a missing zip, a corrupt or
 * malicious archive, an unreadable member, a full disk); the message is one
 * line naming the zip / folder / entry and the problem.
 */
export class ArchiveError extends Ac1Error {
  declare readonly code: "ARCHIVE";
  constructor(message: string, options?: Ac1ErrorOptions) {
    super(own("ARCHIVE"), message, options);
    this.name = "ArchiveError";
  }
}

/**
 * Anything wrong with a .npy/.npz file or an export: unreadable or hostile
 * input (bad magic, truncated data, impossible sizes), a dataset that cannot
 * be represented, or a failed write. Messages name the file, the member and,
 * where known, the byte offset.
 */
export class ExportError extends Ac1Error {
  declare readonly code: "EXPORT";
  constructor(message: string, options?: Ac1ErrorOptions) {
    super(own("EXPORT"), message, options);
    this.name = "ExportError";
  }
}

/**
 * A failure of the CRCNS download client, one code per kind (DownloadErrorCode),
 * with a one-line message that says what to do. Messages never contain
 * credentials, request bodies or URLs with user information.
 */
export class DownloadError extends Ac1Error {
  declare readonly code: DownloadErrorCode;
  constructor(code: DownloadErrorCode, message: string, options?: Ac1ErrorOptions) {
    super(own(code), message, options);
    this.name = "DownloadError";
  }
}

/** A bad build-cache request (a malformed or ambiguous key) or an unusable cache folder. */
export class CacheError extends Ac1Error {
  declare readonly code: "CACHE";
  constructor(message: string, options?: Ac1ErrorOptions) {
    super(own("CACHE"), message, options);
    this.name = "CacheError";
  }
}

/** A worker thread failed outside of a task (crash, exit, start-up error), or the pool was closed. */
export class WorkerError extends Ac1Error {
  declare readonly code: "WORKER";
  constructor(message: string, options?: Ac1ErrorOptions) {
    super(own("WORKER"), message, options);
    this.name = "WorkerError";
  }
}

/** A dataset breaks an invariant of dataset.md: a bug, or a corrupt export. */
export class DatasetInvariantError extends Ac1Error {
  declare readonly code: "INVARIANT";
  constructor(message: string) {
    super(own("INVARIANT"), `dataset invariant violated: ${message}`);
    this.name = "DatasetInvariantError";
  }
}

/**
 * A predictions file (`ac1 score`'s PRED.npz) that cannot be scored, as one
 * line "<file>: <key>: <problem>" (without the key when the problem is the
 * file as a whole). `key` is the array's name, e.g. "pred_3_12", or "".
 */
export class PredictionError extends Ac1Error {
  declare readonly code: "PREDICTION";
  readonly file: string;
  readonly key: string;
  readonly problem: string;
  constructor(file: string, key: string, problem: string, options?: Ac1ErrorOptions) {
    super(own("PREDICTION"), key ? `${file}: ${key}: ${problem}` : `${file}: ${problem}`, options);
    this.name = "PredictionError";
    this.file = file;
    this.key = key;
    this.problem = problem;
  }
}

/** Wrong usage of an ac1 command (unknown flag, missing argument); the CLI exits with 2. */
export class UsageError extends Ac1Error {
  declare readonly code: "USAGE";
  constructor(message: string) {
    super(own("USAGE"), message);
    this.name = "UsageError";
  }
}

/** The export given to the viewer cannot be opened or served. */
export class ViewerOpenError extends Ac1Error {
  declare readonly code: "VIEW_OPEN";
  constructor(message: string, cause?: unknown) {
    super(own("VIEW_OPEN"), message, { cause });
    this.name = "ViewerOpenError";
  }
}

/** The classes by name, for errorFromData. */
const ERROR_CLASSES: { [K in keyof Ac1ErrorClasses]: abstract new (...args: never[]) => Ac1ErrorClasses[K] } =
  {
    Ac1Error,
    ArchiveError,
    CacheError,
    DatasetInvariantError,
    DownloadError,
    ExportError,
    MatError,
    OptionError,
    PredictionError,
    UsageError,
    ViewerOpenError,
    WorkerError,
  };

/** Classes that own codes: they are re-created from the code alone. */
const OWNER_CLASSES: ReadonlySet<string> = new Set(
  Object.values(AC1_ERROR_CODES)
    .map((c) => c.class as string)
    .filter((c) => c !== "Ac1Error"),
);

/**
 * Whether `e` is an Ac1Error (with `code`, if given), narrowing it to the
 * class of that code: isAc1Error(e, "MAT_FORMAT") gives a MatError (offset,
 * file, problem), isAc1Error(e, "DOWNLOAD_AUTH") a DownloadError. Errors that
 * came back from a worker thread are real instances, so this holds whatever
 * the number of threads.
 */
export function isAc1Error(e: unknown): e is Ac1Error;
export function isAc1Error<C extends Ac1ErrorCode>(e: unknown, code: C): e is Ac1ErrorOf<C>;
export function isAc1Error(e: unknown, code?: Ac1ErrorCode): boolean {
  return e instanceof Ac1Error && (code === undefined || e.code === code);
}

/** An error as plain, structured-clone-safe data (errorToData); errorFromData re-creates it. */
export interface ErrorData {
  /** The error's name ("MatError", "TypeError", ...). */
  name: string;
  message: string;
  /** For an Ac1Error: its code and the name of its class. */
  code?: Ac1ErrorCode;
  errorClass?: keyof Ac1ErrorClasses;
  /** The error's own fields besides name and code (MatError: file, offset, problem; a Node error: code, errno, ...). */
  fields?: Record<string, unknown>;
  cause?: ErrorData;
  stack?: string;
}

/** JavaScript's own error classes, re-created as themselves. */
const BUILTIN_ERRORS: ReadonlyMap<string, ErrorConstructor> = new Map(
  [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => [c.name, c]),
);

/** Deepest cause chain carried along (guards against cycles). */
const MAX_CAUSE_DEPTH = 8;

/** The nearest registered class of an Ac1Error (a class derived elsewhere maps to its registered base). */
function classNameOf(e: Ac1Error): keyof Ac1ErrorClasses {
  for (
    let p: unknown = Object.getPrototypeOf(e);
    p !== null && p !== undefined;
    p = Object.getPrototypeOf(p)
  ) {
    for (const [name, cls] of Object.entries(ERROR_CLASSES)) {
      if (cls.prototype === p) return name as keyof Ac1ErrorClasses;
    }
  }
  return "Ac1Error";
}

/** `v` if it survives a structured clone, else its text. */
function cloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

/** Flattens any thrown value to ErrorData: class, code, message, own fields, cause chain and stack. */
export function errorToData(e: unknown): ErrorData {
  return toData(e, 0);
}

function toData(e: unknown, depth: number): ErrorData {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const out: ErrorData = { name: e.name, message: e.message };
  const skip = new Set(["name", "message", "stack", "cause"]);
  if (e instanceof Ac1Error) {
    out.code = e.code;
    out.errorClass = classNameOf(e);
    skip.add("code");
  }
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!skip.has(k)) fields[k] = cloneable(v);
  if (Object.keys(fields).length > 0) out.fields = fields;
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = toData(e.cause, depth + 1);
  if (e.stack !== undefined) out.stack = e.stack;
  return out;
}

/**
 * Re-creates an error from its ErrorData: an Ac1Error as the same class with
 * the same code, name, message, fields and cause (an owned code always as its
 * owner class), anything else as an Error (a TypeError, RangeError, ... for
 * JavaScript's own classes) with the same name, message and fields. The original stack (e.g. the worker's) is kept, for --debug.
 */
export function errorFromData(d: ErrorData): Error {
  const options = d.cause === undefined ? undefined : { cause: errorFromData(d.cause) };
  let e: Error;
  if (d.code !== undefined) {
    const spec = (AC1_ERROR_CODES as Record<string, { class: keyof Ac1ErrorClasses }>)[d.code];
    let name: keyof Ac1ErrorClasses = spec?.class ?? "Ac1Error";
    // A general code: the class it was raised as, unless that class owns other codes.
    if (name === "Ac1Error" && d.errorClass !== undefined && Object.hasOwn(ERROR_CLASSES, d.errorClass)) {
      if (!OWNER_CLASSES.has(d.errorClass)) name = d.errorClass;
    }
    // The class's own fields come from the data, so its constructor (whose
    // arguments differ per class) is not needed: Ac1Error's runs with the
    // class as new.target, which makes a real instance of that class.
    e = Reflect.construct(Ac1Error, [d.code as GeneralErrorCode, d.message, options], ERROR_CLASSES[name]);
  } else {
    e = new (BUILTIN_ERRORS.get(d.name) ?? Error)(d.message, options);
  }
  if (d.fields !== undefined) Object.assign(e, d.fields);
  if (e.name !== d.name) e.name = d.name;
  if (d.stack !== undefined) e.stack = d.stack;
  return e;
}
