// Preloaded (node --import) into a CLI child by the exit-status tests: once
// the process stops at an AC1_TEST_PAUSE_AT point (it says so on stderr),
// throws from a timer callback, outside any promise the CLI awaits, as a bug
// in an event handler would: the moment (mid-build, temp files present) is
// then known exactly.

const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
process.stderr.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
  const done = write(chunk, ...rest);
  if (String(chunk).startsWith("ac1-test: paused at")) {
    setTimeout(() => {
      throw new TypeError("thrown from a timer callback while paused");
    }, 0);
  }
  return done;
}) as typeof process.stderr.write;
