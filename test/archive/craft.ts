// Test helpers: build zips in memory with yazl, patch their raw bytes to make
// the malicious or corrupt archives yazl refuses to write, and lay out small
// synthetic CRCNS-AC1 releases (as zips and as unpacked trees).

import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeZip, noise } from "../support/zip.js";

export { type CraftEntry, makeZip, noise } from "../support/zip.js";
export { rawStoredZip } from "../zip/raw-zip.js";

/** Replaces every occurrence of `from` by `to` (same byte length): renames an entry in both headers. */
export function patchBytes(buf: Buffer, from: string | Buffer, to: string | Buffer): Buffer {
  const a = typeof from === "string" ? Buffer.from(from, "latin1") : from;
  const b = typeof to === "string" ? Buffer.from(to, "latin1") : to;
  if (a.length !== b.length) throw new Error("patchBytes: lengths differ");
  const out = Buffer.from(buf);
  let i = out.indexOf(a);
  let n = 0;
  while (i >= 0) {
    b.copy(out, i);
    n++;
    i = out.indexOf(a, i + b.length);
  }
  if (n === 0) throw new Error(`patchBytes: ${a.toString("latin1")} not found`);
  return out;
}

/** Offset of the End Of Central Directory record. */
export function eocdOffset(buf: Buffer): number {
  for (let i = buf.length - 22; i >= 0; i--) if (buf.readUInt32LE(i) === 0x06054b50) return i;
  throw new Error("no EOCD");
}

/** Offsets of each central directory record, with its file name. */
export function centralRecords(buf: Buffer): { offset: number; name: string; localOffset: number }[] {
  const eocd = eocdOffset(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { offset: number; name: string; localOffset: number }[] = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error("bad CD signature");
    const n = buf.readUInt16LE(p + 28);
    const m = buf.readUInt16LE(p + 30);
    const c = buf.readUInt16LE(p + 32);
    out.push({
      offset: p,
      name: buf.toString("utf8", p + 46, p + 46 + n),
      localOffset: buf.readUInt32LE(p + 42),
    });
    p += 46 + n + m + c;
  }
  return out;
}

/** Field offsets inside a central directory record. */
export const CD = { flags: 8, method: 10, crc: 16, compressed: 20, uncompressed: 24, external: 38 } as const;
/** Field offsets inside a local file header. */
export const LH = { flags: 6, method: 8, crc: 14, compressed: 18, uncompressed: 22 } as const;

/** Returns a copy with a 32-bit field of `name`'s central record (and optionally local header) set. */
export function patchField(
  buf: Buffer,
  name: string,
  field: keyof typeof CD,
  value: number,
  alsoLocal = true,
  width: 16 | 32 = 32,
): Buffer {
  const out = Buffer.from(buf);
  const rec = centralRecords(out).find((r) => r.name === name);
  if (rec === undefined) throw new Error(`no entry ${name}`);
  const write = (off: number) =>
    width === 32 ? out.writeUInt32LE(value >>> 0, off) : out.writeUInt16LE(value, off);
  write(rec.offset + CD[field]);
  if (alsoLocal && field in LH) write(rec.localOffset + LH[field as keyof typeof LH]);
  return out;
}

export type ReleaseSpec = Record<string, Record<string, Uint8Array>>;

export function smallRelease(): ReleaseSpec {
  const text = (s: string) => new TextEncoder().encode(s);
  return {
    "crcns-ac1.zip": {
      "wehr/Summary.mat": text("MATLAB 5.0 summary ".repeat(50)),
      "wehr/Results/20020624-mw-001/20020624-mw-001-001.mat": noise(5000, 1),
      "wehr/Results/20020624-mw-001/20020624-mw-001-002.mat": noise(7000, 2),
      "wehr/Results/20020701-mw-002/20020701-mw-002-001.mat": new Uint8Array(3 * 1024 * 1024 + 17), // zeros: compresses, multi-chunk
      "wehr/Stimuli/fragments/3.mat": noise(300, 3),
      "wehr/Stimuli/fragments/10.mat": noise(301, 4),
      "wehr/Stimuli/category1/Z.mat": text("zz"),
      "wehr/Stimuli/category1/a.mat": text(""),
      "asari/Stimuli/class1/1.mat": noise(2000, 5),
      "asari/Stimuli/class3/3l.mat": noise(2100, 6),
    },
    "crcns-ac1-asari-results-1.zip": {
      "asari-results-1/20050101-ha1-001/rec1.mat": noise(4000, 7),
      "asari-results-1/20050101-ha1-001/rec2.mat": noise(4001, 8),
      "asari-results-1/20050102-ha2-003/rec1.mat": noise(1500, 9),
    },
    "crcns-ac1-asari-results-2.zip": {
      "asari-results-2/20060301-ha9-010/r.mat": noise(2500, 10),
    },
  };
}

const FOLDER: Record<string, string> = {
  "crcns-ac1.zip": "crcns-ac1",
  "crcns-ac1-asari-results-1.zip": "crcns-ac1-asari-results-1",
  "crcns-ac1-asari-results-2.zip": "crcns-ac1-asari-results-2",
};

/** Writes `zip` of the release into dataDir as a zip (alternating stored/deflated members). */
export async function writeReleaseZip(dataDir: string, spec: ReleaseSpec, zip: string): Promise<void> {
  const files = spec[zip]!;
  const buf = await makeZip(
    Object.entries(files).map(([name, data], i) => ({ name, data, compress: i % 3 !== 1 })),
  );
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, zip), buf);
}

/** Writes `zip` of the release into dataDir as the unpacked tree it stands for. */
export async function writeReleaseTree(dataDir: string, spec: ReleaseSpec, zip: string): Promise<void> {
  for (const [name, data] of Object.entries(spec[zip]!)) {
    const abs = join(dataDir, FOLDER[zip]!, ...name.split("/"));
    await mkdir(join(abs, ".."), { recursive: true });
    await writeFile(abs, data);
  }
}

/** Relative paths of every file and folder under dir (sorted), for "nothing was written" checks. */
export async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === "" ? d.name : `${prefix}/${d.name}`;
    out.push(d.isDirectory() ? `${rel}/` : rel);
    if (d.isDirectory()) out.push(...(await listTree(join(dir, d.name), rel)));
  }
  return out.sort();
}

/** In a zip written with forceZip64Format, sets `name`'s 64-bit uncompressed size in its central ZIP64 extra field. */
export function patchZip64Uncompressed(buf: Buffer, name: string, value: bigint): Buffer {
  const out = Buffer.from(buf);
  const rec = centralRecords(out).find((r) => r.name === name);
  if (rec === undefined) throw new Error(`no entry ${name}`);
  if (out.readUInt32LE(rec.offset + CD.uncompressed) !== 0xffffffff) throw new Error("not a zip64 entry");
  const n = out.readUInt16LE(rec.offset + 28);
  const m = out.readUInt16LE(rec.offset + 30);
  let p = rec.offset + 46 + n;
  const end = p + m;
  while (p + 4 <= end) {
    const id = out.readUInt16LE(p);
    const size = out.readUInt16LE(p + 2);
    if (id === 0x0001) {
      out.writeBigUInt64LE(value, p + 4); // the uncompressed size comes first
      return out;
    }
    p += 4 + size;
  }
  throw new Error("no zip64 extra field");
}
