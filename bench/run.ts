// `npm run bench`: runs every benchmark suite in sequence, each in its own
// process so one suite's heap does not skew the next, and collects their JSON
// results into bench/results/latest.json. A suite is a compiled module
// dist/bench/suites/<name>.js that prints its table to stdout and writes its
// figures as JSON to the path in the BENCH_JSON environment variable.
// Usage: npm run bench [-- suite ...]. Without names, every suite but the
// long opt-in ones (OPT_IN: `npm run bench -- scale` or `-- options` runs one).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const suitesDir = join(here, "suites");
const projectRoot = resolve(here, "..", "..");
const resultsDir = join(projectRoot, "bench", "results");

const wanted = process.argv.slice(2);
const all = existsSync(suitesDir)
  ? readdirSync(suitesDir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.replace(/\.js$/, ""))
      .sort()
  : [];
/** Suites that take long (tens of minutes) and run only when named. */
const OPT_IN = new Set(["scale", "options"]);
const suites = wanted.length > 0 ? wanted : all.filter((s) => !OPT_IN.has(s));
mkdirSync(resultsDir, { recursive: true });
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
let failed = 0;
for (const name of suites) {
  const file = join(suitesDir, `${name}.js`);
  if (!existsSync(file)) {
    console.error(`bench: no suite ${JSON.stringify(name)} (have: ${all.join(", ")})`);
    failed++;
    continue;
  }
  const jsonPath = join(resultsDir, `${name}.json`);
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ["--expose-gc", file], {
    stdio: "inherit",
    env: { ...process.env, BENCH_JSON: jsonPath },
  });
  if (r.status !== 0) {
    console.error(`bench: suite ${name} failed (exit ${r.status})`);
    failed++;
    continue;
  }
  if (existsSync(jsonPath)) results[name] = JSON.parse(readFileSync(jsonPath, "utf8"));
}
writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nfigures written to ${join("bench", "results", "latest.json")}`);
process.exitCode = failed > 0 ? 1 : 0;
