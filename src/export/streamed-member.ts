/// <reference types="node" />
// A .npz member whose bytes arrive as chunks (NpzWriter.add given a data
// source): the chunks checked against the bytes the array's shape needs,
// stored or deflated as they come, the member's local header written first
// with room for its sizes and patched once they are known.

import { createDeflateRaw } from "node:zlib";
import { crc32 } from "../zip/crc32.js";
import { localHeader, type WrittenEntry } from "../zip/records.js";
import { ExportError } from "./errors.js";
import type { FileAppender } from "./file-appender.js";
import { DEFLATE_CHUNK } from "./member-encoding.js";

/** `data`'s chunks, empty ones left out, checked against the `expected` bytes of `what` (in the file at `path`). */
export async function* checkedChunks(
  path: string,
  what: string,
  expected: number,
  data: () => AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const c of data()) {
    seen += c.byteLength;
    if (seen > expected)
      throw new ExportError(
        `${path}: ${what}: the data source yielded more than the ${expected} bytes its shape needs`,
      );
    if (c.byteLength > 0) yield c;
  }
  if (seen !== expected)
    throw new ExportError(
      `${path}: ${what}: the data source yielded ${seen} bytes, its shape needs ${expected}`,
    );
}

/**
 * Writes one member whose bytes arrive as chunks: deflated as they come,
 * its local header written first with room for its sizes and rewritten
 * once they are known. `placeholder` is its entry with the sizes that
 * give the header its final shape; returns the entry as written.
 */
export async function writeStreamedMember(
  file: FileAppender,
  path: string,
  level: number,
  placeholder: WrittenEntry,
  header: Uint8Array,
  source: AsyncIterable<Uint8Array>,
): Promise<WrittenEntry> {
  const start = file.offset;
  const name = placeholder.name;
  let crc = crc32(header);
  let size = header.byteLength;
  let compressedSize = 0;
  const headerBytes = localHeader(placeholder).byteLength;
  await file.append(new Uint8Array(headerBytes));
  if (level === 0) {
    await file.append(header);
    compressedSize += header.byteLength;
    for await (const c of source) {
      crc = crc32(c, crc);
      size += c.byteLength;
      compressedSize += c.byteLength;
      await file.append(c);
    }
  } else {
    const z = createDeflateRaw({ level, chunkSize: DEFLATE_CHUNK });
    const out: Uint8Array[] = [];
    let error: unknown;
    z.on("data", (c: Buffer) => out.push(c));
    z.on("error", (e) => {
      error = e;
    });
    const drain = async () => {
      while (out.length > 0) {
        const c = out.shift() as Uint8Array;
        compressedSize += c.byteLength;
        await file.append(c);
      }
      if (error !== undefined) throw error;
    };
    const feed = (c: Uint8Array) => new Promise<void>((res, rej) => z.write(c, (e) => (e ? rej(e) : res())));
    await feed(header);
    for await (const c of source) {
      crc = crc32(c, crc);
      size += c.byteLength;
      await feed(c);
      await drain();
    }
    await new Promise<void>((res) => z.end(res));
    await new Promise<void>((res, rej) => {
      if (z.readableEnded) res();
      else {
        z.once("end", res);
        z.once("error", rej);
      }
    });
    await drain();
  }
  const entry: WrittenEntry = {
    ...placeholder,
    crc32: crc,
    compressedSize,
    uncompressedSize: size,
    localHeaderOffset: start,
  };
  const final = localHeader(entry);
  if (final.byteLength !== headerBytes) {
    throw new ExportError(`${path}: member ${JSON.stringify(name)} outgrew its header (zip64 sizes)`);
  }
  // (The running hash saw the placeholder header: a seal reads the file back.)
  await file.patch(final, start);
  return entry;
}
