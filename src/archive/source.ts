// The one interface the release walkers read through: a read-only tree of
// files addressed by '/'-separated paths relative to the data folder, e.g.
// "crcns-ac1/wehr/Results/20020624-mw-001/20020624-mw-001-001.mat" or
// "crcns-ac1-asari-results-1/asari-results-1/20050101-ha1-001/x.mat".
// Implementations: an unpacked directory tree, and the zips read in place.

export interface DirEntry {
  name: string;
  isDir: boolean;
  /**
   * A file's size in bytes (a zip member's uncompressed size) when the
   * listing knows it without further I/O; absent otherwise (an unpacked
   * tree's listing does not stat). Only a hint, for scheduling: nothing
   * read is bounded by it.
   */
  bytes?: number;
}

export interface ReleaseSource {
  /** Entries directly inside `dir` ("" is the root), sorted by name (code-unit order); [] when absent. */
  listDir(dir: string): Promise<DirEntry[]>;
  /** Whether a file or folder exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Reads one file fully into memory. Throws an ArchiveError naming the path when absent or unreadable. */
  readFile(path: string): Promise<Uint8Array>;
  /** Where `path` really lives, for messages (e.g. "/data/crcns-ac1.zip!wehr/Summary.mat"). */
  describe(path: string): string;
  /**
   * The zip or folder `path` is read from (e.g. "/data/crcns-ac1.zip"), for
   * messages that already name the release path and need only say where it lives.
   */
  origin(path: string): string;
  /** Total bytes read so far (compressed bytes for zips), for throughput reports. */
  bytesRead(): number;
  /** Releases open file handles. */
  close(): Promise<void>;
}
