// Comparing two errors as the worker-boundary contract sees them (not a test
// file): same class (prototype), name, message, code, own fields, and the
// same cause chain.

import assert from "node:assert/strict";

export function assertSameError(got: unknown, expected: unknown, where = "error"): void {
  assert.ok(got instanceof Error, `${where}: not an Error: ${String(got)}`);
  assert.ok(expected instanceof Error);
  assert.equal(
    Object.getPrototypeOf(got),
    Object.getPrototypeOf(expected),
    `${where}: class ${got.constructor.name}`,
  );
  assert.equal(got.name, expected.name, `${where}: name`);
  assert.equal(got.message, expected.message, `${where}: message`);
  assert.deepEqual({ ...got }, { ...expected }, `${where}: own fields`);
  if (expected.cause === undefined) assert.equal(got.cause, undefined, `${where}: cause`);
  else assertSameError(got.cause, expected.cause, `${where}.cause`);
}
