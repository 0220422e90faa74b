// orderedMap: results consumed in input order under any completion order,
// never more than maxInFlight items between pulled and consumed (the
// producer is paused, not drained), the first failure in input order
// reported, no unhandled rejection, the producer closed on failure.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { orderedMap } from "../../src/dataset/ordered.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("orderedMap", () => {
  it("delivers in input order when tasks finish in reverse, and pauses the producer", async () => {
    const tasks: Deferred<string>[] = [];
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 6; i++) {
        pulled++;
        yield i;
      }
    }
    const seen: [string, number, number][] = [];
    const done = orderedMap(
      source(),
      (item) => {
        const d = deferred<string>();
        tasks[item] = d;
        return d.promise;
      },
      { maxInFlight: 3, onResult: (r, item, index) => seen.push([r, item, index]) },
    );
    await tick();
    assert.equal(tasks.length, 3, "three tasks started");
    assert.equal(pulled, 3, "the producer is not pulled beyond the window");
    tasks[2]!.resolve("c");
    tasks[1]!.resolve("b");
    await tick();
    assert.deepEqual(seen, [], "nothing delivered before item 0");
    assert.equal(tasks.length, 3, "finished-but-undelivered items still count as in flight");
    tasks[0]!.resolve("a");
    await tick();
    assert.deepEqual(seen, [
      ["a", 0, 0],
      ["b", 1, 1],
      ["c", 2, 2],
    ]);
    assert.equal(tasks.length, 6);
    tasks[5]!.resolve("f");
    tasks[4]!.resolve("e");
    tasks[3]!.resolve("d");
    assert.equal(await done, 6);
    assert.deepEqual(seen.map((s) => s[0]).join(""), "abcdef");
  });

  it("keeps the in-flight bound and the order for any completion order (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat(20), { minLength: 40, maxLength: 40 }),
        async (n, maxInFlight, delays) => {
          let inFlight = 0;
          let peak = 0;
          const out: number[] = [];
          const total = await orderedMap(
            Array.from({ length: n }, (_, i) => i),
            async (i) => {
              inFlight++;
              peak = Math.max(peak, inFlight);
              for (let k = 0; k < (delays[i] as number); k++) await Promise.resolve();
              return i * 10;
            },
            {
              maxInFlight,
              onResult: (r, item) => {
                inFlight--;
                assert.equal(r, item * 10);
                out.push(item);
              },
            },
          );
          assert.equal(total, n);
          assert.deepEqual(
            out,
            Array.from({ length: n }, (_, i) => i),
          );
          assert.ok(peak <= maxInFlight, `peak ${peak} > ${maxInFlight}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reports the first failure in input order, consumes nothing after it, closes the producer", async () => {
    const tasks: Deferred<number>[] = [];
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    const done = orderedMap(
      source(),
      (i) => {
        const d = deferred<number>();
        tasks[i] = d;
        return d.promise;
      },
      { maxInFlight: 4, onResult: (r) => seen.push(r) },
    );
    await tick();
    tasks[3]!.reject(new Error("third fails"));
    tasks[2]!.reject(new Error("second fails"));
    tasks[0]!.resolve(0);
    tasks[1]!.resolve(1);
    await assert.rejects(done, /second fails/);
    assert.deepEqual(seen, [0, 1]);
    assert.ok(closed, "the producer's finally ran");
  });

  it("turns a synchronous throw of the task function into a failure at its turn", async () => {
    const seen: number[] = [];
    await assert.rejects(
      orderedMap(
        [0, 1, 2],
        async (i) => {
          if (i === 1) throw new RangeError("bad item");
          return i;
        },
        { maxInFlight: 2, onResult: (r) => seen.push(r) },
      ),
      RangeError,
    );
    assert.deepEqual(seen, [0]);
    await assert.rejects(
      orderedMap(
        [0],
        () => {
          throw new Error("sync");
        },
        { maxInFlight: 1, onResult: () => {} },
      ),
      /sync/,
    );
  });

  it("propagates a producer failure and a consumer failure", async () => {
    async function* failing() {
      yield 1;
      throw new Error("walk failed");
    }
    await assert.rejects(
      orderedMap(failing(), async (x) => x, { maxInFlight: 2, onResult: () => {} }),
      /walk failed/,
    );
    await assert.rejects(
      orderedMap([1, 2], async (x) => x, {
        maxInFlight: 2,
        onResult: () => {
          throw new Error("consumer failed");
        },
      }),
      /consumer failed/,
    );
  });

  it("rejects a bad window", async () => {
    await assert.rejects(
      orderedMap([], async () => 0, { maxInFlight: 0, onResult: () => {} }),
      RangeError,
    );
  });
});
