// The resampler keeps ceil(f32(n * L / o)) samples (pipeline.md section 9,
// issue #16): golden lengths from numpy's float32 (make_resample_lengths.py),
// the three examples through resample() itself, and the samples kept
// are the first of those the blocks produce.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { resample, resampledLength, resampleKernel } from "../../src/dsp/resample.js";
import { RESAMPLE_MAX_KERNEL_BYTES, resampleKernelBytes } from "../../src/dsp/resample-bounds.js";
import { fixture } from "../support/paths.js";
import { referenceResample } from "./resample-reference.js";

const golden = JSON.parse(readFileSync(fixture("dsp", "resample_lengths.json"), "utf8")) as {
  rows: [number, number, number, number][];
};

function exactCeil(orig: number, neu: number, L: number): number {
  let a = orig;
  let b = neu;
  while (b !== 0) [a, b] = [b, a % b];
  return Math.ceil(((neu / a) * L) / (orig / a));
}

test("resampledLength matches numpy's float32 rule on every golden row", () => {
  let shorter = 0;
  for (const [orig, neu, L, want] of golden.rows) {
    assert.equal(resampledLength(L, orig, neu), want, `${orig} -> ${neu}, L = ${L}`);
    if (orig !== neu && want === exactCeil(orig, neu, L) - 1) shorter++;
  }
  assert.ok(shorter > 300, `the fixture must hold lengths where float32 keeps one less (${shorter})`);
});

test("issue #16's examples: resample keeps one sample less than the exact ceil", () => {
  for (const [orig, neu, L, want] of [
    [97656, 96000, 91110, 89565],
    [44100, 96000, 300338, 653797],
    [97656, 48000, 331829, 163101],
  ] as const) {
    const x = Float64Array.from({ length: L }, (_, i) => Math.sin(i * 0.01) + ((i * 7919) % 17) / 17);
    const y = resample(x, orig, neu);
    assert.equal(y.length, want, `${orig} -> ${neu}, L = ${L}`);
    assert.equal(exactCeil(orig, neu, L), want + 1);
  }
});

test("the samples kept are the first of those the blocks produce", () => {
  const cases = golden.rows
    .filter(([o, n, L, e]) => o !== n && e === exactCeil(o, n, L) - 1)
    .sort((a, b) => a[2] - b[2]);
  assert.ok(cases.length >= 8);
  for (const [orig, neu, L] of cases.slice(0, 8)) {
    const x = Float64Array.from(
      { length: L },
      (_, i) => Math.cos(i * 0.003) * 0.5 + ((i * 104729) % 23) / 46,
    );
    for (const precision of ["float32", "float64"] as const) {
      const got = resample(x, orig, neu, { precision });
      const all = referenceResample(x, orig, neu, precision, exactCeil(orig, neu, L));
      assert.equal(got.length, all.length - 1);
      assert.deepEqual(got, all.subarray(0, got.length), `${orig} -> ${neu}, L = ${L}, ${precision}`);
    }
  }
});

test("maxLength computes only the first outputs, the same values; resampleKernelBytes bounds the kernel", () => {
  const x = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i / 7) + Math.cos(i / 29));
  for (const [orig, neu] of [
    [97656, 96000],
    [44100, 96000],
    [3, 96000],
    [96000, 96000],
  ] as const) {
    const full = resample(x, orig, neu);
    const head = resample(x, orig, neu, { maxLength: 1234 });
    assert.equal(head.length, Math.min(1234, full.length));
    assert.deepEqual(head, full.subarray(0, head.length), `${orig} -> ${neu}`);
    if (orig === neu) continue;
    const k = resampleKernel(orig, neu);
    const built = 3 * 8 * k.taps.length + 12 * k.n;
    assert.ok(resampleKernelBytes(orig, neu) >= built, `${orig} -> ${neu}: bound below the kernel built`);
    assert.ok(
      resampleKernelBytes(orig, neu) < 4 * built + 200 * k.n,
      `${orig} -> ${neu}: bound far above it`,
    );
  }
  assert.equal(resampleKernelBytes(96000, 96000), 0);
  // 1 Hz upsampled to 96 kHz: 96000 outputs per input sample; only the first are made.
  assert.equal(resample(new Float64Array(200000).fill(1), 1, 96000, { maxLength: 10 }).length, 10);
  // A rate read off a hostile file: gigabytes of kernel, found without building it.
  assert.ok(resampleKernelBytes(2147483648, 96000) > RESAMPLE_MAX_KERNEL_BYTES);
  assert.ok(resampleKernelBytes(97656, 96000) < 4 * 2 ** 20);
});
