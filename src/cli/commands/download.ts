// `ac1 download`: fetches the three CRCNS-AC1 zips into the data folder with a
// free CRCNS account (archive.md, "Download"). Progress and notes go to
// stderr; the paths of the complete zips go to stdout, one per line.

import { defaultDataDir } from "../../archive/location.js";
import { DownloadError, type DownloadEvent, downloadRelease, terminalPrompt } from "../../download/index.js";
import { type Command, numberFlag, parseCommandArgs, UsageError } from "../command.js";
import { formatBytes, formatDuration, ProgressBar } from "../progress.js";

const HELP = `usage: ac1 download [--path DIR] [--username U] [--password-stdin] [--retries N] [--quiet]

Downloads the CRCNS-AC1 release (crcns-ac1.zip, crcns-ac1-asari-results-1.zip,
crcns-ac1-asari-results-2.zip; about 4.1 GB) into the data folder, with a
free CRCNS account (register at https://crcns.org/register).

Files already complete (size as in the CRCNS file list) are not fetched again;
an interrupted download leaves <file>.part behind and running the same command
again resumes it. Prints the paths of the zips on stdout.

options:
  --path DIR          data folder (default: AC1_DATA_DIR, else ${defaultDataDir()})
  --username U        CRCNS user name (default: CRCNS_USERNAME, else asked on a terminal)
  --password-stdin    read the password from the first line of standard input
  --retries N         retries per file after dropped connections or server errors (default 5)
  --quiet             no progress output

credentials, in this order: --username / --password-stdin, then the
environment variables CRCNS_USERNAME and CRCNS_PASSWORD, then a prompt with
hidden input when run on a terminal. Without a terminal and without them the
command fails rather than wait. There is deliberately no --password flag:
command lines are visible to every user of the machine (ps, /proc). Prefer
  printf '%s\\n' "$PW" | ac1 download --username U --password-stdin
or the prompt. The credentials are sent only to the CRCNS login form over
HTTPS and are never printed, logged or written to disk.

environment:
  AC1_DATA_DIR              default data folder
  CRCNS_USERNAME, CRCNS_PASSWORD
  AC1_CRCNS_LOGIN_URL       login form (default https://crcns.org/login_form)
  AC1_CRCNS_DOWNLOAD_BASE   download server (default https://download.crcns.org)
                            (plain http:// only for 127.0.0.1/localhost)
`;

const MAX_STDIN_BYTES = 64 * 1024;

async function readPasswordFromStdin(): Promise<string> {
  const prompt = terminalPrompt();
  if (prompt) return prompt("CRCNS password: ", true);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > MAX_STDIN_BYTES)
      throw new UsageError(`--password-stdin: more than ${MAX_STDIN_BYTES} bytes on standard input`);
    chunks.push(buf);
  }
  const firstLine = Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  if (firstLine === "") {
    throw new DownloadError(
      "DOWNLOAD_CREDENTIALS",
      "--password-stdin: standard input is empty; pipe the CRCNS password into the command",
    );
  }
  return firstLine;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("download", argv, {
    path: { type: "string" },
    username: { type: "string" },
    "password-stdin": { type: "boolean" },
    retries: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (see ac1 download --help)`);
  const retries = numberFlag("retries", values.retries as string | undefined);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw new UsageError(`--retries expects a whole number >= 0, got ${JSON.stringify(values.retries)}`);
  }
  const dataDir = (values.path as string | undefined) ?? defaultDataDir();
  const password = values["password-stdin"] ? await readPasswordFromStdin() : undefined;
  const quiet = Boolean(values.quiet);
  const view = new DownloadView(quiet);
  try {
    const summary = await downloadRelease({
      dataDir,
      username: values.username as string | undefined,
      password,
      retries,
      prompt: terminalPrompt(),
      onEvent: (e) => view.on(e),
    });
    view.close();
    const fetched = summary.files.filter((f) => f.status !== "skipped");
    const skipped = summary.files.length - fetched.length;
    const seconds = summary.elapsedMs / 1000;
    const rate = seconds > 0 ? ` (${formatBytes(summary.transferredBytes / seconds)}/s)` : "";
    if (!quiet) {
      process.stderr.write(
        `downloaded ${fetched.length} file(s), ${formatBytes(summary.transferredBytes)} in ${formatDuration(seconds)}${rate}; ` +
          `${skipped} already complete; data folder ${summary.dataDir}\n`,
      );
    }
    for (const f of summary.files) process.stdout.write(`${f.path}\n`);
    return 0;
  } catch (e) {
    view.close();
    throw e;
  }
}

/** Renders download events on stderr: notes as lines, bytes on one ProgressBar (also for `ac1 build --download`). */
export class DownloadView {
  private bar: ProgressBar | undefined;
  private totalBytes = 0;
  private receivedBytes = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly quiet: boolean) {}

  on(e: DownloadEvent): void {
    switch (e.type) {
      case "login":
        this.note(`logging in at ${e.url}`);
        break;
      case "plan":
        for (const f of e.files) {
          if (f.complete) this.note(`${f.file}: already complete (${formatBytes(f.sizeBytes)})`);
          else if (f.haveBytes > 0)
            this.note(`${f.file}: resuming at ${formatBytes(f.haveBytes)} of ${formatBytes(f.sizeBytes)}`);
        }
        this.totalBytes = e.toTransferBytes;
        if (e.toTransferBytes > 0) {
          this.bar = new ProgressBar({
            label: "downloading",
            total: e.toTransferBytes,
            unit: "bytes",
            silent: this.quiet,
          });
        }
        break;
      case "file-start":
        this.bar?.update(this.receivedBytes, e.file);
        break;
      case "bytes":
        this.receivedBytes += e.deltaBytes;
        this.bar?.update(this.receivedBytes, `${e.file} ${((100 * e.fileBytes) / e.sizeBytes).toFixed(0)}%`);
        break;
      case "restart":
        this.totalBytes += e.discardedBytes;
        this.bar?.setTotal(this.totalBytes);
        this.note(`${e.file}: starting over: ${e.reason}`);
        break;
      case "retry":
        this.note(
          `${e.file}: ${e.reason}; retry ${e.attempt} of ${e.maxRetries} in ${formatDuration(e.delayMs / 1000)}`,
        );
        break;
      case "file-done":
        if (!e.skipped) this.note(`${e.file}: complete (${formatBytes(e.sizeBytes)})`);
        break;
    }
  }

  close(): void {
    this.bar?.finish();
    this.bar = undefined;
  }

  private note(line: string): void {
    if (this.quiet) return;
    process.stderr.write(this.tty && this.bar ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

export const command: Command = {
  name: "download",
  summary: "download the three CRCNS-AC1 zips (free CRCNS account)",
  help: HELP,
  run,
};
