// Python's str and int rules the walkers use (src/ac1/python-text.ts) against
// what Python 3.11 answers (test/fixtures/ac1/make_python_text.py): the
// embedded Unicode tables, int(), isdigit, strip, split and sorted().

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  compareCodePoints,
  decimalValue,
  isPySpace,
  PY_SPACE_CLASS,
  pyInt,
  pyIsDigit,
  pyPrefix,
  pySplit,
  pyStrip,
} from "../../src/ac1/python-text.js";
import { fixture } from "../support/paths.js";

const golden = JSON.parse(readFileSync(fixture("ac1", "python_text.json"), "utf8")) as {
  decimal_run_starts: number[];
  digit_only_ranges: [number, number][];
  whitespace: number[];
  int: [string, number | "too-large" | null][];
  isdigit: [string, boolean][];
  strip: [string, string][];
  split: [string, string[]][];
  sorted: string[];
};

test("the embedded tables are Python's: decimal digits, other digits, white space", () => {
  const starts = new Set(golden.decimal_run_starts);
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const d = decimalValue(cp);
    if (d >= 0) assert.ok(starts.has(cp - d), `U+${cp.toString(16)} is not a decimal digit in Python`);
    assert.equal(isPySpace(cp), golden.whitespace.includes(cp), `isspace(U+${cp.toString(16)})`);
  }
  for (const s of golden.decimal_run_starts)
    for (let k = 0; k < 10; k++) assert.equal(decimalValue(s + k), k, `U+${(s + k).toString(16)}`);
  for (const [a, b] of golden.digit_only_ranges)
    for (let cp = a; cp <= b; cp++) assert.ok(pyIsDigit(String.fromCodePoint(cp)), `U+${cp.toString(16)}`);
  // \s of Python's re: exactly the white space
  const space = new RegExp(`^[${PY_SPACE_CLASS}]$`, "u");
  for (const cp of golden.whitespace) assert.ok(space.test(String.fromCodePoint(cp)));
  assert.ok(!space.test("\ufeff"));
});

test("int(text) as Python answers it: signs, spaces, underscores, Unicode digits", () => {
  for (const [text, want] of golden.int) {
    const got = pyInt(text);
    assert.equal(got, want === null || want === "too-large" ? undefined : want, JSON.stringify(text));
  }
  assert.ok(!Object.is(pyInt("-0"), -0));
});

test("isdigit, strip, split and sorted as Python answers them", () => {
  for (const [text, want] of golden.isdigit) assert.equal(pyIsDigit(text), want, JSON.stringify(text));
  for (const [text, want] of golden.strip) assert.equal(pyStrip(text), want, JSON.stringify(text));
  for (const [text, want] of golden.split) assert.deepEqual(pySplit(text), want, JSON.stringify(text));
  const names = golden.sorted.slice().reverse();
  assert.deepEqual(names.sort(compareCodePoints), golden.sorted);
  assert.equal(pyPrefix("\u{1d7ce}\u{1d7cf}\u{1d7d0}\u{1d7d1}x", 4), "\u{1d7ce}\u{1d7cf}\u{1d7d0}\u{1d7d1}");
});
