// The Python examples under examples/ and the README's modeller walkthrough,
// run end to end as a user would: the README's shell block ("From data to a
// model") line by line exactly as written (`npx ac1` is this checkout's
// compiled CLI, `$W` a temp folder, `python3` the machine's), then its numpy
// snippets, then examples/splits.py. Checked against ac1's own reading of the
// same files: the predictions are the test stims of the split and pass
// `ac1 score`'s checks, the script's test correlation is `ac1 score`'s
// corrcoef, the viewer serves the same scores, and splits.py's arrays are the
// export's. Skipped, with the reason, when python3 with numpy is not there.

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { readPredictions } from "../../src/evaluation/index.js";
import { openDatasetExport } from "../../src/export/index.js";
import { type CliResult, tempDir } from "../support/cli.js";
import { cliPath, projectRoot } from "../support/paths.js";

const PYTHON = "python3";

/** Why the examples cannot run here, or null when python3 imports numpy. */
function pythonMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import numpy"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import numpy: ${r.stderr.trim().split("\n").at(-1)}`;
  return null;
}

/** The fenced code blocks of `text` that follow a line holding `marker`, in order. */
export function markedBlocks(text: string, marker: string): { lang: string; body: string }[] {
  const lines = text.split("\n");
  const out: { lang: string; body: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.includes(marker)) continue;
    const open = /^```(\w*)\s*$/.exec(lines[i + 1] ?? "");
    if (!open) throw new Error(`README line ${i + 2}: no code block after "${marker}"`);
    const end = lines.indexOf("```", i + 2);
    if (end < 0) throw new Error(`README line ${i + 2}: unterminated code block`);
    out.push({ lang: open[1] ?? "", body: lines.slice(i + 2, end).join("\n") });
  }
  return out;
}

/** The words of one shell line (double quotes, $W expanded, a trailing # comment dropped). */
function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m[2]?.startsWith("#")) break;
    words.push((m[1] ?? m[2] ?? "").replace(/\$(\w+)/g, (_, v: string) => vars[v] ?? `$${v}`));
  }
  return words;
}

/** The program and arguments a README command runs: `npx ac1` is the compiled CLI of this checkout. */
function commandOf(words: string[]): [string, string[]] {
  if (words[0] === "npx" && words[1] === "ac1") return [process.execPath, [cliPath, ...words.slice(2)]];
  if (words[0] === PYTHON) return [PYTHON, words.slice(1)];
  throw new Error(`README walkthrough: unexpected command ${words.join(" ")}`);
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string | undefined> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Starts `ac1 view` and resolves with its URL (printed on stdout) once it serves. */
function startView(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string | undefined> },
): { child: ChildProcess; url: Promise<string>; done: Promise<CliResult> } {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    found = resolve;
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
    if (m) found(m[0]);
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  const urlOrEnded = Promise.race([
    url,
    done.then((r) => {
      throw new Error(`ac1 view ended (exit ${r.code}) before serving: ${r.stderr}`);
    }),
  ]);
  return { child, url: urlOrEnded, done };
}

interface ScoreJson {
  neurons: ({ index: number; pairs: number } & Record<string, number | null>)[];
  mean: Record<string, number | null>;
}

/** "neuron N (...): alpha A (...), fitted on ..., test r = R on K stims" lines of ridge_strf.py. */
function fittedNeurons(stdout: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of stdout.matchAll(
    /^neuron (\d+) \(.*\): alpha \S+ \(.*\), fitted on .*, test r = (\S+) on /gm,
  ))
    out.set(Number(m[1]), Number(m[2]));
  return out;
}

test("README walkthrough and examples/: build with a split, fit a ridge STRF in numpy, savez, ac1 score, ac1 view --pred", async (t) => {
  const missing = pythonMissing();
  if (missing) {
    t.skip(`${missing}: the Python examples need python3 with numpy`);
    return;
  }
  const readme = await readFile(join(projectRoot, "README.md"), "utf8");
  const [walk, ...more] = markedBlocks(readme, "run by test/examples/examples.test.ts, line by line");
  assert.ok(walk && more.length === 0, "one walkthrough block in the README");
  assert.equal(walk.lang, "sh");
  const lines = walk.body.split("\n").filter((l) => l.trim() !== "");
  assert.match(lines[0] ?? "", /^W=\$\(mktemp -d\)\s+#/, "the walkthrough starts in a scratch folder");
  const tmp = await tempDir("ac1-examples-");
  const W = tmp.dir;
  const env = { ...process.env, AC1_CACHE_DIR: join(W, "cache"), AC1_DATA_DIR: join(W, "data") };
  const opts = { cwd: projectRoot, env };
  let view: ReturnType<typeof startView> | undefined;
  try {
    const results: { words: string[]; result: CliResult }[] = [];
    for (const line of lines.slice(1)) {
      const words = shellWords(line, { W });
      const [cmd, args] = commandOf(words);
      if (words[2] === "view") {
        view = startView(cmd, args, opts);
        continue;
      }
      const result = await run(cmd, args, opts);
      t.diagnostic(`$ ${words.join(" ")}\n${result.stdout.trimEnd()}`);
      assert.equal(result.code, 0, `${line}\nexit ${result.code}: ${result.stderr}`);
      results.push({ words, result });
    }
    const ridge = results.find((r) => r.words[1]?.endsWith("ridge_strf.py"));
    const score = results.find((r) => r.words[2] === "score");
    assert.ok(ridge && score && view, "the walkthrough fits, scores and views");
    const exportPath = join(W, "ac1.npz");
    const predPath = join(W, "pred.npz");
    assert.ok(existsSync(join(W, "ac1-demo.npz")) && existsSync(exportPath) && existsSync(predPath));

    // The predictions: test stims of each fitted neuron, (T_s,) float32, accepted by ac1 score's reader.
    const fitted = fittedNeurons(ridge.result.stdout);
    assert.ok(fitted.size >= 1, `ridge_strf.py fitted no neuron:\n${ridge.result.stdout}`);
    const exp = await openDatasetExport(exportPath);
    try {
      const splits = exp.manifest.splits as { neurons: ({ test: number[] } | null)[] };
      const preds = await readPredictions(predPath, exp);
      const want = [...fitted.keys()].flatMap((n) => (splits.neurons[n]?.test ?? []).map((s) => `${s}_${n}`));
      assert.deepEqual(preds.pairs.map((p) => `${p.stim}_${p.neuron}`).sort(), want.sort());
      for (const p of preds.pairs) assert.ok(p.data instanceof Float32Array, `${p.key} is float32`);
      assert.match(ridge.result.stdout, new RegExp(`^wrote ${want.length} predictions to `, "m"));
    } finally {
      await exp.close();
    }

    // ac1 score: the table as written, and its JSON: the script's test r is its corrcoef.
    assert.match(score.result.stdout, /^ mean\s/m);
    const json = await run(
      process.execPath,
      [cliPath, "score", exportPath, predPath, "--json", "--quiet"],
      opts,
    );
    assert.equal(json.code, 0, json.stderr);
    const scores = JSON.parse(json.stdout) as ScoreJson;
    assert.deepEqual(
      scores.neurons.map((n) => n.index),
      [...fitted.keys()].sort((a, b) => a - b),
    );
    for (const n of scores.neurons) {
      const r = n.corrcoef;
      assert.ok(typeof r === "number" && Number.isFinite(r), `neuron ${n.index}: corrcoef ${r}`);
      assert.ok(
        Math.abs(r - (fitted.get(n.index) as number)) < 1e-4,
        `neuron ${n.index}: ac1 score corrcoef ${r}, the script's test r ${fitted.get(n.index)}`,
      );
      assert.ok(r > 0.3, `neuron ${n.index}: the STRF should predict the synthetic responses (r ${r})`);
    }
    assert.ok(typeof scores.mean.corrcoef === "number");

    // ac1 view --pred serves those very scores.
    const url = await view.url;
    const res = await fetch(`${url}api/scores`);
    assert.equal(res.status, 200);
    const served = (await res.json()) as ScoreJson & { file: string };
    assert.equal(served.file, "pred.npz");
    assert.deepEqual({ neurons: served.neurons, mean: served.mean }, scores);
    view.child.kill("SIGINT");
    assert.equal((await view.done).code, 0, "ac1 view stops with status 0 on Ctrl-C");
    view = undefined;

    // The README's numpy snippets run as written, in the walkthrough's folder.
    const snippets = markedBlocks(readme, "run by test/examples/examples.test.ts in the folder");
    assert.ok(snippets.length >= 2, "the loader and the split snippets are marked");
    for (const block of snippets) {
      assert.equal(block.lang, "python");
      const r = await run(PYTHON, ["-c", block.body], { cwd: W, env });
      assert.equal(r.code, 0, `README snippet failed:\n${block.body}\n${r.stderr}`);
      t.diagnostic(`README snippet: ${r.stdout.trim()}`);
    }

    // examples/splits.py: the text, and its JSON against the export as ac1 reads it.
    const text = await run(PYTHON, ["examples/splits.py", exportPath, "--neuron", "1"], opts);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^neuron 1 \(.*responses in (mV|a\.u\.)\):$/m);
    assert.match(text.stdout, /^ {2}test : stims \[/m);
    assert.match(text.stdout, /^population \(the same stims for every neuron\):$/m);
    await checkSplitsJson(exportPath, opts);

    // Both scripts explain themselves, and refuse an export without a split, a missing file and a
    // file that is not an export in one line.
    for (const script of ["examples/ridge_strf.py", "examples/splits.py"]) {
      const help = await run(PYTHON, [script, "--help"], opts);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage: /);
      const args = [
        script,
        join(W, "ac1-demo.npz"),
        ...(script.includes("ridge") ? ["--out", join(W, "x.npz")] : []),
      ];
      const bad = await run(PYTHON, args, opts);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /no split; build with --split/);
      assert.doesNotMatch(bad.stderr, /Traceback/);
      // A missing file and a file that is not an export (PRED.npz): one line each, no traceback.
      for (const [given, why] of [
        [join(W, "missing.npz"), /missing\.npz: cannot read it: No such file or directory$/],
        [predPath, /pred\.npz: not an ac1 export \(no manifest\): give the \.npz written by ac1 build$/],
      ] as const) {
        const wrong = await run(PYTHON, [script, given, ...args.slice(2)], opts);
        assert.equal(wrong.code, 1, wrong.stderr);
        assert.equal(wrong.stderr.trimEnd().split("\n").length, 1, wrong.stderr);
        assert.match(wrong.stderr.trimEnd(), why);
      }
    }
    assert.ok(!existsSync(join(W, "x.npz")), "nothing written without a split");
  } finally {
    view?.child.kill("SIGKILL");
    await view?.done;
    await tmp.cleanup();
  }
});

/** examples/splits.py --json against the export read by ac1: stims, shapes and PSTHs of each part. */
async function checkSplitsJson(
  exportPath: string,
  opts: { cwd: string; env: Record<string, string | undefined> },
): Promise<void> {
  const r = await run(PYTHON, ["examples/splits.py", exportPath, "--json"], opts);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as {
    neuron: number;
    units: string;
    neuron_parts: Record<string, { stims: number[]; repeat_shapes: number[][]; psth_means: number[] }>;
    population_parts: Record<
      string,
      { stims: number[]; psth_shapes: number[][]; neurons_with_data: number[][] }
    >;
  };
  const exp = await openDatasetExport(exportPath);
  try {
    const m = exp.manifest;
    const splits = m.splits as {
      stims: Record<string, number[]>;
      neurons: (Record<string, number[]> | null)[];
    };
    const n = got.neuron;
    assert.equal(got.units, m.neurons[n]?.units);
    for (const part of ["train", "val", "test"]) {
      const p = got.neuron_parts[part];
      assert.ok(p);
      assert.deepEqual(p.stims, splits.neurons[n]?.[part]);
      for (const [i, s] of p.stims.entries()) {
        const resp = await exp.readResponse(s, n);
        assert.ok(resp);
        assert.deepEqual(p.repeat_shapes[i], resp.shape);
        const [R = 0, T = 0] = resp.shape;
        let sum = 0;
        for (let k = 0; k < R * T; k++) sum += resp.data[k] as number;
        assert.ok(Math.abs((p.psth_means[i] as number) - sum / (R * T)) < 1e-5, `PSTH mean of (${s}, ${n})`);
      }
      const q = got.population_parts[part];
      assert.ok(q);
      assert.deepEqual(q.stims, splits.stims[part]);
      const N = exp.neuronCount;
      const pairs = new Set(exp.pairs().map((x) => `${x.stim}_${x.neuron}`));
      for (const [i, s] of q.stims.entries()) {
        assert.deepEqual(q.psth_shapes[i], [N, m.stims[s]?.T]);
        const heard = Array.from({ length: N }, (_, k) => k).filter((k) => pairs.has(`${s}_${k}`));
        assert.deepEqual(q.neurons_with_data[i], heard);
      }
    }
  } finally {
    await exp.close();
  }
}
