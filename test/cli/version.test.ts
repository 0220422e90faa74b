// The package version and the code fingerprint behind cache keys.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { codeVersion } from "../../src/cache/key.js";
import { codeFingerprint, packageVersion } from "../../src/version.js";
import { runAc1 } from "../support/cli.js";
import { projectRoot } from "../support/paths.js";

const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };

test("ac1 --version prints package.json's version", async () => {
  assert.equal(packageVersion(), pkg.version);
  const r = await runAc1(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), `ac1 ${pkg.version}`);
});

test("cache keys carry a fingerprint of the output-shaping code", () => {
  const f = codeFingerprint();
  assert.match(f, /^[0-9a-f]{16}$/);
  assert.equal(codeFingerprint(), f);
  assert.ok(codeVersion().includes(`+${f}+`), codeVersion());
  assert.ok(codeVersion().startsWith(`ac1-${pkg.version}+`));
});
