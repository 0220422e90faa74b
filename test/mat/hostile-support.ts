// Shared helpers of the hostile-input MAT tests: decoding a whole file, and
// the MatError a malformed file must raise (naming the file and the byte
// offset, on one line).

import assert from "node:assert/strict";
import { MatError, matToJson, openMat } from "../../src/mat/index.js";

export function decodeAll(bytes: Uint8Array, label = "t.mat"): unknown {
  return matToJson(openMat(bytes, label));
}

export function assertMatError(bytes: Uint8Array, offset: number | undefined, pattern: RegExp): void {
  assert.throws(
    () => decodeAll(bytes),
    (e: unknown) => {
      assert.ok(e instanceof MatError, `expected MatError, got ${String(e)}`);
      assert.match(e.message, /^t\.mat: byte \d+: /);
      if (offset !== undefined) assert.equal(e.offset, offset, e.message);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"));
      return true;
    },
  );
}
