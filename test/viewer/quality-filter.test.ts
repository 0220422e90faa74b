// The cell list's threshold filter (src/viewer/web/quality-filter.js, the
// browser module itself imported in node): what it accepts and how it
// decides, a clear message for each kind of mistake, missing values never
// passing, and for any text at all an answer (a test or a message), never an
// exception: it is parsed by hand, not eval'd.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { projectRoot } from "../support/paths.js";

type Row = Record<string, number | null>;
interface Column {
  name: string;
  aliases?: string[];
  get: (row: Row) => number | null;
}
type Result = { ok: true; test: ((row: Row) => boolean) | null } | { ok: false; error: string };

const { parseFilter } = (await import(
  pathToFileURL(join(projectRoot, "src", "viewer", "web", "quality-filter.js")).href
)) as { parseFilter: (text: string, columns: Column[]) => Result };

const COLUMNS: Column[] = [
  { name: "snr", get: (r) => r.snr ?? null },
  { name: "ccmax", aliases: ["cc_max"], get: (r) => r.ccmax ?? null },
  { name: "stims", get: (r) => r.stims ?? null },
];

function accept(text: string): (row: Row) => boolean {
  const r = parseFilter(text, COLUMNS);
  assert.ok(r.ok, `${text}: ${r.ok ? "" : r.error}`);
  assert.ok(r.test, `${text}: no test`);
  return r.test;
}

function refuse(text: string, message: RegExp): void {
  const r = parseFilter(text, COLUMNS);
  assert.equal(r.ok, false, `${text} was accepted`);
  if (!r.ok) assert.match(r.error, message, text);
}

test("threshold filter: comparisons, and/or, ranges, aliases, case and spacing", () => {
  const row = { snr: 2, ccmax: 0.6, stims: 3 };
  const cases: [string, boolean][] = [
    ["ccmax >= 0.5", true],
    ["ccmax >= 0.6", true],
    ["ccmax > 0.6", false],
    ["CCMAX<0.7", true],
    ["cc_max = 0.6", true],
    ["ccmax == 0.6", true],
    ["ccmax != 0.6", false],
    ["ccmax ≥ 0.5 and snr ≤ 2", true],
    ["snr > 1 and ccmax > 0.9", false],
    ["snr > 1 && ccmax > 0.5", true],
    ["snr > 1, stims >= 4", false],
    ["snr > 5 or ccmax > 0.5", true],
    ["snr > 5 || ccmax > 0.9", false],
    ["snr > 5 or ccmax > 0.5 and stims > 3", false],
    ["0.5 <= ccmax", true],
    ["0.5 < ccmax < 0.7", true],
    ["0.7 < ccmax <= 0.9", false],
    ["snr > -1", true],
    ["snr>-1e1", true],
    ["snr > 1.5e0", true],
    ["stims >= +3", true],
    ["snr > .5", true],
  ];
  for (const [text, expected] of cases) assert.equal(accept(text)(row), expected, text);
});

test("threshold filter: a missing value never passes, and empty text is no filter", () => {
  const row = { snr: null, ccmax: 0.9, stims: 2 };
  for (const text of ["snr > 0", "snr <= 0", "snr != 1", "snr = 0", "0 < snr < 10"])
    assert.equal(accept(text)(row), false, text);
  assert.equal(accept("snr > 0 or ccmax > 0.5")(row), true);
  for (const text of ["", "   ", "\t"])
    assert.deepEqual(parseFilter(text, COLUMNS), { ok: true, test: null });
});

test("threshold filter: each kind of mistake has its message", () => {
  refuse("cmax >= 0.5", /^unknown column "cmax": use snr, ccmax, stims$/);
  refuse("ccmax", /^expected a comparison \(>=, >, <=, <, =, !=\) after "ccmax" but found the end$/);
  refuse("ccmax 0.5", /^expected a comparison .* after "ccmax" but found "0\.5"$/);
  refuse("ccmax >=", /^expected a number after ">=" but found the end$/);
  refuse("ccmax >= high", /^expected a number after ">=" but found "high"$/);
  refuse("ccmax >= 0.5 snr > 1", /^expected "and" or "or" before "snr"$/);
  refuse("ccmax >= 0.5 and", /^expected a comparison after "and"$/);
  refuse("ccmax >= 0.5 and or snr > 1", /^expected a column .* but found "or"$/);
  refuse(">= 0.5", /^expected a column \(snr, ccmax, stims\) but found ">="$/);
  refuse("ccmax >= 0.5; drop table", /^unexpected ";" at character 13$/);
  refuse("ccmax >= 1e999", /^expected a number after ">=" but found "1e999"$/);
  refuse("window.alert(1)", /^unexpected "\." at character 7$/);
  refuse("0.5 < 0.7", /^expected a column .* but found "0\.7"$/);
  refuse("x".repeat(501), /^longer than 500 characters$/);
});

test("threshold filter: any text gets a test or a message, never an exception", () => {
  const alphabet = fc.constantFrom(
    ..."snr ccmax stims and or && || , >= <= > < = != ≥ 0 1 0.5 -2 1e3 . ( ) ; x \t".split(" "),
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 12 }), fc.string({ maxLength: 40 }), (parts, junk) => {
      for (const text of [parts.join(" "), parts.join(""), junk]) {
        const r = parseFilter(text, COLUMNS);
        if (r.ok) {
          if (r.test) assert.equal(typeof r.test({ snr: 1, ccmax: 0.5, stims: 2 }), "boolean");
        } else {
          assert.equal(typeof r.error, "string");
          assert.ok(r.error.length > 0 && !r.error.includes("\n"));
        }
      }
    }),
    { numRuns: 300 },
  );
});

test("threshold filter: the decision equals a direct evaluation of single comparisons", () => {
  const ops: [string, (a: number, b: number) => boolean][] = [
    [">=", (a, b) => a >= b],
    [">", (a, b) => a > b],
    ["<=", (a, b) => a <= b],
    ["<", (a, b) => a < b],
    ["=", (a, b) => a === b],
    ["!=", (a, b) => a !== b],
  ];
  fc.assert(
    fc.property(
      fc.constantFrom("snr", "ccmax", "stims"),
      fc.integer({ min: 0, max: ops.length - 1 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }),
      (col, k, threshold, value) => {
        const [op, f] = ops[k]!;
        const test = accept(`${col} ${op} ${threshold}`);
        const row = { snr: 0, ccmax: 0, stims: 0, [col]: value };
        assert.equal(test(row), value !== null && f(value, threshold));
      },
    ),
    { numRuns: 500 },
  );
});
