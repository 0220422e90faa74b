// The dispatcher: help, unknown commands, exit codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runAc1 } from "../support/cli.js";

test("ac1 --help lists the commands and exits 0", async () => {
  const r = await runAc1(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: ac1 <command>/);
});

test("an unknown command is one line on stderr and exit 2", async () => {
  const r = await runAc1(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});
