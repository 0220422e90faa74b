// Writes the synthetic CRCNS-AC1 release: the three zips with the real layout
// (crcns-ac1.zip holding wehr/ and asari/Stimuli, crcns-ac1-asari-results-N.zip
// holding asari-results-N/<session>/) and synth-manifest.json beside them.
// Every .mat is written with the project's writeMat, compressed, as MATLAB
// R14 would (int16 traces with a scale, structs, struct arrays, char).
// Deterministic for a seed: file contents come from per-file PRNG streams and
// zip entries carry a fixed DOS timestamp, so the bytes are identical across
// runs and machines. Files are generated lazily as yazl reaches them, so only
// one file is in memory at a time. This module owns the output folder and the
// zips; the file contents come from files-wehr.ts and files-asari.ts.

import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { partialDirOf, RELEASE_LAYOUT } from "../../archive/index.js";
import { Ac1Error } from "../../errors.js";
import { trackTemp, untrackTemp } from "../../temp-files.js";
import { SynthFiles } from "./files.js";
import { asariRecordingFile, asariSegmentFile, expectAsariCell } from "./files-asari.js";
import { expectWehrCell, wehrStimFile, wehrSummaryFile, wehrTrialFile } from "./files-wehr.js";
import { MAX_SYNTH_SIZE, SYNTH_GENERATOR, type SynthManifest, type SynthScale } from "./manifest.js";
import { planSynth } from "./plan.js";
import type { SynthPlan, WehrStimFile } from "./plan-model.js";

export interface SynthProgress {
  /** Zip being written. */
  zip: string;
  filesDone: number;
  filesTotal: number;
}

export interface SynthOptions {
  scale: SynthScale;
  seed: number;
  /** Multiple of the scale's extra cells, 1..MAX_SYNTH_SIZE (default 1). */
  size?: number;
  onProgress?: (p: SynthProgress) => void;
}

export const MANIFEST_FILE = "synth-manifest.json";
/** Marks a folder as written by the generator (so it may overwrite the release files in it). */
export const OWNER_MARKER = ".ac1-synth";

/** Fixed entry time (local-time fields, DOS format only) so zip bytes do not depend on the clock or time zone. */
const ZIP_MTIME = new Date(2009, 1, 20, 15, 26, 58);

interface ZipEntryPlan {
  /** Path inside the zip. */
  name: string;
  make: () => Uint8Array;
}

interface ZipPlan {
  zip: string;
  /** Release-relative folder the zip unpacks into (prefix of release paths). */
  mount: string;
  entries: ZipEntryPlan[];
}

/** Writes the three zips and the manifest into outDir; resolves to the manifest. */
export async function writeSynthArchive(outDir: string, opts: SynthOptions): Promise<SynthManifest> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in 0..4294967295, got ${opts.seed}`);
  }
  const size = opts.size ?? 1;
  if (!Number.isInteger(size) || size < 1 || size > MAX_SYNTH_SIZE) {
    throw new RangeError(`size must be an integer in 1..${MAX_SYNTH_SIZE}, got ${size}`);
  }
  const plan = planSynth(opts.scale, opts.seed, size);
  const manifest: SynthManifest = {
    format: "ac1-synth-manifest",
    version: 1,
    generator: SYNTH_GENERATOR,
    seed: opts.seed,
    scale: opts.scale,
    size,
    zips: [],
    cells: [],
    notYielded: [],
    warnings: [],
    skippedFiles: [],
    corners: plan.corners,
  };
  const zips = zipPlans(plan, new SynthFiles(plan.seed, manifest));
  await claimOutDir(outDir);
  const filesTotal = zips.reduce((n, z) => n + z.entries.length, 0);
  let filesDone = 0;
  for (const z of zips) {
    const files = await writeZip(join(outDir, z.zip), z.entries, () => {
      filesDone++;
      opts.onProgress?.({ zip: z.zip, filesDone, filesTotal });
    });
    manifest.zips.push({ name: z.zip, bytes: (await stat(join(outDir, z.zip))).size, files });
  }
  // the manifest marks a complete archive: written whole under a temp name, then renamed
  const manifestPath = join(outDir, MANIFEST_FILE);
  const manifestTemp = `${manifestPath}.partial`;
  trackTemp(manifestTemp);
  try {
    await writeFile(manifestTemp, `${JSON.stringify(manifest, null, 1)}\n`);
    await rename(manifestTemp, manifestPath);
  } finally {
    untrackTemp(manifestTemp);
  }
  return manifest;
}

/**
 * Makes outDir ours to write: refuses a folder holding release zips or
 * unpacked trees that the generator did not write (e.g. the real data);
 * in our own folder, removes the manifest (it marks completion) and the
 * trees unpacked from the previous zips, which would otherwise look current.
 */
async function claimOutDir(outDir: string): Promise<void> {
  const marker = join(outDir, OWNER_MARKER);
  if (!existsSync(marker)) {
    const found = RELEASE_LAYOUT.flatMap((l) => [l.zip, l.folder]).filter((f) => existsSync(join(outDir, f)));
    if (found.length > 0) {
      throw new Ac1Error(
        "SYNTH_OUT",
        `${outDir}: already holds ${found.join(", ")} not written by ac1 synth; refusing to overwrite (choose another output folder)`,
      );
    }
    await mkdir(outDir, { recursive: true });
    await writeFile(marker, "This folder holds a synthetic CRCNS-AC1 release written by ac1 synth.\n");
    return;
  }
  await rm(join(outDir, MANIFEST_FILE), { force: true });
  for (const l of RELEASE_LAYOUT) {
    await rm(join(outDir, l.folder), { recursive: true, force: true });
    await rm(partialDirOf(outDir, l), { recursive: true, force: true });
  }
}

/** Writes one zip atomically (temporary name, then rename); returns the number of file entries. */
async function writeZip(path: string, entries: ZipEntryPlan[], onFile: () => void): Promise<number> {
  const zip = new yazl.ZipFile();
  const dirs = new Set<string>();
  for (const e of entries) {
    const parts = e.name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of [...dirs].sort()) zip.addEmptyDirectory(d, { mtime: ZIP_MTIME, forceDosTimestamp: true });
  for (const e of entries) {
    zip.addReadStreamLazy(e.name, { mtime: ZIP_MTIME, forceDosTimestamp: true, compress: true }, (cb) => {
      let bytes: Uint8Array;
      try {
        bytes = e.make();
      } catch (err) {
        cb(err as Error, undefined as unknown as NodeJS.ReadableStream);
        return;
      }
      onFile();
      cb(null, Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
    });
  }
  zip.end();
  const partial = `${path}.partial`;
  trackTemp(partial); // an interrupted process removes it at once
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    untrackTemp(partial);
  }
  return entries.length;
}

/**
 * The three zips' entries, each made lazily from the plan. The manifest's
 * expected cells and warnings are registered here, in walking order: the
 * Wehr stimulus index's warnings, then each Wehr session, then each Asari
 * session; expected repeats are added as the files are made.
 */
function zipPlans(plan: SynthPlan, files: SynthFiles): ZipPlan[] {
  const main: ZipPlan = { zip: "crcns-ac1.zip", mount: "crcns-ac1/", entries: [] };
  const r1: ZipPlan = {
    zip: "crcns-ac1-asari-results-1.zip",
    mount: "crcns-ac1-asari-results-1/",
    entries: [],
  };
  const r2: ZipPlan = {
    zip: "crcns-ac1-asari-results-2.zip",
    mount: "crcns-ac1-asari-results-2/",
    entries: [],
  };
  const add = (z: ZipPlan, releasePath: string, make: () => Uint8Array) => {
    if (!releasePath.startsWith(z.mount)) throw new Error(`synth: ${releasePath} is not under ${z.mount}`);
    z.entries.push({ name: releasePath.slice(z.mount.length), make });
  };

  add(main, "crcns-ac1/wehr/Summary.mat", () => wehrSummaryFile(plan.wehrSessions));
  for (const f of plan.wehrOtherFolders) {
    add(main, `crcns-ac1/wehr/Results/${f}/readme.txt`, () =>
      new TextEncoder().encode("Notes kept beside the sessions; not a session folder.\n"),
    );
  }
  for (const s of plan.wehrStims) add(main, s.path, () => wehrStimFile(s));
  for (const g of plan.asariSegments) add(main, g.path, () => asariSegmentFile(g));

  // Expected warnings of the stimulus index come first in the Wehr walk.
  const seen = new Map<string, WehrStimFile>();
  for (const folder of ["fragments", "category1", "category2", "category3"]) {
    // the files whose stem the reference's int() reads, in sorted name order
    const stims = plan.wehrStims.filter((s) => s.folder === folder && s.idx !== null);
    stims.sort((a, b) => (`${a.stem}.mat` < `${b.stem}.mat` ? -1 : 1));
    for (const s of stims) {
      if (seen.has(s.description))
        files.manifest.warnings.push({ code: "duplicate-description", path: s.path });
      else seen.set(s.description, s);
    }
  }
  for (const session of plan.wehrSessions) {
    const cell = expectWehrCell(files, session, seen);
    for (const t of session.trials) add(main, t.file, () => wehrTrialFile(files, session, t, cell));
  }
  for (const session of plan.asariSessions) {
    const cell = expectAsariCell(files, session);
    const z = session.root.startsWith("crcns-ac1-asari-results-1/") ? r1 : r2;
    for (const r of session.recordings) add(z, r.file, () => asariRecordingFile(files, session, r, cell));
  }
  return [main, r1, r2];
}
