// The export's deflate memo over the intermediates (src/pipeline/deflate-memo.ts):
// a member offered is found again, byte for byte, once its write settled;
// lookups are counted; an entry that does not hold a deflated member is a
// miss, counted damaged and removed; an unusable cache folder is a miss, not
// a failure.

import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { emptyTally } from "../../src/dataset/intermediates.js";
import { CacheError } from "../../src/errors.js";
import { deflateParts, memberDigest } from "../../src/export/member-encoding.js";
import { deflatedCodec, deflatedKey, IntermediateDeflateMemo } from "../../src/pipeline/deflate-memo.js";
import { IntermediateCache } from "../../src/store/intermediates.js";
import { tempDir } from "../support/cli.js";

let work: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  work = await tempDir("ac1-deflate-memo-");
});
after(() => work.cleanup());

const scope = (dir: string) => ({ dir, release: "f".repeat(64) });

test("a member offered is found again as it was deflated; lookups and hits are counted", async () => {
  const dir = join(work.dir, "a");
  const memo = new IntermediateDeflateMemo({ scope: scope(dir), cache: new IntermediateCache(dir) });
  const bytes = new Uint8Array(Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i / 9)).buffer);
  const parts = [Uint8Array.of(1, 2, 3), bytes];
  const digest = memberDigest(parts, 6);
  assert.equal(await memo.get(digest), undefined);
  const made = await deflateParts(parts, 6);
  await memo.put(digest, made);
  await memo.settled();
  const found = await memo.get(digest);
  assert.ok(found);
  assert.deepEqual(
    [found.crc32, found.uncompressedSize, found.compressedSize, found.method],
    [made.crc32, made.uncompressedSize, made.compressedSize, 8],
  );
  assert.deepEqual(Buffer.concat(found.chunks), Buffer.concat(made.chunks));
  assert.deepEqual(memo.tally, { ...emptyTally(), units: 2, reused: 1 });
});

test("an entry that holds no deflated member is a miss, counted damaged and removed", async () => {
  const dir = join(work.dir, "b");
  const cache = new IntermediateCache(dir);
  const memo = new IntermediateDeflateMemo({ scope: scope(dir), cache });
  const digest = "0".repeat(64);
  // a well-sealed entry whose header is not a member's (a foreign writer, an older layout)
  await cache.put("deflated", deflatedKey(scope(dir), digest), { header: { crc32: -1 }, arrays: [] });
  assert.equal((await readdir(join(cache.root, "deflated"))).length, 1);
  assert.equal(await memo.get(digest), undefined);
  assert.deepEqual(memo.tally, { ...emptyTally(), units: 1, damaged: 1 });
  assert.deepEqual(await readdir(join(cache.root, "deflated")), []);
  for (const header of [
    null,
    {},
    { crc32: 2 ** 32, uncompressedSize: 1 },
    { crc32: 1, uncompressedSize: -1 },
  ])
    assert.throws(() => deflatedCodec.decode({ header, arrays: [] }), CacheError);
  assert.throws(
    () => deflatedCodec.decode({ header: { crc32: 1, uncompressedSize: 1 }, arrays: [new Float32Array(1)] }),
    CacheError,
  );
});

test("lookups at once count only their own damage: a bad entry beside a missing one is one damaged", async () => {
  const dir = join(work.dir, "concurrent");
  const cache = new IntermediateCache(dir);
  const memo = new IntermediateDeflateMemo({ scope: scope(dir), cache });
  const bad = "2".repeat(64);
  await cache.put("deflated", deflatedKey(scope(dir), bad), { header: { crc32: -1 }, arrays: [] });
  // the bad one first: its removal lands while the other lookup is still under way
  const found = await Promise.all([memo.get(bad), memo.get("3".repeat(64)), memo.get("4".repeat(64))]);
  assert.deepEqual(found, [undefined, undefined, undefined]);
  assert.deepEqual(memo.tally, { ...emptyTally(), units: 3, damaged: 1 });
  assert.equal(cache.removed.length, 1);
});

/** A memo whose cache folder is a file: every lookup misses and every write fails. */
async function memoOnAFile(name: string): Promise<IntermediateDeflateMemo> {
  const file = join(work.dir, name);
  await writeFile(file, "x");
  return new IntermediateDeflateMemo({ scope: scope(file), cache: new IntermediateCache(file) });
}

test("a cache folder that cannot be used: lookups miss and offers are dropped (counted, with why), nothing throws", async () => {
  const memo = await memoOnAFile("not-a-folder");
  const digest = "1".repeat(64);
  assert.equal(await memo.get(digest), undefined);
  memo.put(digest, await deflateParts([Uint8Array.of(1, 2, 3)], 6));
  await memo.settled();
  assert.equal(await memo.get(digest), undefined);
  const { firstUnstored, firstUnstoredAt, ...counts } = memo.tally;
  assert.equal(firstUnstoredAt, 0);
  assert.deepEqual(
    counts,
    { units: 2, reused: 0, damaged: 0, unstored: 1 },
    "the offer not stored is counted",
  );
  assert.match(firstUnstored ?? "", /^cannot store .*not-a-folder.*\.bin: E[A-Z]+: /);
});

test("of several writes that fail, the member added first is named, whichever fails first", async () => {
  const memo = await memoOnAFile("not-a-folder-either");
  const file = join(work.dir, "not-a-folder-either");
  const [early, late] = ["5".repeat(64), "6".repeat(64)];
  await memo.get(early);
  await memo.get(late);
  const member = await deflateParts([Uint8Array.of(1, 2, 3)], 6);
  // the later member's write is offered (and fails) first
  await memo.put(late, member);
  await memo.put(early, member);
  assert.equal(memo.tally.unstored, 2);
  assert.equal(memo.tally.firstUnstoredAt, 0);
  const entry = deflatedKey(scope(file), early);
  assert.ok(memo.tally.firstUnstored?.includes(entry), `${memo.tally.firstUnstored} names ${entry}`);
});
