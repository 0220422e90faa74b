// Checks on where a command will write, done before any work so that a long
// build does not end in a write error: the folder of an output file exists
// and is writable, an output folder can be created. Failures are one line
// naming the flag and the path.

import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Ac1Error } from "../errors.js";

/**
 * Fails before any work when FILE's folder does not exist or cannot be
 * written, so that a long build does not end in a write error.
 */
export async function checkOutputFile(out: string, flag = "--out"): Promise<void> {
  const folder = dirname(resolve(out));
  const where = `${flag} ${out}`;
  try {
    const st = await stat(folder);
    if (!st.isDirectory()) throw new Ac1Error("OUTPUT", `${where}: ${folder} is not a folder`);
  } catch (e) {
    if (e instanceof Ac1Error) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Ac1Error("OUTPUT", `${where}: the folder ${folder} does not exist`);
    if (code === "ENOTDIR") throw new Ac1Error("OUTPUT", `${where}: ${folder} is not a folder`);
    throw new Ac1Error("OUTPUT", `${where}: cannot use the folder ${folder} (${code ?? String(e)})`);
  }
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new Ac1Error("OUTPUT", `${where}: the folder ${folder} is not writable`);
  }
  try {
    if ((await stat(out)).isDirectory()) throw new Ac1Error("OUTPUT", `${where}: is a folder, not a file`);
  } catch (e) {
    if (e instanceof Ac1Error) throw e;
    // no such file yet: fine
  }
}

/** Creates the output folder DIR (and its parents) if needed, or fails with one line naming the flag. */
export async function prepareOutputFolder(dir: string, flag = "--out"): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way, not a folder"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "cannot create the folder (permission denied)"
          : `cannot create the folder (${code ?? String(e)})`;
    throw new Ac1Error("OUTPUT", `${flag} ${dir}: ${why}`, { cause: e });
  }
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new Ac1Error("OUTPUT", `${flag} ${dir}: the folder is not writable`);
  }
}
