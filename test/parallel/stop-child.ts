// Run by stop.test.ts as a process of its own (not a test file): worker pools
// whose workers create zlib objects without end (as a build's do) are
// closed, or the process is interrupted, while they work. worker.terminate()
// there aborts node now and then ("close before init", src/parallel/stop.ts);
// this process must instead end as it says: "survived" and status 0 after
// `close` rounds, the interrupt's one line and status 1 after `interrupt`.

import { handleInterrupts } from "../../src/cli/interrupt.js";
import { WorkerPool } from "../../src/parallel/pool.js";
import type { EchoTask } from "./echo-worker.js";

const script = new URL("./echo-worker.js", import.meta.url);
const [mode, roundsText] = process.argv.slice(2);

function busyPool(): WorkerPool<EchoTask, unknown> {
  const pool = new WorkerPool<EchoTask, unknown>({ size: 2, script, name: "stop test pool" });
  for (let i = 0; i < 2; i++) pool.run({ op: "inflate-loop" }).catch(() => {});
  return pool;
}

/** Long enough for the workers to start and be deep in their loops (a worker starts in ~50-100 ms). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (mode === "close") {
  for (let k = 0; k < Number(roundsText ?? 20); k++) {
    const pool = busyPool();
    await sleep(150 + (k % 7));
    await pool.close();
  }
  console.log("survived");
} else if (mode === "interrupt") {
  handleInterrupts("stop-test");
  busyPool();
  await sleep(150);
  process.kill(process.pid, "SIGINT");
  setInterval(() => {}, 1000);
} else {
  throw new Error(`stop-child: unknown mode ${mode}`);
}
