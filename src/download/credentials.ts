// Where the CRCNS user name and password come from, in this order: explicit
// values (command-line arguments), then CRCNS_USERNAME / CRCNS_PASSWORD, then
// a prompt on a terminal (hidden input for the password). A run that is not
// interactive never waits for input: it fails with a message saying how to
// provide the credentials and where to register.
//
// The password is never accepted as a command-line argument (process lists
// show arguments to every user on the machine); `ac1 download
// --password-stdin` reads it from standard input instead.

import { CRCNS_REGISTER_URL, DownloadError } from "./errors.js";

export interface Credentials {
  username: string;
  password: string;
}

/** Asks a question; `hidden` means the answer must not be echoed. */
export type Prompt = (question: string, hidden: boolean) => Promise<string>;

type Env = Record<string, string | undefined>;

export async function resolveCredentials(opts: {
  username?: string;
  password?: string;
  env?: Env;
  /** Only given when a terminal is attached; absent means non-interactive. */
  prompt?: Prompt;
}): Promise<Credentials> {
  const env = opts.env ?? process.env;
  let username = nonEmpty(opts.username) ?? nonEmpty(env.CRCNS_USERNAME);
  let password = nonEmpty(opts.password) ?? nonEmpty(env.CRCNS_PASSWORD);
  const missing = [
    username === undefined ? "user name" : "",
    password === undefined ? "password" : "",
  ].filter(Boolean);
  if (missing.length > 0 && opts.prompt === undefined) throw missingCredentials(missing.join(" and "));
  if (username === undefined && opts.prompt)
    username = nonEmpty((await opts.prompt("CRCNS user name: ", false)).trim());
  if (username === undefined) throw missingCredentials("user name");
  if (password === undefined && opts.prompt)
    password = nonEmpty(stripLineEnd(await opts.prompt("CRCNS password: ", true)));
  if (password === undefined) throw missingCredentials("password");
  return { username, password };
}

function missingCredentials(what: string): DownloadError {
  return new DownloadError(
    "DOWNLOAD_CREDENTIALS",
    `no CRCNS ${what} given and no terminal to ask on: set CRCNS_USERNAME and CRCNS_PASSWORD, or pass --username and pipe the password to --password-stdin (a free account: ${CRCNS_REGISTER_URL})`,
  );
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

function stripLineEnd(s: string): string {
  return s.replace(/\r?\n$/, "");
}

/**
 * A prompt on the controlling terminal (question on stderr, answer from
 * stdin, hidden input echoes nothing), or undefined when stdin is not a
 * terminal, so non-interactive runs never block waiting for input.
 */
export function terminalPrompt(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Prompt | undefined {
  if (!input.isTTY) return undefined;
  return (question, hidden) => readLineFromTerminal(input, output, question, hidden);
}

function readLineFromTerminal(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  question: string,
  hidden: boolean,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    output.write(question);
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.resume();
    let answer = "";
    const finish = (err?: Error) => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolvePromise(answer);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u0003")
          return finish(new DownloadError("DOWNLOAD_CREDENTIALS", "cancelled at the credentials prompt"));
        if (ch === "\u007f" || ch === "\b") {
          if (answer.length > 0) {
            answer = answer.slice(0, -1);
            if (!hidden) output.write("\b \b");
          }
          continue;
        }
        if (ch < " ") continue;
        answer += ch;
        if (!hidden) output.write(ch);
      }
    };
    input.on("data", onData);
  });
}
