// copyExport, the build cache's hit: the copy is byte for byte the zip its
// records spell (the rewritten manifest deflated as the writer deflates it,
// then every other member as stored in the source, each with a fresh local
// header stamped with the copy's time, then the central directory), whether
// the source is in memory or read from the file (through the reused window,
// run by run, members larger than the window alone), and with the zip64 end records a copy of more than
// 65534 members needs; a failed write (a full disk) leaves neither the copy
// nor a temp file and names the manifest when its write failed. A copy whose
// manifest comes out unchanged (no mtime, seal or bytes asked for) is the
// source file itself, its end record without the comment (a seal), with the
// permissions of a new file; a failed check or a full disk leaves nothing,
// and where the kernel cannot copy it the members are laid out instead.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { COPY_WINDOW_BYTES, copyExport } from "../../src/export/copy.js";
import { writeDatasetNpz } from "../../src/export/dataset-npz.js";
import { ExportError } from "../../src/export/errors.js";
import { type ExportManifest, manifestJson } from "../../src/export/manifest.js";
import { encodeParts } from "../../src/export/member-encoding.js";
import { withManifestSplit } from "../../src/export/modeller.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { crc32 } from "../../src/zip/crc32.js";
import { EOCD_BYTES, ZIP64_EOCD_SIGNATURE } from "../../src/zip/format.js";
import {
  centralDirectory,
  dosDateTime,
  localHeader,
  type WrittenEntry,
  zipComment,
} from "../../src/zip/records.js";
import { tempDir } from "../support/cli.js";
import { exportMembers } from "../support/npz-members.js";
import { sampleDataset } from "./sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-copy-")));
after(() => cleanup());

const mtime = new Date(2023, 4, 6, 7, 8, 10);

/** The copy's bytes as the zip records spell them (see the header), in order. */
async function referenceCopy(
  src: string,
  rewrite: (m: ExportManifest) => ExportManifest,
): Promise<Uint8Array[]> {
  const reader = await NpzReader.load(src, { readHeaders: false });
  try {
    const text = await reader.readString("manifest", { maxBytes: 1 << 30 });
    const manifest = encodeUnicodeScalar(manifestJson(rewrite(JSON.parse(text) as ExportManifest)));
    const npy = Buffer.concat([encodeNpyHeader(manifest.dtype, []), manifest.data]);
    const stored = [{ name: "manifest.npy", ...(await encodeParts([npy], 6)) }];
    for (const key of reader.keys().slice(1)) {
      const raw = await reader.rawMember(key);
      stored.push({ ...raw, compressedSize: raw.chunks[0]?.byteLength ?? 0 });
    }
    const parts: Uint8Array[] = [];
    const entries: WrittenEntry[] = [];
    let offset = 0;
    for (const m of stored) {
      const compressedSize = m.chunks.reduce((n, c) => n + c.byteLength, 0);
      const entry: WrittenEntry = {
        name: m.name,
        method: m.method,
        crc32: m.crc32,
        compressedSize,
        uncompressedSize: m.uncompressedSize,
        flags: 0,
        ...dosDateTime(mtime),
        localHeaderOffset: offset,
      };
      const header = localHeader(entry);
      parts.push(header, ...m.chunks);
      entries.push(entry);
      offset += header.byteLength + compressedSize;
    }
    parts.push(...centralDirectory(entries, offset));
    return parts;
  } finally {
    await reader.close();
  }
}

function sha256Of(parts: readonly Uint8Array[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest("hex");
}

/** An export of the sample dataset (deflated, as the cache stores it), with rejected repeats. */
async function sampleExport(name: string): Promise<string> {
  const path = join(dir, name);
  await writeDatasetNpz(sampleDataset("spectrogram", 3, { rejected: true }), path);
  return path;
}

/** Members stamped with this (whole copies keep it; any other copy is stamped with its own time). */
const oldTime = new Date(2020, 0, 2, 3, 4, 6);

/** An export of the sample dataset sealed as a cache entry is (a comment in its end record), its members stamped oldTime. */
async function sealedExport(name: string): Promise<string> {
  const path = join(dir, name);
  const plain = await sampleExport(`${name}-plain.npz`);
  await copyExport(plain, path, {
    rewrite: (m) => m,
    mtime: oldTime,
    seal: (sha256) => JSON.stringify({ format: "test-seal", sha256 }),
  });
  return path;
}

/** `bytes` (a zip) with the comment of its end record cut off. */
function withoutComment(bytes: Buffer): Buffer {
  const end = zipComment(bytes);
  assert.ok(end !== undefined && end.comment.length > 0, "the source is sealed");
  const out = Buffer.from(bytes.subarray(0, end.endRecordAt + EOCD_BYTES));
  out.writeUInt16LE(0, end.endRecordAt + EOCD_BYTES - 2); // the comment's length, the record's last field
  return out;
}

/** Moves the data folder and records the sample's split: what a hit's rewrite does. */
function moved(m: ExportManifest): ExportManifest {
  const split = sampleDataset("spectrogram", 3, { rejected: true, split: true }).split ?? null;
  return withManifestSplit({ ...m, options: { ...m.options, path: "/moved/data" } }, split) as ExportManifest;
}

/** The sample's manifest as the .npy bytes of a member. */
async function sampleManifestNpy(name: string): Promise<Buffer> {
  const sample = await NpzReader.load(await sampleExport(name));
  const manifest = encodeUnicodeScalar(await sample.readString("manifest"));
  await sample.close();
  return Buffer.concat([encodeNpyHeader(manifest.dtype, []), manifest.data]);
}

/** A source of the sample's manifest and stored members of `sizes` bytes (their .npy payloads). */
async function storedSource(name: string, sizes: readonly number[]): Promise<string> {
  const path = join(dir, name);
  const w = NpzWriter.create(path, { compress: false });
  await w.addMember("manifest.npy", await sampleManifestNpy(`${name}-sample.npz`));
  await Promise.all(sizes.map((n, i) => w.add(`m_${i}`, "|u1", [n], new Uint8Array(n).fill(i % 251))));
  await w.close();
  return path;
}

describe("copyExport", () => {
  it("writes the zip the records spell, from bytes in memory or from the file, unsealed", async () => {
    const src = await sampleExport("small.npz");
    const expected = Buffer.concat(await referenceCopy(src, moved));
    const bytes = await readFile(src);
    for (const [name, given] of [
      ["from-bytes.npz", bytes],
      ["from-file.npz", undefined],
    ] as const) {
      const out = join(dir, name);
      const written = await copyExport(src, out, { rewrite: moved, mtime, bytes: given });
      assert.equal(written.options.path, "/moved/data");
      const copy = await readFile(out);
      assert.ok(copy.equals(expected), `${name}: byte for byte`);
      assert.equal(zipComment(copy)?.comment.length, 0, "not sealed");
    }
  });

  it("a file read run by run through the reused window, members larger than it alone, gives the same zip", async () => {
    const W = COPY_WINDOW_BYTES;
    // small members around large ones: one over twice the window, one just under it, one just over
    const sizes = [1000, 2 * W + 5, ...Array.from({ length: 300 }, (_, i) => 100 + i), W - 200, W, W + 1, 7];
    const src = await storedSource("large.npz", sizes);
    const out = join(dir, "large-copy.npz");
    await copyExport(src, out, { rewrite: moved, mtime });
    assert.equal(await fileSha256(out), sha256Of(await referenceCopy(src, moved)));
  });

  it("a check alongside: the copy waits for it to go into place, and is abandoned when it fails", async () => {
    const src = await sampleExport("check-src.npz");
    const folder = join(dir, "checked");
    await mkdir(folder);
    const out = join(folder, "copy.npz");
    const damaged = new Error("damaged");
    await assert.rejects(
      copyExport(src, out, { rewrite: moved, check: Promise.reject(damaged) }),
      (e: unknown) => e instanceof ExportError && e.cause === damaged && e.message.startsWith(`${out}: `),
    );
    assert.deepEqual(await readdir(folder), [], "no copy, no temp file");
    let pass = () => {};
    const late = new Promise<void>((resolve) => {
      pass = resolve;
    });
    const copying = copyExport(src, out, { rewrite: moved, mtime, check: late });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!(await readdir(folder)).includes("copy.npz"), "not in place before the check passes");
    pass();
    await copying;
    assert.ok((await readFile(out)).equals(Buffer.concat(await referenceCopy(src, moved))));
  });

  it("a copy of more than 65534 members carries the zip64 end records", async () => {
    const src = join(dir, "many.npz");
    const w = NpzWriter.create(src, { compress: false });
    await w.addMember("manifest.npy", await sampleManifestNpy("many-sample.npz"));
    const npy = Buffer.concat([encodeNpyHeader("|u1", [1]), Buffer.from([7])]);
    const member = { method: 0, crc32: crc32(npy), uncompressedSize: npy.byteLength, chunks: [npy] };
    await w.addEncodedMembers(Array.from({ length: 65_600 }, (_, i) => ({ ...member, name: `m_${i}.npy` })));
    await w.close();
    const out = join(dir, "many-copy.npz");
    await copyExport(src, out, { rewrite: moved, mtime });
    const copy = await readFile(out);
    assert.ok(copy.equals(Buffer.concat(await referenceCopy(src, moved))));
    const signature = Buffer.alloc(4);
    signature.writeUInt32LE(ZIP64_EOCD_SIGNATURE);
    assert.ok(copy.lastIndexOf(signature) > copy.length - 1000, "zip64 end of central directory record");
    const r = await NpzReader.load(out, { readHeaders: false });
    assert.equal(r.keys().length, 65_601);
    await r.close();
  });

  it("a failure writing the manifest, the members or a whole copy (a full disk): the one-line error, no copy, no temp file", async () => {
    const src = await sampleExport("full-src.npz");
    const out = join(dir, "full", "copy.npz");
    await mkdir(join(dir, "full"));
    const bytes = await readFile(src);
    // The process counts the passages while AC1_TEST_FAIL_AT names the point: the first copy
    // fails at its first write (the manifest's header), the second at its third (the members').
    for (const [spec, message] of [
      [
        "npz-file-write#1",
        `${out}: writing "manifest.npy": failure injected by AC1_TEST_FAIL_AT at npz-file-write`,
      ],
      [
        "npz-file-write#4:ENOSPC",
        `${out}: the disk is full (ENOSPC); nothing was written there: free some space and try again`,
      ],
    ] as const) {
      process.env.AC1_TEST_FAIL_AT = spec;
      try {
        await assert.rejects(
          copyExport(src, out, { rewrite: moved, bytes }),
          (e: unknown) => e instanceof ExportError && e.message === message,
        );
      } finally {
        delete process.env.AC1_TEST_FAIL_AT;
      }
      assert.deepEqual(await readdir(join(dir, "full")), [], spec);
    }
    // A whole copy (the manifest unchanged, from the file) passes the point once, when it has copied: the fifth passage.
    const sealed = await sealedExport("full-sealed-src.npz");
    process.env.AC1_TEST_FAIL_AT = "npz-file-write#5:ENOSPC";
    try {
      await assert.rejects(
        copyExport(sealed, out, { rewrite: (m) => m }),
        (e: unknown) =>
          e instanceof ExportError &&
          e.message ===
            `${out}: the disk is full (ENOSPC); nothing was written there: free some space and try again`,
      );
    } finally {
      delete process.env.AC1_TEST_FAIL_AT;
    }
    assert.deepEqual(await readdir(join(dir, "full")), [], "whole copy");
  });

  it("an unchanged manifest: the copy is the source file, its seal cut off, its members' times kept", async () => {
    const src = await sealedExport("whole-src.npz");
    const folder = join(dir, "whole");
    await mkdir(folder);
    const out = join(folder, "copy.npz");
    const written = await copyExport(src, out, { rewrite: (m) => m });
    const source = await readFile(src);
    assert.equal(written.options.path, JSON.parse(manifestJson(written)).options.path);
    const copy = await readFile(out);
    assert.ok(copy.equals(withoutComment(source)), "byte for byte, but the comment");
    const { dosTime, dosDate } = dosDateTime(oldTime);
    assert.deepEqual([copy.readUInt16LE(10), copy.readUInt16LE(12)], [dosTime, dosDate], "the source's time");
    assert.deepEqual(await readdir(folder), ["copy.npz"], "no temp file left");
    assert.deepEqual(await exportMembers(out), await exportMembers(src));
    // an unsealed source comes out identical
    const again = join(folder, "again.npz");
    await copyExport(out, again, { rewrite: (m) => m });
    assert.ok((await readFile(again)).equals(await readFile(out)));
  });

  it("a source the reader refuses (cut short): its error, no temp file", async () => {
    const src = await storedSource("cut.npz", [48 << 20]);
    await truncate(src, 30 << 20);
    const folder = join(dir, "cut");
    await mkdir(folder);
    await assert.rejects(
      copyExport(src, join(folder, "copy.npz"), { rewrite: (m) => m }),
      (e: unknown) => e instanceof ExportError && e.message.startsWith(`${src}: `),
    );
    assert.deepEqual(await readdir(folder), [], "no temp file");
  });

  it("a whole copy refuses a source whose end record is damaged where the reader does not look", async () => {
    const src = await sampleExport("bad-end.npz");
    const bytes = await readFile(src);
    const end = zipComment(bytes)?.endRecordAt ?? -1;
    bytes.writeUInt32LE(bytes.readUInt32LE(end + 12) + 1, end + 12); // the directory's size, which numpy reads
    await writeFile(src, bytes);
    const folder = join(dir, "bad-end");
    await mkdir(folder);
    await assert.rejects(
      copyExport(src, join(folder, "copy.npz"), { rewrite: (m) => m }),
      (e: unknown) =>
        e instanceof ExportError &&
        e.message ===
          `${src}: the end record at byte ${end}: its central directory (${bytes.readUInt32LE(end + 12)} bytes from byte ${bytes.readUInt32LE(end + 16)}) does not end there`,
    );
    assert.deepEqual(await readdir(folder), [], "no copy, no temp file");
  });

  it("a whole copy of a read-only source gets a new file's permissions, not the source's", async () => {
    const src = await sealedExport("ro-src.npz");
    await chmod(src, 0o444);
    const folder = join(dir, "ro");
    await mkdir(folder);
    const fresh = join(folder, "fresh");
    await writeFile(fresh, "");
    const out = join(folder, "copy.npz");
    await copyExport(src, out, { rewrite: (m) => m });
    assert.equal((await stat(out)).mode & 0o777, (await stat(fresh)).mode & 0o777);
    assert.ok((await readFile(out)).equals(withoutComment(await readFile(src))));
  });

  it("where the kernel cannot copy the file, the members are laid out instead: the same arrays, no temp file", async () => {
    const src = await sealedExport("fallback-src.npz");
    const folder = join(dir, "fallback");
    await mkdir(folder);
    const out = join(folder, "copy.npz");
    process.env.AC1_TEST_FAIL_AT = "npz-whole-copy:EPERM";
    try {
      await copyExport(src, out, { rewrite: (m) => m });
    } finally {
      delete process.env.AC1_TEST_FAIL_AT;
    }
    assert.deepEqual(await readdir(folder), ["copy.npz"]);
    const copy = await readFile(out);
    const { dosTime, dosDate } = dosDateTime(oldTime);
    assert.notDeepEqual([copy.readUInt16LE(10), copy.readUInt16LE(12)], [dosTime, dosDate], "stamped anew");
    assert.equal(zipComment(copy)?.comment.length, 0, "not sealed");
    assert.deepEqual(await exportMembers(out), await exportMembers(src));
  });

  it("an unchanged manifest with a mtime or from bytes in memory: the members are laid out again", async () => {
    const src = await sealedExport("relaid-src.npz");
    const expected = Buffer.concat(await referenceCopy(src, (m) => m));
    for (const [name, bytes] of [
      ["relaid-mtime.npz", undefined],
      ["relaid-bytes.npz", await readFile(src)],
    ] as const) {
      const out = join(dir, name);
      await copyExport(src, out, { rewrite: (m) => m, mtime, bytes });
      assert.ok((await readFile(out)).equals(expected), name);
    }
  });

  it("a changed manifest leaves only its copy; a whole copy waits for its check and goes when it fails", async () => {
    const src = await sealedExport("spec-src.npz");
    const folder = join(dir, "spec");
    await mkdir(folder);
    await copyExport(src, join(folder, "moved.npz"), { rewrite: moved });
    assert.deepEqual(await readdir(folder), ["moved.npz"], "no temp file");
    const out = join(folder, "whole.npz");
    const damaged = new Error("damaged");
    await assert.rejects(
      copyExport(src, out, { rewrite: (m) => m, check: Promise.reject(damaged) }),
      (e: unknown) => e instanceof ExportError && e.cause === damaged && e.message.startsWith(`${out}: `),
    );
    assert.deepEqual(await readdir(folder), ["moved.npz"], "no copy, no temp file");
    let pass = () => {};
    const late = new Promise<void>((resolve) => {
      pass = resolve;
    });
    const copying = copyExport(src, out, { rewrite: (m) => m, check: late });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!(await readdir(folder)).includes("whole.npz"), "not in place before the check passes");
    pass();
    await copying;
    assert.ok((await readFile(out)).equals(withoutComment(await readFile(src))));
  });
});
