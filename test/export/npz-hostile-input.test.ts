// The .npz reader on hostile input (not a zip, truncated, corrupt, lying
// sizes, too many or duplicate members, random mutants): every one fails with
// an ExportError naming the file, whether opened or loaded whole.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ExportError } from "../../src/export/errors.js";
import { encodeNpyHeader } from "../../src/export/npy.js";
import { encodeUnicodeScalar } from "../../src/export/npy-unicode.js";
import { NpzReader } from "../../src/export/npz-reader.js";
import { NpzWriter } from "../../src/export/npz-writer.js";
import { MAX_NPZ_MEMBERS } from "../../src/limits.js";
import { tempDir } from "../support/cli.js";
import { makeZip } from "../support/zip.js";
import { npy } from "./npz-sample.js";

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await tempDir("ac1-npz-")));
after(() => cleanup());

function zipBuffer(members: [string, Uint8Array, boolean][]): Promise<Buffer> {
  return makeZip(members.map(([name, data, compress]) => ({ name, data, compress })));
}

/** Both ways of opening (random access and whole-file load) must fail with an ExportError naming the file. */
async function expectExportError(path: string, re: RegExp, readKey?: string): Promise<void> {
  for (const how of ["open", "load"] as const) {
    await assert.rejects(
      async () => {
        const r = await NpzReader[how](path);
        try {
          if (readKey) await r.read(readKey);
        } finally {
          await r.close();
        }
      },
      (e: unknown) => {
        assert.ok(e instanceof ExportError, `${how}: expected ExportError, got ${String(e)}`);
        assert.match(e.message, re, how);
        assert.ok(e.message.includes(path), e.message);
        return true;
      },
    );
  }
}

describe("hostile .npz input", () => {
  it("not a zip", async () => {
    const path = join(dir, "text.npz");
    await writeFile(path, "hello, I am not a zip file at all");
    await expectExportError(path, /text\.npz: not an \.npz: not a zip file, or truncated/);
  });

  it("missing file", async () => {
    await expectExportError(join(dir, "absent.npz"), /absent\.npz: no such file$/);
  });

  it("a folder", async () => {
    await expectExportError(dir, /: is a folder, not a file$/);
  });

  it("a zip holding something other than .npy arrays", async () => {
    const path = join(dir, "notes.npz");
    await writeFile(path, await zipBuffer([["notes.txt", new TextEncoder().encode("hello"), false]]));
    await expectExportError(
      path,
      /notes\.npz: member "notes\.txt": not a \.npy array, so this zip is not an \.npz$/,
    );
  });

  it("truncated zip (the directory is gone)", async () => {
    const full = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), false]]);
    const path = join(dir, "trunc.npz");
    await writeFile(path, full.subarray(0, full.length - 30));
    await expectExportError(path, /trunc\.npz: not an \.npz: not a zip file, or truncated/);
  });

  it("a member whose npy shape is larger than its data", async () => {
    const h = encodeNpyHeader("<f4", [100]);
    const member = new Uint8Array(h.length + 8);
    member.set(h);
    const path = join(dir, "short-member.npz");
    await writeFile(path, await zipBuffer([["a.npy", member, true]]));
    await expectExportError(path, /needs 400 bytes after its 128-byte header, the member holds 8/);
  });

  it("a member with a bad npy magic", async () => {
    const m = npy("<f4", [1], new Float32Array(1));
    m[0] = 0;
    const path = join(dir, "magic.npz");
    await writeFile(path, await zipBuffer([["a.npy", m, false]]));
    await expectExportError(path, /bad magic/);
  });

  it("a member claiming a huge uncompressed size", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), true]]);
    // patch the central directory's uncompressed size (offset 24 in the record)
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(0xfffffff0, cd + 24);
    const path = join(dir, "huge.npz");
    await writeFile(path, buf);
    await expectExportError(
      path,
      /member "a\.npy": declares 4294967280 bytes from \d+ compressed bytes, a ratio above/,
    );
  });

  it("a stored member whose data runs past the end of the file", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], new Float32Array(4)), false]]);
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(1_000_000, cd + 20);
    buf.writeUInt32LE(1_000_000, cd + 24);
    const path = join(dir, "overflow.npz");
    await writeFile(path, buf);
    await expectExportError(path, /overflow|past the end|claims/);
  });

  it("a corrupted stored payload fails the CRC check", async () => {
    const buf = await zipBuffer([["a.npy", npy("<f4", [4], Float32Array.from([1, 2, 3, 4])), false]]);
    const at = buf.indexOf(Buffer.from(new Float32Array([3]).buffer));
    buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
    const path = join(dir, "crc.npz");
    await writeFile(path, buf);
    await expectExportError(path, /CRC-32 mismatch/, "a");
  });

  it("a corrupted deflate stream", async () => {
    const data = new Float32Array(5000).map((_, i) => i % 7);
    const buf = await zipBuffer([["a.npy", npy("<f4", [5000], data), true]]);
    const local = buf.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    for (let i = local + 30 + 5 + 40; i < local + 30 + 5 + 80; i++)
      buf.writeUInt8(buf.readUInt8(i) ^ 0x5a, i);
    const path = join(dir, "inflate.npz");
    await writeFile(path, buf);
    await expectExportError(path, /corrupt deflate data|CRC-32|inflates to|bad magic|header/, "a");
  });

  it("more members than the limit: refused from the directory's count, before any member is read", async () => {
    const members: [string, Uint8Array, boolean][] = ["a", "b", "c"].map((k) => [
      `${k}.npy`,
      npy("<f4", [1], new Float32Array(1)),
      false,
    ]);
    const buf = await zipBuffer(members);
    assert.equal(MAX_NPZ_MEMBERS, 1 << 18);
    await assert.rejects(
      NpzReader.fromBuffer(buf, "m.npz", { maxMembers: 2 }),
      /^ExportError: m\.npz: declares 3 entries, more than the limit of 2$/,
    );
    assert.deepEqual((await NpzReader.fromBuffer(buf, "m.npz", { maxMembers: 3 })).keys(), ["a", "b", "c"]);
  });

  it("duplicate member names", async () => {
    const m = npy("<f4", [1], new Float32Array(1));
    const path = join(dir, "dup.npz");
    await writeFile(
      path,
      await zipBuffer([
        ["a.npy", m, false],
        ["a.npy", m, false],
      ]),
    );
    await expectExportError(path, /duplicate member/);
  });

  it("random corruption and truncation never produce anything but ExportError (property)", async () => {
    const seeds: Buffer[] = [];
    for (const compress of [false, true]) {
      const path = join(dir, `fuzz-seed-${compress}.npz`);
      const w = NpzWriter.create(path, { compress });
      await w.add("a", "<f4", [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
      const text = encodeUnicodeScalar('{"k": "v"}');
      await w.add("m", text.dtype, [], text.data);
      await w.add("c", "<i4", [3], Int32Array.from([7, 8, 9]));
      await w.close();
      seeds.push(await readFile(path));
    }
    const path = join(dir, "fuzz.npz");
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (which, flips, cut) => {
          const bytes = Buffer.from(seeds[which]!);
          for (const [at, x] of flips)
            bytes.writeUInt8(bytes.readUInt8(at % bytes.length) ^ x, at % bytes.length);
          await writeFile(path, cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
          for (const how of ["open", "load"] as const) {
            let r: NpzReader | undefined;
            try {
              r = await NpzReader[how](path);
              for (const k of r.keys()) {
                const info = r.info(k);
                if (info.dtype.includes("U")) await r.readString(k);
                else await r.read(k);
              }
            } catch (e) {
              assert.ok(e instanceof ExportError, `${how}: ${String((e as Error)?.stack ?? e)}`);
            } finally {
              await r?.close();
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
