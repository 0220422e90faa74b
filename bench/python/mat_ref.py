#!/usr/bin/env python3
"""Reference timing for bench/suites/mat.ts: scipy.io.loadmat on the same files.

Usage: mat_ref.py REPS FILE.mat [FILE.mat ...]
Prints JSON {"scipy": version, "files": {path: {"median_s", "min_s", "cpu_median_s"}}}:
wall and process CPU time of loadmat(path) (default options), one warm-up run
then REPS runs.
"""
import json
import sys
import time

import scipy
import scipy.io as sio


def main():
    reps = int(sys.argv[1])
    out = {}
    for path in sys.argv[2:]:
        sio.loadmat(path)
        times = []
        cpu = []
        for _ in range(reps):
            t0 = time.perf_counter()
            c0 = time.process_time()
            sio.loadmat(path)
            cpu.append(time.process_time() - c0)
            times.append(time.perf_counter() - t0)
        times.sort()
        cpu.sort()
        out[path] = {"median_s": times[len(times) // 2], "min_s": times[0], "cpu_median_s": cpu[len(cpu) // 2]}
    json.dump({"scipy": scipy.__version__, "files": out}, sys.stdout)


if __name__ == "__main__":
    main()
