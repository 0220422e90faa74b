// Writing bytes fully (src/file-writes.ts): thousands of chunks (more than
// one writev's worth) land in order at the given position; short writes and
// short writevs, from a handle that writes only part of what it is given,
// are resumed where they stopped; a write that makes no progress throws.

import assert from "node:assert/strict";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MAX_IOVECS, writeFullyAt, writevFullyAt } from "../../src/file-writes.js";
import { tempDir } from "../support/cli.js";

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ dir: root, cleanup } = await tempDir("ac1-file-writes-"));
});
after(() => cleanup());

/** Chunks of 0..12 bytes, each byte its running index mod 251. */
function chunks(n: number): { list: Uint8Array[]; all: Uint8Array } {
  const list: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const c = new Uint8Array((i * 7) % 13);
    for (let j = 0; j < c.length; j++) c[j] = (at + j) % 251;
    at += c.length;
    list.push(c);
  }
  const all = new Uint8Array(at);
  let o = 0;
  for (const c of list) {
    all.set(c, o);
    o += c.length;
  }
  return { list, all };
}

/** A FileHandle stand-in over memory that writes at most `most` bytes per call (0: none at all). */
function stingyHandle(most: number): { fh: FileHandle; bytes: () => Uint8Array; calls: number[] } {
  const mem = new Uint8Array(1 << 16);
  let end = 0;
  const calls: number[] = [];
  const put = (src: Uint8Array, position: number): number => {
    const n = Math.min(most, src.length);
    mem.set(src.subarray(0, n), position);
    end = Math.max(end, position + n);
    return n;
  };
  const fh = {
    async writev(buffers: Uint8Array[], position: number) {
      calls.push(buffers.length);
      let total = 0;
      for (const b of buffers) {
        const room = most - total;
        if (room <= 0) break;
        const n = put(b.subarray(0, Math.min(room, b.length)), position + total);
        total += n;
        if (n < b.length) break;
      }
      return { bytesWritten: total, buffers };
    },
    async write(buffer: Uint8Array, offset: number, length: number, position: number) {
      return { bytesWritten: put(buffer.subarray(offset, offset + length), position), buffer };
    },
  } as unknown as FileHandle;
  return { fh, bytes: () => mem.slice(0, end), calls };
}

describe("writevFullyAt / writeFullyAt", () => {
  it("thousands of chunks land in order from the position, a writev of at most MAX_IOVECS chunks at a time", async () => {
    const { list, all } = chunks(2 * MAX_IOVECS + 77);
    const path = join(root, "many.bin");
    const fh = await open(path, "w");
    try {
      await fh.write(Uint8Array.of(9, 9, 9), 0, 3, 0);
      assert.equal(await writevFullyAt(fh, list, 3), 3 + all.length);
    } finally {
      await fh.close();
    }
    const got = await readFile(path);
    assert.deepEqual([...got.subarray(0, 3)], [9, 9, 9]);
    assert.ok(Buffer.from(all).equals(got.subarray(3)));
    const counted = stingyHandle(1 << 16);
    await writevFullyAt(counted.fh, list, 0);
    assert.deepEqual(counted.calls, [MAX_IOVECS, MAX_IOVECS, 77]);
  });

  it("short writevs and short writes are resumed where they stopped", async () => {
    const { list, all } = chunks(300);
    const h = stingyHandle(5);
    assert.equal(await writevFullyAt(h.fh, list, 0), all.length);
    assert.deepEqual(h.bytes(), all);
    const big = chunks(40).all;
    const h2 = stingyHandle(3);
    await writeFullyAt(h2.fh, big, 0);
    assert.deepEqual(h2.bytes(), big);
  });

  it("a write that makes no progress throws instead of looping", async () => {
    const h = stingyHandle(0);
    await assert.rejects(writevFullyAt(h.fh, [Uint8Array.of(1, 2)], 0), /0 bytes/);
    await assert.rejects(writeFullyAt(h.fh, Uint8Array.of(1), 0), /0 bytes/);
  });
});
