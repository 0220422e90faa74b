#!/usr/bin/env python3
"""Reference timing for the neuron quality of a whole export (bench/suites/metrics.ts).

Usage: python3 quality_ref.py EXPORT.npz [REPS]
Loads the ac1 export with numpy alone (np.load, the manifest's JSON, every
resp_<s>_<n>), lays the responses out as deepSTRF's NeuralDataset holds them
(responses[s][n]: (R, T) or the (1, 1) NaN sentinel) and runs
compute_neuron_quality of the float64 restatement
(test/fixtures/metrics/deepstrf_ref.py) on them, as deepSTRF is called.
Prints one JSON object: {"load_ms", "ms" (best-of-REPS process CPU time of
compute_neuron_quality), "neurons", "pairs", "values": {"snr", "ccmax",
"signal_power", "noise_power"} (null for NaN)}. Single-threaded BLAS is
expected (OPENBLAS_NUM_THREADS=1).
"""
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fixtures", "metrics"))
import deepstrf_ref as ref  # noqa: E402


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: quality_ref.py EXPORT.npz [REPS]")
    reps = int(sys.argv[2]) if len(sys.argv) == 3 else 1
    t0 = time.process_time()
    z = np.load(sys.argv[1])
    m = json.loads(str(z["manifest"]))
    S, N = len(m["stims"]), len(m["neurons"])
    sentinel = np.full((1, 1), np.nan)
    responses = [[sentinel] * N for _ in range(S)]
    pairs = 0
    for key in z.files:
        if key.startswith("resp_"):
            _, s, n = key.split("_")
            responses[int(s)][int(n)] = z[key].astype(np.float64)
            pairs += 1
    load_ms = (time.process_time() - t0) * 1000
    best = math.inf
    q = None
    for _ in range(reps):
        t0 = time.process_time()
        q = ref.compute_neuron_quality(responses, N)
        best = min(best, (time.process_time() - t0) * 1000)
    values = {k: [None if not math.isfinite(v) else float(v) for v in q[k]] for k in q}
    json.dump({"load_ms": load_ms, "ms": best, "neurons": N, "pairs": pairs, "values": values}, sys.stdout)


if __name__ == "__main__":
    main()
