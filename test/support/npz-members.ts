// Every member of an .npz, decoded, for comparing exports member by member in
// tests: name -> its dtype, shape and the bytes of its data (base64), in zip order.

import { NpzReader } from "../../src/export/npz-reader.js";

export async function exportMembers(path: string): Promise<[string, string][]> {
  const r = await NpzReader.load(path);
  try {
    const out: [string, string][] = [];
    for (const key of r.keys()) {
      const a = await r.read(key);
      const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      out.push([key, `${a.dtype} ${a.shape.join(",")} ${bytes.toString("base64")}`]);
    }
    return out;
  } finally {
    await r.close();
  }
}
