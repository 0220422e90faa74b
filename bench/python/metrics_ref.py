#!/usr/bin/env python3
"""Reference timings for bench/suites/metrics.ts: the numpy restatement of
deepSTRF's metrics (test/fixtures/metrics/deepstrf_ref.py) on the same data.

Usage: python3 metrics_ref.py INPUT_DIR
INPUT_DIR holds what the suite wrote:
  index.json  {"neurons", "stims", "dtMs", "pairs": [[n, s, R, T, respOffset, predOffset], ...],
               "batch": {"B", "N", "R", "T"}}
  resp.f32, pred.f32, psth.f32      the ragged blocks, predictions and PSTHs (float32, LE)
  batch_resp.f32, batch_pred.f32    the batch-form scenario
Prints one JSON object: {"ms": {routine: best-of-reps CPU ms}, "values": {routine: per-neuron values}}.
Each routine calls the restatement the way deepSTRF is called: quality through
compute_neuron_quality on the ragged lists, the scores per neuron on that
neuron's pairs as the batch (B = its stims, N = 1), coherence per pair.
Batch building (padding) happens before the timers. Single-threaded BLAS is
expected (OPENBLAS_NUM_THREADS=1).
"""
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fixtures", "metrics"))
import deepstrf_ref as ref  # noqa: E402


def timeit(fn, reps):
    """Best-of-reps process CPU time in ms (no warm-up: these run for seconds)."""
    best = float("inf")
    out = None
    for _ in range(reps):
        t0 = time.process_time()
        out = fn()
        best = min(best, (time.process_time() - t0) * 1000)
    return best, out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: metrics_ref.py INPUT_DIR")
    d = sys.argv[1]
    idx = json.load(open(os.path.join(d, "index.json")))
    resp = np.fromfile(os.path.join(d, "resp.f32"), dtype="<f4").astype(np.float64)
    pred = np.fromfile(os.path.join(d, "pred.f32"), dtype="<f4").astype(np.float64)
    psth = np.fromfile(os.path.join(d, "psth.f32"), dtype="<f4").astype(np.float64)
    N, S, dt = idx["neurons"], idx["stims"], idx["dtMs"]
    reps = int(os.environ.get("METRICS_BENCH_PY_REPS", "1"))

    ragged = [[np.full((1, 1), np.nan) for _ in range(N)] for _ in range(S)]
    per = [[] for _ in range(N)]  # (s, block, pred, psth)
    for n, s, R, T, ro, po in idx["pairs"]:
        blk = resp[ro: ro + R * T].reshape(R, T)
        ragged[s][n] = blk
        per[n].append((s, blk, pred[po: po + T], psth[po: po + T]))
    batches = []
    for n in range(N):
        items = sorted(per[n], key=lambda x: x[0])
        Rn = max(b.shape[0] for _, b, _, _ in items)
        Tn = max(b.shape[1] for _, b, _, _ in items)
        r = np.full((len(items), 1, Rn, Tn), np.nan)
        p = np.zeros((len(items), 1, 1, Tn))
        for k, (_, b, pv, _) in enumerate(items):
            r[k, 0, : b.shape[0], : b.shape[1]] = b
            p[k, 0, 0, : b.shape[1]] = pv
        batches.append((p, r))

    ms = {}
    values = {}

    def run(name, fn):
        t, out = timeit(fn, reps)
        ms[name] = t
        values[name] = [None if not np.isfinite(v) else float(v) for v in np.asarray(out, dtype=np.float64).ravel()]

    run("quality (ragged)", lambda: ref.compute_neuron_quality(ragged, N)["ccmax"])
    run("snr (ragged)", lambda: np.array([ref.snr(r, reduction="none")[0] for _, r in batches]))
    run("corrcoef (ragged)", lambda: np.array([ref.corrcoef(p, r, reduction="none")[0] for p, r in batches]))

    def four():
        out = []
        for p, r in batches:
            out.append(ref.corrcoef(p, r, reduction="none")[0] + ref.fve(p, r, reduction="none")[0]
                       + ref.mse_loss(p, r, reduction="none")[0] + ref.poisson_loss(p, r, reduction="none")[0])
        return np.array(out)

    run("corrcoef+fve+mse+poisson (ragged)", four)
    run("ccnorm schoppe (ragged)",
        lambda: np.array([ref.normalized_corrcoef(p, r, "schoppe", reduction="none")[0] for p, r in batches]))
    run("ccnorm hsu (ragged)",
        lambda: np.array([ref.normalized_corrcoef(p, r, "hsu", reduction="none")[0] for p, r in batches]))

    def coh():
        out = []
        for n in range(N):
            vals = [ref.coherence_values(pv, gv, dt) for _, _, pv, gv in per[n]]
            out.append(np.concatenate(vals).mean())
        return np.array(out)

    run("coherence (ragged)", coh)

    b = idx["batch"]
    shape = (b["B"], b["N"], b["R"], b["T"])
    br = np.fromfile(os.path.join(d, "batch_resp.f32"), dtype="<f4").astype(np.float64).reshape(shape)
    bp = np.fromfile(os.path.join(d, "batch_pred.f32"), dtype="<f4").astype(np.float64).reshape(
        (b["B"], b["N"], 1, b["T"]))
    run("quality (batch)", lambda: ref.ccmax(br, reduction="none") + ref.snr(br, reduction="none"))
    run("corrcoef (batch)", lambda: ref.corrcoef(bp, br, reduction="none"))
    json.dump({"ms": ms, "values": values}, sys.stdout)


if __name__ == "__main__":
    main()
