// The WebAssembly kernels against their sources: the committed bytes
// (src/dsp/<name>-kernel-bytes.ts) are exactly what wabt assembles from
// src/dsp/<name>-kernel.wat, each generated file exactly what `npm run wasm`
// writes. What the kernels compute is checked elsewhere: the spectrogram's in
// test/dsp/golden.test.ts (golden spectrograms through the kernel, and the
// kernel against the plain loops across chunks, odd F, odd W and odd T), the
// FFT correlation's in test/dsp/fft-wasm.test.ts (bit for bit against the
// plain FFT path, and the Gaussian goldens through it).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { FFT_KERNEL_BYTES } from "../../src/dsp/fft-kernel-bytes.js";
import { SPECTROGRAM_KERNEL_BYTES } from "../../src/dsp/spectrogram-kernel-bytes.js";
import { assembleKernel, kernelBytesSource, WASM_KERNELS } from "../support/wasm-kernel.js";

const LOADED: Record<string, Uint8Array> = {
  spectrogram: SPECTROGRAM_KERNEL_BYTES,
  fft: FFT_KERNEL_BYTES,
};

for (const k of WASM_KERNELS) {
  test(`the committed ${k.name} kernel bytes are what ${k.name}-kernel.wat assembles to (npm run wasm)`, async () => {
    const assembled = await assembleKernel(k);
    const loaded = LOADED[k.name];
    assert.ok(loaded, `the test knows the bytes of the ${k.name} kernel`);
    assert.equal(
      Buffer.from(loaded).toString("hex"),
      Buffer.from(assembled).toString("hex"),
      `${k.name}-kernel-bytes.ts is out of date with ${k.name}-kernel.wat: run npm run wasm`,
    );
    assert.equal(
      await readFile(k.bytesTs, "utf8"),
      kernelBytesSource(k, assembled),
      `${k.name}-kernel-bytes.ts was edited by hand: run npm run wasm`,
    );
  });
}

test("every kernel the library loads is assembled by npm run wasm", () => {
  assert.deepEqual(WASM_KERNELS.map((k) => k.name).sort(), Object.keys(LOADED).sort());
});
