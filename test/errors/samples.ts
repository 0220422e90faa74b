// One error of every class, with distinctive fields and a cause, made the
// same way on any thread (not a test file): the worker-boundary tests throw
// them inside a worker and compare what comes back with these.

import {
  Ac1Error,
  type Ac1ErrorClasses,
  ArchiveError,
  CacheError,
  DatasetInvariantError,
  DownloadError,
  ExportError,
  MatError,
  OptionError,
  PredictionError,
  UsageError,
  ViewerOpenError,
  WorkerError,
} from "../../src/errors.js";

/** A Node-style system error, as the cause of a wrapped failure. */
function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
    code: "ENOENT",
    errno: -2,
    syscall: "open",
    path,
  });
}

/** One sample per class; the Record type makes a new class in Ac1ErrorClasses need a sample here. */
export const ERROR_SAMPLES: { readonly [K in keyof Ac1ErrorClasses]: () => Ac1ErrorClasses[K] } = {
  Ac1Error: () => new Ac1Error("INDEX", "stim index 9 out of range (dataset has 4 stims)"),
  ArchiveError: () =>
    new ArchiveError("crcns-ac1.zip: cannot read entry wehr/x.mat", { cause: enoent("/data/crcns-ac1.zip") }),
  CacheError: () => new CacheError('no cache entry starts with "abc"'),
  DatasetInvariantError: () => new DatasetInvariantError("no neuron (N = 0)"),
  DownloadError: () => new DownloadError("DOWNLOAD_AUTH", "CRCNS rejected the login for alice"),
  ExportError: () => new ExportError("out.npz: stim_0.npy: bad magic at byte 3"),
  MatError: () =>
    new MatError("crcns-ac1.zip!wehr/cell.mat", 4242, "tag says 80 bytes, 12 left", {
      cause: new RangeError("offset out of bounds"),
    }),
  OptionError: () => new OptionError("gating.stepMv", -3, "a finite number > 0"),
  PredictionError: () =>
    new PredictionError("pred.npz", "pred_3_12", "shape (1, 99), expected (400,) or (1, 400)"),
  UsageError: () => new UsageError("ac1 build: --out FILE.npz is required"),
  ViewerOpenError: () => new ViewerOpenError("x.npz: no such file", enoent("x.npz")),
  WorkerError: () => new WorkerError("dataset build: worker thread 1 exited unexpectedly with code 7"),
};

export type ErrorSampleName = keyof typeof ERROR_SAMPLES;
