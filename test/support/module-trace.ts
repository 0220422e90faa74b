// Preloaded (node --import) into a CLI child by runAc1Traced: registers
// module-trace-hooks.js, which appends the URL of every module the child
// loads to the file AC1_TEST_MODULES_FILE, one per line.

import { register } from "node:module";

if (process.env.AC1_TEST_MODULES_FILE) register("./module-trace-hooks.js", import.meta.url);
