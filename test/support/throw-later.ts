// Preloaded (node --import) into a CLI child by the exit-status tests: throws
// from a timer callback, outside any promise the CLI awaits, as a bug in an
// event handler would.

setTimeout(() => {
  throw new TypeError("thrown from a timer callback");
}, 300).unref();
