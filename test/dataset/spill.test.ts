// The build's spill file (src/dataset/spill.ts) and the lazy dataset read
// from it (src/dataset/deferred.ts): arrays round-trip bit for bit, cuts
// to Tcanon are the in-memory ones, a build with a spill file gives the
// in-memory build's dataset for every option, and the file is gone after a
// failed build, a full disk and release(). The build's stims, checked for NaN
// as they come, are not read back when the dataset is validated.

import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { firstColumns, heldFirstColumns, materialize } from "../../src/dataset/deferred.js";
import { memoryStore, SPILL_STEM, SpillFile } from "../../src/dataset/spill.js";
import { buildDataset, buildDatasetLazy } from "../../src/dataset/stages.js";
import { validateDataset } from "../../src/dataset/validate.js";
import { isAc1Error } from "../../src/errors.js";
import { trackedTemps } from "../../src/temp-files.js";
import { tempDir } from "../support/cli.js";
import { makeSynthArchive, type SynthArchive } from "./synth-expect.js";

let synth: SynthArchive;
let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  synth = await makeSynthArchive();
  work = await tempDir("ac1-spill-");
});
after(async () => {
  await synth.cleanup();
  await work.cleanup();
});

let dirs = 0;
async function freshDir(): Promise<string> {
  const { mkdir } = await import("node:fs/promises");
  const dir = join(work.dir, `d${++dirs}`);
  await mkdir(dir);
  return dir;
}

test("spill file: float32 and int32 arrays (views at an offset, empty, NaN, -0) read back bit for bit, in any order", async () => {
  const dir = await freshDir();
  const spill = new SpillFile(dir);
  try {
    assert.ok(trackedTemps().includes(spill.path), "an interrupt removes it");
    assert.match(spill.path, new RegExp(`${SPILL_STEM}\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    const big = new Float32Array(1000).map((_, i) => Math.sin(i) * 1e3);
    const f = Float32Array.of(1.5, Number.NaN, -0, Number.POSITIVE_INFINITY, 3e-41);
    const view = big.subarray(17, 517);
    const ints = Int32Array.of(-1, 0, 2 ** 31 - 1, -(2 ** 31));
    const arrays = [f, new Float32Array(0), view, ints, new Int32Array(0)];
    const held = arrays.map((a) => spill.put(a));
    assert.equal(
      spill.bytes,
      arrays.reduce((n, a) => n + a.byteLength, 0),
    );
    assert.equal(statSync(spill.path).size, spill.bytes);
    for (const i of [3, 0, 2, 4, 1, 2]) {
      const got = held[i]!.read();
      const want = arrays[i]!;
      assert.equal(got.constructor, want.constructor);
      assert.equal(held[i]!.length, want.length);
      assert.deepEqual(
        new Uint8Array(got.buffer, got.byteOffset, got.byteLength),
        new Uint8Array(want.buffer, want.byteOffset, want.byteLength),
      );
      assert.notEqual(got, want, "a fresh array");
    }
  } finally {
    spill.close();
  }
  assert.ok(!existsSync(spill.path));
  assert.ok(!trackedTemps().includes(spill.path));
  spill.close(); // idempotent
  assert.throws(() => spill.put(new Float32Array(1)), /used after it was closed/);
});

test("spill file: an array written chunk by chunk reads back as put() gives it; one never committed takes no place", async () => {
  const spill = new SpillFile(await freshDir());
  try {
    const a = Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i) * 7);
    const bytes = new Uint8Array(a.buffer);
    const first = spill.put(Int32Array.of(1, 2, 3));
    // begun and abandoned (a damaged cache entry): the next array takes its place
    const dropped = spill.begin(Float32Array, a.length);
    dropped.write(bytes.subarray(0, 400));
    const w = spill.begin(Float32Array, a.length);
    for (let at = 0; at < bytes.length; at += 1000) w.write(bytes.subarray(at, at + 1000));
    const held = w.commit();
    assert.equal(spill.bytes, 12 + a.byteLength);
    assert.deepEqual(Array.from(held.read()), Array.from(a));
    assert.equal(held.length, a.length);
    assert.deepEqual(Array.from(first.read()), [1, 2, 3]);
    // too many bytes, too few, or another array put meanwhile
    const over = spill.begin(Float32Array, 1);
    assert.throws(() => over.write(new Uint8Array(5)), /overrun/);
    const short = spill.begin(Float32Array, 2);
    short.write(new Uint8Array(4));
    assert.throws(() => short.commit(), /committed with 4 of 8 bytes/);
    const interleaved = spill.begin(Int32Array, 2);
    spill.put(Int32Array.of(9));
    assert.throws(() => interleaved.write(new Uint8Array(8)), /after another was begun or put/);
    const first2 = spill.begin(Int32Array, 1);
    const second = spill.begin(Int32Array, 1);
    assert.throws(() => first2.write(new Uint8Array(4)), /after another was begun or put/);
    second.write(Uint8Array.of(7, 0, 0, 0));
    assert.deepEqual(Array.from(second.commit().read()), [7]);
    assert.throws(() => second.commit(), /after another was begun or put/, "committed once");
    spill.close();
    assert.throws(() => spill.begin(Int32Array, 1), /used after it was closed/);
  } finally {
    spill.close();
  }
});

test("memory store: the array itself, no copy", () => {
  const a = Float32Array.of(1, 2, 3);
  const h = memoryStore().put(a);
  assert.equal(h.read(), a);
  assert.equal(h.fresh, false);
  assert.equal(h.length, 3);
});

test("firstColumns: the first columns of every row, the array itself when nothing is cut", () => {
  const rows = 3;
  const cols = 5;
  const a = Int32Array.from({ length: rows * cols }, (_, i) => i);
  assert.deepEqual(Array.from(firstColumns(a, rows, cols, 2)), [0, 1, 5, 6, 10, 11]);
  assert.deepEqual(Array.from(firstColumns(a, rows, cols, 0)), []);
  assert.equal(firstColumns(a, rows, cols, cols), a);
  assert.equal(firstColumns(a, rows, cols, cols + 4), a);
  const f = Float32Array.of(1, 2, 3, 4);
  assert.ok(firstColumns(f, 1, 4, 3) instanceof Float32Array);
  assert.deepEqual(Array.from(firstColumns(f, 1, 4, 3)), [1, 2, 3]);
});

test("heldFirstColumns: a spill file's fresh read cut in place, the stored array in memory copied and left whole", async () => {
  const rows = 4;
  const cols = 7;
  const a = Float32Array.from({ length: rows * cols }, (_, i) => i * 1.5 - 3);
  const spill = new SpillFile(await freshDir());
  try {
    const fromFile = spill.put(a);
    assert.equal(fromFile.fresh, true);
    for (const keep of [0, 1, 3, 6, 7, 9]) {
      const want = Array.from(firstColumns(a, rows, cols, keep));
      const cut = heldFirstColumns(fromFile, rows, cols, keep);
      assert.deepEqual(Array.from(cut), want, `keep ${keep}`);
      assert.ok(cut instanceof Float32Array);
      assert.equal(cut.length, rows * Math.min(keep, cols));
    }
    const inMemory = memoryStore().put(a);
    assert.equal(inMemory.fresh, false);
    const before = Array.from(a);
    const cut = heldFirstColumns(inMemory, rows, cols, 3);
    assert.deepEqual(Array.from(cut), Array.from(firstColumns(a, rows, cols, 3)));
    assert.notEqual(cut.buffer, a.buffer);
    assert.deepEqual(Array.from(a), before, "the stored array is untouched");
    assert.equal(heldFirstColumns(inMemory, rows, cols, cols), a, "nothing cut: the array itself");
  } finally {
    spill.close();
  }
});

test("a build with a spill file is the in-memory build, for every kind of array; release() removes the file", async () => {
  for (const options of [{}, { keepRejected: true }, { returnWaveform: true, keepRejected: true }]) {
    const dir = await freshDir();
    const lazy = await buildDatasetLazy({ path: synth.dir, spillDir: dir, onWarning: () => {}, ...options });
    const spills = readdirSync(dir);
    assert.equal(spills.length, 1);
    assert.ok(statSync(join(dir, spills[0]!)).size > 0);
    // Every block was cut to its stim's frames when read (Tcanon is over all cells).
    for (const [s, row] of lazy.responses.entries())
      for (const b of row) if (b) assert.equal(b.read().length, b.shape[0]! * b.shape[1]!, `stim ${s}`);
    const spilled = materialize(lazy);
    assert.deepEqual(readdirSync(dir), [], "materialize releases");
    const inMemory = await buildDataset({ path: synth.dir, onWarning: () => {}, ...options });
    assert.deepEqual(spilled, inMemory);
  }
});

test("validation reads back no stim found free of NaN as it came, and reads (and fails) the others", async () => {
  const dir = await freshDir();
  const lazy = await buildDatasetLazy({ path: synth.dir, spillDir: dir, onWarning: () => {} });
  try {
    assert.ok(lazy.stims.length > 0);
    assert.ok(
      lazy.stims.every((t) => t.nanFree === true),
      "the build marks its stims",
    );
    // the build validated them already; again, with every read refused
    const reads = lazy.stims.map((t) => t.read);
    const refused = lazy.stims.map((t) => ({
      ...t,
      read: (): Float32Array => assert.fail("a stim free of NaN was read back"),
    }));
    validateDataset({ ...lazy, stims: refused });
    // unmarked, a stim is read: a NaN in it is found, at its flat index
    const values = reads[0]!();
    values[3] = Number.NaN;
    const unmarked = lazy.stims.map((t, s) => (s === 0 ? { shape: t.shape, read: () => values } : t));
    assert.throws(() => validateDataset({ ...lazy, stims: unmarked }), /stim 0 contains NaN at flat index 3/);
  } finally {
    lazy.release();
  }
});

test("a build that fails, or finds the disk full, removes its spill file and says what happened in one line", async () => {
  for (const [fail, want] of [
    ["build-cell#2", /failure injected by AC1_TEST_FAIL_AT at build-cell/],
    ["spill-write#3:ENOSPC", /build-spill\.tmp-\d+-[0-9a-f]{8}: the disk is full \(ENOSPC\)/],
  ] as const) {
    const dir = await freshDir();
    process.env.AC1_TEST_FAIL_AT = fail;
    try {
      await assert.rejects(buildDatasetLazy({ path: synth.dir, spillDir: dir, onWarning: () => {} }), (e) => {
        assert.match((e as Error).message, want);
        assert.doesNotMatch((e as Error).message, /\n/);
        if (fail.endsWith("ENOSPC")) assert.ok(isAc1Error(e, "EXPORT"));
        return true;
      });
    } finally {
      delete process.env.AC1_TEST_FAIL_AT;
    }
    assert.deepEqual(readdirSync(dir), [], fail);
    assert.ok(!trackedTemps().some((p) => p.startsWith(dir)), fail);
  }
});

test("a spill folder that cannot be written: one-line error, nothing tracked", async () => {
  const dir = join(work.dir, "absent", "deeper");
  assert.throws(
    () => new SpillFile(dir),
    (e) => isAc1Error(e, "EXPORT") && /spill file: cannot create it/.test((e as Error).message),
  );
  assert.ok(!trackedTemps().some((p) => p.startsWith(dir)));
});
