// Property tests: random MATLAB values written with writeMat and read back
// with openMat are identical (both byte orders, compressed or not), and the
// variable listing agrees with the decoded values.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { openMat, writeMat } from "../../src/mat/index.js";
import { canon, matValueArb } from "./arbitraries.js";

for (const endian of ["<", ">"] as const) {
  for (const compress of [true, false]) {
    test(`writeMat -> openMat is the identity (endian ${endian}, compress ${compress})`, () => {
      fc.assert(
        fc.property(fc.array(matValueArb, { minLength: 1, maxLength: 4 }), (values) => {
          const vars = values.map((value, i) => ({ name: `v${i}`, value }));
          const bytes = writeMat(vars, { endian, compress, headerText: "ac1 round trip" });
          const file = openMat(bytes, "rt.mat");
          assert.equal(file.header.endian, endian);
          assert.equal(file.header.level, 5);
          assert.equal(file.header.text, "ac1 round trip");
          const back = file.readAll();
          assert.deepEqual(
            back.map((v) => v.name),
            vars.map((v) => v.name),
          );
          assert.deepEqual(
            back.map((v) => canon(v.value)),
            values.map(canon),
          );
          for (const [i, info] of file.variables.entries()) {
            const v = values[i]!;
            if (v.kind !== "unsupported") assert.deepEqual(info.dims, v.dims);
          }
          // lazy single-variable access decodes the same value
          const last = vars[vars.length - 1]!;
          assert.deepEqual(canon(file.read(last.name)), canon(last.value));
        }),
        { numRuns: 150 },
      );
    });
  }
}
