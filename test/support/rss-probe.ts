// Preloaded (node --import) into a CLI child by runAc1Measured: when the
// process exits, however it exits short of a kill, its peak resident set
// size (KiB, worker threads included) goes to the file AC1_TEST_RSS_FILE.

import { writeFileSync } from "node:fs";

const out = process.env.AC1_TEST_RSS_FILE;
if (out !== undefined && out !== "") {
  process.on("exit", () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
}
