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

test("ac1 help COMMAND prints that command's help, like ac1 COMMAND --help", async () => {
  const viaHelp = await runAc1(["help", "mat"]);
  const viaFlag = await runAc1(["mat", "--help"]);
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^usage: ac1 mat FILE\.mat/);
  assert.equal(viaHelp.stdout, viaFlag.stdout);
});

test("every command's --help ends with the flags every command takes (--help, --debug)", async () => {
  const list = await runAc1(["--help"]);
  const names = [...list.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1] as string);
  assert.ok(names.includes("build") && names.includes("demo"), list.stdout);
  for (const name of names) {
    const r = await runAc1([name, "--help"]);
    assert.equal(r.code, 0, name);
    assert.match(
      r.stdout,
      /\nEvery command also takes --help and --debug \(on a failure, its stack trace too\)\.\n$/,
      name,
    );
    assert.equal(r.stdout.match(/--debug/g)?.length, 1, `${name}: --debug said once`);
  }
});

test("ac1 --help states the exit statuses and --version", async () => {
  const r = await runAc1(["--help"]);
  assert.match(r.stdout, /Exit status: 0 success, 1 failure .*, 2 bad command line\./);
  assert.match(r.stdout, /^ac1 --version prints the version\.$/m);
});

test("a value flag given twice is a bad command line (exit 2, one line), not the last one silently", async () => {
  for (const argv of [
    ["build", "--out", "a.npz", "--out", "b.npz"],
    ["info", "--path", "x", "--dt-ms", "5", "--dt-ms=10"],
    ["view", "e.npz", "--port", "1", "--port", "2"],
  ]) {
    const r = await runAc1(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(`^ac1 ${argv[0]}: --[a-z-]+ given twice: give it once \\(see ac1 ${argv[0]} --help\\)\\n$`),
    );
  }
});
