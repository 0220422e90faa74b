// The export's deflate memo (DeflateMemo, src/export/member-encoding.ts) over
// the build's intermediates (kind "deflated", src/store/intermediates.ts):
// a build stores its export in the build cache member by member, and a
// member whose bytes an earlier build of the same release deflated (a stim's
// spectrogram when only a gating threshold changed, a response block when
// only the spectrogram options did) is copied from there instead of being
// deflated again. Lookups are counted (the build's reuse line); a member
// deflated now is stored while the writer waits for it (alongside the other
// members in its window), and `settled` awaits any store still under way.

import {
  bad,
  countUnstored,
  emptyTally,
  lookup,
  type ReuseTally,
  type StageCache,
} from "../dataset/intermediates.js";
import type { DeflateMemo, EncodedMember } from "../export/member-encoding.js";
import type { IntermediateBlob } from "../store/intermediate-format.js";
import { type IntermediateScope, intermediateKey } from "../store/intermediates.js";

/** The entry of the member deflated from bytes of `digest` (memberDigest: the bytes and the level). */
export function deflatedKey(scope: IntermediateScope, digest: string): string {
  return intermediateKey(scope, "deflated", { digest });
}

/** A deflated member: its CRC-32 and size in the header, its deflated bytes as the arrays. */
export const deflatedCodec = {
  encode(m: EncodedMember): IntermediateBlob {
    return { header: { crc32: m.crc32, uncompressedSize: m.uncompressedSize }, arrays: m.chunks };
  },
  decode(blob: IntermediateBlob): EncodedMember {
    const h = blob.header as { crc32?: unknown; uncompressedSize?: unknown };
    const chunks = blob.arrays;
    if (
      h === null ||
      typeof h !== "object" ||
      !Number.isInteger(h.crc32) ||
      (h.crc32 as number) < 0 ||
      (h.crc32 as number) > 0xffffffff ||
      !Number.isSafeInteger(h.uncompressedSize) ||
      (h.uncompressedSize as number) < 0 ||
      !chunks.every((c) => c instanceof Uint8Array)
    )
      throw bad("a deflated member");
    return {
      chunks: chunks as Uint8Array[],
      crc32: h.crc32 as number,
      compressedSize: chunks.reduce((a, c) => a + c.byteLength, 0),
      uncompressedSize: h.uncompressedSize as number,
      method: 8,
    };
  },
};

export class IntermediateDeflateMemo implements DeflateMemo {
  /** Members looked up, found, found damaged (removed, deflated again), and not stored. */
  readonly tally: ReuseTally = emptyTally();
  /** Entries being written. */
  private readonly writes = new Set<Promise<void>>();
  /** Each digest's first lookup's place among the lookups (the order the export adds its members in). */
  private readonly places = new Map<string, number>();

  constructor(private readonly sc: StageCache) {}

  // (never rejects: the cache's get gives a miss for an entry it cannot open, read or decode)
  async get(digest: string): Promise<EncodedMember | undefined> {
    // the lookups start in the export's member order: a failed write is named by its member's place in it
    if (!this.places.has(digest)) this.places.set(digest, this.tally.units);
    this.tally.units++;
    const found = await lookup(this.sc, "deflated", deflatedKey(this.sc.scope, digest), deflatedCodec);
    if (found.value !== undefined) this.tally.reused++;
    else if (found.damaged) this.tally.damaged++;
    return found.value;
  }

  put(digest: string, member: EncodedMember): Promise<void> {
    const write = this.sc.cache
      .put("deflated", deflatedKey(this.sc.scope, digest), deflatedCodec.encode(member))
      // best effort: the export does not depend on it (the build reports it)
      .catch((e: unknown) =>
        countUnstored(
          this.tally,
          e instanceof Error ? e.message : String(e),
          this.places.get(digest) ?? this.tally.units,
        ),
      );
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    return write;
  }

  /** Resolves once every entry offered so far is written (or given up): after a write that failed midway, say. */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }
}
