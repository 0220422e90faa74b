// `ac1 mat FILE.mat`: print a MAT file as the interchange JSON (interchange.md)
// on stdout. A bad file prints nothing on stdout and one line on stderr naming
// the file, the byte offset and the problem.

import { matJsonChunks, openMatFile } from "../../mat/index.js";
import type { Command } from "../command.js";
import { parseCommandArgs, UsageError } from "../command.js";

const HELP = `usage: ac1 mat FILE.mat [--pretty]

Print a MAT file (Level 5 v6/v7 of either byte order, compressed or not, or
Level 4) as JSON: {"header": {text, version, endian, level}, "variables":
{name: VALUE}} in file order, as described in the interchange specification.
Numbers keep their MATLAB class; NaN and infinities are the strings "NaN",
"Infinity", "-Infinity"; int64/uint64 are decimal strings; chars are code
points. Objects, function handles and opaque values are listed as
{"class", "classname", "unsupported": true}. A struct field name or a
variable name that repeats in the file is renamed as scipy.io.loadmat names
it (the k-th repeat of NAME is _k_NAME), and the names as stored are added as
"file_fields" (on that struct) or "file_variables": no value is lost. MATLAB
v7.3 (HDF5) files are rejected. Files above 256 MiB, and values that would
decode to more than 512 MiB, are refused (README, "Command line").

options:
  --pretty   indent the JSON
`;

/** Write to stdout, waiting for the stream to drain (backpressure). */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

export const command: Command = {
  name: "mat",
  summary: "print a MAT-file as JSON",
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs("mat", argv, { pretty: { type: "boolean" } });
    if (positionals.length !== 1)
      throw new UsageError(`ac1 mat: expected one FILE.mat, got ${positionals.length} (see ac1 mat --help)`);
    const file = await openMatFile(positionals[0] as string);
    // every variable is decoded before the first byte goes out: a bad file prints nothing
    const chunks = matJsonChunks(file);
    if (values.pretty) {
      // pretty printing needs the whole document; fine for the small files it is meant for
      const text = JSON.stringify(JSON.parse([...chunks].join("")), null, 1);
      await write(`${text}\n`);
      return 0;
    }
    let pending: string[] = [];
    let size = 0;
    for (const chunk of chunks) {
      pending.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) {
        await write(pending.join(""));
        pending = [];
        size = 0;
      }
    }
    pending.push("\n");
    await write(pending.join(""));
    return 0;
  },
};
