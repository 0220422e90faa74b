// Runs the compiled `ac1` CLI in a child process and captures its output,
// for end-to-end tests: to completion (runAc1), with its peak memory
// measured (runAc1Measured), or stopped at a named point of its work
// (startAc1 with AC1_TEST_PAUSE_AT, src/test-hooks.ts) to be interrupted there.

import { type ChildProcess, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cliPath, projectRoot } from "./paths.js";

let bundleChecked = false;
/**
 * Fails (once per test process) when the bundled command is older than the
 * last tsc build: after `tsc` alone the CLI tests would run the previous
 * code. `npm run build` (or `node dist/tools/bundle.js`) makes it anew.
 */
function checkBundleFresh(entry: string): void {
  if (bundleChecked || entry !== cliPath) return;
  const built = statSync(join(projectRoot, "dist", ".tsbuildinfo"), { throwIfNoEntry: false });
  const bundled = statSync(cliPath, { throwIfNoEntry: false });
  if (bundled === undefined || (built !== undefined && built.mtimeMs > bundled.mtimeMs))
    throw new Error(
      `${cliPath} is missing or older than the last tsc build: run \`npm run build\` (or \`node dist/tools/bundle.js\`)`,
    );
  bundleChecked = true;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAc1(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  checkBundleFresh(cliPath);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A fresh temporary folder; remove it with the returned cleanup. */
export async function tempDir(prefix = "ac1-test-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A CLI child started by startAc1. */
export interface RunningAc1 {
  child: ChildProcess;
  /** Resolves when the child reports it is paused at the requested point; rejects if it ends first. */
  paused: Promise<void>;
  /** The child's exit code (-1 when killed by a signal), stdout and stderr. */
  done: Promise<CliResult>;
}

/**
 * Starts `ac1 args` in a child. With `pauseAt`, the child stops at that named
 * point (src/test-hooks.ts) and `paused` resolves, so the test can signal it there.
 */
export function startAc1(
  args: string[],
  opts: {
    env?: Record<string, string | undefined>;
    pauseAt?: string;
    node?: string[];
    /** The script run (default: the installed command, cliPath). */
    entry?: string;
  } = {},
): RunningAc1 {
  checkBundleFresh(opts.entry ?? cliPath);
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  if (opts.pauseAt !== undefined) env.AC1_TEST_PAUSE_AT = opts.pauseAt;
  const child = spawn(process.execPath, [...(opts.node ?? []), opts.entry ?? cliPath, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let onPaused: () => void = () => {};
  const paused = new Promise<void>((resolve) => {
    onPaused = resolve;
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (stderr.includes("ac1-test: paused at ")) onPaused();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  const pausedOrEnded = Promise.race([
    paused,
    done.then((r) => {
      throw new Error(`ac1 ${args.join(" ")} ended (exit ${r.code}) before pausing: ${r.stderr}`);
    }),
  ]);
  pausedOrEnded.catch(() => {});
  return { child, paused: pausedOrEnded, done };
}

const probe = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "rss-probe.js")).href;
const tracer = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "module-trace.js")).href;

/**
 * runAc1, plus the files of every module the child loaded (in load order).
 * `entry` as startAc1's: the modular entry point shows which modules a
 * command loads, the bundle that it loads none but its own files.
 */
export async function runAc1Traced(
  args: string[],
  opts: { env?: Record<string, string | undefined>; entry?: string } = {},
): Promise<CliResult & { modules: string[] }> {
  const { dir, cleanup } = await tempDir("ac1-modules-");
  try {
    const file = join(dir, "modules");
    const run = startAc1(args, {
      env: { ...opts.env, AC1_TEST_MODULES_FILE: file },
      node: ["--import", tracer],
      entry: opts.entry,
    });
    const r = await run.done;
    const urls = (await readFile(file, "utf8").catch(() => ""))
      .split("\n")
      .filter((u) => u.startsWith("file:"));
    return { ...r, modules: urls.map((u) => fileURLToPath(u)) };
  } finally {
    await cleanup();
  }
}

/** runAc1, plus the child's peak resident set size in MiB (worker threads included). */
export async function runAc1Measured(
  args: string[],
  opts: { env?: Record<string, string | undefined> } = {},
): Promise<CliResult & { peakRssMb: number }> {
  const { dir, cleanup } = await tempDir("ac1-rss-");
  try {
    const file = join(dir, "rss");
    const run = startAc1(args, { env: { ...opts.env, AC1_TEST_RSS_FILE: file }, node: ["--import", probe] });
    const r = await run.done;
    const kb = Number(await readFile(file, "utf8").catch(() => "NaN"));
    return { ...r, peakRssMb: kb / 1024 };
  } finally {
    await cleanup();
  }
}
