#!/usr/bin/env python3
"""Reference timings for bench/suites/dsp.ts: the same routines in numpy/scipy.

Usage: python3 dsp_ref.py INPUT_DIR
INPUT_DIR holds little-endian float64 files written by the suite:
  trace.f64 (a 60 s Vm trace at 10 kHz), trace_counts.f64 (the same as int16
  counts times a scale), white.f64 (60 s of white noise), stim.f64 (10 s at 97656 Hz).
Prints one JSON object {routine: best-of-reps CPU milliseconds}. The spectrogram is the
BLAS product of the (2F x W) real kernel with the framed signal; resampling is
a dense torchaudio-like polyphase product (or torchaudio itself if present).
Run single-threaded BLAS for a one-core comparison (OPENBLAS_NUM_THREADS=1).
"""
import json
import math
import os
import sys
import time

import numpy as np
import scipy.ndimage as ndi


def timeit(fn, reps=5):
    """Best-of-reps process CPU time in ms after one warm-up (the machine is shared)."""
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        best = min(best, (time.process_time() - t0) * 1000)
    return best


def medfilt(x, k):
    return ndi.median_filter(x, k, mode="reflect")


def gauss(x, s):
    return ndi.gaussian_filter1d(x, s, mode="reflect", truncate=4.0)


def medgauss(x, sf, med_ms=100.0, gauss_ms=10.0):
    k = max(1, round(med_ms * sf / 1000))
    s = max(1e-3, gauss_ms * sf / 1000)
    return x - gauss(medfilt(x, k), s)


def gate(reps, sf, g=(150.0, 30.0, 0.005, 0.05)):
    abs_max, step_mv, max_frac, min_x = g
    det = [medgauss(r, sf) for r in reps]
    L = min(len(d) for d in det)
    R = len(det)
    st = np.stack([d[:L] for d in det])
    rs = []
    for i in range(R):
        ref = np.median(np.delete(st, i, axis=0), axis=0)
        a = st[i] - st[i].mean()
        b = ref - ref.mean()
        rs.append(np.sum(a * b) / (np.sqrt(np.sum(a * a)) * np.sqrt(np.sum(b * b)) + 1e-12))
    c = max(1, round(5 * sf / 1000))
    fates = []
    for i, x in enumerate(det):
        if len(x) == 0 or np.nanmax(np.abs(x)) > abs_max:
            fates.append("range")
            continue
        sm = medfilt(x, c) if (c > 1 and len(x) >= c) else x
        if np.mean(np.abs(sm - np.median(sm)) > step_mv) > max_frac:
            fates.append("step")
        elif rs[i] < min_x:
            fates.append("xcorr")
        else:
            fates.append("kept")
    return fates


def psth(x, sf):
    y = medgauss(x, sf)
    c = max(1, round(10 * sf / 1000))
    h = y - medfilt(y, c)
    spikes = (h > 2.5 * np.std(h)).astype(np.float64)
    return np.convolve(spikes, np.hanning(max(3, round(21 * sf / 1000))), mode="same")


def bin_response(x, sf, dt):
    block = max(1, round(dt * sf / 1000))
    n = x.size // block
    return x[: n * block].reshape(n, block).mean(axis=1)


def ramp(x, sf, ms=5.0):
    n = min(max(1, round(ms * sf / 1000)), x.size // 2)
    out = x.copy()
    if n > 0:
        g = np.sin(np.pi / 2 * np.arange(n) / n) ** 2
        out[:n] *= g
        out[-n:] *= g[::-1]
    return out


def splice(segments, sf):
    return np.concatenate([ramp(s, sf) for s in segments])


def spectrogram_setup(y, sf, dt=5.0, fmin=100.0, fmax=45000.0, bpo=6):
    hop = max(round(dt * sf / 1000), 1)
    W = max(round(2 * dt * sf / 1000), 4)
    T = math.ceil(y.size / hop)
    F = int(np.floor(np.log2(fmax / fmin) * bpo)) + 1
    freqs = fmin * 2.0 ** (np.arange(F) / bpo)
    w = np.hamming(W)
    ph = 2 * np.pi * np.outer(freqs, np.arange(W)) / sf
    kern = np.empty((2 * F, W))
    kern[0::2] = w * np.cos(ph)
    kern[1::2] = -w * np.sin(ph)
    return hop, W, T, kern


def spectrogram(y, hop, W, T, kern):
    pad = np.zeros((T - 1) * hop + W)
    left = W // 2
    take = min(y.size, pad.size - left)
    pad[left:left + take] = y[:take]
    frames = np.lib.stride_tricks.sliding_window_view(pad, W)[::hop][:T]
    X = kern @ frames.T  # (2F, T) BLAS dgemm
    mag = np.sqrt(X[0::2] ** 2 + X[1::2] ** 2)
    return (20 * np.log10(mag + 1e-12)).astype(np.float32)


def resample_kernel(orig, new):
    g = math.gcd(orig, new)
    o, n = orig // g, new // g
    base = min(o, n) * 0.99
    width = math.ceil(6 * o / base)
    idx = np.arange(-width, width + o)[None, :] / o
    t = (np.arange(0, -n, -1)[:, None] / n + idx) * base
    t = np.clip(t, -6, 6)
    window = np.cos(t * math.pi / 6 / 2) ** 2
    t = t * math.pi
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(t == 0, 1.0, np.sin(t) / t)
    return (k * window * base / o).astype(np.float32), o, n, width


def resample_dense(x, kern, o, n, width):
    x = x.astype(np.float32)
    padded = np.concatenate([np.zeros(width, np.float32), x, np.zeros(width + o, np.float32)])
    K = kern.shape[1]
    nb = (padded.size - K) // o + 1
    frames = np.lib.stride_tricks.sliding_window_view(padded, K)[::o][:nb]
    out = (frames @ kern.T).reshape(-1)
    return out[: int(np.ceil(np.float32(n * x.size / o)))]  # torchaudio: float32 quotient, then ceil


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dsp_ref.py INPUT_DIR (with trace.f64, trace_counts.f64, white.f64 and stim.f64; bench/suites/dsp.ts writes them)")
    d = sys.argv[1]
    trace = np.fromfile(os.path.join(d, "trace.f64"), dtype="<f8")
    stim = np.fromfile(os.path.join(d, "stim.f64"), dtype="<f8")
    sf = 10000.0
    res = {}
    res["median filter k=1000"] = timeit(lambda: medfilt(trace, 1000), reps=7)
    res["median filter k=100"] = timeit(lambda: medfilt(trace, 100), reps=7)
    res["median filter k=50"] = timeit(lambda: medfilt(trace, 50), reps=7)
    white = np.fromfile(os.path.join(d, "white.f64"), dtype="<f8")
    res["median filter k=1000, white noise"] = timeit(lambda: medfilt(white, 1000), reps=7)
    res["median filter k=100, white noise"] = timeit(lambda: medfilt(white, 100), reps=7)
    res["median filter k=50, white noise"] = timeit(lambda: medfilt(white, 50), reps=7)
    trace_counts = np.fromfile(os.path.join(d, "trace_counts.f64"), dtype="<f8")
    res["median filter k=1000, int16 x scale"] = timeit(lambda: medfilt(trace_counts, 1000), reps=7)
    res["gaussian sigma=100"] = timeit(lambda: gauss(trace, 100.0))
    res["medgauss"] = timeit(lambda: medgauss(trace, sf))
    reps = [trace[i * 100000:(i + 1) * 100000] for i in range(6)]
    res["gating 6 x 10 s"] = timeit(lambda: gate(reps, sf), reps=3)
    res["psth"] = timeit(lambda: psth(trace, sf))
    res["binning"] = timeit(lambda: bin_response(trace, sf, 5.0))
    res["np.median"] = timeit(lambda: np.median(trace))
    hop, W, T, kern = spectrogram_setup(stim, 97656.0)
    res["spectrogram"] = timeit(lambda: spectrogram(stim, hop, W, T, kern), reps=3)
    try:
        import torch
        import torchaudio

        wav = torch.as_tensor(stim, dtype=torch.float32)[None]
        res["resample 97656->96000"] = timeit(lambda: torchaudio.functional.resample(wav, 97656, 96000), reps=3)
        res["resample impl"] = "torchaudio"
    except ImportError:
        rk = resample_kernel(97656, 96000)
        res["resample 97656->96000"] = timeit(lambda: resample_dense(stim, *rk), reps=3)
        res["resample impl"] = "numpy dense float32"
    seg = stim.size // 8
    segs = [stim[k * seg:(k + 1) * seg - 37 * k] for k in range(8)]
    res["asari splice 8 x 1.25 s"] = timeit(lambda: splice(segs, 97656.0), reps=7)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
