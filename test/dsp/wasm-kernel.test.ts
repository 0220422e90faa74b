// The spectrogram's WebAssembly kernel against its source: the committed
// bytes (src/dsp/spectrogram-kernel-bytes.ts) are exactly what wabt assembles
// from src/dsp/spectrogram-kernel.wat, the generated file is exactly what
// `npm run wasm` writes, and the kernel computes what the WAT says for
// WASM_FRAMES frames (checked against plain dot products).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { SPECTROGRAM_KERNEL_BYTES } from "../../src/dsp/spectrogram-kernel-bytes.js";
import { spectrogramWasm, WASM_FRAMES, WASM_UNROLL, wasmView } from "../../src/dsp/spectrogram-wasm.js";
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

test("the kernel computes re_f = kRe . P_f and im_f = kIm . Q_f for WASM_FRAMES frames", (t) => {
  const w = spectrogramWasm();
  if (!w) {
    t.skip("this runtime has no WebAssembly SIMD (or AC1_NO_WASM=1)");
    return;
  }
  const n = 2 * WASM_UNROLL * 5; // doubles per vector, a multiple of the row padding
  const nBytes = n * 8;
  // Layout (in doubles): kRe | kIm | frames (P_f then Q_f, frame stride 2n) | out (4 doubles a frame)
  const kRe = 0;
  const kIm = n;
  const base = 2 * n;
  const out = base + WASM_FRAMES * 2 * n;
  // The shared instance's memory is overwritten here: this file (its own
  // process under node --test) computes no spectrogram with it afterwards.
  const mem = wasmView(w, (out + 4 * WASM_FRAMES) * 8);
  for (let i = 0; i < out; i++) mem[i] = Math.sin(1.618 * i + 0.5);
  w.k4(kRe * 8, kIm * 8, base * 8, 2 * nBytes, nBytes, out * 8);
  for (let f = 0; f < WASM_FRAMES; f++) {
    const p = base + f * 2 * n;
    const q = p + n;
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += (mem[kRe + i] ?? Number.NaN) * (mem[p + i] ?? Number.NaN);
      im += (mem[kIm + i] ?? Number.NaN) * (mem[q + i] ?? Number.NaN);
    }
    const o = out + 4 * f;
    const gotRe = (mem[o] ?? Number.NaN) + (mem[o + 1] ?? Number.NaN);
    const gotIm = (mem[o + 2] ?? Number.NaN) + (mem[o + 3] ?? Number.NaN);
    assert.ok(Math.abs(gotRe - re) <= 1e-12, `frame ${f} re: ${gotRe} vs ${re}`);
    assert.ok(Math.abs(gotIm - im) <= 1e-12, `frame ${f} im: ${gotIm} vs ${im}`);
  }
});
