// The sample .npz the NpzWriter tests write (stored or deflated: numbers, an
// empty array, a unicode scalar, a streamed member and one spanning several
// stream slices) and .npy member bytes built by hand, shared by the npz tests.

import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzWriter } from "../../src/export/npz-writer.js";

export async function writeSample(path: string, compress: boolean): Promise<void> {
  const w = NpzWriter.create(path, { compress });
  await w.add("a", "<f4", [2, 3], Float32Array.from([1, 2, 3, 4, 5, Number.NaN]));
  await w.add("b", "<f8", [0], new Float64Array(0));
  await w.add("c", "<i4", [3], Int32Array.from([-1, 0, 2147483647]));
  await w.add("d", "|u1", [2, 2], Uint8Array.from([0, 1, 254, 255]));
  const text = encodeUnicodeScalar("héllo 🐦");
  await w.add("s", text.dtype, [], text.data);
  await w.add("streamed", "<f4", [3, 1000], async function* () {
    for (let r = 0; r < 3; r++)
      yield new Uint8Array(Float32Array.from({ length: 1000 }, (_, i) => r * 1000 + i).buffer);
  });
  // a larger member that spans several stream slices
  const big = new Float32Array(3_000_000);
  for (let i = 0; i < big.length; i++) big[i] = Math.sin(i / 100);
  await w.add("big", "<f4", [big.length], big);
  await w.close();
}

export function npy(dtype: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const h = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(h.length + data.byteLength);
  out.set(h);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h.length);
  return out;
}
