// The Float64 arena (src/dsp/arena.ts): arrays given out between two resets
// never overlap, a reset hands the same memory out again, what is kept stays
// under the budget, and overlapping users of the thread's pool get arenas of
// their own.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  ARENA_CHUNK_BYTES,
  ArenaBudget,
  arenaKeptBytes,
  Float64Arena,
  MAX_ARENA_BYTES,
  releaseIdleArenas,
  withFloat64Arena,
} from "../../src/dsp/arena.js";

/** Whether two views share any byte of the same buffer. */
function overlap(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

test("arrays given out between resets never overlap, whatever the sizes (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 3 << 20 }), { maxLength: 12 }), { maxLength: 4 }),
      (units) => {
        const arena = new Float64Arena();
        for (const sizes of units) {
          const arrays = sizes.map((n) => arena.alloc(n));
          arrays.forEach((a, i) => {
            assert.equal(a.length, sizes[i]);
            for (let j = 0; j < i; j++)
              assert.ok(!overlap(a, arrays[j] as Float64Array), `${i} overlaps ${j}`);
          });
          assert.ok(arena.bytesKept <= MAX_ARENA_BYTES);
          arena.reset();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test("a reset hands the same memory out again; a repeated unit allocates nothing new", () => {
  const arena = new Float64Arena();
  const sizes = [1000, ARENA_CHUNK_BYTES / 8, 5, (3 * ARENA_CHUNK_BYTES) / 8, 77];
  const first = sizes.map((n) => arena.alloc(n));
  const kept = arena.bytesKept;
  first[0]?.fill(1);
  arena.reset();
  const second = sizes.map((n) => arena.alloc(n));
  assert.equal(arena.bytesKept, kept);
  second.forEach((a, i) => {
    const b = first[i] as Float64Array;
    assert.equal(a.buffer, b.buffer);
    assert.equal(a.byteOffset, b.byteOffset);
  });
  // contents are unspecified: the first unit's values are still there
  assert.equal(second[0]?.[0], 1);
});

test("first fit: an array too long for the open chunk leaves its room to shorter ones", () => {
  const arena = new Float64Arena();
  const small = arena.alloc(1000);
  const long = arena.alloc(ARENA_CHUNK_BYTES / 8); // fills a chunk of its own
  const after = arena.alloc(1000);
  assert.equal(after.buffer, small.buffer);
  assert.equal(after.byteOffset, 8000);
  assert.notEqual(long.buffer, small.buffer);
  assert.equal(arena.bytesKept, 2 * ARENA_CHUNK_BYTES);
  // a repeat a little longer than a chunk gets two chunks' worth, which its like fits next time
  const longer = arena.alloc(ARENA_CHUNK_BYTES / 8 + 1);
  assert.equal(longer.buffer.byteLength, 2 * ARENA_CHUNK_BYTES);
  arena.reset();
  arena.alloc(1000);
  arena.alloc(ARENA_CHUNK_BYTES / 8);
  assert.equal(arena.alloc(ARENA_CHUNK_BYTES / 8 + 100).buffer, longer.buffer);
  assert.equal(arena.bytesKept, 4 * ARENA_CHUNK_BYTES);
});

test("past MAX_ARENA_BYTES an array is its own, not kept", () => {
  const arena = new Float64Arena();
  const big = MAX_ARENA_BYTES / 8 / 2 + 1; // just over half the bound: a chunk of 9 x 16 MiB
  const chunkBytes = Math.ceil((8 * big) / ARENA_CHUNK_BYTES) * ARENA_CHUNK_BYTES;
  const a = arena.alloc(big);
  const b = arena.alloc(big); // a second such chunk would take the arena past its bound
  assert.equal(arena.bytesKept, chunkBytes);
  assert.equal(a.buffer.byteLength, chunkBytes);
  assert.equal(b.byteOffset, 0);
  assert.equal(b.buffer.byteLength, 8 * big);
  assert.notEqual(a.buffer, b.buffer);
  // the room left in a's chunk still serves shorter arrays
  assert.equal(arena.alloc(1000).buffer, a.buffer);
  arena.reset();
  assert.equal(arena.alloc(big).buffer, a.buffer);
  assert.notEqual(arena.alloc(big).buffer, b.buffer);
});

test("withFloat64Arena: memory is reused from call to call; overlapping calls get arenas of their own, under one budget", async () => {
  let firstBuffer: ArrayBufferLike | undefined;
  await withFloat64Arena(async (alloc) => {
    const a = alloc(10);
    firstBuffer = a.buffer;
    // a call overlapping this one (another unit awaiting on the same thread) gets other memory
    await withFloat64Arena(async (inner) => {
      assert.ok(!overlap(inner(10), a));
    });
  });
  await withFloat64Arena(async (alloc) => {
    assert.equal(alloc(10).buffer, firstBuffer);
  });
  // a failing call gives its arena back too: the next call gets the same memory, nothing new is kept
  const kept = arenaKeptBytes();
  await assert.rejects(
    withFloat64Arena(async (alloc) => {
      assert.equal(alloc(10).buffer, firstBuffer);
      throw new Error("unit failed");
    }),
    /unit failed/,
  );
  await withFloat64Arena(async (alloc) => {
    assert.equal(alloc(10).buffer, firstBuffer);
  });
  assert.equal(arenaKeptBytes(), kept);
  // arenas that overlap share the thread's bound
  await Promise.all(
    Array.from({ length: 6 }, () =>
      withFloat64Arena(async (alloc) => {
        alloc(MAX_ARENA_BYTES / 8 / 4);
        await new Promise((r) => setTimeout(r, 1));
      }),
    ),
  );
  assert.ok(arenaKeptBytes() <= MAX_ARENA_BYTES, `${arenaKeptBytes()}`);
  // a build's end lets the idle arenas go
  releaseIdleArenas();
  assert.equal(arenaKeptBytes(), 0);
  await withFloat64Arena(async (alloc) => {
    assert.notEqual(alloc(10).buffer, firstBuffer);
  });
});

test("arenas sharing a budget keep at most its bytes together", () => {
  const budget = new ArenaBudget(3 * ARENA_CHUNK_BYTES);
  const arenas = [new Float64Arena(budget), new Float64Arena(budget)];
  for (const arena of arenas) {
    arena.alloc(ARENA_CHUNK_BYTES / 8);
    arena.alloc(ARENA_CHUNK_BYTES / 8);
  }
  assert.equal(budget.keptBytes, 3 * ARENA_CHUNK_BYTES);
  assert.equal(arenas[0]!.bytesKept + arenas[1]!.bytesKept, 3 * ARENA_CHUNK_BYTES);
});
