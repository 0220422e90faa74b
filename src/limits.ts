// The memory policy, in one place: every bound on what a file read by ac1 may
// make it allocate. Each bound is a small multiple of what a legitimate input
// needs, never a size or count read off the file, and every reader checks it
// from the sizes a file declares BEFORE inflating or allocating (and while
// streaming where a size is only known after decoding). The readers import
// their bound from here; README.md ("Limits") states them for users.
//
// The anchor is the largest legitimate file of the CRCNS-AC1 release: its
// .mat files are a few MB to a few tens of MB, and already compressed inside
// (miCOMPRESSED), so a release zip member inflates to about its stored size.
// LARGEST_RELEASE_FILE_BYTES (64 MiB) is above any of them; the bounds below
// are multiples of it.

const MiB = 1024 * 1024;

/** Above the largest .mat file of the release (a few MB to a few tens of MB). */
export const LARGEST_RELEASE_FILE_BYTES = 64 * MiB;

/**
 * Largest release .mat read into memory (a zip member's declared size, or a
 * file's size in an unpacked tree): 4x the largest legitimate one. A larger
 * member is skipped with a warning, before any of it is inflated.
 */
export const MAX_RELEASE_FILE_BYTES = 4 * LARGEST_RELEASE_FILE_BYTES;

/** Largest MAT file `ac1 mat` (openMatFile) reads into memory; the same bound as a release file. */
export const MAX_MAT_FILE_BYTES = MAX_RELEASE_FILE_BYTES;

/**
 * Largest inflated miCOMPRESSED element (one variable, inflated whole before
 * it is decoded), checked against the size its inner tag declares before
 * inflating. Release variables hold recorded traces that compress little
 * (ratio 1-3), so 4x the largest file is ample.
 */
export const MAX_MAT_VARIABLE_BYTES = 4 * LARGEST_RELEASE_FILE_BYTES;

/**
 * Most bytes the values decoded from one MAT file may take, all variables
 * together (each counted once however often it is read): typed arrays at
 * their class's size plus MAT_VALUE_OVERHEAD_BYTES per value. 8x the largest
 * file: int16 traces of class double grow 4x when decoded, and the data are
 * compressed about 2x inside the file. Charged before each allocation.
 */
export const MAX_MAT_DECODED_BYTES = 8 * LARGEST_RELEASE_FILE_BYTES;

/**
 * Most variables one MAT file may hold (counted while listing them, before
 * the next is listed): a MATLAB workspace holds tens; each listed variable
 * costs ~1 KB, and 48 bytes of file make one.
 */
export const MAX_MAT_VARIABLES = 1 << 16;

/**
 * What one decoded MAT value (a cell's element, a struct element's field, an
 * empty array) is charged against MAX_MAT_DECODED_BYTES besides its data:
 * ~430 bytes measured for an empty double (the value object, its dims, a
 * typed array and its buffer), charged 1 KiB so that a file of nothing but
 * values (millions of empty cells from a few hundred KB) stops at ~0.5 M
 * values, ~250 MB. A release file holds thousands.
 */
export const MAT_VALUE_OVERHEAD_BYTES = 1024;

/**
 * Largest .npz member read into memory (the export's arrays, a prediction
 * file's arrays), from its declared size before it is read or inflated. The
 * largest legitimate member of an export is a waveform stim: a minute at
 * 96 kHz in float32 is 23 MB.
 */
export const MAX_NPZ_MEMBER_BYTES = 4 * LARGEST_RELEASE_FILE_BYTES;

/**
 * Most members an .npz may have (its zip directory is refused beyond, before
 * any member is looked at). Each member costs ~650 bytes of heap and a read of
 * its header when the file is opened. An export has 1 + stims + 10 + one to
 * three members per (stim, neuron) pair: the release gives ~10^4 pairs, so
 * 2^18 leaves ample room.
 */
export const MAX_NPZ_MEMBERS = 1 << 18;

/**
 * Reads that load a whole .npz (readDatasetNpz, the build cache, a scoring
 * run) accept at most this many declared uncompressed bytes per byte of file,
 * or MAX_NPZ_MEMBER_BYTES in all, whichever is larger. Exports compress about
 * 2:1 (float32 data); a prediction file of zeros may compress 1000:1 but is
 * then small enough for the floor.
 */
export const MAX_NPZ_LOAD_RATIO = 32;

/** The most declared uncompressed bytes a whole load of an .npz of `fileBytes` bytes may read. */
export function npzLoadByteCap(fileBytes: number): number {
  return Math.max(MAX_NPZ_MEMBER_BYTES, MAX_NPZ_LOAD_RATIO * fileBytes);
}

/**
 * The export manifest (a 0-d unicode array, 4 bytes per code point) may hold
 * at most MANIFEST_BASE_CODE_POINTS plus MANIFEST_CODE_POINTS_PER_MEMBER for
 * every member of the .npz, and never more than MAX_MANIFEST_BYTES: its size
 * follows the stims, neurons and pairs, each of which has a member. A bench
 * build's manifest takes ~130 code points per member; the base leaves room
 * for options and thousands of skipped-file reasons.
 */
export const MANIFEST_BASE_CODE_POINTS = 1024 * 1024;
export const MANIFEST_CODE_POINTS_PER_MEMBER = 4096;
export const MAX_MANIFEST_BYTES = 4 * LARGEST_RELEASE_FILE_BYTES;

/** Largest manifest member, bytes (UTF-32), for an .npz of `members` members. */
export function manifestByteCap(members: number): number {
  return Math.min(
    MAX_MANIFEST_BYTES,
    4 * (MANIFEST_BASE_CODE_POINTS + MANIFEST_CODE_POINTS_PER_MEMBER * Math.max(0, members)),
  );
}

/**
 * The repeats one Asari recording's triggers cut from its trace may hold at
 * most this many times the trace's samples. Triggers follow one another, so
 * legitimate windows barely overlap; without the bound, a file of a few KB
 * (a trace of zeros, a thousand triggers each spanning all of it) would
 * allocate a thousand copies of the trace. A trigger beyond it is skipped
 * with a warning.
 */
export const MAX_REPEAT_SAMPLES_PER_TRACE_SAMPLE = 2;

/**
 * Highest response sample rate a recording may declare (`response.sf`), Hz:
 * 1 MHz, 100 times the release's highest (Wehr 4 kHz, Asari 10 kHz). The
 * filters' windows are set in ms, so their lengths in samples grow with the
 * rate read off the file while the trace does not: 1e9 Hz would ask for a
 * 10^8-sample median window over a trace of 10^5. A recording above it is
 * skipped with a warning, like any malformed file.
 */
export const MAX_RESPONSE_SF_HZ = 1_000_000;

/**
 * Highest stimulus sample rate a stimulus file may declare (`param.sf`), Hz:
 * 1 MHz, 10 times the release's highest (Asari 97656 Hz). The spectrogram's
 * window and the resampling kernel grow with it; below it a rate too high
 * for the options' memory bounds is the options' doing (an error naming
 * --window-ms or --audio-fs), above it the file's (skipped with a warning).
 */
export const MAX_STIM_SF_HZ = 1_000_000;

/**
 * Longest stimulus spliced from Asari segments, samples: 2^24 (172 s at
 * 97,656 Hz, 128 MiB as float64). A release sequence is a few segments of
 * seconds; a description repeating a position a million times would
 * otherwise splice a million copies. A trigger beyond it is skipped with a
 * warning.
 */
export const MAX_SPLICED_STIM_SAMPLES = 1 << 24;

/**
 * Most samples one stimulus file may hold (`stimulus.samples`, or an Asari
 * segment's `sample`), counted from its dimensions before any of it is
 * converted: the same 2^24 as a spliced stimulus (380 s at 44.1 kHz; the
 * release's stims last seconds). A sparse array of 2^31 rows is a few
 * bytes of file, and a uint8 array of 2^28 zeros a few hundred KB, but
 * densified or converted to float64 they take 16 GiB or 2 GiB, and their
 * spectrogram runs for minutes. A file beyond it is skipped with a warning.
 */
export const MAX_STIM_FILE_SAMPLES = MAX_SPLICED_STIM_SAMPLES;

/**
 * Largest magnitude of a stimulus sample: 1e30. Audio is stored as
 * fractions of full scale or int16 counts (at most 32768); a stim beyond it
 * (1e308 is finite) would overflow the float32 stims of waveform mode
 * (3.4e38) and, summed over a window, the spectrogram's float64 power, and
 * fill the export with infinities or NaN. A file beyond it is skipped with
 * a warning.
 */
export const MAX_STIM_ABS_SAMPLE = 1e30;

/**
 * Most samples a recording's `response.trace` may hold, counted from its
 * dimensions before it is converted: 2^25 (256 MiB as float64, what one
 * variable may inflate to, MAX_MAT_VARIABLE_BYTES), above the release's
 * longest trace (int16 in files of a few tens of MB). Beyond it (a sparse
 * trace of 2^31 rows, a logical one of 2^28 values: a few hundred KB of
 * file), a repeat cut from it would take gigabytes. A recording beyond it is
 * skipped with a warning.
 */
export const MAX_TRACE_SAMPLES = MAX_MAT_VARIABLE_BYTES / 8;

/**
 * Most (stim, neuron) slots a loaded export allocates (its stims x neurons
 * response table): 16 M, far above the release's ~10^3 stims x ~10^2 neurons.
 */
export const MAX_RESPONSE_GRID = 1 << 24;

/**
 * Largest intermediate cache entry read back (src/store/intermediates.ts),
 * checked against the file's size before it is read: the largest legitimate
 * one is a stim's tensor (a minute of waveform at 96 kHz in float32 is 23 MB)
 * or one session's binned products (a few MB).
 */
export const MAX_INTERMEDIATE_ENTRY_BYTES = 4 * LARGEST_RELEASE_FILE_BYTES;
