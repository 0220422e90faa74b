// Module loading hooks (node:module register, from module-trace.ts): each
// module loaded, its URL appended to the file AC1_TEST_MODULES_FILE.

import { appendFileSync } from "node:fs";

type Next = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, next: Next): Promise<unknown> {
  const file = process.env.AC1_TEST_MODULES_FILE;
  if (file) appendFileSync(file, `${url}\n`);
  return next(url, context);
}
