// The short reporter of `npm test` (node --test --test-reporter=...): passing
// tests print nothing; each failure prints in full (where, which test, the
// error with its stack and assertion diff, then what the failing file wrote
// to stdout/stderr); each skipped or todo test prints one line with its
// reason; and node's own closing summary comes last, exactly as node's tap
// reporter prints it (`# tests N`, `# suites N`, `# pass N`, `# fail N`,
// `# cancelled N`, `# skipped N`, `# todo N`, `# duration_ms X`), because CI
// reads those lines. The exit status is node's: non-zero when a test failed.
// For the full TAP stream run node --test without --test-reporter.

import { relative } from "node:path";
import type { TestEvent } from "node:test/reporters";
import { inspect } from "node:util";

type EventOf<T extends TestEvent["type"]> = Extract<TestEvent, { type: T }>["data"];

/** Where a test lives, relative to the working folder. */
function where(file: string | undefined, line: number | undefined): string {
  if (!file) return "(unknown file)";
  const rel = relative(process.cwd(), file.startsWith("file://") ? new URL(file).pathname : file);
  return line === undefined ? rel : `${rel}:${line}`;
}

function indent(text: string, by = "  "): string {
  return text
    .split("\n")
    .map((l) => (l.length > 0 ? by + l : l))
    .join("\n");
}

/**
 * The error a failing test threw (node wraps it in ERR_TEST_FAILURE with the
 * original as cause), with the kind of failure when it is not the test's own
 * code throwing (a hook, a timeout, cancelled by its parent...).
 */
function describeError(error: unknown): string {
  const e = error as { code?: string; failureType?: string; cause?: unknown } | undefined;
  const thrown = e?.code === "ERR_TEST_FAILURE" && e.cause !== undefined ? e.cause : error;
  const text = typeof thrown === "string" ? thrown : inspect(thrown, { depth: 6 });
  return e?.failureType && e.failureType !== "testCodeFailure" ? `${text}\n(${e.failureType})` : text;
}

export default async function* shortReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  /** Per file, the names of the tests enclosing the current one, by nesting level. */
  const stacks = new Map<string, string[]>();
  /** Per file, what it wrote to stdout/stderr (printed only when the file had a failure). */
  const output = new Map<string, string[]>();
  const failedFiles = new Set<string>();
  /** Diagnostics of the failed test just reported (they follow its test:fail event). */
  let failing: { nesting: number } | null = null;
  /** Set once the root's plan is reported: the nesting-0 diagnostics after it are the run summary. */
  let summary: string[] | null = null;

  const path = (data: { file?: string; name: string; nesting: number }) => {
    const stack = stacks.get(data.file ?? "") ?? [];
    return [...stack.slice(0, data.nesting), data.name].join(" > ");
  };

  for await (const event of source) {
    switch (event.type) {
      case "test:start": {
        const d: EventOf<"test:start"> = event.data;
        const key = d.file ?? "";
        const stack = stacks.get(key) ?? [];
        stack.length = d.nesting;
        stack.push(d.name);
        stacks.set(key, stack);
        break;
      }
      case "test:pass": {
        const d: EventOf<"test:pass"> = event.data;
        failing = null;
        if (d.skip !== undefined && d.skip !== false)
          yield `# SKIP ${where(d.file, d.line)} ${path(d)}${typeof d.skip === "string" ? `: ${d.skip}` : ""}\n`;
        else if (d.todo !== undefined && d.todo !== false)
          yield `# TODO ${where(d.file, d.line)} ${path(d)}${typeof d.todo === "string" ? `: ${d.todo}` : ""}\n`;
        break;
      }
      case "test:fail": {
        const d: EventOf<"test:fail"> = event.data;
        const error = d.details.error as { failureType?: string };
        failing = null;
        if (d.todo !== undefined && d.todo !== false) {
          yield `# TODO ${where(d.file, d.line)} ${path(d)}${typeof d.todo === "string" ? `: ${d.todo}` : ""} (fails)\n`;
          break;
        }
        // A suite whose subtests failed: those failures are reported on their own.
        if (error.failureType === "subtestsFailed") break;
        if (d.file) failedFiles.add(d.file);
        failing = { nesting: d.nesting };
        yield `\nnot ok ${where(d.file, d.line)} ${path(d)}\n${indent(describeError(d.details.error))}\n`;
        break;
      }
      case "test:diagnostic": {
        const d: EventOf<"test:diagnostic"> = event.data;
        if (summary && d.nesting === 0) summary.push(`# ${d.message}\n`);
        else if (failing && d.nesting === failing.nesting) yield `  # ${d.message}\n`;
        break;
      }
      case "test:plan": {
        const d: EventOf<"test:plan"> = event.data;
        failing = null;
        if (d.nesting === 0 && d.file === undefined) summary = [];
        break;
      }
      case "test:stdout":
      case "test:stderr": {
        const d = event.data;
        const lines = output.get(d.file) ?? [];
        lines.push(d.message);
        output.set(d.file, lines);
        break;
      }
      default:
        break;
    }
  }
  for (const file of failedFiles) {
    const lines = output.get(file);
    if (lines?.length)
      yield `\n# output of ${where(file, undefined)}:\n${indent(lines.join("").trimEnd())}\n`;
  }
  if (failedFiles.size > 0) yield "\n";
  for (const line of summary ?? []) yield line;
}
