// Hooks for the interruption and full-disk tests, inert unless their
// environment variable is set:
// - AC1_TEST_PAUSE_AT=<point> (or <point>#<k> for its k-th passage): the
//   process stops there, says so on stderr ("ac1-test: paused at <point>")
//   and waits until it is killed, so a test can interrupt a build, a cache
//   store, an export, a download or an extraction at a known moment. Points:
//   npz-write (after each array an .npz writer adds), npz-rename (the .npz is
//   complete and synced, not yet renamed), extract-file (a file was unpacked
//   into the temporary folder), download-part (bytes were appended to a .part
//   file), build-cell (the build walked a cell).
// - AC1_TEST_FAIL_AT=<point>[#<k>][:<ERRNO>] (e.g. npz-file-write:ENOSPC):
//   the k-th passage (default the first) throws the system error ERRNO, as
//   the file system would, or without ERRNO a plain Error, as a bug would.
//   Points: npz-file-write (an .npz writer writes bytes, or a whole-file copy
//   of an export has), npz-sync-ahead (an .npz writer starts writeback of
//   what it wrote: a datasync alongside its writes), npz-whole-copy (the
//   kernel copies an export whole), build-cell, spill-write (the build puts
//   an array in its spill file).

const passages = new Map<string, number>();

/** Whether this is the passage of `point` that `spec` ("<point>[#<k>]") asks for; counts the passage. */
function reached(spec: string | undefined, point: string, kind: string): boolean {
  if (spec === undefined || spec === "") return false;
  const [name, nth] = spec.split("#");
  if (name !== point) return false;
  const key = `${kind}:${point}`;
  const seen = (passages.get(key) ?? 0) + 1;
  passages.set(key, seen);
  return seen === Number(nth ?? 1);
}

/** Throws the error AC1_TEST_FAIL_AT asks for at this passage of `point`. */
export function failPoint(point: string): void {
  const spec = process.env.AC1_TEST_FAIL_AT;
  if (spec === undefined || spec === "") return;
  const colon = spec.lastIndexOf(":");
  if (!reached(colon < 0 ? spec : spec.slice(0, colon), point, "fail")) return;
  if (colon < 0) throw new Error(`failure injected by AC1_TEST_FAIL_AT at ${point}`);
  const errno = spec.slice(colon + 1);
  const e = new Error(`${errno}: injected by AC1_TEST_FAIL_AT at ${point}`) as NodeJS.ErrnoException;
  e.code = errno;
  e.syscall = "write";
  throw e;
}

export async function pausePoint(point: string): Promise<void> {
  const want = process.env.AC1_TEST_PAUSE_AT;
  if (!reached(want, point, "pause")) return;
  process.stderr.write(`ac1-test: paused at ${want}\n`);
  await new Promise<never>(() => {
    setInterval(() => {}, 1 << 30);
  });
}
