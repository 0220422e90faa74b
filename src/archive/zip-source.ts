// ZipSource: a ReleaseSource reading the release zips in place, without
// unpacking. Each zip is mounted under the folder it would unpack into
// (RELEASE_LAYOUT: crcns-ac1.zip -> "crcns-ac1/", ...), so walkers use the
// same paths whether the data is zipped or unpacked.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { byName } from "./dir-source.js";
import { ArchiveError } from "./errors.js";
import { layoutOf, RELEASE_LAYOUT } from "./layout.js";
import { normalizeSourcePath } from "./paths.js";
import type { DirEntry, ReleaseSource } from "./source.js";
import { ZipArchive, type ZipLimits } from "./zip-archive.js";

export class ZipSource implements ReleaseSource {
  private constructor(
    readonly dataDir: string,
    /** folder (e.g. "crcns-ac1") -> its open zip */
    private readonly mounts: Map<string, ZipArchive>,
  ) {}

  /**
   * Opens release zips found in `dataDir`. `zips` lists file names from
   * RELEASE_ZIPS; each listed one must exist. Without `zips`, every release zip
   * present is opened (at least one must be). All entries are validated now.
   */
  static async open(
    dataDir: string,
    zips?: readonly string[],
    limits?: Partial<ZipLimits>,
  ): Promise<ZipSource> {
    let names: string[];
    if (zips === undefined) {
      names = RELEASE_LAYOUT.map((l) => l.zip).filter((z) => existsSync(join(dataDir, z)));
      if (names.length === 0) {
        throw new ArchiveError(
          `${dataDir}: none of the release zips (${RELEASE_LAYOUT.map((l) => l.zip).join(", ")}) is there`,
        );
      }
    } else {
      names = [...zips];
    }
    const mounts = new Map<string, ZipArchive>();
    try {
      for (const name of names) {
        const layout = layoutOf(name);
        if (layout === undefined) {
          throw new ArchiveError(
            `${name}: not a CRCNS-AC1 release zip (expected one of ${RELEASE_LAYOUT.map((l) => l.zip).join(", ")})`,
          );
        }
        if (mounts.has(layout.folder)) continue;
        mounts.set(layout.folder, await ZipArchive.open(join(dataDir, name), limits));
      }
    } catch (e) {
      await Promise.allSettled([...mounts.values()].map((z) => z.close()));
      throw e;
    }
    return new ZipSource(dataDir, mounts);
  }

  /** Folders (relative to the data folder) this source serves, sorted. */
  folders(): string[] {
    return [...this.mounts.keys()].sort();
  }

  /** The open zip mounted at `folder`, if any (for extraction and benchmarks). */
  archive(folder: string): ZipArchive | undefined {
    return this.mounts.get(folder);
  }

  private route(path: string): { zip: ZipArchive | undefined; inner: string; p: string } {
    const p = normalizeSourcePath(path, this.dataDir);
    const slash = p.indexOf("/");
    const top = slash < 0 ? p : p.slice(0, slash);
    const inner = slash < 0 ? "" : p.slice(slash + 1);
    return { zip: this.mounts.get(top), inner, p };
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const { zip, inner, p } = this.route(dir);
    if (p === "") return this.folders().map((name) => ({ name, isDir: true }));
    return zip?.list(inner)?.map((e) => ({ ...e })) ?? [];
  }

  async exists(path: string): Promise<boolean> {
    const { zip, inner, p } = this.route(path);
    if (p === "") return true;
    return zip?.member(inner) !== undefined;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const { zip, inner, p } = this.route(path);
    if (zip === undefined || p === "") throw new ArchiveError(`${this.describe(path)}: no such file`);
    return zip.read(inner);
  }

  describe(path: string): string {
    try {
      const { zip, inner } = this.route(path);
      if (zip !== undefined) return zip.describe(inner);
    } catch {
      // fall through to a plain description
    }
    return `${this.dataDir}/${path}`;
  }

  origin(path: string): string {
    try {
      const { zip } = this.route(path);
      if (zip !== undefined) return zip.zipPath;
    } catch {
      // fall through to the data folder
    }
    return this.dataDir;
  }

  bytesRead(): number {
    let n = 0;
    for (const z of this.mounts.values()) n += z.bytesRead();
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.mounts.values()].map((z) => z.close()));
  }
}

/**
 * A ReleaseSource assembled from per-folder sources: each top-level folder
 * (e.g. "crcns-ac1") is served by the source mounted for it, which is
 * addressed with the full path. Used to mix an unpacked tree with zips read
 * in place. The root lists exactly the mounted folders.
 */
export class CompositeSource implements ReleaseSource {
  private readonly mounts: Map<string, ReleaseSource>;

  constructor(
    readonly dataDir: string,
    mounts: Iterable<{ folder: string; source: ReleaseSource }>,
  ) {
    this.mounts = new Map();
    for (const { folder, source } of mounts) {
      if (folder === "" || folder.includes("/"))
        throw new ArchiveError(`invalid mount folder ${JSON.stringify(folder)}`);
      this.mounts.set(folder, source);
    }
  }

  /** Folders served, sorted, with how each is read ("tree" or "zip"). */
  folders(): string[] {
    return [...this.mounts.keys()].sort();
  }

  /** The source serving `folder`. */
  sourceOf(folder: string): ReleaseSource | undefined {
    return this.mounts.get(folder);
  }

  private route(path: string): { src: ReleaseSource | undefined; p: string } {
    const p = normalizeSourcePath(path, this.dataDir);
    const slash = p.indexOf("/");
    return { src: this.mounts.get(slash < 0 ? p : p.slice(0, slash)), p };
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const { src, p } = this.route(dir);
    if (p === "")
      return this.folders()
        .map((name) => ({ name, isDir: true }))
        .sort(byName);
    return src === undefined ? [] : src.listDir(p);
  }

  async exists(path: string): Promise<boolean> {
    const { src, p } = this.route(path);
    if (p === "") return true;
    return src === undefined ? false : src.exists(p);
  }

  async readFile(path: string): Promise<Uint8Array> {
    const { src, p } = this.route(path);
    if (src === undefined || p === "") throw new ArchiveError(`${this.describe(path)}: no such file`);
    return src.readFile(p);
  }

  describe(path: string): string {
    try {
      const { src, p } = this.route(path);
      if (src !== undefined) return src.describe(p);
    } catch {
      // fall through
    }
    return `${this.dataDir}/${path}`;
  }

  origin(path: string): string {
    try {
      const { src, p } = this.route(path);
      if (src !== undefined) return src.origin(p);
    } catch {
      // fall through
    }
    return this.dataDir;
  }

  private distinct(): ReleaseSource[] {
    return [...new Set(this.mounts.values())];
  }

  bytesRead(): number {
    return this.distinct().reduce((n, s) => n + s.bytesRead(), 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.distinct().map((s) => s.close()));
  }
}
