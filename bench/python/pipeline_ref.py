#!/usr/bin/env python3
"""A straightforward numpy/scipy implementation of the AC1 pipeline
(../shared/spec/pipeline.md and archive.md), used by `npm run bench` as the
reference to time the TypeScript build against, and to cross-check its
numbers. It reads the three zips in place with zipfile + scipy.io.loadmat,
like the deepSTRF reference loader would after extraction.

usage: pipeline_ref.py DATA_DIR [--npz OUT.npz] [--dt-ms 5] [--fmin F] [--fmax F]
                       [--bins-per-octave B] [--waveform [--audio-fs 96000]] [--experimenter wehr,asari]
                       [--sites A1,MGB]
Prints a JSON summary (counts, tallies, shapes, metadata, every repeat's fate, timings) on stdout.
The walkers follow the deepSTRF reference loader's branches, corners included
(see the comment above walk_wehr); the spectrogram is the float64 definition
and waveform stims are torchaudio's resampling restated in float32.

This file is the command line; the restatement lives in three modules beside
it, imported as siblings: pipeline_walk.py (the zips, the MAT structs, the
walkers), pipeline_numerics.py (detrend, gating, PSTH, binning, ramp,
resampling, spectrogram) and pipeline_build.py (build(): the dataset
assembled; options()).
"""
import argparse
import json
import sys
import time

import numpy as np

from pipeline_build import build, options


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--dt-ms", type=float, default=5.0)
    ap.add_argument("--experimenter", default="wehr,asari")
    ap.add_argument("--sites", default="A1,MGB")
    ap.add_argument("--fmin", type=float, default=100.0)
    ap.add_argument("--fmax", type=float, default=45000.0)
    ap.add_argument("--bins-per-octave", type=int, default=6)
    ap.add_argument("--waveform", action="store_true", help="stims as the waveform resampled to --audio-fs")
    ap.add_argument("--audio-fs", type=int, default=96000)
    ap.add_argument("--npz", default=None, help="also write the dataset's arrays (stim_<s>, resp_<s>_<n>)")
    a = ap.parse_args()
    o = options(a.dt_ms, a.fmin, a.fmax, a.bins_per_octave, a.waveform, a.audio_fs,
                a.experimenter.split(","), a.sites.split(","))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    d = build(a.data_dir, o)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    if a.npz:
        arrays = {f"stim_{s}": x for s, x in enumerate(d["stims"])}
        arrays.update({f"resp_{s}_{n}": b for (s, n), b in d["responses"].items()})
        np.savez(a.npz, **arrays)
    import resource
    out = {
        "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "timers_s": d["timers"], "bytes_read": d["bytes_read"],
        "neurons": len(d["neurons"]), "stims": len(d["stims"]), "pairs": len(d["responses"]),
        "rejections": d["tally"], "dropped_cells_empty": d["dropped"], "skipped_files": [p for p, _ in d["skipped"]],
        "stim_shapes": [list(x.shape) for x in d["stims"]],
        "sessions": [m["session"] for m in d["neurons"]],
        "neuron_meta": d["neurons"], "stim_meta": d["stim_meta"],
        "provenance": d["provenance"],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
