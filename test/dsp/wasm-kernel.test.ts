// The spectrogram's WebAssembly kernel against its source: the committed
// bytes (src/dsp/spectrogram-kernel-bytes.ts) are exactly what wabt assembles
// from src/dsp/spectrogram-kernel.wat, the generated file is exactly what
// `npm run wasm` writes. What the kernel computes is checked in
// test/dsp/golden.test.ts: golden spectrograms through the kernel, and the
// kernel against the plain loops across chunks, odd F, odd W and odd T.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { SPECTROGRAM_KERNEL_BYTES } from "../../src/dsp/spectrogram-kernel-bytes.js";
import { assembleKernel, KERNEL_BYTES_TS, kernelBytesSource } from "../support/wasm-kernel.js";

test("the committed kernel bytes are what spectrogram-kernel.wat assembles to (npm run wasm)", async () => {
  const assembled = await assembleKernel();
  assert.equal(
    Buffer.from(SPECTROGRAM_KERNEL_BYTES).toString("hex"),
    Buffer.from(assembled).toString("hex"),
    "spectrogram-kernel-bytes.ts is out of date with spectrogram-kernel.wat: run npm run wasm",
  );
  assert.equal(
    await readFile(KERNEL_BYTES_TS, "utf8"),
    kernelBytesSource(assembled),
    "spectrogram-kernel-bytes.ts was edited by hand: run npm run wasm",
  );
});
