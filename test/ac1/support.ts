// Shared helpers of the release-walker tests: an in-memory ReleaseSource built
// from MAT values (for one-rule tests), and walking a source to completion
// while collecting warnings and skipped files, then making every stim's
// waveform from the walk's reference (loadStimWaveform).

import type { CellRecord, Site, WalkWarning } from "../../src/ac1/index.js";
import { loadStimWaveform, StimFileStore, walkAsari, walkWehr } from "../../src/ac1/index.js";
import { ArchiveError, type DirEntry, type ReleaseSource } from "../../src/archive/index.js";
import { type MatValue, writeMat } from "../../src/mat/index.js";

/** A ReleaseSource over a path -> bytes map; folders are implied by the paths. */
export class MemSource implements ReleaseSource {
  private readonly files = new Map<string, Uint8Array>();
  private read = 0;

  addBytes(path: string, bytes: Uint8Array): this {
    this.files.set(path, bytes);
    return this;
  }

  addMat(path: string, vars: Record<string, MatValue>): this {
    return this.addBytes(
      path,
      writeMat(
        Object.entries(vars).map(([name, value]) => ({ name, value })),
        { compress: true },
      ),
    );
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const prefix = dir === "" ? "" : `${dir}/`;
    const out = new Map<string, boolean>();
    for (const p of this.files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0) out.set(rest, false);
      else out.set(rest.slice(0, slash), true);
    }
    return [...out]
      .map(([name, isDir]) => ({ name, isDir }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async exists(path: string): Promise<boolean> {
    if (this.files.has(path)) return true;
    for (const p of this.files.keys()) if (p.startsWith(`${path}/`)) return true;
    return false;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const b = this.files.get(path);
    if (!b) throw new ArchiveError(`${path}: no such file`);
    this.read += b.length;
    return b;
  }

  describe(path: string): string {
    return `mem:${path}`;
  }

  origin(_path: string): string {
    return "mem:";
  }

  bytesRead(): number {
    return this.read;
  }

  async close(): Promise<void> {}
}

export interface WalkResult {
  cells: CellRecord[];
  /** Each cell's stims' waveforms, made from their references after the walk. */
  waveforms: Float64Array[][];
  warnings: WalkWarning[];
  skipped: { path: string; reason: string }[];
}

export async function walkAll(
  source: ReleaseSource,
  which: "wehr" | "asari",
  sites: Site[] = ["A1", "MGB"],
): Promise<WalkResult> {
  const r: WalkResult = { cells: [], waveforms: [], warnings: [], skipped: [] };
  const opts = {
    onWarning: (w: WalkWarning) => r.warnings.push(w),
    onSkippedFile: (path: string, reason: string) => r.skipped.push({ path, reason }),
  };
  const gen = which === "wehr" ? walkWehr(source, opts) : walkAsari(source, { ...opts, sites });
  for await (const cell of gen) r.cells.push(cell);
  // A store of its own: the samples are made again from the files, not taken from the walk.
  const store = new StimFileStore(source);
  for (const cell of r.cells) {
    const waves: Float64Array[] = [];
    for (const st of cell.stims) waves.push(await loadStimWaveform(store, st.waveform));
    r.waveforms.push(waves);
  }
  return r;
}
